/**
 * auditd events (records of one serial merged by the reader) → normalized
 * events, by syscall: execve → process_create; open/openat/creat by flags and
 * PATH nametype → file_read / file_write / file_create; unlink → file_delete;
 * rename → file_rename; connect / accept → network_*; USER_LOGIN/USER_AUTH →
 * logon. See docs/logs.md.
 */
import type { EventKind, EventObject, NormalizedEvent, Subject } from '../event.js';
import type { LogRecord } from '../record.js';
import { parseTimestamp } from './time.js';

type Fields = Record<string, unknown>;

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' && v !== '(null)' && v !== '?' ? v : undefined;
}
function dec(v: unknown): number | undefined {
  return typeof v === 'string' && /^\d{1,10}$/.test(v) ? Number(v) : typeof v === 'number' ? v : undefined;
}
function hexNum(v: unknown): number | undefined {
  return typeof v === 'string' && /^[0-9a-f]{1,16}$/i.test(v) ? parseInt(v.slice(-8), 16) : undefined;
}

const O_WRONLY = 0x1;
const O_RDWR = 0x2;
const O_CREAT = 0x40;
const O_TRUNC = 0x200;
const O_APPEND = 0x400;

interface PathItem {
  name?: string;
  nametype?: string;
}

function pathsOf(f: Fields): PathItem[] {
  return Array.isArray(f.paths) ? (f.paths as PathItem[]) : [];
}

function absolute(name: string, cwd: string | undefined): string {
  if (name.startsWith('/') || !cwd) return name;
  return cwd.endsWith('/') ? cwd + name : `${cwd}/${name}`;
}

/** The path an open/unlink acted on: the item that is not the PARENT directory. */
function targetPath(f: Fields, prefer?: string): string | undefined {
  const items = pathsOf(f);
  const cwd = str(f.cwd);
  const preferred = prefer ? items.find((p) => p.nametype === prefer) : undefined;
  const pick = preferred ?? items.find((p) => p.nametype !== 'PARENT' && str(p.name)) ?? items[0];
  const name = str(pick?.name);
  return name ? absolute(name, cwd) : undefined;
}

function subjectOf(f: Fields): Subject | undefined {
  const s: Subject = {};
  const pid = dec(f.pid);
  if (pid !== undefined) s.pid = pid;
  const exe = str(f.exe);
  if (exe) s.image = exe;
  const user = str(f.AUID) ?? str(f.UID) ?? str(f.auid) ?? str(f.uid);
  if (user && user !== '4294967295') s.user = user;
  const ppid = dec(f.ppid);
  if (ppid !== undefined) s.parent = { pid: ppid };
  return Object.keys(s).length ? s : undefined;
}

interface Shape {
  kind: EventKind;
  subject?: Subject;
  object?: EventObject;
}

function syscallShape(name: string, f: Fields, time: number): Shape {
  const subject = subjectOf(f);
  switch (name) {
    case 'execve':
    case 'execveat': {
      const s: Subject = { ...(subject ?? {}), startTime: time };
      const cmd = str(f.cmdline) ?? str(f.proctitle);
      if (cmd) s.commandLine = cmd;
      return { kind: 'process_create', subject: s };
    }
    case 'open':
    case 'openat':
    case 'openat2':
    case 'creat': {
      const flags = hexNum(name === 'open' ? f.a1 : f.a2) ?? 0;
      const created = pathsOf(f).some((p) => p.nametype === 'CREATE');
      const kind: EventKind =
        name === 'creat' || created ? 'file_create' : flags & (O_WRONLY | O_RDWR | O_TRUNC | O_APPEND | O_CREAT) ? 'file_write' : 'file_read';
      const path = targetPath(f, created ? 'CREATE' : undefined);
      return { kind, subject, object: path ? { file: { path } } : undefined };
    }
    case 'unlink':
    case 'unlinkat':
    case 'rmdir': {
      const path = targetPath(f, 'DELETE');
      return { kind: 'file_delete', subject, object: path ? { file: { path } } : undefined };
    }
    case 'rename':
    case 'renameat':
    case 'renameat2': {
      const items = pathsOf(f);
      const cwd = str(f.cwd);
      const from = str(items.find((p) => p.nametype === 'DELETE')?.name);
      const to = str(items.find((p) => p.nametype === 'CREATE')?.name);
      const file = from ? { path: absolute(from, cwd), ...(to ? { newPath: absolute(to, cwd) } : {}) } : undefined;
      return { kind: 'file_rename', subject, object: file ? { file } : undefined };
    }
    case 'connect':
    case 'accept':
    case 'accept4': {
      const family = str(f.saddr_family);
      const inbound = name !== 'connect';
      if (family === 'unix') return { kind: 'pipe', subject, object: str(f.saddr_path) ? { pipe: str(f.saddr_path)! } : undefined };
      const network: NonNullable<EventObject['network']> = { direction: inbound ? 'inbound' : 'outbound' };
      const addr = str(f.saddr_address);
      if (addr) network.remoteAddress = addr;
      if (typeof f.saddr_port === 'number') network.remotePort = f.saddr_port;
      return { kind: inbound ? 'network_accept' : 'network_connect', subject, object: { network } };
    }
    case 'init_module':
    case 'finit_module':
      return { kind: 'image_load', subject, object: targetPath(f) ? { module: targetPath(f)! } : undefined };
    default:
      return { kind: 'other', subject };
  }
}

export function normalizeAuditd(rec: LogRecord): NormalizedEvent | undefined {
  const f = rec.fields;
  const time = parseTimestamp(f.timestamp);
  if (time === undefined) return undefined;
  const type = str(f.type) ?? 'UNKNOWN';
  let shape: Shape;
  const sc = str(f.syscall_name) ?? str(f.SYSCALL);
  if (type === 'SYSCALL' && sc) shape = syscallShape(sc, f, time);
  else if (/^USER_(LOGIN|AUTH|START)$/.test(type)) {
    const logon: NonNullable<EventObject['logon']> = { type };
    const acct = str(f.acct) ?? str(f.id);
    if (acct) logon.user = acct;
    const addr = str(f.addr);
    if (addr) logon.sourceAddress = addr;
    shape = { kind: 'logon', subject: subjectOf(f), object: { logon } };
  } else shape = { kind: 'other', subject: subjectOf(f) };
  const ev: NormalizedEvent = {
    time,
    host: str(f.node) ?? 'unknown',
    provider: 'auditd',
    eventId: sc ? `${type}:${sc}` : type,
    kind: shape.kind,
    raw: f,
    source: rec.source,
  };
  if (shape.subject) ev.subject = shape.subject;
  if (shape.object) ev.object = shape.object;
  return ev;
}
