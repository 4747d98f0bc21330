/**
 * Linux audit (auditd) raw logs. One line is one audit record:
 * `[syslog prefix] [node=H] type=T msg=audit(EPOCH.MS:SERIAL): k=v k="v" …`.
 * The records of one kernel event share `EPOCH.MS:SERIAL` (SYSCALL, EXECVE,
 * CWD, PATH…, PROCTITLE, SOCKADDR, EOE) and may interleave with other events,
 * so they are grouped by serial in a bounded buffer: a group is complete at
 * its EOE record, when it is older than the newest record by more than
 * `maxGroupAgeMs`, when the buffer holds more than `maxPendingGroups`, or at
 * the end of the file. Hex-encoded values (EXECVE args, PROCTITLE, SOCKADDR,
 * untrusted strings) are decoded.
 */

type Obj = Record<string, unknown>;

export interface AuditRecord {
  type: string;
  /** Seconds.millis as written, e.g. "1604994496.155". */
  time: string;
  serial: string;
  node?: string;
  fields: Record<string, string>;
}

const HEADER = /(?:^|\s)(?:node=(\S+)\s+)?type=(\S+)\s+msg=audit\((\d{1,12})(?:\.(\d{1,9}))?:(\d{1,20})\):?\s?/;

/** Parse one audit line; undefined when the line is not an audit record. */
export function parseAuditLine(line: string): AuditRecord | undefined {
  const m = HEADER.exec(line.length > 4096 ? line.slice(0, 4096) : line);
  if (!m) return undefined;
  const rest = line.slice(m.index + m[0].length);
  const fields = parseKeyValues(rest);
  const rec: AuditRecord = { type: m[2]!, time: m[4] !== undefined ? `${m[3]}.${m[4]}` : m[3]!, serial: m[5]!, fields };
  if (m[1] !== undefined) rec.node = m[1];
  return rec;
}

/**
 * `k=v` pairs separated by spaces (or the 0x1d separator before the enriched
 * fields). Values may be "double quoted" or 'single quoted'; a single-quoted
 * `msg='…'` of USER_* records holds more pairs, which are merged in.
 */
export function parseKeyValues(s: string, out: Record<string, string> = {}, depth = 0): Record<string, string> {
  const n = s.length;
  let i = 0;
  while (i < n) {
    while (i < n && (s[i] === ' ' || s[i] === '\x1d' || s[i] === '\t')) i++;
    if (i >= n) break;
    const eq = s.indexOf('=', i);
    if (eq === -1) break;
    let key = s.slice(i, eq);
    const sp = key.search(/[ \x1d\t]/);
    if (sp !== -1) {
      // a bare word without '=': skip it
      i += sp + 1;
      continue;
    }
    i = eq + 1;
    let value: string;
    if (s[i] === '"') {
      const end = s.indexOf('"', i + 1);
      value = s.slice(i + 1, end === -1 ? n : end);
      i = end === -1 ? n : end + 1;
    } else if (s[i] === "'") {
      const end = s.indexOf("'", i + 1);
      value = s.slice(i + 1, end === -1 ? n : end);
      i = end === -1 ? n : end + 1;
      if (depth === 0 && value.includes('=')) parseKeyValues(value, out, depth + 1);
    } else {
      let end = i;
      while (end < n && s[end] !== ' ' && s[end] !== '\x1d' && s[end] !== '\t') end++;
      value = s.slice(i, end);
      i = end;
    }
    if (key === '') continue;
    if (key in out && depth > 0) key = `msg_${key}`;
    out[key] = value;
  }
  return out;
}

/** Decode an even-length upper/lower hex string to text (NULs become spaces), or undefined. */
export function decodeHex(v: string, nulAs = ' '): string | undefined {
  if (v.length < 2 || v.length % 2 !== 0 || !/^[0-9A-Fa-f]+$/.test(v)) return undefined;
  const buf = Buffer.from(v, 'hex');
  let s = buf.toString('utf8');
  if (s.includes('\0')) s = s.replace(/\0+$/, '').replace(/\0/g, nulAs);
  return s;
}

/** Fields that auditd hex-encodes when they contain spaces or special characters. */
const MAYBE_HEX = new Set(['name', 'cwd', 'exe', 'comm', 'proctitle', 'key', 'data', 'cmd', 'path', 'old', 'new', 'acct', 'ocomm', 'vm', 'watch', 'dir', 'file']);

/** A value as auditd meant it: unquoted values of MAYBE_HEX fields are hex. */
function decodeField(key: string, raw: string, wasQuoted: boolean): string {
  if (wasQuoted || !MAYBE_HEX.has(key)) return raw;
  if (raw === '(null)' || raw === '(none)') return raw;
  return decodeHex(raw) ?? raw;
}

const FAMILY: Record<number, string> = { 1: 'unix', 2: 'inet', 10: 'inet6', 16: 'netlink', 17: 'packet' };

/** Decode a SOCKADDR `saddr` hex blob (struct sockaddr, host byte order for the family). */
export function decodeSockaddr(hex: string): { family: string; address?: string; port?: number; path?: string } | undefined {
  if (!/^[0-9A-Fa-f]*$/.test(hex) || hex.length < 4 || hex.length % 2 !== 0) return undefined;
  const b = Buffer.from(hex, 'hex');
  const fam = b.readUInt16LE(0);
  const family = FAMILY[fam] ?? String(fam);
  if (fam === 2 && b.length >= 8) {
    return { family, port: b.readUInt16BE(2), address: `${b[4]}.${b[5]}.${b[6]}.${b[7]}` };
  }
  if (fam === 10 && b.length >= 24) {
    const parts: string[] = [];
    for (let j = 8; j < 24; j += 2) parts.push(b.readUInt16BE(j).toString(16));
    return { family, port: b.readUInt16BE(2), address: compressIpv6(parts) };
  }
  if (fam === 1) {
    let path = b.subarray(2).toString('utf8');
    const nul = path.indexOf('\0');
    if (nul === 0) path = '@' + path.slice(1).replace(/\0.*$/s, '');
    else if (nul > 0) path = path.slice(0, nul);
    return { family, path };
  }
  return { family };
}

function compressIpv6(parts: string[]): string {
  // longest run of zero groups → "::"
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < parts.length; ) {
    if (parts[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < parts.length && parts[j] === '0') j++;
    if (j - i > bestLen && j - i > 1) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (best === -1) return parts.join(':');
  return `${parts.slice(0, best).join(':')}::${parts.slice(best + bestLen).join(':')}`;
}

/** Common x86_64 syscall numbers (auditd logs numbers unless interpreted); arch c000003e. */
export const SYSCALLS_X86_64: Record<number, string> = {
  0: 'read', 1: 'write', 2: 'open', 3: 'close', 4: 'stat', 5: 'fstat', 9: 'mmap', 10: 'mprotect', 17: 'pread64', 18: 'pwrite64',
  21: 'access', 22: 'pipe', 32: 'dup', 33: 'dup2', 41: 'socket', 42: 'connect', 43: 'accept', 44: 'sendto', 45: 'recvfrom',
  46: 'sendmsg', 47: 'recvmsg', 49: 'bind', 50: 'listen', 56: 'clone', 57: 'fork', 58: 'vfork', 59: 'execve', 60: 'exit',
  62: 'kill', 76: 'truncate', 77: 'ftruncate', 82: 'rename', 83: 'mkdir', 84: 'rmdir', 85: 'creat', 86: 'link', 87: 'unlink',
  88: 'symlink', 90: 'chmod', 91: 'fchmod', 92: 'chown', 93: 'fchown', 94: 'lchown', 101: 'ptrace', 105: 'setuid', 106: 'setgid',
  113: 'setreuid', 117: 'setresuid', 157: 'prctl', 165: 'mount', 166: 'umount2', 175: 'init_module', 176: 'delete_module',
  231: 'exit_group', 257: 'openat', 258: 'mkdirat', 260: 'fchownat', 263: 'unlinkat', 264: 'renameat', 265: 'linkat',
  266: 'symlinkat', 268: 'fchmodat', 288: 'accept4', 313: 'finit_module', 316: 'renameat2', 322: 'execveat', 435: 'clone3',
  437: 'openat2',
};

export function syscallName(arch: string | undefined, nr: string | undefined): string | undefined {
  if (nr === undefined) return undefined;
  if (!/^\d+$/.test(nr)) return nr; // already interpreted
  if (arch !== undefined && arch !== 'c000003e' && arch !== 'x86_64') return undefined;
  return SYSCALLS_X86_64[Number(nr)];
}

/** Which field values were quoted in the raw line: auditd quotes plain text, leaves hex bare. */
function quotedKeys(raw: string): Set<string> {
  const s = new Set<string>();
  const re = /(?:^|[\s\x1d])([\w-]+)="/g;
  for (let m = re.exec(raw); m; m = re.exec(raw)) s.add(m[1]!);
  return s;
}

export interface AuditLine {
  record: AuditRecord;
  raw: string;
  line: number;
  offset: number;
}

/** A complete audit event: the records of one serial, merged into fields. */
export interface AuditEvent {
  key: string;
  lines: AuditLine[];
  timeMs: number;
  /** Records beyond the per-group cap that were not kept. */
  dropped?: number;
}

/** Merge the records of one event into flat fields (see docs/logs.md for the layout). */
export function auditEventFields(lines: AuditLine[]): Obj {
  const first = lines[0]!.record;
  const fields: Obj = {};
  const types: string[] = [];
  const records: Obj[] = [];
  const paths: Obj[] = [];
  let argv: string[] | undefined;
  for (const l of lines) {
    const r = l.record;
    types.push(r.type);
    const quoted = quotedKeys(l.raw);
    const f: Record<string, string> = {};
    for (const [k, v] of Object.entries(r.fields)) f[k] = decodeField(k, v, quoted.has(k));
    records.push({ type: r.type, ...f });
    switch (r.type) {
      case 'EXECVE':
        argv = execveArgs(r.fields, quoted);
        break;
      case 'PATH':
        paths.push(f);
        break;
      case 'CWD':
        if (f.cwd !== undefined) fields.cwd = f.cwd;
        break;
      case 'PROCTITLE':
        if (r.fields.proctitle !== undefined) fields.proctitle = quoted.has('proctitle') ? r.fields.proctitle : decodeHex(r.fields.proctitle) ?? r.fields.proctitle;
        break;
      case 'SOCKADDR': {
        const sa = r.fields.saddr !== undefined ? decodeSockaddr(r.fields.saddr) : undefined;
        if (sa) {
          fields.saddr_family = sa.family;
          if (sa.address !== undefined) fields.saddr_address = sa.address;
          if (sa.port !== undefined) fields.saddr_port = sa.port;
          if (sa.path !== undefined) fields.saddr_path = sa.path;
        }
        break;
      }
      default:
        break;
    }
    if (r.type === 'EOE' || r.type === 'PATH' || r.type === 'EXECVE' || r.type === 'PROCTITLE' || r.type === 'SOCKADDR' || r.type === 'CWD') continue;
    for (const [k, v] of Object.entries(f)) if (!(k in fields)) fields[k] = v;
  }
  const primary = types.includes('SYSCALL') ? 'SYSCALL' : first.type;
  fields.type = primary;
  fields.record_types = types;
  fields.serial = Number(first.serial);
  fields.timestamp = first.time;
  if (first.node !== undefined) fields.node = first.node;
  const name = syscallName(fields.arch as string | undefined, fields.syscall as string | undefined);
  if (name) fields.syscall_name = name;
  if (argv) {
    fields.argv = argv;
    fields.cmdline = argv.join(' ');
    fields.argc = argv.length;
  }
  if (paths.length > 0) fields.paths = paths;
  fields.records = records;
  return fields;
}

/**
 * One audit line as its own record (per-record mode, for Sigma's auditd rules):
 * its fields at top level with hex values decoded (EXECVE `aN` as the
 * argument text, split arguments joined), plus `type`, `serial`, `timestamp`.
 */
export function auditRecordFields(l: AuditLine): Obj {
  const r = l.record;
  const quoted = quotedKeys(l.raw);
  const fields: Obj = { type: r.type };
  for (const [k, v] of Object.entries(r.fields)) fields[k] = decodeField(k, v, quoted.has(k));
  if (r.type === 'EXECVE') {
    const argv = execveArgs(r.fields, quoted);
    argv.forEach((a, i) => {
      fields[`a${i}`] = a;
    });
    fields.argv = argv;
    fields.cmdline = argv.join(' ');
  } else if (r.type === 'PROCTITLE' && r.fields.proctitle !== undefined && !quoted.has('proctitle')) {
    fields.proctitle = decodeHex(r.fields.proctitle) ?? r.fields.proctitle;
  } else if (r.type === 'SOCKADDR' && r.fields.saddr !== undefined) {
    const sa = decodeSockaddr(r.fields.saddr);
    if (sa) {
      fields.saddr_family = sa.family;
      if (sa.address !== undefined) fields.saddr_address = sa.address;
      if (sa.port !== undefined) fields.saddr_port = sa.port;
      if (sa.path !== undefined) fields.saddr_path = sa.path;
    }
  } else if (r.type === 'SYSCALL') {
    const name = syscallName(r.fields.arch, r.fields.syscall);
    if (name) fields.syscall_name = name;
  }
  fields.serial = Number(r.serial);
  fields.timestamp = r.time;
  if (r.node !== undefined) fields.node = r.node;
  return fields;
}

/**
 * EXECVE arguments: `a0="ls"`, hex `a1=2D6C61` when the argument has spaces or
 * quotes, and long arguments split as `a2_len=N a2[0]=… a2[1]=…`.
 */
export function execveArgs(f: Record<string, string>, quoted: Set<string>): string[] {
  const argc = Number(f.argc);
  const n = Number.isInteger(argc) && argc >= 0 && argc <= 100_000 ? argc : countArgs(f);
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const k = `a${i}`;
    if (f[k] !== undefined) {
      out.push(quoted.has(k) ? f[k]! : decodeHex(f[k]!, '\0') ?? f[k]!);
      continue;
    }
    if (f[`${k}_len`] !== undefined || f[`${k}[0]`] !== undefined) {
      let joined = '';
      let anyQuoted = false;
      for (let j = 0; j < 100_000 && f[`${k}[${j}]`] !== undefined; j++) {
        joined += f[`${k}[${j}]`];
        if (quoted.has(`${k}[${j}]`)) anyQuoted = true;
      }
      out.push(anyQuoted ? joined : decodeHex(joined, '\0') ?? joined);
      continue;
    }
    out.push('');
  }
  return out;
}

function countArgs(f: Record<string, string>): number {
  let n = 0;
  while (f[`a${n}`] !== undefined || f[`a${n}_len`] !== undefined) n++;
  return n;
}

export interface GrouperOptions {
  maxPendingGroups?: number;
  maxGroupAgeMs?: number;
  /** Cap on records in one group (a flood of one serial cannot grow without bound). */
  maxRecordsPerGroup?: number;
  /** Cap on the text held by all open groups together (default 64 MiB); the oldest groups go out first. */
  maxPendingBytes?: number;
}

/** Groups audit records by event serial; see the module comment for when a group is complete. */
export class AuditGrouper {
  private readonly pending = new Map<string, AuditEvent>();
  private newest = 0;
  private readonly maxPending: number;
  private readonly maxAge: number;
  private readonly maxRecords: number;
  private readonly maxBytes: number;
  private bytes = 0;

  constructor(opts: GrouperOptions = {}) {
    this.maxPending = opts.maxPendingGroups ?? 1024;
    this.maxAge = opts.maxGroupAgeMs ?? 2000;
    this.maxRecords = opts.maxRecordsPerGroup ?? 4096;
    this.maxBytes = opts.maxPendingBytes ?? 64 * 1024 * 1024;
  }

  /** Add a record; returns the groups that are now complete, oldest first. */
  push(l: AuditLine): AuditEvent[] {
    const r = l.record;
    const key = `${r.node ?? ''}|${r.time}:${r.serial}`;
    const t = Number(r.time) * 1000;
    const done: AuditEvent[] = [];
    let g = this.pending.get(key);
    if (!g) {
      g = { key, lines: [], timeMs: t };
      this.pending.set(key, g);
    }
    if (g.lines.length < this.maxRecords) {
      g.lines.push(l);
      this.bytes += l.raw.length;
    } else g.dropped = (g.dropped ?? 0) + 1;
    if (t > this.newest) this.newest = t;
    if (r.type === 'EOE') this.take(g, done);
    this.flushOld(done, this.newest - this.maxAge);
    while (this.pending.size > this.maxPending || (this.bytes > this.maxBytes && this.pending.size > 0)) {
      this.take(this.pending.values().next().value as AuditEvent, done);
    }
    return done;
  }

  private take(g: AuditEvent, done: AuditEvent[]): void {
    this.pending.delete(g.key);
    for (const l of g.lines) this.bytes -= l.raw.length;
    done.push(g);
  }

  private flushOld(done: AuditEvent[], before: number): void {
    for (const g of this.pending.values()) {
      if (g.timeMs >= before) break;
      this.take(g, done);
    }
  }

  /** Everything still pending (end of input), in arrival order. */
  flush(): AuditEvent[] {
    const out = [...this.pending.values()];
    this.pending.clear();
    this.bytes = 0;
    return out;
  }
}
