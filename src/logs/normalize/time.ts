/**
 * Timestamps of every source → UTC milliseconds since the epoch.
 * Accepted: ISO 8601 with any number of fraction digits ("…T17:01:43.391861Z",
 * "…T07:40:10.1653240Z"), the same with a space instead of `T`
 * ("2019-04-30 22:48:58.901", read as UTC when no zone is given), zone
 * offsets ("+02:00"), and epoch numbers in seconds, milliseconds,
 * microseconds or nanoseconds (told apart by magnitude; CDM uses nanoseconds).
 */

const ISO = /^\s*(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,12}))?)?\s*(Z|[+-]\d{2}:?\d{2})?\s*$/i;

/** Does a date-time string carry its own zone (Z or an offset)? */
export function hasZone(s: string): boolean {
  return /(Z|[+-]\d{2}:?\d{2})\s*$/i.test(s) && ISO.test(s);
}

export function parseTimestamp(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? epochToMs(v) : undefined;
  if (typeof v === 'bigint') return epochToMs(Number(v));
  if (typeof v !== 'string') return undefined;
  const m = ISO.exec(v);
  if (m) {
    const frac = m[7] ? Number((m[7] + '00').slice(0, 3)) : 0;
    let ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0), frac);
    const z = m[8];
    if (z && z.toUpperCase() !== 'Z') {
      const sign = z[0] === '-' ? -1 : 1;
      const digits = z.slice(1).replace(':', '');
      ms -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4))) * 60_000;
    }
    return Number.isFinite(ms) ? ms : undefined;
  }
  if (/^\s*\d{1,22}(\.\d+)?\s*$/.test(v)) {
    const n = Number(v);
    // integer nanoseconds lose precision as a double; good to the millisecond we need
    return Number.isFinite(n) ? epochToMs(n) : undefined;
  }
  const d = Date.parse(v);
  return Number.isFinite(d) ? d : undefined;
}

/** Epoch in s / ms / µs / ns → ms, by magnitude (dates between 1973 and 5138). */
export function epochToMs(n: number): number {
  const a = Math.abs(n);
  if (a >= 1e17) return Math.floor(n / 1e6);
  if (a >= 1e14) return Math.floor(n / 1e3);
  if (a >= 1e11) return Math.floor(n);
  return Math.round(n * 1000);
}
