/**
 * Windows event JSON flavours → one flat field shape (the python-evtx
 * flattening of EVTX-ATTACK-SAMPLES): `EventID` (number), `Provider_Name`,
 * `Channel`, `Computer`, `TimeCreated`, `EventRecordID` (number), System
 * extras (`Execution_ProcessID`, `Security_UserID`, …) and every
 * EventData/UserData field at top level. Sigma rules then match the same way
 * whatever tool exported the log. Fields a flavour has beyond that shape are
 * kept (ECS objects as dotted keys, nxlog extras as they are).
 */
import type { RecordFormat } from './record.js';

type Obj = Record<string, unknown>;

/** System-level keys of the flat shape; EventData names that collide get `EventData_`. */
const SYSTEM_KEYS = new Set([
  'EventID',
  'Provider_Name',
  'Provider_Guid',
  'EventSourceName',
  'Channel',
  'Computer',
  'TimeCreated',
  'EventRecordID',
  'Version',
  'Level',
  'Task',
  'Opcode',
  'Keywords',
  'Qualifiers',
  'Execution_ProcessID',
  'Execution_ThreadID',
  'Security_UserID',
  'ActivityID',
  'RelatedActivityID',
  'UserDataType',
]);

const MAX_DEPTH = 16;
const MAX_FLAT_KEYS = 4096;

export function isObject(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Which Windows flavour (if any) a parsed JSON object is. */
export function classifyWindowsJson(o: Obj): RecordFormat | undefined {
  const ev = o.Event;
  if (isObject(ev) && isObject(ev.System)) return 'win-nested';
  if (isObject(o.System) && (o.System.EventID !== undefined || isObject(o.System.Provider))) return 'win-nested';
  if (isObject(o.winlog)) return 'ecs';
  if (isObject(o.event_data) || (o.event_id !== undefined && (o.log_name !== undefined || o.source_name !== undefined || o.computer_name !== undefined)))
    return 'win-secdatasets-nested';
  if (o.EventID !== undefined || o.EventId !== undefined) {
    if (o.SourceName !== undefined || o.Hostname !== undefined || o.RecordNumber !== undefined) return 'win-secdatasets';
    return 'win-flat';
  }
  if (o.event_id !== undefined) return 'win-secdatasets-nested';
  return undefined;
}

/**
 * Flatten a Windows record of the given flavour to the python-evtx shape. The
 * flat flavours are completed in place (the readers pass objects they just
 * parsed); the nested flavours produce a new object.
 */
export function flattenWindows(o: Obj, format: RecordFormat): Obj {
  switch (format) {
    case 'win-flat':
      return flattenFlat(o);
    case 'win-secdatasets':
      return flattenSecDatasets(o);
    case 'win-secdatasets-nested':
      return flattenWinlogbeatLegacy(o);
    case 'win-nested':
      return flattenNested(isObject(o.Event) ? o.Event : o);
    case 'ecs':
      return flattenEcs(o);
    default:
      return o;
  }
}

function toInt(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return Math.trunc(v);
  if (typeof v === 'string' && /^\s*-?\d{1,16}\s*$/.test(v)) return Number(v);
  if (isObject(v)) return toInt(v['#text'] ?? v.value);
  return undefined;
}

/** EventData values as python-evtx renders them: strings ('' for empty). */
function dataString(v: unknown): unknown {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (Array.isArray(v)) return v.map(dataString);
  if (isObject(v) && '#text' in v) return dataString(v['#text']);
  return v;
}

function setData(out: Obj, name: string, value: unknown): void {
  const key = SYSTEM_KEYS.has(name) ? `EventData_${name}` : name;
  out[key] = value;
}

function flattenFlat(o: Obj): Obj {
  if (typeof o.EventID === 'number') return o;
  const out: Obj = o;
  const id = toInt(o.EventID ?? o.EventId);
  if (id !== undefined) out.EventID = id;
  return out;
}

/** Adds the python-evtx names in place: the object is the reader's own freshly parsed copy. */
function flattenSecDatasets(o: Obj): Obj {
  const out: Obj = o;
  const id = toInt(o.EventID ?? o.EventId);
  if (id !== undefined) out.EventID = id;
  if (out.Provider_Name === undefined && typeof o.SourceName === 'string') out.Provider_Name = o.SourceName;
  if (out.Provider_Guid === undefined && o.ProviderGuid !== undefined) out.Provider_Guid = o.ProviderGuid;
  if (out.Computer === undefined && typeof o.Hostname === 'string') out.Computer = o.Hostname;
  if (out.EventRecordID === undefined) {
    const rn = toInt(o.RecordNumber);
    if (rn !== undefined) out.EventRecordID = rn;
  }
  if (out.TimeCreated === undefined && typeof o['@timestamp'] === 'string') out.TimeCreated = o['@timestamp'];
  if (out.Execution_ProcessID === undefined && o.ExecutionProcessID !== undefined) out.Execution_ProcessID = o.ExecutionProcessID;
  if (out.Security_UserID === undefined && typeof o.UserID === 'string') out.Security_UserID = o.UserID;
  return out;
}

/** Winlogbeat 6 / older Security-Datasets: event_id, source_name, computer_name, event_data{}. */
function flattenWinlogbeatLegacy(o: Obj): Obj {
  const out: Obj = {};
  const id = toInt(o.event_id);
  if (id !== undefined) out.EventID = id;
  if (typeof o.source_name === 'string') out.Provider_Name = o.source_name;
  if (o.provider_guid !== undefined) out.Provider_Guid = o.provider_guid;
  if (typeof o.log_name === 'string') out.Channel = o.log_name;
  if (typeof o.computer_name === 'string') out.Computer = o.computer_name;
  if (typeof o['@timestamp'] === 'string') out.TimeCreated = o['@timestamp'];
  const rn = toInt(o.record_number);
  if (rn !== undefined) out.EventRecordID = rn;
  if (o.version !== undefined) out.Version = o.version;
  if (o.process_id !== undefined) out.Execution_ProcessID = o.process_id;
  if (o.thread_id !== undefined) out.Execution_ThreadID = o.thread_id;
  if (isObject(o.user) && typeof o.user.identifier === 'string') out.Security_UserID = o.user.identifier;
  if (o.activity_id !== undefined) out.ActivityID = o.activity_id;
  // for…in rather than Object.entries: no [key, value] array per field (a parsed JSON object has no inherited keys; same order)
  for (const k in o) {
    if (k === 'event_data' || k === 'user_data') continue;
    if (!(k in out)) out[k] = o[k];
  }
  const data = o.event_data;
  if (isObject(data)) for (const k in data) setData(out, k, dataString(data[k]));
  if (isObject(o.user_data)) flattenUserDataInto(out, o.user_data, 'user_data');
  return out;
}

/** Attribute of an XML-as-JSON node: `#attributes.X` (evtx crate) or `@X` (xmltodict). */
function attr(node: unknown, name: string): unknown {
  if (!isObject(node)) return undefined;
  const a = node['#attributes'];
  if (isObject(a) && a[name] !== undefined) return a[name];
  return node[`@${name}`];
}

function text(node: unknown): unknown {
  if (isObject(node)) return node['#text'] ?? node.value;
  return node;
}

/** Nested XML-as-JSON (`Event.System`, `Event.EventData` / `Event.UserData`). */
function flattenNested(ev: Obj): Obj {
  const out: Obj = {};
  const sys = isObject(ev.System) ? ev.System : {};
  const id = toInt(text(sys.EventID));
  if (id !== undefined) out.EventID = id;
  const provider = sys.Provider;
  const pn = attr(provider, 'Name');
  if (pn !== undefined) out.Provider_Name = pn;
  const pg = attr(provider, 'Guid');
  if (pg !== undefined) out.Provider_Guid = pg;
  const esn = attr(provider, 'EventSourceName');
  if (esn !== undefined) out.EventSourceName = esn;
  if (sys.Channel !== undefined) out.Channel = text(sys.Channel);
  if (sys.Computer !== undefined) out.Computer = text(sys.Computer);
  const tc = attr(sys.TimeCreated, 'SystemTime');
  if (tc !== undefined) out.TimeCreated = tc;
  const rid = toInt(text(sys.EventRecordID));
  if (rid !== undefined) out.EventRecordID = rid;
  for (const k of ['Version', 'Level', 'Task', 'Opcode', 'Keywords'] as const) if (sys[k] !== undefined && sys[k] !== null) out[k] = text(sys[k]);
  const q = attr(sys.EventID, 'Qualifiers');
  if (q !== undefined) out.Qualifiers = q;
  const pid = attr(sys.Execution, 'ProcessID');
  if (pid !== undefined) out.Execution_ProcessID = pid;
  const tid = attr(sys.Execution, 'ThreadID');
  if (tid !== undefined) out.Execution_ThreadID = tid;
  const uid = attr(sys.Security, 'UserID');
  if (uid !== undefined) out.Security_UserID = uid;
  const act = attr(sys.Correlation, 'ActivityID');
  if (act !== undefined) out.ActivityID = act;
  const rel = attr(sys.Correlation, 'RelatedActivityID');
  if (rel !== undefined) out.RelatedActivityID = rel;

  const ed = ev.EventData;
  if (isObject(ed)) flattenEventData(out, ed);
  else if (Array.isArray(ed)) flattenDataList(out, ed);
  const ud = ev.UserData;
  if (isObject(ud)) {
    const names = Object.keys(ud).filter((k) => k !== '#attributes' && !k.startsWith('@'));
    const inner = names.length === 1 ? ud[names[0]!] : ud;
    if (names.length === 1) out.UserDataType = names[0];
    if (isObject(inner)) flattenUserDataInto(out, inner, '');
  }
  return out;
}

function flattenEventData(out: Obj, ed: Obj): void {
  for (const [k, v] of Object.entries(ed)) {
    if (k === '#attributes' || k.startsWith('@')) continue;
    if (k === 'Data') {
      // <Data Name="X">v</Data> as a list or single node, or unnamed Data as #text
      const list = Array.isArray(v) ? v : [v];
      if (list.some((d) => attr(d, 'Name') !== undefined)) {
        flattenDataList(out, list);
        continue;
      }
      out.Data = dataString(Array.isArray(v) ? v.map(text) : text(v));
      continue;
    }
    setData(out, k, dataString(v));
  }
}

function flattenDataList(out: Obj, list: unknown[]): void {
  const unnamed: unknown[] = [];
  for (const d of list) {
    const name = attr(d, 'Name');
    if (typeof name === 'string') setData(out, name, dataString(text(d)));
    else unnamed.push(dataString(text(d)));
  }
  if (unnamed.length === 1) out.Data = unnamed[0];
  else if (unnamed.length > 1) out.Data = unnamed;
}

/** Leaves of a UserData element at top level; nested names joined with `_`. */
function flattenUserDataInto(out: Obj, node: Obj, prefix: string, depth = 0): void {
  for (const [k, v] of Object.entries(node)) {
    if (k === '#attributes' || k.startsWith('@') || k === 'xmlns') continue;
    const name = prefix ? `${prefix}_${k}` : k;
    if (isObject(v) && !('#text' in v) && depth < MAX_DEPTH) flattenUserDataInto(out, v, name, depth + 1);
    else if (!(name in out) || !SYSTEM_KEYS.has(name)) setData(out, name, dataString(v));
  }
}

/** Winlogbeat 7+/ECS: `winlog.*`, `event.code`, `host.name`, `process.*`. */
function flattenEcs(o: Obj): Obj {
  const out: Obj = {};
  const w = isObject(o.winlog) ? o.winlog : {};
  const ev = isObject(o.event) ? o.event : {};
  const id = toInt(w.event_id ?? ev.code);
  if (id !== undefined) out.EventID = id;
  if (typeof w.provider_name === 'string') out.Provider_Name = w.provider_name;
  if (w.provider_guid !== undefined) out.Provider_Guid = w.provider_guid;
  if (typeof w.channel === 'string') out.Channel = w.channel;
  const host = isObject(o.host) ? o.host : {};
  const computer = w.computer_name ?? host.hostname ?? host.name;
  if (typeof computer === 'string') out.Computer = computer;
  const ts = o['@timestamp'] ?? ev.created;
  if (typeof ts === 'string') out.TimeCreated = ts;
  const rid = toInt(w.record_id);
  if (rid !== undefined) out.EventRecordID = rid;
  if (w.version !== undefined) out.Version = w.version;
  if (w.opcode !== undefined) out.Opcode = w.opcode;
  if (w.task !== undefined) out.Task = w.task;
  if (Array.isArray(w.keywords)) out.Keywords = w.keywords;
  const wp = isObject(w.process) ? w.process : {};
  if (wp.pid !== undefined) out.Execution_ProcessID = wp.pid;
  if (isObject(wp.thread) && wp.thread.id !== undefined) out.Execution_ThreadID = wp.thread.id;
  if (isObject(w.user) && typeof w.user.identifier === 'string') out.Security_UserID = w.user.identifier;
  if (w.activity_id !== undefined) out.ActivityID = w.activity_id;
  if (w.related_activity_id !== undefined) out.RelatedActivityID = w.related_activity_id;
  if (isObject(w.event_data)) for (const [k, v] of Object.entries(w.event_data)) setData(out, k, dataString(v));
  if (isObject(w.user_data)) flattenUserDataInto(out, w.user_data, '');
  // everything else as dotted keys, so nothing the source had is lost
  const budget = { n: 0 };
  for (const [k, v] of Object.entries(o)) {
    if (k === 'winlog') {
      for (const [wk, wv] of Object.entries(w)) if (wk !== 'event_data' && wk !== 'user_data') dotted(out, `winlog.${wk}`, wv, 1, budget);
    } else dotted(out, k, v, 0, budget);
  }
  return out;
}

function dotted(out: Obj, key: string, v: unknown, depth: number, budget: { n: number }): void {
  if (budget.n >= MAX_FLAT_KEYS) return;
  if (isObject(v) && depth < MAX_DEPTH) {
    for (const [k, x] of Object.entries(v)) dotted(out, `${key}.${k}`, x, depth + 1, budget);
    return;
  }
  budget.n++;
  if (!(key in out)) out[key] = v;
}
