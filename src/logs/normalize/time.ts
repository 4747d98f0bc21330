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
  return parseCompactIso(v) ?? parseTimestampText(v);
}

const digit = (s: string, i: number): number => {
  const d = s.charCodeAt(i) - 48;
  return d >= 0 && d <= 9 ? d : -1;
};
const twoDigits = (s: string, i: number): number => {
  const a = digit(s, i);
  const b = digit(s, i + 1);
  return a < 0 || b < 0 ? -1 : a * 10 + b;
};

/**
 * The usual timestamp (`2020-09-21T13:09:44.1234567Z`, `2020-09-21 13:09:44`,
 * `…+02:00`: the ISO pattern above without surrounding white space) read
 * character by character, with the same result as the pattern; undefined for
 * anything else (then the pattern decides). Several timestamps are read per
 * event, and the pattern's match array and substrings cost more than the
 * reading.
 */
export function parseCompactIso(v: string): number | undefined {
  const n = v.length;
  if (n < 16 || n > 40) return undefined;
  const y1 = twoDigits(v, 0);
  const y2 = twoDigits(v, 2);
  const mo = twoDigits(v, 5);
  const d = twoDigits(v, 8);
  const h = twoDigits(v, 11);
  const mi = twoDigits(v, 14);
  const t = v.charCodeAt(10);
  if (y1 < 0 || y2 < 0 || mo < 0 || d < 0 || h < 0 || mi < 0 || v.charCodeAt(4) !== 45 || v.charCodeAt(7) !== 45 || v.charCodeAt(13) !== 58) return undefined;
  if (t !== 84 && t !== 116 && t !== 32) return undefined; // T, t, space
  let i = 16;
  let sec = 0;
  let frac = 0;
  if (i < n && v.charCodeAt(i) === 58) {
    sec = twoDigits(v, i + 1);
    if (sec < 0) return undefined;
    i += 3;
    const sep = v.charCodeAt(i);
    if (i < n && (sep === 46 || sep === 44)) {
      // 1–12 fraction digits; the first three are the milliseconds
      let k = 0;
      for (i++; i < n && digit(v, i) >= 0; i++, k++) if (k < 3) frac += digit(v, i) * (k === 0 ? 100 : k === 1 ? 10 : 1);
      if (k === 0 || k > 12) return undefined;
    }
  }
  let ms = Date.UTC(y1 * 100 + y2, mo - 1, d, h, mi, sec, frac);
  if (i < n) {
    const z = v.charCodeAt(i);
    if ((z === 90 || z === 122) && i + 1 === n) return Number.isFinite(ms) ? ms : undefined; // Z, z
    if (z !== 43 && z !== 45) return undefined; // +, -
    const zh = twoDigits(v, i + 1);
    const colon = v.charCodeAt(i + 3) === 58 ? 1 : 0;
    const zm = twoDigits(v, i + 3 + colon);
    if (zh < 0 || zm < 0 || i + 5 + colon !== n) return undefined;
    ms -= (z === 45 ? -1 : 1) * (zh * 60 + zm) * 60_000;
  }
  return Number.isFinite(ms) ? ms : undefined;
}

/** `parseTimestamp` of a string by the patterns alone (exported so the compact reader can be checked against it). */
export function parseTimestampText(v: string): number | undefined {
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
