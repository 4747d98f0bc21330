/**
 * Static checks of emulation commands, per executor, before anyone runs them:
 *
 * - `sh` / `bash`: the shell's own parser (`sh -n` / `bash -n`: reads the
 *   script, executes nothing);
 * - `powershell`: our checker — strings, comments, here-strings and the
 *   bracket structure balance; every command name is a known cmdlet, alias,
 *   a function or alias the script defines, a known program or an explicit
 *   path (a name may also come from code the script loads at run time — iex,
 *   Import-Module —, which is a warning, not a pass);
 * - `command_prompt`: our checker — quotes and parentheses balance, every
 *   program is a cmd built-in, a known program or an explicit path;
 * - all: no unfilled placeholders (`#{arg}`, `{{x}}`, `<IP_ADDRESS>`,
 *   `REPLACE_ME`…).
 */
import { spawnSync } from 'node:child_process';
import { CommandAnalyzer } from '../command/analyze.js';
import { baseName } from '../command/classify.js';
import { lexPowerShell } from '../command/lex-powershell.js';
import type { BinaryCatalog } from '../knowledge/catalog.js';
import { CODE_LOADERS, POWERSHELL_ALIASES, POWERSHELL_CMDLETS, POWERSHELL_FUNCTIONS, isVerbNoun } from '../knowledge/powershell.js';
import { CMD_BUILTINS } from '../knowledge/windows-binaries.js';
import type { AtomicExecutorName } from '../atomic/schema.js';

export interface CommandCheck {
  ok: boolean;
  checker: 'sh -n' | 'bash -n' | 'powershell static' | 'cmd static' | 'manual';
  errors: string[];
  warnings: string[];
}

const PLACEHOLDERS: Array<[RegExp, string]> = [
  [/#\{[^}\s]{1,80}\}/, 'an unfilled Atomic argument'],
  [/\{\{\s*[A-Za-z_][\w.-]{0,60}\s*\}\}/, 'an unfilled template placeholder'],
  // <IP_ADDRESS>, <TARGET HOST>, <USERNAME>: an upper-case name with a separator, or a word that names a value to fill in
  [/<(?:[A-Z][A-Z0-9]*[_ -])+[A-Z][A-Z0-9]*>|<(?:IP|HOST|HOSTNAME|USER|USERNAME|PASSWORD|PASS|DOMAIN|PATH|FILE|FILENAME|PORT|URL|TARGET|SERVER|TOKEN|EMAIL|SID|GUID|DC)>/, 'a placeholder in angle brackets'],
  [/\b(?:REPLACE_?ME|CHANGE_?ME|CHANGEME)\b/, 'a placeholder word'],
  [/\b(?:x{1,3}\.){3}x{1,3}\b/i, 'a placeholder address'],
];

export function placeholderProblems(text: string): string[] {
  const out: string[] = [];
  for (const [re, what] of PLACEHOLDERS) {
    const m = re.exec(text.length > 200_000 ? text.slice(0, 200_000) : text);
    if (m) out.push(`${what}: ${m[0]}`);
  }
  return out;
}

/** Syntax check with the shell's parser (`-n`: nothing runs). */
export function shellSyntax(text: string, shell: 'sh' | 'bash'): string[] {
  const res = spawnSync(shell === 'bash' ? 'bash' : 'sh', ['-n'], { input: text, encoding: 'utf8', timeout: 10_000, maxBuffer: 1024 * 1024, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C.UTF-8' } });
  if (res.error) return [`${shell} -n could not run: ${res.error.message}`];
  if (res.status === 0) return [];
  const msg = (res.stderr || `exit status ${res.status}`).trim().split('\n').slice(0, 3).join('; ');
  return [msg.replace(/^(?:sh|bash): /, '')];
}

export interface CheckContext {
  catalog: BinaryCatalog;
  /** Scripts that run before this one (an Atomic test's prerequisites): modules they install or import count as loaded code. */
  before?: readonly string[];
}

function knownNativeName(name: string, catalog: BinaryCatalog): boolean {
  const n = name.toLowerCase();
  return catalog.isKnownProgram(n) || catalog.isKnownProgram(n.endsWith('.exe') ? n : `${n}.exe`);
}

function looksLikePath(name: string): boolean {
  return /[\\/]/.test(name) || /^%[A-Za-z_]+%/.test(name) || /^\$\{?env:/i.test(name);
}

export function checkPowerShell(text: string, ctx: CheckContext): CommandCheck {
  const errors: string[] = [];
  const warnings: string[] = [];
  const lex = lexPowerShell(text);
  for (const p of lex.problems) errors.push(`${p.message} (offset ${p.offset})`);
  const loads =
    lex.commands.find((c) => CODE_LOADERS.has(c.name.toLowerCase()) || c.invokedBy === '.') ??
    (ctx.before ?? []).flatMap((b) => lexPowerShell(b).commands).find((c) => CODE_LOADERS.has(c.name.toLowerCase()));
  for (const c of lex.commands) {
    if (c.dynamic) continue;
    const name = c.name;
    const lower = name.toLowerCase().replace(/^[a-z]+:/, (m) => (m === 'global:' || m === 'script:' || m === 'local:' ? '' : m));
    if (POWERSHELL_CMDLETS.has(lower) || POWERSHELL_ALIASES.has(lower) || POWERSHELL_FUNCTIONS.has(lower)) continue;
    if (lex.definedFunctions.has(lower) || lex.definedFunctions.has(name.toLowerCase()) || lex.definedAliases.has(lower)) continue;
    if (looksLikePath(name) || /\.(?:exe|ps1|bat|cmd|com|vbs|js|msc|cpl)$/i.test(name) && looksLikePath(name)) continue;
    if (knownNativeName(name, ctx.catalog)) continue;
    if (loads && (isVerbNoun(name) || /^[A-Za-z][\w-]*$/.test(name))) {
      warnings.push(`${name} is not a known command; it may be defined by code loaded at run time (${loads.name}${lex.commands.includes(loads) ? '' : ' in a prerequisite'})`);
      continue;
    }
    if (isVerbNoun(name)) errors.push(`unknown cmdlet ${name} (not in the modules that ship with Windows, and the script defines or imports no such function)`);
    else errors.push(`unknown command ${name}`);
  }
  for (const p of placeholderProblems(text)) errors.push(p);
  return { ok: errors.length === 0, checker: 'powershell static', errors, warnings };
}

export function checkCmd(text: string, ctx: CheckContext): CommandCheck {
  const errors: string[] = [];
  const warnings: string[] = [];
  const a = CommandAnalyzer.analyze(text, 'cmd', { platform: 'windows' });
  for (const p of a.problems) errors.push(`${p.message} (offset ${p.offset})`);
  const labels = new Set([...text.matchAll(/^\s*:(\w+)/gm)].map((m) => m[1]!.toLowerCase()));
  /** Files the script names before running them (`certutil -decode b.txt c.exe & start c.exe`). */
  const named = new Set<string>();
  for (const inv of a.invocations) {
    const before = [...named];
    for (const p of [...inv.positionals.map((x) => x.text), ...Object.values(inv.options), ...inv.redirects]) named.add(baseName(p.replace(/^["']|["']$/g, '')).toLowerCase());
    if (before.includes(baseName(inv.program).toLowerCase())) continue;
    if (inv.shell !== 'cmd') continue; // nested PowerShell was checked by its own rules below
    const prog = inv.program.replace(/^@/, '');
    const lower = prog.toLowerCase();
    if (inv.builtin || CMD_BUILTINS.has(lower)) continue;
    if (lower.startsWith(':') || lower === '::' || (lower.startsWith('goto') && labels.size > 0)) continue;
    if (looksLikePath(prog)) continue;
    if (knownNativeName(prog, ctx.catalog)) continue;
    // a document or script run through its file association (`AtomicTest.vbs`, `eventvwr.msc`)
    if (/\.(?:vbs|vbe|js|jse|wsf|wsh|hta|bat|cmd|ps1|lnk|msc|cpl|url|reg|inf|lnk|txt|html?)$/i.test(prog)) continue;
    errors.push(`unknown program ${prog}`);
  }
  for (const s of a.scripts) {
    const ps = checkPowerShell(s.text, ctx);
    errors.push(...ps.errors.map((e) => `in the PowerShell command: ${e}`));
    warnings.push(...ps.warnings.map((w) => `in the PowerShell command: ${w}`));
  }
  for (const p of placeholderProblems(text)) if (!errors.includes(p)) errors.push(p);
  return { ok: errors.length === 0, checker: 'cmd static', errors: [...new Set(errors)], warnings };
}

export function checkCommand(text: string, executor: AtomicExecutorName, ctx: CheckContext): CommandCheck {
  switch (executor) {
    case 'sh':
    case 'bash': {
      const errors = [...shellSyntax(text, executor), ...placeholderProblems(text)];
      return { ok: errors.length === 0, checker: executor === 'bash' ? 'bash -n' : 'sh -n', errors, warnings: [] };
    }
    case 'powershell':
      return checkPowerShell(text, ctx);
    case 'command_prompt':
      return checkCmd(text, ctx);
    case 'manual': {
      const errors = placeholderProblems(text).filter((p) => p.startsWith('an unfilled Atomic'));
      return { ok: errors.length === 0, checker: 'manual', errors, warnings: ['manual steps: nothing to parse'] };
    }
  }
}
