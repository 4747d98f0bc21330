/** Event timestamps for correlation windows: the common time fields of Windows, ECS and generic JSON. */
import type { EventFields } from '../compile/types.js';

const TIME_FIELDS = ['TimeCreated', 'SystemTime', 'UtcTime', '@timestamp', 'timestamp', 'EventTime', 'TimeGenerated', 'time', 'Event.System.TimeCreated.#attributes.SystemTime'];

/** Milliseconds since the epoch, or undefined when the event carries no readable time. */
export function parseTime(v: unknown): number | undefined {
  if (typeof v === 'number') return v > 1e12 ? v : v * 1000;
  if (v instanceof Date) return v.getTime();
  if (typeof v === 'object' && v !== null) {
    const o = v as Record<string, unknown>;
    const inner = o['#attributes'] as Record<string, unknown> | undefined;
    if (inner && 'SystemTime' in inner) return parseTime(inner.SystemTime);
    if ('SystemTime' in o) return parseTime(o.SystemTime);
    return undefined;
  }
  if (typeof v !== 'string' || v.length < 8 || v.length > 64) return undefined;
  // `2019-05-09 16:37:14.123456` and `…T…Z` with up to 9 fractional digits.
  const t = v.trim().replace(' ', 'T').replace(/(\.\d{3})\d+/, '$1');
  const ms = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(t) ? t : t + 'Z');
  return Number.isFinite(ms) ? ms : undefined;
}

export function eventTime(fields: EventFields): number | undefined {
  for (const f of TIME_FIELDS) {
    const v = fields[f];
    if (v !== undefined) {
      const t = parseTime(v);
      if (t !== undefined) return t;
    }
  }
  return undefined;
}
