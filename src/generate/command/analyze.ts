/**
 * Command text → the program invocations it causes. A report's command line
 * (or an Atomic test's command) is read in its shell; each simple command
 * becomes an `Invocation` (program, switches, positional words), builtins and
 * cmdlets are marked (they start no process), and nested command lines are
 * followed: `cmd /c …`, `powershell -Command …` / `-EncodedCommand …`
 * (decoded), `sh -c …`, `wmic process call create …`, `Start-Process`,
 * `$(…)` substitutions. The result says what process-creation telemetry the
 * command would produce and which words generalise.
 */
import { baseName, classifyArg, dirName, type ArgKind } from './classify.js';
import { lexCmd } from './lex-cmd.js';
import { lexPowerShell, type PsCommand } from './lex-powershell.js';
import { lexSh } from './lex-sh.js';
import type { LexProblem, Shell, SimpleCommand, Word } from './types.js';
import { CMD_BUILTINS } from '../knowledge/windows-binaries.js';
import { POWERSHELL_ALIASES, POWERSHELL_CMDLETS, POWERSHELL_FUNCTIONS } from '../knowledge/powershell.js';

export type Platform = 'windows' | 'linux' | 'macos';

export interface ArgInfo {
  text: string;
  kind: ArgKind;
}

export interface Invocation {
  shell: Shell;
  platform: Platform;
  /** The program as written (`certutil`, `C:\x\y.exe`, `./run.sh`, `Get-ChildItem`). */
  program: string;
  /** File name, lower case; `.exe` added on Windows when a bare name has no extension. */
  name: string;
  /** Folder when the program was given with one. */
  dir?: string;
  /** A shell builtin or PowerShell cmdlet/function/alias: runs inside the shell, no process of its own. */
  builtin: boolean;
  /** The command line as the new process would see it (program and arguments). */
  commandLine: string;
  /** Switches, lower case as written (`-urlcache`, `/create`, `--output`), without `:value` / `=value`. */
  switches: string[];
  /** Words that are not switches, in order, classified. */
  positionals: ArgInfo[];
  /** Values of switches that take one (`/tn NAME` → tn: NAME), lower-case keys. */
  options: Record<string, string>;
  /** Redirection targets (files written or read). */
  redirects: string[];
  /** The interpreter whose command line started this one (cmd /c, powershell -c, sh -c…). */
  parent?: Invocation;
  depth: number;
  /** Run through sudo / doas. */
  elevated: boolean;
  /** PowerShell: the script this invocation runs (`-Command`, decoded `-EncodedCommand`). */
  script?: { text: string; encoded: boolean };
}

export interface Analysis {
  invocations: Invocation[];
  /** PowerShell script texts seen (top level or nested), for script-block rules. */
  scripts: { text: string; encoded: boolean; invocation?: Invocation }[];
  problems: LexProblem[];
  shell: Shell;
}

const MAX_DEPTH = 4;
const MAX_INVOCATIONS = 200;

const SH_BUILTINS = new Set(
  'cd echo export set unset read source . eval exit return shift test [ [[ true false printf alias unalias trap wait umask ulimit type hash local declare typeset readonly let pwd kill history jobs fg bg : getopts command builtin exec times shopt enable mapfile readarray'.split(' '),
);
/** Words before the real program that only change how it runs. */
const SH_PREFIXES = new Set(['sudo', 'doas', 'nohup', 'env', 'exec', 'time', 'timeout', 'nice', 'ionice', 'command', 'builtin', 'setsid', 'stdbuf', 'chroot', 'xargs']);
/** Options of those prefixes that take a value. */
const SH_PREFIX_VALUE_OPTS = new Set(['-u', '-g', '-n', '-c', '-s', '-k', '-p', '-C', '-U', '-h', '-D', '-r', '-t', '-I', '-L', '-P', '-d', '-E']);
const SHELLS_SH = new Set(['sh', 'bash', 'zsh', 'dash', 'ksh', 'ash', 'busybox']);
const POWERSHELLS = new Set(['powershell.exe', 'pwsh.exe', 'powershell_ise.exe', 'pwsh', 'powershell']);

/** Switches (cmd/Windows style and Unix style) of a word, or undefined when it is a value. */
function switchOf(w: string, platform: Platform): string | undefined {
  if (w.length < 2 || w.length > 60) return undefined;
  const c = w[0]!;
  const dashes = c === '-' || c === '\u2013' || c === '\u2014';
  const slash = c === '/' && platform === 'windows';
  if (!dashes && !slash) return undefined;
  if (slash && /\//.test(w.slice(1))) return undefined; // a Unix-looking path, not a switch
  if (dashes && /^-\d+(\.\d+)?$/.test(w)) return undefined; // a negative number
  const body = w.replace(/^[-/\u2013\u2014]+/, '');
  if (!/^[A-Za-z?]/.test(body)) return undefined;
  const cut = body.search(/[:=]/);
  const name = cut > 0 ? body.slice(0, cut) : body;
  const prefix = w.slice(0, w.length - body.length).replace(/[\u2013\u2014]/g, '-');
  return (prefix + name).toLowerCase();
}

function programName(program: string, platform: Platform, builtin: boolean): { name: string; dir?: string } {
  const unq = program.replace(/^["']|["']$/g, '');
  const name = baseName(unq).toLowerCase();
  const dir = dirName(unq);
  const withExt = platform === 'windows' && !builtin && name !== '' && !name.includes('.') ? `${name}.exe` : name;
  return dir !== undefined ? { name: withExt, dir } : { name: withExt };
}

/** PowerShell accepts any unambiguous prefix of its parameters; these are the ones that matter here. */
function psHostParam(p: string): 'command' | 'encoded' | 'file' | 'valued' | 'flag' | undefined {
  const s = p.replace(/^[-/\u2013\u2014]+/, '').toLowerCase();
  if (s === '') return undefined;
  if (s === 'ep' || (s.startsWith('ex') && 'executionpolicy'.startsWith(s))) return 'valued';
  if (s.length > 8 && 'encodedarguments'.startsWith(s)) return 'valued';
  if (s === 'ec' || 'encodedcommand'.startsWith(s)) return 'encoded'; // -e, -en, -enc, …
  if ('command'.startsWith(s)) return 'command'; // -c, -co, -com, …
  if ('file'.startsWith(s)) return 'file';
  const valued = ['windowstyle', 'version', 'inputformat', 'outputformat', 'psconsolefile', 'configurationname', 'workingdirectory', 'settingsfile', 'custompipename'];
  if (s === 'w' || s === 'v' || s === 'wd' || valued.some((x) => s.length >= 2 && x.startsWith(s))) return 'valued';
  return 'flag';
}

/** Decode a PowerShell -EncodedCommand (base64 of UTF-16LE); undefined when it is not one. */
export function decodeEncodedCommand(b64: string): string | undefined {
  const clean = b64.replace(/^["']|["']$/g, '');
  if (!/^[A-Za-z0-9+/=]{4,}$/.test(clean) || clean.length > 256 * 1024) return undefined;
  const buf = Buffer.from(clean, 'base64');
  if (buf.length < 2) return undefined;
  const text = buf.subarray(0, buf.length - (buf.length % 2)).toString('utf16le');
  // mostly printable text, or it was not UTF-16LE
  let printable = 0;
  for (const ch of text) if (ch === '\n' || ch === '\r' || ch === '\t' || (ch >= ' ' && ch !== '\ufffd')) printable++;
  return printable >= text.length * 0.9 ? text : undefined;
}

export interface AnalyzeOptions {
  platform?: Platform;
}

export class CommandAnalyzer {
  private invocations: Invocation[] = [];
  private scripts: Analysis['scripts'] = [];
  private problems: LexProblem[] = [];

  static analyze(text: string, shell: Shell, opts: AnalyzeOptions = {}): Analysis {
    const a = new CommandAnalyzer();
    const platform: Platform = opts.platform ?? (shell === 'sh' ? 'linux' : 'windows');
    a.run(text, shell, platform, undefined, 0);
    return { invocations: a.invocations, scripts: a.scripts, problems: a.problems, shell };
  }

  private run(text: string, shell: Shell, platform: Platform, parent: Invocation | undefined, depth: number): void {
    if (depth > MAX_DEPTH || this.invocations.length >= MAX_INVOCATIONS) return;
    if (shell === 'cmd') this.runCmd(text, platform, parent, depth);
    else if (shell === 'powershell') this.runPowerShell(text, platform, parent, depth, false);
    else this.runSh(text, platform, parent, depth);
  }

  private add(inv: Invocation): Invocation {
    if (this.invocations.length < MAX_INVOCATIONS) this.invocations.push(inv);
    return inv;
  }

  private build(shell: Shell, platform: Platform, programWord: string, args: Word[], redirects: Word[], raw: string, parent: Invocation | undefined, depth: number, builtin: boolean, elevated = false): Invocation {
    const { name, dir } = programName(programWord, platform, builtin);
    const switches: string[] = [];
    const positionals: ArgInfo[] = [];
    const options: Record<string, string> = {};
    for (let k = 0; k < args.length; k++) {
      const w = args[k]!;
      const sw = w.quoted ? undefined : switchOf(w.text, platform);
      if (sw !== undefined) {
        if (!switches.includes(sw)) switches.push(sw);
        const inline = /^[^:=]+[:=](.+)$/s.exec(w.text);
        if (inline) options[sw.replace(/^[-/]+/, '')] = inline[1]!;
        else {
          const next = args[k + 1];
          if (next && (next.quoted || switchOf(next.text, platform) === undefined)) options[sw.replace(/^[-/]+/, '')] ??= next.text;
        }
        continue;
      }
      positionals.push({ text: w.text, kind: classifyArg(w.text) });
    }
    const inv: Invocation = {
      shell,
      platform,
      program: programWord,
      name,
      builtin,
      commandLine: raw,
      switches,
      positionals,
      options,
      redirects: redirects.map((r) => r.text),
      depth,
      elevated,
    };
    if (dir !== undefined) inv.dir = dir;
    if (parent) inv.parent = parent;
    return inv;
  }

  // ------------------------------------------------------------------ cmd

  private runCmd(text: string, platform: Platform, parent: Invocation | undefined, depth: number): void {
    const lex = lexCmd(text);
    this.problems.push(...lex.problems);
    for (const c of lex.commands) this.cmdCommand(c, text, platform, parent, depth);
  }

  private cmdCommand(c: SimpleCommand, text: string, platform: Platform, parent: Invocation | undefined, depth: number): void {
    let words = c.words;
    if (words.length === 0) return;
    let first = words[0]!;
    if (first.text.startsWith('@')) first = { ...first, text: first.text.slice(1) };
    let lower = first.text.toLowerCase();
    if (lower === 'else' && words.length > 1) {
      this.runCmd(text.slice(words[1]!.start, c.end), platform, parent, depth);
      return;
    }
    if (lower === 'else' || lower === 'do') return;
    // `if …` and `for … do` wrap a command: analyse the wrapped one
    if (lower === 'if') {
      let k = 1;
      if (words[k]?.text.toLowerCase() === '/i') k++;
      if (words[k]?.text.toLowerCase() === 'not') k++;
      const kw = words[k]?.text.toLowerCase();
      if (kw === 'exist' || kw === 'defined' || kw === 'errorlevel' || kw === 'cmdextversion') k += 2;
      else if (words[k]?.text.includes('==')) k += 1;
      else k += 3; // a op b
      const rest = words[k];
      if (rest) this.runCmd(text.slice(rest.start, c.end), platform, parent, depth);
      return;
    }
    if (lower === 'for') {
      const doIdx = words.findIndex((w, k) => k > 0 && w.text.toLowerCase() === 'do');
      const rest = doIdx >= 0 ? words[doIdx + 1] : undefined;
      if (rest) this.runCmd(text.slice(rest.start, c.end), platform, parent, depth);
      return;
    }
    if (lower === 'start' && words.length > 1) {
      // start ["title"] [/b /min /wait …] program args
      let k = 1;
      if (words[k]!.quoted && words[k]!.raw.startsWith('"')) k++;
      while (k < words.length && /^\//.test(words[k]!.text) && !words[k]!.quoted) k++;
      const prog = words[k];
      this.add(this.build('cmd', platform, 'start', words.slice(1), c.redirects, c.raw, parent, depth, true));
      if (prog) this.runCmd(text.slice(prog.start, c.end), platform, parent, depth);
      return;
    }
    words = [first, ...words.slice(1)];
    lower = baseName(first.text).toLowerCase();
    // `echo.` `echo:` `echo(` are echo; `%i`, `%var:~1%` are variables holding the program
    const builtin = (CMD_BUILTINS.has(lower) && first.text === baseName(first.text)) || /^echo[.:(/\\+,;=[\]]/.test(lower) || first.text.startsWith('%') || first.text.startsWith('!');
    const inv = this.add(this.build('cmd', platform, first.text, ownArgs(baseName(first.text).toLowerCase(), words), c.redirects, c.raw, parent, depth, builtin));
    if (builtin) return;
    this.followNested(inv, words, text, c, platform, depth);
  }

  /** Nested command lines of a program started from cmd (or as a process command line). */
  private followNested(inv: Invocation, words: Word[], text: string, c: SimpleCommand, platform: Platform, depth: number): void {
    const name = inv.name;
    if (name === 'cmd.exe') {
      const k = words.findIndex((w, i) => i > 0 && /^\/[ckr](?:$|")/i.test(w.raw));
      if (k > 0) {
        const sw = words[k]!;
        // `/c"cmd"` with no space is legal
        let nested = sw.raw.length > 2 ? text.slice(sw.start + 2, c.end) : text.slice(sw.end, c.end);
        nested = nested.trim();
        if (nested.startsWith('"') && nested.endsWith('"') && nested.length >= 2) nested = nested.slice(1, -1);
        this.run(nested, 'cmd', platform, inv, depth + 1);
      }
      return;
    }
    if (POWERSHELLS.has(name)) {
      this.powershellHost(inv, words.slice(1), text, c, platform, depth);
      return;
    }
    if (name === 'wmic.exe') {
      const k = words.findIndex((w) => w.text.toLowerCase() === 'create');
      if (k > 0 && words[k - 1]?.text.toLowerCase() === 'call' && words[k + 1]) {
        const n = words[k + 1]!;
        this.run(n.quoted ? n.text : text.slice(n.start, c.end), 'cmd', platform, inv, depth + 1);
      }
      return;
    }
    if (name === 'psexec.exe' || name === 'psexec64.exe' || name === 'paexec.exe') {
      const cut = launcherCut(name, words);
      const n = cut !== undefined ? words[cut] : undefined;
      if (n) this.run(text.slice(n.start, c.end), 'cmd', platform, inv, depth + 1);
      return;
    }
    if (name === 'forfiles.exe') {
      const k = words.findIndex((w) => /^[/-]c$/i.test(w.text));
      const n = k > 0 ? words[k + 1] : undefined;
      if (n) this.run(n.text.replace(/0x22/gi, '"'), 'cmd', platform, inv, depth + 1);
    }
  }

  private powershellHost(inv: Invocation, args: Word[], text: string, c: SimpleCommand, platform: Platform, depth: number): void {
    for (let k = 0; k < args.length; k++) {
      const w = args[k]!;
      const isParam = !w.quoted && /^[-/\u2013\u2014]/.test(w.text);
      if (!isParam) {
        // the first positional argument is the command (PowerShell's default)
        const script = text.slice(w.start, c.end).trim();
        this.nestedScript(inv, script, false, platform, depth);
        return;
      }
      const kind = psHostParam(w.text);
      if (kind === 'encoded') {
        const n = args[k + 1];
        const decoded = n ? decodeEncodedCommand(n.text) : undefined;
        if (decoded !== undefined) this.nestedScript(inv, decoded, true, platform, depth);
        return;
      }
      if (kind === 'command') {
        const n = args[k + 1];
        if (!n) return;
        let script = text.slice(n.start, c.end).trim();
        if (args.length === k + 2 && n.quoted) script = n.text;
        this.nestedScript(inv, script, false, platform, depth);
        return;
      }
      if (kind === 'file') return;
      if (kind === 'valued') k++;
    }
  }

  private nestedScript(inv: Invocation, script: string, encoded: boolean, platform: Platform, depth: number): void {
    inv.script = { text: script, encoded };
    this.runPowerShell(script, platform, inv, depth + 1, encoded);
  }

  // ------------------------------------------------------------------ PowerShell

  private runPowerShell(text: string, platform: Platform, parent: Invocation | undefined, depth: number, encoded: boolean): void {
    if (depth > MAX_DEPTH) return;
    const lex = lexPowerShell(text);
    this.problems.push(...lex.problems);
    this.scripts.push(parent ? { text, encoded, invocation: parent } : { text, encoded });
    for (const cmd of lex.commands) this.psCommand(cmd, text, platform, parent, depth, lex.definedFunctions);
  }

  private psCommand(cmd: PsCommand, text: string, platform: Platform, parent: Invocation | undefined, depth: number, defined: Set<string>): void {
    if (cmd.dynamic) return;
    const lower = cmd.name.toLowerCase();
    const isCmdlet = POWERSHELL_CMDLETS.has(lower) || POWERSHELL_ALIASES.has(lower) || POWERSHELL_FUNCTIONS.has(lower) || defined.has(lower) || (/^[a-z]+-[a-z0-9]+$/i.test(cmd.name) && !/\.[a-z0-9]{1,4}$/i.test(cmd.name));
    const end = Math.min(text.length, this.statementEnd(text, cmd));
    const raw = text.slice(cmd.start, end).trim();
    const words: Word[] = cmd.elements.map((e) => (e.kind === 'param' ? { text: '-' + e.text, raw: '-' + e.text, start: 0, end: 0, quoted: false } : { text: e.text, raw: e.text, start: 0, end: 0, quoted: true }));
    const inv = this.add(this.build('powershell', platform, cmd.name, words, [], raw, parent, depth, isCmdlet));
    if (isCmdlet) {
      if ((lower === 'start-process' || lower === 'saps' || lower === 'start') && cmd.arguments.length > 0) {
        const file = inv.options['filepath'] ?? cmd.arguments[0]!;
        const argList = inv.options['argumentlist'] ?? cmd.arguments.slice(1).join(' ');
        this.processFrom(file, argList, platform, inv, depth);
      }
      return;
    }
    // a native program run from PowerShell: its arguments as the process sees them
    const args = text.slice(cmd.end, end);
    this.reparseNative(inv, cmd.name, args, platform, depth);
  }

  /** Where the statement holding `cmd` ends (next `;`, `|` or newline at the same nesting), approximately. */
  private statementEnd(text: string, cmd: PsCommand): number {
    let depth = 0;
    let quote: string | undefined;
    for (let i = cmd.end; i < text.length; i++) {
      const ch = text[i]!;
      if (quote) {
        if (ch === '`') i++;
        else if (ch === quote) quote = undefined;
        continue;
      }
      if (ch === '"' || ch === "'") quote = ch;
      else if (ch === '(' || ch === '{' || ch === '[') depth++;
      else if (ch === ')' || ch === '}' || ch === ']') {
        if (depth === 0) return i;
        depth--;
      } else if (depth === 0 && (ch === ';' || ch === '|' || ch === '\n')) return i;
      else if (ch === '`') i++;
    }
    return text.length;
  }

  /** Re-read a native program's argument text with cmd rules (how CreateProcess splits it, closely enough). */
  private reparseNative(inv: Invocation, program: string, argText: string, platform: Platform, depth: number): void {
    const lex = lexCmd(`${program.includes(' ') ? `"${program}"` : program} ${argText}`);
    const c = lex.commands[0];
    if (!c) return;
    const rebuilt = this.build('powershell', platform, program, ownArgs(baseName(program).toLowerCase(), c.words), c.redirects, inv.commandLine, inv.parent, depth, false);
    Object.assign(inv, { switches: rebuilt.switches, positionals: rebuilt.positionals, options: rebuilt.options });
    this.followNested(inv, c.words, lex.commands.length > 0 ? `${program.includes(' ') ? `"${program}"` : program} ${argText}` : '', c, platform, depth);
  }

  private processFrom(file: string, argList: string, platform: Platform, parent: Invocation, depth: number): void {
    const line = `${file.includes(' ') ? `"${file}"` : file}${argList ? ' ' + argList : ''}`;
    this.run(line, 'cmd', platform, parent, depth + 1);
  }

  // ------------------------------------------------------------------ sh

  private runSh(text: string, platform: Platform, parent: Invocation | undefined, depth: number): void {
    const lex = lexSh(text);
    this.problems.push(...lex.problems);
    for (const c of lex.commands) this.shCommand(c, text, platform, parent, depth);
    for (const s of lex.substitutions) this.run(s, 'sh', platform, parent, depth + 1);
  }

  private shCommand(c: SimpleCommand, text: string, platform: Platform, parent: Invocation | undefined, depth: number): void {
    let k = 0;
    const words = c.words;
    let elevated = false;
    // variable assignments and prefixes
    while (k < words.length) {
      const w = words[k]!;
      if (!w.quoted && /^[A-Za-z_][A-Za-z0-9_]*=/.test(w.text)) {
        k++;
        continue;
      }
      const b = baseName(w.text);
      if (SH_PREFIXES.has(b) && k + 1 < words.length) {
        if (b === 'sudo' || b === 'doas') elevated = true;
        k++;
        while (k < words.length && words[k]!.text.startsWith('-')) {
          const opt = words[k]!.text;
          k++;
          if (SH_PREFIX_VALUE_OPTS.has(opt) && k < words.length) k++;
        }
        if (b === 'timeout' || b === 'nice') while (k < words.length && /^[\d.]+[smhd]?$/.test(words[k]!.text)) k++;
        continue;
      }
      break;
    }
    const first = words[k];
    if (!first) return;
    const b = baseName(first.text);
    const builtin = SH_BUILTINS.has(first.text);
    const startOffset = first.start;
    const raw = text.slice(startOffset, c.end).trim();
    const inv = this.add(this.build('sh', platform, first.text, ownArgs(b, words.slice(k)), c.redirects, raw, parent, depth, builtin, elevated));
    if (builtin) {
      if (first.text === 'eval' && words[k + 1]) this.run(words.slice(k + 1).map((w) => w.text).join(' '), 'sh', platform, inv, depth + 1);
      return;
    }
    if (SHELLS_SH.has(b)) {
      const ci = words.findIndex((w, i) => i > k && /^-[a-z]*c[a-z]*$/.test(w.text));
      const n = ci > 0 ? words[ci + 1] : undefined;
      if (n) this.run(n.text, 'sh', platform, inv, depth + 1);
    }
  }
}

const PSEXEC_VALUED = new Set(['-u', '-p', '-w', '-n', '-r', '-h', '-a', '-c', '-f', '-v', '-i', '-d', '-s', '-e', '-x', '-l', '-g', '-accepteula', '-nobanner']);
const PSEXEC_TAKES_VALUE = new Set(['-u', '-p', '-w', '-n', '-r', '-a']);

/**
 * Where a launcher's own arguments end and the command line it runs begins
 * (the word index in `words`, which starts with the program): after `/c` for
 * cmd, after `-Command`/`-EncodedCommand …` for PowerShell, after `-c SCRIPT`
 * for sh, after `call create` for wmic, after the options and target for
 * PsExec. Undefined for other programs.
 */
export function launcherCut(name: string, words: readonly Word[]): number | undefined {
  if (name === 'cmd.exe') {
    const k = words.findIndex((w, i) => i > 0 && /^\/[ckr](?:$|")/i.test(w.raw));
    return k > 0 ? k + 1 : undefined;
  }
  if (POWERSHELLS.has(name)) {
    for (let k = 1; k < words.length; k++) {
      const w = words[k]!;
      if (w.quoted || !/^[-/\u2013\u2014]/.test(w.text)) return k;
      const kind = psHostParam(w.text);
      if (kind === 'command' || kind === 'file') return k + 1;
      if (kind === 'encoded') return k + 2;
      if (kind === 'valued') k++;
    }
    return undefined;
  }
  if (SHELLS_SH.has(name)) {
    const k = words.findIndex((w, i) => i > 0 && /^-[a-z]*c[a-z]*$/.test(w.text));
    return k > 0 ? k + 2 : undefined;
  }
  if (name === 'wmic.exe') {
    const k = words.findIndex((w) => w.text.toLowerCase() === 'create');
    return k > 0 ? k + 1 : undefined;
  }
  if (name === 'psexec.exe' || name === 'psexec64.exe' || name === 'paexec.exe') {
    for (let k = 1; k < words.length; k++) {
      const t = words[k]!.text;
      const lower = t.toLowerCase();
      if (t.startsWith('\\\\')) continue; // \\target
      if (PSEXEC_VALUED.has(lower) || /^-\d+$/.test(lower)) {
        if (PSEXEC_TAKES_VALUE.has(lower)) k++;
        continue;
      }
      return k;
    }
    return undefined;
  }
  return undefined;
}

/** The arguments that belong to the program itself (not to a command line it launches). */
function ownArgs(name: string, words: readonly Word[]): Word[] {
  const cut = launcherCut(name, words);
  return words.slice(1, cut === undefined ? words.length : cut);
}

/** Guess the shell of a command line given without one. */
export function inferShell(text: string, hint?: string, platform?: Platform): Shell {
  const h = hint?.toLowerCase();
  if (h === 'powershell') return 'powershell';
  if (h === 'sh' || h === 'bash') return 'sh';
  if (h === 'cmd' || h === 'wmic') return 'cmd';
  const t = text.replace(/^[\s({]+/, '');
  if (platform === 'linux' || platform === 'macos') return 'sh';
  if (/^(?:[A-Za-z]+-[A-Za-z]+\b|\$[A-Za-z_]|\[[A-Za-z.]+\]::|iex\b|IEX\b)/.test(t)) return 'powershell';
  if (/\.exe\b|[A-Za-z]:\\|%[A-Za-z_]+%/i.test(t)) return 'cmd';
  if (/^(?:sudo|curl|wget|chmod|chown|crontab|bash|sh|nohup|echo|cat|cp|mv|rm|ln|tar|python3?|perl|nc|ncat|ssh|scp|systemctl|useradd|usermod|base64|openssl|\.\/|\/(?:bin|usr|tmp|etc|dev|var)\/)/.test(t)) return 'sh';
  return 'cmd';
}

/** Platform implied by a shell. */
export function platformOfShell(shell: Shell, fallback: Platform = 'windows'): Platform {
  if (shell === 'sh') return fallback === 'windows' ? 'linux' : fallback;
  return 'windows';
}
