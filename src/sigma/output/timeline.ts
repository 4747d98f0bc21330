/**
 * The hunt timeline: one compact row per detection, holding only what the
 * report shows (never the whole event), so a hunt over millions of events
 * keeps its memory bounded by the number of hits. Rows sort by event time.
 */
import type { SourceLocation } from '../../logs/record.js';
import type { EventFields, RuleRef } from '../compile/types.js';
import { eventTime } from '../correlation/time.js';

export interface TimelineRow {
  kind: 'event' | 'correlation';
  /** Event time in ms since the epoch; NaN when the event has none. */
  timeMs: number;
  /** Index into the hunt's rule list (`HuntResult.rules`). */
  rule: number;
  computer?: string;
  channel?: string;
  eventId?: string;
  /** Fields the rule looks at, as found in the event (values cut to 300 characters). */
  keyFields: Array<[string, string]>;
  /** Matched search identifiers. */
  selections: string[];
  source?: SourceLocation;
  /** Correlations: group-by values and the aggregated value. */
  correlation?: { type: string; group: Record<string, string>; value: number; events: number };
}

const MAX_VALUE = 300;
const MAX_KEY_FIELDS = 8;
const COMPUTER = ['Computer', 'Hostname', 'host.name', 'computer_name', 'winlog.computer_name', 'hostname', 'node'];
const CHANNEL = ['Channel', 'winlog.channel', 'log_name', 'type'];
const EVENT_ID = ['EventID', 'winlog.event_id', 'event_id', 'event.code'];

function lookup(fields: EventFields, name: string): unknown {
  if (Object.prototype.hasOwnProperty.call(fields, name)) return fields[name];
  if (!name.includes('.')) return undefined;
  let cur: unknown = fields;
  for (const p of name.split('.')) {
    if (typeof cur !== 'object' || cur === null || Array.isArray(cur)) return undefined;
    const o = cur as Record<string, unknown>;
    if (!Object.prototype.hasOwnProperty.call(o, p)) return undefined;
    cur = o[p];
  }
  return cur;
}

export function valueText(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v.length > MAX_VALUE ? v.slice(0, MAX_VALUE - 1) + '…' : v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  try {
    const s = JSON.stringify(v);
    return s.length > MAX_VALUE ? s.slice(0, MAX_VALUE - 1) + '…' : s;
  } catch {
    return undefined;
  }
}

function first(fields: EventFields, names: readonly string[]): string | undefined {
  for (const n of names) {
    const t = valueText(lookup(fields, n));
    if (t !== undefined && t !== '') return t;
  }
  return undefined;
}

/** Fields not worth repeating as key fields (they have their own columns). */
const SKIP_KEYS = new Set([...COMPUTER, ...CHANNEL, ...EVENT_ID, 'Provider_Name', 'SourceName']);

/** A row for an event detection. `ruleFields` are the fields the rule reads (after pipeline renames). */
export function eventRow(rule: number, ruleFields: readonly string[], fields: EventFields, selections: string[], source: SourceLocation | undefined): TimelineRow {
  const keyFields: Array<[string, string]> = [];
  const seen = new Set<string>();
  for (const f of ruleFields) {
    if (keyFields.length >= MAX_KEY_FIELDS) break;
    if (seen.has(f) || SKIP_KEYS.has(f)) continue;
    seen.add(f);
    const t = valueText(lookup(fields, f));
    if (t !== undefined) keyFields.push([f, t]);
  }
  const row: TimelineRow = { kind: 'event', timeMs: eventTime(fields) ?? NaN, rule, keyFields, selections };
  const computer = first(fields, COMPUTER);
  if (computer !== undefined) row.computer = computer;
  const channel = first(fields, CHANNEL);
  if (channel !== undefined) row.channel = channel;
  const eventId = first(fields, EVENT_ID);
  if (eventId !== undefined) row.eventId = eventId;
  if (source) row.source = source;
  return row;
}

/** Time order; rows without a time go last, ties keep file/line order. */
export function compareRows(a: TimelineRow, b: TimelineRow): number {
  const at = Number.isNaN(a.timeMs) ? Infinity : a.timeMs;
  const bt = Number.isNaN(b.timeMs) ? Infinity : b.timeMs;
  if (at !== bt) return at < bt ? -1 : 1;
  const af = a.source?.file ?? '';
  const bf = b.source?.file ?? '';
  if (af !== bf) return af < bf ? -1 : 1;
  const al = a.source?.line ?? a.source?.record ?? 0;
  const bl = b.source?.line ?? b.source?.record ?? 0;
  if (al !== bl) return al - bl;
  return a.rule - b.rule;
}

export function rowTime(row: TimelineRow): string {
  return Number.isNaN(row.timeMs) ? '' : new Date(row.timeMs).toISOString();
}

export type RuleInfo = RuleRef;
