/**
 * DARPA TC CDM Events (with the subject/object fields the reader resolved
 * from earlier records) → normalized events. Entity records (Subject,
 * FileObject, Principal, Host, …) are not events: they yield nothing.
 */
import type { EventKind, EventObject, NormalizedEvent, Subject } from '../event.js';
import type { LogRecord } from '../record.js';
import { cdmNanosToMs } from '../cdm.js';

type Fields = Record<string, unknown>;

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}
function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

const KIND: Record<string, EventKind> = {
  EVENT_EXECUTE: 'process_create',
  EVENT_FORK: 'process_create',
  EVENT_CLONE: 'process_create',
  EVENT_EXIT: 'process_exit',
  EVENT_READ: 'file_read',
  EVENT_RECVFROM: 'file_read',
  EVENT_RECVMSG: 'file_read',
  EVENT_WRITE: 'file_write',
  EVENT_SENDTO: 'file_write',
  EVENT_SENDMSG: 'file_write',
  EVENT_TRUNCATE: 'file_write',
  EVENT_MODIFY_FILE_ATTRIBUTES: 'file_write',
  EVENT_CREATE_OBJECT: 'file_create',
  EVENT_UNLINK: 'file_delete',
  EVENT_RENAME: 'file_rename',
  EVENT_CONNECT: 'network_connect',
  EVENT_ACCEPT: 'network_accept',
  EVENT_LOADLIBRARY: 'image_load',
  EVENT_LOGIN: 'logon',
  EVENT_SERVICEINSTALL: 'service_install',
};

/** The acting subject of an event, from the resolved `subject_*` fields. */
function subjectFrom(f: Fields, prefix: string): Subject | undefined {
  const s: Subject = {};
  const guid = str(f[prefix === 'subject' ? 'subject' : `${prefix}_uuid`]);
  if (guid) s.guid = guid;
  const pid = num(f[`${prefix}_cid`]);
  if (pid !== undefined) s.pid = pid;
  const image = str(f[`${prefix}_path`]);
  if (image) s.image = image;
  const cmd = str(f[`${prefix}_cmdLine`]);
  if (cmd) s.commandLine = cmd;
  const user = str(f[`${prefix}_username`]) ?? str(f[`${prefix}_userId`]);
  if (user) s.user = user;
  const start = f[`${prefix}_startNanos`];
  const st = cdmNanosToMs(start);
  if (st !== undefined) s.startTime = st;
  const parent = str(f[`${prefix}_parent`]);
  if (parent) s.parent = { guid: parent };
  return Object.keys(s).length ? s : undefined;
}

function objectFrom(f: Fields, kind: EventKind): EventObject | undefined {
  const okind = str(f.object_kind);
  const path = str(f.predicateObjectPath) ?? str(f.object_path);
  const o: EventObject = {};
  if (okind === 'NetFlowObject') {
    const network: NonNullable<EventObject['network']> = {};
    const la = str(f.object_localAddress);
    const ra = str(f.object_remoteAddress);
    if (la) network.localAddress = la;
    if (ra) network.remoteAddress = ra;
    const lp = num(f.object_localPort);
    const rp = num(f.object_remotePort);
    if (lp !== undefined) network.localPort = lp;
    if (rp !== undefined) network.remotePort = rp;
    const proto = num(f.object_ipProtocol);
    if (proto !== undefined) network.protocol = proto === 6 ? 'tcp' : proto === 17 ? 'udp' : String(proto);
    if (kind === 'network_accept') network.direction = 'inbound';
    else if (kind === 'network_connect') network.direction = 'outbound';
    o.network = network;
  } else if (okind === 'RegistryKeyObject' && str(f.object_key)) {
    o.registry = { key: str(f.object_key)! };
  } else if (kind === 'image_load' && path) {
    o.module = path;
  } else if (path) {
    const file: { path: string; newPath?: string } = { path };
    const np = str(f.predicateObject2Path) ?? str(f.object2_path);
    if (np && kind === 'file_rename') file.newPath = np;
    o.file = file;
  }
  return Object.keys(o).length ? o : undefined;
}

export function normalizeCdm(rec: LogRecord): NormalizedEvent | undefined {
  const f = rec.fields;
  if (f.cdm_type !== 'Event') return undefined;
  const time = cdmNanosToMs(f.timestampNanos);
  if (time === undefined) return undefined;
  const type = str(f.type) ?? 'EVENT_OTHER';
  let kind: EventKind = KIND[type] ?? 'other';
  const okind = str(f.object_kind);
  // reads and writes on sockets are data flows, not files; registry writes are registry sets
  if ((kind === 'file_read' || kind === 'file_write') && okind === 'NetFlowObject') kind = 'other';
  if (kind === 'file_write' && okind === 'RegistryKeyObject') kind = 'registry_set';
  let subject = subjectFrom(f, 'subject');
  let object = objectFrom(f, kind);
  if (type === 'EVENT_FORK' || type === 'EVENT_CLONE') {
    // the created process is the predicate object; the actor is its parent
    const child = subjectFrom(f, 'object') ?? {};
    const childGuid = str(f.predicateObject);
    if (childGuid) child.guid = childGuid;
    const parent = subject ? { ...subject } : undefined;
    if (parent) delete (parent as Subject).parent;
    subject = { ...child, startTime: child.startTime ?? time, ...(parent ? { parent } : {}) };
    object = undefined;
  } else if (type === 'EVENT_EXECUTE' && subject) {
    const image = str(f.predicateObjectPath) ?? str(f.object_path);
    subject = { ...subject, ...(image ? { image } : {}) };
    object = undefined;
  }
  const ev: NormalizedEvent = {
    time,
    host: str(f.hostName) ?? str(f.hostId) ?? 'unknown',
    provider: str(f.cdm_source) ?? 'cdm',
    eventId: type,
    kind,
    raw: f,
    source: rec.source,
  };
  if (subject) ev.subject = subject;
  if (object) ev.object = object;
  return ev;
}
