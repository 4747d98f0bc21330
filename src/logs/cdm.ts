/**
 * DARPA Transparent Computing CDM (versions 18/19/20) as JSON: each line is a
 * `TCCDMDatum` `{"datum": {"com.bbn.tc.schema.avro.cdm18.Event": {...}},
 * "CDMVersion": "18", "source": "..."}` whose optional fields are Avro-JSON
 * unions (`{"string": "x"}`, `{"long": 1}`, `{"com.bbn…UUID": "…"}`).
 *
 * The decoder unwraps the unions, flattens each datum to plain fields
 * (`cdm_type`, `uuid`, `type`, …) and, for Events, resolves the UUIDs of the
 * subject and the predicate objects against the Subjects/objects/Principals/
 * Hosts seen earlier in the stream (kept in a bounded map: the oldest entries
 * are dropped first), adding `subject_*`, `object_*` and `object2_*` fields.
 */
import type { Issue } from '../common/errors.js';
import type { SourceLocation } from './record.js';
import { isObject } from './windows.js';

type Obj = Record<string, unknown>;

const CDM_PREFIX = 'com.bbn.tc.schema.avro.cdm';
const AVRO_PRIMITIVES = new Set(['string', 'long', 'int', 'boolean', 'double', 'float', 'bytes', 'array', 'map', 'null']);
const MAX_UNWRAP_DEPTH = 24;

export function isCdmRecord(o: Obj): boolean {
  const d = o.datum;
  if (!isObject(d)) return false;
  for (const k in d) return k.startsWith(CDM_PREFIX);
  return false;
}

/** Remove Avro-JSON union wrappers: `{"string": "x"}` → "x", `{"com.bbn…UUID": u}` → u. */
export function unwrapAvro(v: unknown, depth = 0): unknown {
  if (depth > MAX_UNWRAP_DEPTH) return v;
  if (Array.isArray(v)) return v.map((x) => unwrapAvro(x, depth + 1));
  if (!isObject(v)) return v;
  const keys = Object.keys(v);
  if (keys.length === 1) {
    const k = keys[0]!;
    if (AVRO_PRIMITIVES.has(k) || k.startsWith(CDM_PREFIX)) return unwrapAvro(v[k], depth + 1);
  }
  const out: Obj = {};
  for (const k of keys) out[k] = unwrapAvro(v[k], depth + 1);
  return out;
}

/** What an Event may refer to, kept small: only what normalization needs. */
interface Entity {
  kind: string; // Subject, FileObject, NetFlowObject, …
  type?: string;
  cid?: number;
  parent?: string;
  cmdLine?: string;
  path?: string;
  name?: string;
  startNanos?: number;
  principal?: string;
  hostId?: string;
  localAddress?: string;
  localPort?: number;
  remoteAddress?: string;
  remotePort?: number;
  ipProtocol?: number;
  key?: string;
  srcSinkType?: string;
  username?: string;
  userId?: string;
  hostName?: string;
}

export interface CdmDecoderOptions {
  file: string;
  onIssue?: (i: Issue) => void;
  /** Maximum entities remembered for UUID resolution (default 1,000,000). */
  maxEntities?: number;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}
function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : undefined;
}

export class CdmDecoder {
  private readonly entities = new Map<string, Entity>();
  private readonly max: number;

  constructor(private readonly opts: CdmDecoderOptions) {
    this.max = opts.maxEntities ?? 1_000_000;
  }

  get rememberedEntities(): number {
    return this.entities.size;
  }

  decode(o: Obj, source: SourceLocation): Obj | undefined {
    const datum = o.datum as Obj;
    const fullType = Object.keys(datum)[0]!;
    const recType = fullType.slice(fullType.lastIndexOf('.') + 1);
    const body = unwrapAvro(datum[fullType]);
    if (!isObject(body)) {
      this.opts.onIssue?.({ severity: 'error', code: 'cdm-shape', message: `CDM ${recType} datum is not an object`, place: source });
      return undefined;
    }
    const fields: Obj = { cdm_type: recType, ...body };
    const version = str(o.CDMVersion) ?? /cdm(\d+)/.exec(fullType)?.[1];
    if (version) fields.CDMVersion = version;
    if (o.source !== undefined) fields.cdm_source = unwrapAvro(o.source);
    if (o.hostId !== undefined && fields.hostId === undefined) fields.hostId = unwrapAvro(o.hostId);
    const uuid = str(body.uuid);
    if (recType === 'Event') {
      this.resolveInto(fields, 'subject', str(body.subject));
      this.resolveInto(fields, 'object', str(body.predicateObject));
      this.resolveInto(fields, 'object2', str(body.predicateObject2));
      const host = str(body.hostId) ?? str(fields.hostId);
      if (host) {
        const h = this.entities.get(host);
        if (h?.hostName) fields.hostName = h.hostName;
      }
    } else if (uuid) {
      const e = this.entityOf(recType, body);
      if (e) this.remember(uuid, e);
      if (recType === 'Subject') {
        this.resolveInto(fields, 'parent', str(body.parentSubject));
        const p = str(body.localPrincipal);
        const pe = p ? this.entities.get(p) : undefined;
        if (pe?.username) fields.username = pe.username;
        if (pe?.userId) fields.userId = pe.userId;
      }
    }
    return fields;
  }

  private remember(uuid: string, e: Entity): void {
    if (this.entities.size >= this.max && !this.entities.has(uuid)) {
      const oldest = this.entities.keys().next();
      if (!oldest.done) this.entities.delete(oldest.value);
    }
    this.entities.set(uuid, e);
  }

  private entityOf(kind: string, b: Obj): Entity | undefined {
    const props = isObject(b.properties) ? b.properties : {};
    const base = isObject(b.baseObject) ? b.baseObject : {};
    const baseProps = isObject(base.properties) ? base.properties : {};
    const e: Entity = { kind };
    switch (kind) {
      case 'Subject':
        e.type = str(b.type);
        e.cid = num(b.cid);
        e.parent = str(b.parentSubject);
        e.cmdLine = str(b.cmdLine) ?? str(props.cmdLine);
        e.path = str(props.path) ?? str(props.exec) ?? str(props.name);
        e.name = str(props.name);
        e.startNanos = num(b.startTimestampNanos);
        e.principal = str(b.localPrincipal);
        e.hostId = str(b.hostId);
        if (e.principal) {
          const p = this.entities.get(e.principal);
          if (p) {
            e.username = p.username;
            e.userId = p.userId;
          }
        }
        return e;
      case 'FileObject':
        e.type = str(b.type);
        e.path = str(baseProps.path) ?? str(baseProps.filename) ?? str(props.path);
        return e;
      case 'NetFlowObject':
        e.localAddress = str(b.localAddress);
        e.localPort = num(b.localPort);
        e.remoteAddress = str(b.remoteAddress);
        e.remotePort = num(b.remotePort);
        e.ipProtocol = num(b.ipProtocol);
        return e;
      case 'RegistryKeyObject':
        e.key = str(b.key);
        return e;
      case 'SrcSinkObject':
        e.srcSinkType = str(b.type);
        return e;
      case 'UnnamedPipeObject':
      case 'IpcObject':
        e.type = str(b.type);
        return e;
      case 'MemoryObject':
      case 'PacketSocketObject':
        return e;
      case 'Principal':
        e.username = str(b.username);
        e.userId = str(b.userId);
        return e;
      case 'Host':
        e.hostName = str(b.hostName);
        return e;
      default:
        return undefined;
    }
  }

  /** Add `<prefix>_*` fields for a referenced entity; `<prefix>_unresolved` when it was never seen. */
  private resolveInto(fields: Obj, prefix: string, uuid: string | undefined): void {
    if (!uuid) return;
    const e = this.entities.get(uuid);
    if (!e) {
      fields[`${prefix}_unresolved`] = true;
      return;
    }
    fields[`${prefix}_kind`] = e.kind;
    for (const [k, v] of Object.entries(e)) if (k !== 'kind' && v !== undefined) fields[`${prefix}_${k}`] = v;
  }
}

/** Nanoseconds since the epoch (number or numeric string) → milliseconds. */
export function cdmNanosToMs(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return Math.floor(v / 1e6);
  if (typeof v === 'string' && /^\d{1,22}$/.test(v)) return Number(BigInt(v) / 1_000_000n);
  return undefined;
}
