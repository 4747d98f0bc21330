/**
 * Windows events (any flavour, already flattened to the python-evtx shape) and
 * Sysmon for Linux (same event ids and field names) → normalized events.
 * The table of what each provider/event id becomes is in docs/logs.md.
 */
import type { EventKind, EventObject, NormalizedEvent, ProcessRef, Subject } from '../event.js';
import type { LogRecord } from '../record.js';
import { hasZone, parseTimestamp } from './time.js';

type Fields = Record<string, unknown>;

export function s(v: unknown): string | undefined {
  if (typeof v === 'string') return v === '' || v === '-' ? undefined : v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

/** Decimal or 0x-hex process id. */
export function pidOf(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return v;
  if (typeof v !== 'string') return undefined;
  const t = v.trim();
  if (/^0x[0-9a-f]{1,8}$/i.test(t)) return parseInt(t.slice(2), 16);
  if (/^\d{1,10}$/.test(t)) return Number(t);
  return undefined;
}

function int(v: unknown): number | undefined {
  const n = pidOf(v);
  return n !== undefined && n <= 0xffffffff ? n : undefined;
}

/** Sysmon/Windows GUIDs in one form: lower case, no braces. */
export function guidOf(v: unknown): string | undefined {
  const t = s(v);
  if (!t) return undefined;
  return t.replace(/^\{|\}$/g, '').toLowerCase();
}

/**
 * The object without its undefined fields (undefined when none is left). A
 * copy rather than `delete`: deleting properties turns an object into a slow
 * dictionary, and every event passes through here several times.
 */
function compact<T extends object>(o: T): T | undefined {
  let out: Record<string, unknown> | undefined;
  // for…in rather than Object.keys: no array of keys per call (the literals passed here have no inherited keys)
  for (const k in o) {
    const v = (o as Record<string, unknown>)[k];
    if (v !== undefined) (out ??= {})[k] = v;
  }
  return out as T | undefined;
}

/** Does the object have any key (`Object.keys(o).length > 0` without the array)? */
function hasKeys(o: object): boolean {
  for (const _ in o) return true;
  return false;
}

/** The field names of a process reference with a given prefix, built once (not per event: a looked-up key built by concatenation is hashed anew each time). */
interface ProcKeys {
  pid: string;
  guid: string;
  image: string;
  commandLine: string;
  user: string;
}
const procKeys = (prefix: string): ProcKeys => ({
  pid: `${prefix}ProcessId`,
  guid: `${prefix}ProcessGuid`,
  image: `${prefix}Image`,
  commandLine: `${prefix}CommandLine`,
  user: `${prefix}User`,
});
const ACTOR = procKeys('');
const PARENT = procKeys('Parent');
const SOURCE = procKeys('Source');
const TARGET = procKeys('Target');

/** The process reference under `keys`, without undefined fields (undefined when it has none), built directly rather than through `compact`. */
function proc(f: Fields, keys: ProcKeys): ProcessRef | undefined {
  const pid = pidOf(f[keys.pid]);
  const guid = guidOf(f[keys.guid]);
  const image = s(f[keys.image]);
  const commandLine = s(f[keys.commandLine]);
  const user = s(f[keys.user]);
  if (pid === undefined && guid === undefined && image === undefined && commandLine === undefined && user === undefined) return undefined;
  const ref: ProcessRef = {};
  if (pid !== undefined) ref.pid = pid;
  if (guid !== undefined) ref.guid = guid;
  if (image !== undefined) ref.image = image;
  if (commandLine !== undefined) ref.commandLine = commandLine;
  if (user !== undefined) ref.user = user;
  return ref;
}

const INTEGRITY_SID: Record<string, string> = {
  'S-1-16-0': 'Untrusted',
  'S-1-16-4096': 'Low',
  'S-1-16-8192': 'Medium',
  'S-1-16-8448': 'MediumPlus',
  'S-1-16-12288': 'High',
  'S-1-16-16384': 'System',
  'S-1-16-20480': 'Protected',
};

/**
 * Some exports (nxlog in several Security-Datasets files) write `TimeCreated`
 * as local time without a zone, even on a 12-hour clock without AM/PM. Events
 * that also carry Sysmon's `UtcTime` reveal the offset for that file; it is
 * learned per file (the most frequent offset, in 15-minute steps) and applied
 * to the events of the same file that have only the zoneless time. Bounded:
 * the clocks of the 256 most recent files are kept.
 */
class FileClock {
  private readonly counts = new Map<number, number>();
  private best: number | undefined;
  private bestCount = 0;

  observe(utc: number, local: number): void {
    const q = Math.round((utc - local) / 900_000) * 900_000;
    if (Math.abs(q) > 26 * 3600_000) return;
    const c = (this.counts.get(q) ?? 0) + 1;
    this.counts.set(q, c);
    if (c > this.bestCount) {
      this.best = q;
      this.bestCount = c;
    }
  }

  get offset(): number | undefined {
    return this.best;
  }
}

const clocks = new Map<string, FileClock>();

/** Has the file's local-time offset been learned (see FileClock)? */
export function fileClockKnown(file: string): boolean {
  return clocks.get(file)?.offset !== undefined;
}

/** Would this Windows record's time change once its file's offset is known? */
export function needsFileClock(f: Fields): boolean {
  const tc = f.TimeCreated;
  // the cheap checks first: most records carry UtcTime or @timestamp, and hasZone runs two regular expressions
  return f.UtcTime === undefined && f['@timestamp'] === undefined && typeof tc === 'string' && !hasZone(tc);
}

function clockOf(file: string): FileClock {
  let c = clocks.get(file);
  if (!c) {
    if (clocks.size >= 256) clocks.delete(clocks.keys().next().value as string);
    c = new FileClock();
    clocks.set(file, c);
  }
  return c;
}

/**
 * Event time: Sysmon's UtcTime, then zoned TimeCreated, @timestamp, then a
 * zoneless TimeCreated corrected by the file's learned offset (else read as
 * UTC), then EventTime.
 */
export function windowsTime(f: Fields, file?: string): number | undefined {
  const tc = f.TimeCreated;
  const utc = parseTimestamp(f.UtcTime);
  if (utc !== undefined) {
    if (file !== undefined && typeof tc === 'string' && !hasZone(tc)) {
      const local = parseTimestamp(tc);
      if (local !== undefined) clockOf(file).observe(utc, local);
    }
    return utc;
  }
  if (typeof tc === 'string' && hasZone(tc)) return parseTimestamp(tc);
  const ts = parseTimestamp(f['@timestamp']);
  if (ts !== undefined) return ts;
  const local = parseTimestamp(tc);
  if (local !== undefined) {
    const off = file !== undefined ? clocks.get(file)?.offset : undefined;
    return off !== undefined ? local + off : local;
  }
  return parseTimestamp(f.EventTime) ?? parseTimestamp(f.timestamp);
}

function user(domain: unknown, name: unknown): string | undefined {
  const n = s(name);
  if (!n) return undefined;
  const d = s(domain);
  return d ? `${d}\\${n}` : n;
}

function splitRegistry(target: string): { key: string; value?: string } {
  const i = target.lastIndexOf('\\');
  return i <= 0 ? { key: target } : { key: target.slice(0, i), value: target.slice(i + 1) };
}

function isSysmon(f: Fields): boolean {
  const p = s(f.Provider_Name) ?? '';
  const c = s(f.Channel) ?? '';
  return /sysmon/i.test(p) || /sysmon/i.test(c);
}

interface Shape {
  kind: EventKind;
  subject?: Subject;
  object?: EventObject;
}

function sysmon(id: number, f: Fields, time: number): Shape {
  const actor = proc(f, ACTOR);
  switch (id) {
    case 1: {
      const subject: Subject = { ...(actor ?? {}), startTime: time };
      const integrity = s(f.IntegrityLevel);
      if (integrity) subject.integrity = integrity;
      const parent = proc(f, PARENT);
      if (parent) subject.parent = parent;
      return { kind: 'process_create', subject };
    }
    case 2:
      return { kind: 'file_write', subject: actor, object: compact({ file: fileOf(f.TargetFilename) }) };
    case 3: {
      const initiated = s(f.Initiated)?.toLowerCase() !== 'false';
      const src = { address: s(f.SourceIp), port: int(f.SourcePort), host: s(f.SourceHostname) };
      const dst = { address: s(f.DestinationIp), port: int(f.DestinationPort), host: s(f.DestinationHostname) };
      const [local, remote] = initiated ? [src, dst] : [dst, src];
      return {
        kind: initiated ? 'network_connect' : 'network_accept',
        subject: actor,
        object: compact({
          network: compact({
            protocol: s(f.Protocol),
            direction: initiated ? ('outbound' as const) : ('inbound' as const),
            localAddress: local.address,
            localPort: local.port,
            remoteAddress: remote.address,
            remotePort: remote.port,
          }),
          domain: remote.host,
        }),
      };
    }
    case 5:
      return { kind: 'process_exit', subject: actor };
    case 6:
      return { kind: 'image_load', object: compact({ module: s(f.ImageLoaded) }) };
    case 7:
      return { kind: 'image_load', subject: actor, object: compact({ module: s(f.ImageLoaded) }) };
    case 8:
      return { kind: 'remote_thread', subject: proc(f, SOURCE), object: compact({ process: proc(f, TARGET) }) };
    case 9:
      return { kind: 'file_read', subject: actor, object: compact({ file: fileOf(f.Device) }) };
    case 10:
      return { kind: 'process_access', subject: proc(f, SOURCE), object: compact({ process: proc(f, TARGET) }) };
    case 11:
    case 15:
    case 29:
      return { kind: 'file_create', subject: actor, object: compact({ file: fileOf(f.TargetFilename) }) };
    case 12:
    case 13:
    case 14: {
      const target = s(f.TargetObject) ?? '';
      const type = s(f.EventType) ?? '';
      if (id === 14 || /rename/i.test(type)) {
        return { kind: 'registry_set', subject: actor, object: { registry: compact({ key: target, data: s(f.NewName) })! } };
      }
      if (id === 13 || /setvalue/i.test(type)) {
        const { key, value } = splitRegistry(target);
        return { kind: 'registry_set', subject: actor, object: { registry: compact({ key, value, data: s(f.Details) })! } };
      }
      if (/delete/i.test(type)) {
        const reg = /deletevalue/i.test(type) ? splitRegistry(target) : { key: target };
        return { kind: 'registry_delete', subject: actor, object: { registry: compact({ ...reg })! } };
      }
      return { kind: 'registry_create', subject: actor, object: { registry: { key: target } } };
    }
    case 17:
    case 18:
      return { kind: 'pipe', subject: actor, object: compact({ pipe: s(f.PipeName) }) };
    case 19:
    case 20:
    case 21:
      return {
        kind: 'wmi',
        subject: compact({ user: s(f.User) }),
        object: compact({ script: s(f.Destination) ?? s(f.Query) ?? s(f.Consumer) }),
      };
    case 22:
      return { kind: 'dns_query', subject: actor, object: compact({ domain: s(f.QueryName) }) };
    case 23:
    case 26:
      return { kind: 'file_delete', subject: actor, object: compact({ file: fileOf(f.TargetFilename) }) };
    default:
      return { kind: 'other', subject: actor, object: compact({ file: fileOf(f.TargetFilename) }) };
  }
}

function fileOf(v: unknown): { path: string } | undefined {
  const p = s(v);
  return p ? { path: p } : undefined;
}

const ACCESS_WRITE = /WriteData|AppendData|%%4417|%%4418/i;
const ACCESS_DELETE = /DELETE|%%1537/i;
const ACCESS_READ = /ReadData|%%4416/i;

function protoName(v: unknown): string | undefined {
  const t = s(v);
  if (t === '6') return 'tcp';
  if (t === '17') return 'udp';
  if (t === '1') return 'icmp';
  return t;
}

function taskCommand(xml: string | undefined): string | undefined {
  if (!xml) return undefined;
  const cmd = /<Command>([^<]{0,4096})<\/Command>/.exec(xml)?.[1];
  const args = /<Arguments>([^<]{0,8192})<\/Arguments>/.exec(xml)?.[1];
  if (!cmd) return undefined;
  return args ? `${cmd} ${args}` : cmd;
}

function contextValue(ctx: string | undefined, name: string): string | undefined {
  if (!ctx) return undefined;
  const i = ctx.indexOf(`${name} = `);
  if (i === -1) return undefined;
  const end = ctx.indexOf('\n', i);
  return ctx.slice(i + name.length + 3, end === -1 ? undefined : end).trim() || undefined;
}

function security(id: number, f: Fields, time: number): Shape | undefined {
  const actor = compact({ pid: pidOf(f.ProcessId), image: s(f.ProcessName), user: user(f.SubjectDomainName, f.SubjectUserName) });
  switch (id) {
    case 4688: {
      const label = s(f.MandatoryLabel);
      const subject: Subject = {
        ...compact({
          pid: pidOf(f.NewProcessId),
          image: s(f.NewProcessName),
          commandLine: s(f.CommandLine),
          user: user(f.TargetDomainName, f.TargetUserName) ?? user(f.SubjectDomainName, f.SubjectUserName),
          integrity: label ? (INTEGRITY_SID[label] ?? label) : undefined,
        }),
        startTime: time,
      };
      const parent = compact({ pid: pidOf(f.ProcessId), image: s(f.ParentProcessName) });
      if (parent) subject.parent = parent;
      return { kind: 'process_create', subject };
    }
    case 4689:
      return { kind: 'process_exit', subject: actor };
    case 4624:
    case 4625:
    case 4648:
      return {
        kind: 'logon',
        subject: actor,
        object: { logon: compact({ user: user(f.TargetDomainName, f.TargetUserName), type: s(f.LogonType), sourceAddress: s(f.IpAddress) }) ?? {} },
      };
    case 4697:
      return { kind: 'service_install', subject: actor, object: { service: compact({ name: s(f.ServiceName), image: s(f.ServiceFileName) }) ?? {} } };
    case 4698:
    case 4702:
      return {
        kind: 'scheduled_task',
        subject: actor,
        object: { task: compact({ name: s(f.TaskName), command: taskCommand(s(f.TaskContent) ?? s(f.TaskContentNew)) }) ?? {} },
      };
    case 4657: {
      const op = s(f.OperationType) ?? '';
      const kind: EventKind = /%%1906|deleted/i.test(op) ? 'registry_delete' : /%%1904|created/i.test(op) ? 'registry_create' : 'registry_set';
      const key = s(f.ObjectName);
      return { kind, subject: actor, object: key ? { registry: compact({ key, value: s(f.ObjectValueName), data: s(f.NewValue) })! } : undefined };
    }
    case 4663: {
      const type = s(f.ObjectType) ?? '';
      const name = s(f.ObjectName);
      const access = `${s(f.AccessList) ?? ''} ${s(f.Accesses) ?? ''}`;
      const mask = pidOf(f.AccessMask) ?? 0;
      if (/^key$/i.test(type) && name) {
        const kind: EventKind = ACCESS_DELETE.test(access) || mask & 0x10000 ? 'registry_delete' : mask & 0x6 ? 'registry_set' : 'other';
        return { kind, subject: actor, object: { registry: { key: name } } };
      }
      if (/^file$/i.test(type) && name) {
        const kind: EventKind =
          ACCESS_DELETE.test(access) || mask & 0x10000 ? 'file_delete' : ACCESS_WRITE.test(access) || mask & 0x6 ? 'file_write' : ACCESS_READ.test(access) || mask & 0x1 ? 'file_read' : 'other';
        return { kind, subject: actor, object: { file: { path: name } } };
      }
      return { kind: 'other', subject: actor };
    }
    case 5156: {
      const dir = s(f.Direction) ?? '';
      const inbound = /%%14592|inbound/i.test(dir);
      const app = s(f.Application);
      return {
        kind: inbound ? 'network_accept' : 'network_connect',
        subject: compact({ pid: pidOf(f.ProcessID ?? f.ProcessId), image: app }),
        object: {
          network: compact({
            protocol: protoName(f.Protocol),
            direction: inbound ? ('inbound' as const) : ('outbound' as const),
            localAddress: s(f.SourceAddress),
            localPort: int(f.SourcePort),
            remoteAddress: s(f.DestAddress),
            remotePort: int(f.DestPort),
          }) ?? {},
        },
      };
    }
    default:
      return undefined;
  }
}

/** `text.split(/\s+/)[0]` without splitting a whole (often long) command line. */
function firstWord(text: string): string {
  const i = text.search(/\s/);
  return i === -1 ? text : text.slice(0, i);
}

function powershell(id: number, f: Fields): Shape | undefined {
  const pid = pidOf(f.Execution_ProcessID);
  if (id === 4104) {
    return { kind: 'powershell_script', subject: compact({ pid }), object: compact({ script: s(f.ScriptBlockText) }) };
  }
  if (id === 4103) {
    const ctx = s(f.ContextInfo);
    const host = contextValue(ctx, 'Host Application');
    return {
      kind: 'powershell_script',
      subject: compact({ pid, image: host === undefined ? undefined : firstWord(host), commandLine: host, user: contextValue(ctx, 'User') }),
      object: compact({ script: s(f.Payload) ?? contextValue(ctx, 'Command Name') }),
    };
  }
  return undefined;
}

/** Normalize a Windows-shaped record; undefined when it has no usable time. */
export function normalizeWindows(rec: LogRecord): NormalizedEvent | undefined {
  const f = rec.fields;
  const time = windowsTime(f, rec.source.file);
  if (time === undefined) return undefined;
  const id = typeof f.EventID === 'number' ? f.EventID : pidOf(f.EventID);
  const provider = s(f.Provider_Name);
  const channel = s(f.Channel);
  let shape: Shape | undefined;
  if (id !== undefined) {
    if (isSysmon(f)) shape = sysmon(id, f, time);
    else if (/security-auditing/i.test(provider ?? '') || channel === 'Security') shape = security(id, f, time);
    else if (/powershell/i.test(provider ?? '') || /powershell/i.test(channel ?? '')) shape = powershell(id, f);
    else if (id === 7045 && (channel === 'System' || /service control manager/i.test(provider ?? ''))) {
      shape = { kind: 'service_install', object: { service: compact({ name: s(f.ServiceName), image: s(f.ImagePath) }) ?? {} } };
    }
  }
  shape ??= { kind: 'other' };
  const ev: NormalizedEvent = {
    time,
    host: s(f.Computer) ?? s(f.Hostname) ?? 'unknown',
    kind: shape.kind,
    raw: f,
    source: rec.source,
  };
  if (provider) ev.provider = provider;
  if (channel) ev.channel = channel;
  if (id !== undefined) ev.eventId = id;
  if (shape.subject && hasKeys(shape.subject)) ev.subject = shape.subject;
  if (shape.object && hasKeys(shape.object)) ev.object = shape.object;
  return ev;
}
