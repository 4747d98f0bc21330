/**
 * Is a line (or a code span) a command? Reports quote commands on their own
 * lines, after prompts, or in code spans; the segmenter keeps such lines whole
 * and procedure extraction attaches them to techniques. Token-based checks
 * only (no backtracking regexes over attacker text).
 */

/** Executables and shell built-ins that commonly start a quoted command line. */
const COMMAND_NAMES = new Set(
  (
    'cmd powershell pwsh wmic net net1 schtasks at reg regsvr32 rundll32 mshta certutil bitsadmin vssadmin wevtutil bcdedit ' +
    'nltest whoami ipconfig systeminfo tasklist taskkill sc curl wget bash sh zsh chmod chown crontab nohup python python3 perl ' +
    'ruby php nc ncat netcat socat ssh scp sftp copy xcopy robocopy del erase attrib icacls cacls takeown netsh mimikatz procdump ' +
    'psexec psexec64 paexec start msiexec cscript wscript ping nslookup arp route quser qwinsta query dsquery adfind csvde ldifde ntdsutil ' +
    'esentutl forfiles expand makecab tar 7z 7za rar winrar base64 openssl sudo su useradd usermod userdel passwd systemctl service ' +
    'launchctl osascript defaults security kill pkill killall ps id uname cat ls dir find findstr grep awk sed iptables ufw rm mv cp ' +
    'mkdir touch echo export set setx msbuild installutil regasm regsvcs cmstp odbcconf mavinject wuauclt bash.exe conhost ' +
    'fsutil cipher diskshadow wbadmin vssvc gpupdate klist setspn dsget gpresult auditpol secedit tscon mstsc ' +
    'rclone megacmd ngrok plink pscp anydesk teamviewer certreq nbtstat net.exe hostname getmac wevtutil.exe ' +
    'invoke-expression iex invoke-webrequest iwr invoke-restmethod irm invoke-command invoke-wmimethod ' +
    'get-wmiobject gwmi get-ciminstance get-process get-service get-childitem gci get-content gc get-aduser get-adcomputer get-adgroupmember ' +
    'set-mppreference add-mppreference set-itemproperty new-itemproperty new-item new-object new-service new-scheduledtask register-scheduledtask ' +
    'start-process start-bitstransfer remove-item copy-item compress-archive expand-archive add-type import-module invoke-mimikatz ' +
    'vssadmin.exe jq docker kubectl chattr history unset crontab.exe launchd xattr spctl csrutil dscl sqlite3 mysql psql'
  ).split(' '),
);

const EXE_SUFFIX = /\.(?:exe|com|bat|cmd|ps1|vbs|js|sh|py|msi)$/;

/** The command name a token stands for (`C:\Windows\System32\cmd.exe` → `cmd`), lower-cased. */
export function commandName(token: string): string {
  let t = token.replace(/^["'`(]+|["'`),;]+$/g, '').toLowerCase();
  const slash = Math.max(t.lastIndexOf('\\'), t.lastIndexOf('/'));
  if (slash >= 0) t = t.slice(slash + 1);
  return t.replace(/\.exe$/, '');
}

export function isCommandName(token: string): boolean {
  const n = commandName(token);
  return COMMAND_NAMES.has(n) || (EXE_SUFFIX.test(token.toLowerCase()) && !/\s/.test(token));
}

/** A well-known system binary or shell (`cmd.exe`, `powershell.exe`, `rundll32`): a tool, not an indicator. */
export function isSystemBinary(name: string): boolean {
  const lower = name.toLowerCase();
  if (/[\\/]/.test(lower)) return false;
  const ext = lower.includes('.') ? lower.slice(lower.lastIndexOf('.') + 1) : '';
  return (ext === '' || ext === 'exe') && COMMAND_NAMES.has(commandName(lower));
}

const PROMPT = /^(?:PS [A-Za-z]:\\[^>]{0,200}>|[A-Za-z]:\\[^>\s]{0,200}>|\$ |# |> |root@[\w.-]{1,64}:[^$#]{0,200}[$#] |\w{1,32}@[\w.-]{1,64}:[^$#]{0,200}\$ )/;

function isFlag(tok: string): boolean {
  return /^(?:--?[A-Za-z0-9][\w-]*[:=]?|\/[A-Za-z?][\w:-]{0,20})$/.test(tok);
}

/**
 * A whole line that reads as a command: a prompt, or a known executable
 * followed by flags, paths, pipes or redirections (and not English prose).
 */
export function looksLikeCommand(line: string): boolean {
  const s = line.trim();
  if (s.length < 2 || s.length > 4000) return false;
  if (PROMPT.test(s)) return true;
  const tokens = s.split(/\s+/, 40);
  const first = tokens[0]!;
  if (!isCommandName(first)) return false;
  if (tokens.length === 1) return !/[.!?]$/.test(first) || EXE_SUFFIX.test(first.toLowerCase());
  let technical = 0;
  let words = 0;
  for (const t of tokens.slice(1)) {
    if (isFlag(t) || /[\\|<>&=$%"]/.test(t) || /^[\w.-]+\.\w{2,4}$/.test(t) || /^\d+$/.test(t)) technical++;
    else if (/^[a-z]{3,}[,.]?$/.test(t)) words++;
  }
  // "net income rose sharply." is prose; "net group "Domain Admins" /domain" is a command.
  if (technical === 0) return tokens.length <= 4 && !/[.!?]$/.test(s) && words <= 2;
  return words <= technical * 3 + 2 && !/[a-z]{3,}\.$/.test(s);
}

/** The interpreter a command line is written for, when its first word says so. */
export function interpreterOf(command: string): 'cmd' | 'powershell' | 'sh' | 'bash' | 'python' | 'wmic' | 'other' {
  const s = command.trim().replace(PROMPT, '');
  const first = commandName(s.split(/\s+/, 1)[0] ?? '');
  if (first === 'powershell' || first === 'pwsh' || /^[a-z]+-[a-z]+$/.test(first) || first === 'iex') return 'powershell';
  if (first === 'cmd') return 'cmd';
  if (first === 'wmic') return 'wmic';
  if (first === 'bash') return 'bash';
  if (first === 'sh' || first === 'zsh') return 'sh';
  if (first === 'python' || first === 'python3') return 'python';
  if (/^PS [A-Za-z]:\\/.test(command.trim())) return 'powershell';
  if (/^[A-Za-z]:\\[^>]*>/.test(command.trim())) return 'cmd';
  if (/^(?:\$ |# |\w+@)/.test(command.trim())) return 'sh';
  const winish = ['net', 'net1', 'schtasks', 'reg', 'rundll32', 'regsvr32', 'certutil', 'bitsadmin', 'vssadmin', 'wevtutil', 'bcdedit', 'nltest', 'whoami', 'ipconfig', 'systeminfo', 'tasklist', 'taskkill', 'sc', 'mshta', 'copy', 'xcopy', 'del', 'attrib', 'icacls', 'netsh', 'msiexec', 'cscript', 'wscript', 'dsquery', 'adfind', 'ntdsutil', 'esentutl', 'forfiles', 'findstr'];
  if (winish.includes(first)) return 'cmd';
  const nixish = ['curl', 'wget', 'chmod', 'chown', 'crontab', 'nohup', 'cat', 'ls', 'grep', 'awk', 'sed', 'rm', 'mv', 'cp', 'mkdir', 'touch', 'sudo', 'systemctl', 'useradd', 'iptables', 'uname', 'id', 'ps', 'kill', 'pkill', 'launchctl', 'osascript', 'chattr'];
  if (nixish.includes(first)) return 'sh';
  return 'other';
}

/** A command quoted in a report: a command line, a code block, or command-like inline code. */
export interface FoundCommand {
  text: string;
  start: number;
  end: number;
  interpreter: ReturnType<typeof interpreterOf>;
  kind: 'command-line' | 'code-block' | 'inline-code';
}

/** Every command the report quotes, in text order (code blocks kept whole). */
export function extractCommands(report: { text: string; sentences: { start: number; end: number; kind: string }[]; inlineCode: { start: number; end: number }[] }): FoundCommand[] {
  const out: FoundCommand[] = [];
  for (const s of report.sentences) {
    if (s.kind !== 'command' && s.kind !== 'code') continue;
    const text = report.text.slice(s.start, s.end);
    out.push({ text, start: s.start, end: s.end, interpreter: interpreterOf(text), kind: s.kind === 'command' ? 'command-line' : 'code-block' });
  }
  for (const c of report.inlineCode) {
    const raw = report.text.slice(c.start, c.end);
    const text = raw.trim();
    if (text.length < 3 || !/\s/.test(text) || !looksLikeCommand(text)) continue;
    const start = c.start + (raw.length - raw.trimStart().length);
    out.push({ text, start, end: start + text.length, interpreter: interpreterOf(text), kind: 'inline-code' });
  }
  return out.sort((a, b) => a.start - b.start);
}
