/**
 * Procedure → observable artefacts: the things a host would log when the
 * procedure is carried out. Commands are analysed into program invocations
 * (and what they write: registry values, files, tasks, services, network
 * destinations); the procedure's objects and IOCs add files, keys, hosts,
 * hashes; a named tool adds its executable. Each artefact keeps the
 * procedure and the evidence it came from, so every rule can cite it.
 */
import type { AtiDocument, EvidenceSpan, Ioc, Procedure } from '../../intel/schema.js';
import { CommandAnalyzer, inferShell, platformOfShell, type Invocation, type Platform } from '../command/analyze.js';
import { baseName, classifyArg, extensionOf, urlHost } from '../command/classify.js';
import { PROXY_DLLS, WINDOWS_BINARIES } from '../knowledge/windows-binaries.js';

interface Base {
  procedure: Procedure;
  evidence: EvidenceSpan[];
  platform: Platform;
  /** Where it came from: a command the report gives, an object, an IOC, the named tool. */
  origin: 'command' | 'object' | 'ioc' | 'tool';
  /** Evidence of the step before (the narrative context a pattern may need). */
  context?: string;
}

export type Artefact =
  | (Base & {
      kind: 'process';
      inv: Invocation;
      /** the report names the parent */
      parentName?: string;
      /** `downloader | shell` in one pipeline */
      pipedInto?: string;
      /** The interpreter process that runs a script the report gives (only its parent is of interest). */
      host?: boolean;
    })
  | (Base & { kind: 'script'; text: string; encoded: boolean; inv?: Invocation })
  | (Base & { kind: 'registry'; key: string; valueName?: string; data?: string; op: 'set' | 'add' })
  | (Base & { kind: 'file'; path: string })
  | (Base & { kind: 'domain'; value: string })
  | (Base & { kind: 'ip'; value: string; port?: number })
  | (Base & { kind: 'hash'; algo: 'md5' | 'sha1' | 'sha256'; value: string })
  | (Base & { kind: 'task'; name: string; command?: string })
  | (Base & { kind: 'service'; name: string; binPath?: string })
  | (Base & { kind: 'tool'; name: string; exe: string; attackId?: string })
  | (Base & { kind: 'target-process'; name: string })
  | (Base & { kind: 'account'; name: string });

export type ArtefactKind = Artefact['kind'];

/** Something in the procedure that did not become an artefact, and why (reported, never silently dropped). */
export interface Skipped {
  procedure: string;
  what: string;
  reason: string;
}

const DOWNLOADERS = new Set(['curl', 'wget', 'fetch', 'curl.exe', 'wget.exe']);
const INTERPRETERS = new Set(['sh', 'bash', 'zsh', 'dash', 'ksh', 'python', 'python3', 'perl', 'ruby', 'php', 'node']);
const WRITE_OPTIONS = ['outfile', 'o', 'output', 'O', 'destination', 'path'];

/** The ATT&CK platform a procedure most likely runs on. */
export function procedurePlatform(p: Procedure, fallback: Platform): Platform {
  for (const c of p.commands) {
    if (c.interpreter === 'sh' || c.interpreter === 'bash') return fallback === 'macos' ? 'macos' : 'linux';
    if (c.interpreter === 'cmd' || c.interpreter === 'powershell' || c.interpreter === 'wmic') return 'windows';
    const shell = inferShell(c.text, undefined, undefined);
    if (shell === 'sh') return fallback === 'macos' ? 'macos' : 'linux';
    return 'windows';
  }
  for (const o of p.objects) {
    if (o.kind === 'registry') return 'windows';
    if (o.kind === 'file' && /^[a-z]:\\|\\/i.test(o.value)) return 'windows';
    if (o.kind === 'file' && o.value.startsWith('/')) return fallback === 'macos' ? 'macos' : 'linux';
  }
  return fallback;
}

function spans(p: Procedure, extra?: EvidenceSpan): EvidenceSpan[] {
  return extra ? [extra, ...p.evidence.filter((e) => e.start !== extra.start || e.end !== extra.end)] : p.evidence;
}

/** Unquoted, trimmed, without a trailing comma (`comsvcs.dll,`). */
function clean(v: string): string {
  return v.trim().replace(/^["']+|["']+$/g, '').replace(/,$/, '');
}

export class ArtefactCollector {
  readonly artefacts: Artefact[] = [];
  readonly skipped: Skipped[] = [];
  private readonly iocById: Map<string, Ioc>;

  constructor(private readonly doc: AtiDocument, private readonly defaultPlatform: Platform) {
    this.iocById = new Map(doc.iocs.map((i) => [i.id, i]));
  }

  collect(): this {
    for (const p of this.doc.procedures) this.procedure(p);
    return this;
  }

  private push(a: Artefact): void {
    this.artefacts.push(a);
  }

  private procedure(p: Procedure): void {
    const first = this.artefacts.length;
    this.procedureArtefacts(p);
    // the same key or file from a command and from an object/IOC: keep the first (the command's, which is richer)
    const seen = new Set<string>();
    const kept = this.artefacts.slice(first).filter((a) => {
      const k = artefactKey(a);
      if (k === undefined) return true;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
    this.artefacts.splice(first, this.artefacts.length - first, ...kept);
  }

  private procedureArtefacts(p: Procedure): void {
    const platform = procedurePlatform(p, this.defaultPlatform);
    for (const c of p.commands) this.command(p, c.text, c.interpreter, c.evidence, platform);
    for (const o of p.objects) this.object(p, o.kind, o.value, platform);
    for (const id of p.iocs) {
      const ioc = this.iocById.get(id);
      if (!ioc) {
        this.skipped.push({ procedure: p.id, what: `IOC ${id}`, reason: 'not in the document\'s IOC list' });
        continue;
      }
      this.ioc(p, ioc, platform);
    }
    if (p.tool && p.commands.length === 0) this.tool(p, p.tool.name, p.tool.attackId, platform);
  }

  // ------------------------------------------------------------------ commands

  private command(p: Procedure, text: string, interpreter: string | undefined, evidence: EvidenceSpan | undefined, fallback: Platform): void {
    const shell = inferShell(text, interpreter, fallback === 'windows' ? undefined : fallback);
    const platform = platformOfShell(shell, fallback);
    const analysis = CommandAnalyzer.analyze(text, shell, { platform });
    const prev = this.doc.procedures.filter((q) => q.order < p.order).sort((a, b) => b.order - a.order)[0];
    const context = prev ? prev.evidence.map((e) => e.quote).join(' ') : '';
    const base = { procedure: p, evidence: spans(p, evidence), platform, origin: 'command' as const, context };
    if (analysis.invocations.length === 0) {
      this.skipped.push({ procedure: p.id, what: `command ${JSON.stringify(text.slice(0, 80))}`, reason: 'no program invocation found in it' });
      return;
    }
    const all = analysis.invocations;
    if (shell === 'powershell' && all.length > 0 && !all.some((i) => i.depth === 0 && !i.builtin && /^(?:powershell|pwsh)(?:\.exe)?$/.test(i.name))) {
      // a script given on its own still runs in a powershell.exe process
      const host: Invocation = {
        shell: 'cmd', platform, program: 'powershell.exe', name: 'powershell.exe', builtin: false, commandLine: `powershell.exe -Command ${text}`,
        switches: ['-command'], positionals: [], options: {}, redirects: [], depth: 0, elevated: false, script: { text, encoded: false },
      };
      this.push({ ...base, kind: 'process', inv: host, host: true });
    }
    for (let k = 0; k < all.length; k++) {
      const inv = all[k]!;
      if (!inv.builtin) {
        const a: Artefact = { ...base, kind: 'process', inv };
        // `curl … | sh`: the pipeline itself is the signal (visible in the parent shell's command line)
        const next = all[k + 1];
        if (inv.shell === 'sh' && DOWNLOADERS.has(inv.name) && next && next.depth === inv.depth && INTERPRETERS.has(next.name) && next.commandLine !== inv.commandLine) {
          (a as { pipedInto?: string }).pipedInto = next.name;
        }
        this.push(a);
      }
      this.effects(base, inv);
    }
    for (const s of analysis.scripts) {
      const a: Artefact = { ...base, kind: 'script', text: s.text, encoded: s.encoded };
      if (s.invocation) (a as { inv?: Invocation }).inv = s.invocation;
      this.push(a);
    }
  }

  /** What an invocation writes or contacts, beyond its own process. */
  private effects(base: Base, inv: Invocation): void {
    const name = inv.name;
    const pos = inv.positionals;
    const opt = inv.options;
    // registry: reg add KEY [/v NAME] [/d DATA]
    if (name === 'reg.exe' && pos[0]?.text.toLowerCase() === 'add' && pos[1]?.kind === 'registry') {
      const key = clean(pos[1].text);
      const valueName = opt['v'] !== undefined ? clean(opt['v']) : opt['ve'] !== undefined ? '(Default)' : undefined;
      const data = opt['d'] !== undefined ? clean(opt['d']) : undefined;
      this.push({ ...base, kind: 'registry', key, ...(valueName !== undefined ? { valueName } : {}), ...(data !== undefined ? { data } : {}), op: valueName !== undefined ? 'set' : 'add' });
    }
    // PowerShell registry cmdlets
    if (/^(new|set)-itemproperty$|^(sp|ni)$/.test(name) || name === 'new-item') {
      const path = opt['path'] ?? opt['literalpath'] ?? pos[0]?.text;
      if (path && classifyArg(clean(path)) === 'registry') {
        const key = clean(path);
        const valueName = opt['name'] !== undefined ? clean(opt['name']) : name === 'new-item' ? undefined : pos[1] ? clean(pos[1].text) : undefined;
        const data = opt['value'] !== undefined ? clean(opt['value']) : undefined;
        this.push({ ...base, kind: 'registry', key, ...(valueName !== undefined ? { valueName } : {}), ...(data !== undefined ? { data } : {}), op: valueName !== undefined ? 'set' : 'add' });
      }
    }
    // scheduled tasks
    if (name === 'schtasks.exe' && inv.switches.includes('/create')) {
      const tn = opt['tn'];
      if (tn) this.push({ ...base, kind: 'task', name: clean(tn), ...(opt['tr'] ? { command: clean(opt['tr']) } : {}) });
    }
    if (name === 'register-scheduledtask') {
      const tn = opt['taskname'] ?? pos[0]?.text;
      if (tn) this.push({ ...base, kind: 'task', name: clean(tn) });
    }
    // services: sc create NAME binPath= X ; New-Service -Name X -BinaryPathName Y
    if (name === 'sc.exe' && pos[0]?.text.toLowerCase() === 'create' && pos[1]) {
      const bi = pos.findIndex((x) => /^binpath=/i.test(x.text));
      const bin = bi >= 0 ? (pos[bi]!.text.length > 8 ? pos[bi]!.text.slice(8) : pos[bi + 1]?.text) : undefined;
      this.push({ ...base, kind: 'service', name: clean(pos[1].text), ...(bin ? { binPath: clean(bin) } : {}) });
    }
    if (name === 'new-service') {
      const n = opt['name'] ?? pos[0]?.text;
      const bin = opt['binarypathname'] ?? pos[1]?.text;
      if (n) this.push({ ...base, kind: 'service', name: clean(n), ...(bin ? { binPath: clean(bin) } : {}) });
    }
    // accounts: net user NAME PASS /add ; useradd NAME
    if ((name === 'net.exe' || name === 'net1.exe') && pos[0]?.text.toLowerCase() === 'user' && inv.switches.includes('/add') && pos[1]) {
      this.push({ ...base, kind: 'account', name: clean(pos[1].text) });
    }
    if ((name === 'useradd' || name === 'adduser') && pos.length > 0) this.push({ ...base, kind: 'account', name: clean(pos[pos.length - 1]!.text) });
    // network destinations and written files
    let sawUrl = false;
    for (const a of pos) {
      const v = clean(a.text);
      if (a.kind === 'url') {
        sawUrl = true;
        this.host(base, urlHost(v));
      } else if (a.kind === 'ipv4') this.host(base, v);
      else if (a.kind === 'domain' && DOWNLOADERS.has(name)) this.host(base, v);
    }
    for (const [k, v] of Object.entries(opt)) {
      const kind = classifyArg(clean(v));
      if (kind === 'url') {
        sawUrl = true;
        this.host(base, urlHost(clean(v)));
      }
      if (WRITE_OPTIONS.includes(k) && (kind === 'path' || /\.[a-z0-9]{2,4}$/i.test(v)) && kind !== 'url') this.file(base, clean(v));
    }
    if (sawUrl) {
      // a downloader's path argument after the URL is where it writes
      const urlAt = pos.findIndex((x) => x.kind === 'url');
      for (const a of pos.slice(urlAt + 1)) if (a.kind === 'path') this.file(base, clean(a.text));
    }
    for (const r of inv.redirects) {
      const t = clean(r);
      if (/^(?:nul|con|\/dev\/(?:null|stdout|stderr|tty)|&\d)$/i.test(t) || t === '') continue;
      if (classifyArg(t) === 'path' || /\.[a-z0-9]{1,4}$/i.test(t)) this.file(base, t);
    }
  }

  private host(base: Base, host: string | undefined): void {
    if (!host) return;
    const h = host.replace(/^\[|\]$/g, '');
    const m = /^(.*?)(?::(\d{1,5}))?$/.exec(h)!;
    const value = m[1]!;
    const port = m[2] ? Number(m[2]) : undefined;
    const kind = classifyArg(value);
    if (kind === 'ipv4' || kind === 'ipv6') this.push({ ...base, kind: 'ip', value, ...(port !== undefined ? { port } : {}) });
    else if (kind === 'domain') this.push({ ...base, kind: 'domain', value: value.toLowerCase() });
  }

  // ------------------------------------------------------------------ objects and IOCs

  private object(p: Procedure, kind: string, value: string, platform: Platform): void {
    const base = { procedure: p, evidence: p.evidence, platform, origin: 'object' as const };
    const v = clean(value);
    if (v === '') return;
    switch (kind) {
      case 'file':
        this.file(base, v);
        return;
      case 'registry': {
        // `KEY\value` or `KEY /v value`: the last component of a Run-style key is taken as the value name
        this.push({ ...base, kind: 'registry', key: v, op: 'set' });
        return;
      }
      case 'network':
      case 'domain':
      case 'url': {
        const k = classifyArg(v);
        if (k === 'url') this.host(base, urlHost(v));
        else this.host(base, v);
        return;
      }
      case 'task':
        this.push({ ...base, kind: 'task', name: v });
        return;
      case 'service':
        this.push({ ...base, kind: 'service', name: v });
        return;
      case 'account':
        this.push({ ...base, kind: 'account', name: v });
        return;
      case 'process': {
        // a process the procedure acts on: credential dumping from LSASS is visible as process access
        if (/^T1003(\.001)?$/.test(p.technique) && baseName(v).toLowerCase().replace(/\.exe$/, '') === 'lsass') {
          this.push({ ...base, kind: 'target-process', name: 'lsass.exe' });
          return;
        }
        this.skipped.push({ procedure: p.id, what: `process object ${JSON.stringify(v.slice(0, 80))}`, reason: `no process-level pattern for a target process under ${p.technique}` });
        return;
      }
      default:
        this.skipped.push({ procedure: p.id, what: `${kind} object ${JSON.stringify(v.slice(0, 80))}`, reason: 'no host telemetry for this kind of object' });
    }
  }

  private ioc(p: Procedure, ioc: Ioc, platform: Platform): void {
    const base = { procedure: p, evidence: ioc.evidence.length > 0 ? ioc.evidence : p.evidence, platform, origin: 'ioc' as const };
    const v = ioc.value.trim();
    switch (ioc.type) {
      case 'ipv4':
      case 'ipv6':
        this.push({ ...base, kind: 'ip', value: v });
        return;
      case 'domain':
        this.push({ ...base, kind: 'domain', value: v.toLowerCase() });
        return;
      case 'url':
        this.host(base, urlHost(v));
        return;
      case 'md5':
      case 'sha1':
      case 'sha256':
        this.push({ ...base, kind: 'hash', algo: ioc.type, value: v.toLowerCase() });
        return;
      case 'file-name':
      case 'file-path':
        this.file(base, v);
        return;
      case 'registry-key':
        this.push({ ...base, kind: 'registry', key: v, op: 'set' });
        return;
      default:
        this.skipped.push({ procedure: p.id, what: `${ioc.type} IOC ${JSON.stringify(v.slice(0, 80))}`, reason: 'not observable in host logs (Sysmon/Windows/Linux process, file, registry, network, DNS)' });
    }
  }

  /** A file, unless the value names a folder (`C:\Users\Public\`): creating a folder is not a file event. */
  private file(base: Base, path: string): void {
    if (/[\\/]$/.test(path)) {
      this.skipped.push({ procedure: base.procedure.id, what: `file ${JSON.stringify(path.slice(0, 80))}`, reason: 'a folder, not a file' });
      return;
    }
    if (isBuiltinWindowsFile(path)) {
      this.skipped.push({ procedure: base.procedure.id, what: `file ${JSON.stringify(path.slice(0, 80))}`, reason: 'a file that ships with Windows (the report names it; the attacker did not write it)' });
      return;
    }
    this.push({ ...base, kind: 'file', path });
  }

  private tool(p: Procedure, name: string, attackId: string | undefined, platform: Platform): void {
    const n = name.trim();
    // the executable the tool is known by: its own name when it looks like one, else the name without spaces
    const exe = /\.(exe|dll|ps1|py|sh|elf)$/i.test(n) ? baseName(n).toLowerCase() : `${n.toLowerCase().replace(/[^a-z0-9._-]+/g, '')}${platform === 'windows' ? '.exe' : ''}`;
    if (exe.replace(/\.exe$/, '').length < 3) {
      this.skipped.push({ procedure: p.id, what: `tool ${JSON.stringify(n)}`, reason: 'name too short to stand for an executable' });
      return;
    }
    this.push({ procedure: p, evidence: p.evidence, platform, origin: 'tool', kind: 'tool', name: n, exe, ...(attackId ? { attackId } : {}) });
  }
}

/** What makes two artefacts the same (undefined: never merged). */
function artefactKey(a: Artefact): string | undefined {
  switch (a.kind) {
    case 'registry':
      return `registry:${a.key.toLowerCase().replace(/^(hkey_current_user|hkcu|hkey_local_machine|hklm):?/, '')}`;
    case 'file':
      return `file:${baseName(a.path).toLowerCase()}`;
    case 'task':
    case 'service':
    case 'account':
      return `${a.kind}:${a.name.toLowerCase().replace(/^\\+/, '')}`;
    case 'domain':
    case 'ip':
    case 'hash':
      return `${a.kind}:${a.value.toLowerCase()}`;
    default:
      return undefined;
  }
}

/**
 * `C:\Windows\System32\comsvcs.dll`, or `comsvcs.dll` alone: a program or
 * DLL of Windows itself in its own folder. A rule for it being written
 * would fire on every update, and one on its name on every host; a copy
 * elsewhere (`C:\Users\Public\rundll32.exe`) is still an artefact.
 */
function isBuiltinWindowsFile(path: string): boolean {
  const name = baseName(path).toLowerCase();
  const known = WINDOWS_BINARIES.get(name);
  const builtin = PROXY_DLLS.has(name) || (known !== undefined && known.role !== 'tool' && known.role !== 'office' && known.role !== 'browser');
  if (!builtin) return false;
  const folder = path.slice(0, path.length - name.length).toLowerCase();
  return folder === '' || /^(?:[a-z]:|%systemroot%|%windir%)?\\windows\\(?:system32|syswow64)?\\?$|^(?:%systemroot%|%windir%)\\(?:system32|syswow64)\\$/.test(folder);
}

/** Executable or script extension of a file (a payload rather than data). */
export function isPayloadName(name: string): boolean {
  return ['exe', 'dll', 'ps1', 'bat', 'cmd', 'vbs', 'vbe', 'js', 'jse', 'hta', 'scr', 'lnk', 'msi', 'sys', 'cpl', 'wsf', 'sh', 'py', 'elf', 'so', 'jar', 'iso'].includes(extensionOf(name));
}
