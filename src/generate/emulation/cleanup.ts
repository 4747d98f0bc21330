/**
 * Undoing a report command: what it creates — a scheduled task, a registry
 * value, a service, an account, a downloaded file, a cron entry — is removed
 * by the matching command. Names come from the analysed command and are
 * re-quoted for the shell (only names of safe characters are used; anything
 * else is left to the operator). Elevation: what the command touches
 * (HKLM, services, shadow copies, sudo) says whether it needs admin rights.
 */
import { CommandAnalyzer, inferShell } from '../command/analyze.js';
import type { AtomicExecutorName } from '../atomic/schema.js';
import type { Platform } from '../command/analyze.js';

const SAFE = /^[A-Za-z0-9_.\\/:@+=,~ -]{1,260}$/;

function q(v: string, executor: AtomicExecutorName): string | undefined {
  const t = v.trim().replace(/^["']+|["']+$/g, '');
  if (!SAFE.test(t) || t.startsWith('-')) return undefined;
  if (executor === 'sh' || executor === 'bash') return `'${t}'`;
  if (executor === 'powershell') return `'${t}'`;
  return t.includes(' ') ? `"${t}"` : t;
}

export function cleanupFor(text: string, executor: AtomicExecutorName, platform: Platform): string | undefined {
  if (executor === 'manual') return undefined;
  const shell = executor === 'powershell' ? 'powershell' : executor === 'command_prompt' ? 'cmd' : 'sh';
  const a = CommandAnalyzer.analyze(text, inferShell(text, shell), { platform });
  const out: string[] = [];
  const ps = executor === 'powershell';
  const cmdRun = (c: string): string => c; // native commands read the same from cmd and PowerShell
  for (const inv of a.invocations) {
    const pos = inv.positionals;
    const opt = inv.options;
    if (inv.name === 'schtasks.exe' && inv.switches.includes('/create') && opt['tn']) {
      const n = q(opt['tn'], executor === 'powershell' ? 'command_prompt' : executor);
      if (n) out.push(cmdRun(`schtasks /delete /tn ${n} /f`));
    } else if (inv.name === 'reg.exe' && pos[0]?.text.toLowerCase() === 'add' && pos[1]) {
      const key = q(pos[1].text, 'command_prompt');
      const v = opt['v'] !== undefined ? q(opt['v'], 'command_prompt') : undefined;
      if (key) out.push(cmdRun(v ? `reg delete ${key} /v ${v} /f` : `reg delete ${key} /f`));
    } else if (inv.name === 'sc.exe' && pos[0]?.text.toLowerCase() === 'create' && pos[1]) {
      const n = q(pos[1].text, 'command_prompt');
      if (n) out.push(cmdRun(`sc delete ${n}`));
    } else if ((inv.name === 'net.exe' || inv.name === 'net1.exe') && pos[0]?.text.toLowerCase() === 'user' && inv.switches.includes('/add') && pos[1]) {
      const n = q(pos[1].text, 'command_prompt');
      if (n) out.push(cmdRun(`net user ${n} /delete`));
    } else if (inv.name === 'useradd' && pos.length > 0) {
      const n = q(pos[pos.length - 1]!.text, executor);
      if (n) out.push(`userdel -r ${n} 2>/dev/null || true`);
    } else if (inv.name === 'new-service' && (opt['name'] ?? pos[0]?.text)) {
      const n = q(opt['name'] ?? pos[0]!.text, 'powershell');
      if (n) out.push(`sc.exe delete ${n}`);
    } else if (inv.name === 'register-scheduledtask' && (opt['taskname'] ?? pos[0]?.text)) {
      const n = q(opt['taskname'] ?? pos[0]!.text, 'powershell');
      if (n) out.push(`Unregister-ScheduledTask -TaskName ${n} -Confirm:$false`);
    }
    // files a download writes
    const written = [...Object.entries(opt).filter(([k]) => ['outfile', 'o', 'output', 'O'].includes(k)).map(([, v]) => v)];
    const urlAt = pos.findIndex((x) => x.kind === 'url');
    if (urlAt >= 0) for (const x of pos.slice(urlAt + 1)) if (x.kind === 'path') written.push(x.text);
    for (const w of written) {
      const f = q(w, executor);
      if (!f) continue;
      if (executor === 'sh' || executor === 'bash') out.push(`rm -f ${f}`);
      else if (ps) out.push(`Remove-Item -Force -ErrorAction Ignore ${f}`);
      else out.push(`del /f /q ${f} >nul 2>&1`);
    }
  }
  const unique = [...new Set(out)];
  return unique.length > 0 ? unique.join('\n') : undefined;
}

export function elevationFor(text: string, executor: AtomicExecutorName): boolean {
  if (executor === 'sh' || executor === 'bash') return /(^|[\s;&|(])sudo\s|\/etc\/(?:shadow|sudoers|cron|systemd|passwd)|\buseradd\b|\bsystemctl\b|\biptables\b|\bchattr\b/.test(text);
  return /\bHKLM\b|HKEY_LOCAL_MACHINE|\bvssadmin\b|\bwbadmin\b|\bbcdedit\b|\bwevtutil\s+cl\b|\bsc(?:\.exe)?\s+(?:create|config|delete|stop)\b|\bnet1?(?:\.exe)?\s+(?:user\s+\S+\s+\S*\s*\/add|localgroup)|\/ru\s+"?system\b|\bSet-MpPreference\b|\bNew-Service\b|\blsass\b/i.test(text);
}
