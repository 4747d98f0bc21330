/**
 * Value rendering. Two reference conversions exist for EVTX, and the repo's
 * data uses both, so each value type has two renderings:
 * - `pyText`: the text python-evtx 0.6.1 writes into its XML (the source of the
 *   flat `.jsonl` files): Python float formatting, `{guid}` in lower case,
 *   zero-padded hex, FILETIME through a float (as Python's datetime does),
 *   base64 binary, string arrays as `<string>…</string>\n`.
 * - `jsonValue`: the typed JSON of the nested `Event.System` shape (the
 *   regression `.json` files): numbers for integers, upper-case GUIDs
 *   without braces, unpadded hex, ISO-8601 UTC times with microseconds.
 */
import { ValueType, type EvtxValue } from './model.js';

const FILETIME_UNIX_EPOCH = 116444736000000000n;

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** GUID bytes (little-endian first three groups) as `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`. */
export function guidString(b: Uint8Array): string {
  const x = (i: number): string => HEX[b[i] ?? 0]!;
  return `${x(3)}${x(2)}${x(1)}${x(0)}-${x(5)}${x(4)}-${x(7)}${x(6)}-${x(8)}${x(9)}-${x(10)}${x(11)}${x(12)}${x(13)}${x(14)}${x(15)}`;
}

/** Days since 1970-01-01 → [year, month, day] (proleptic Gregorian, any range). */
function civilFromDays(z: number): [number, number, number] {
  z += 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const y = yoe + era * 400;
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return [m <= 2 ? y + 1 : y, m, d];
}

function dateTimeParts(unixSeconds: number): { y: number; mo: number; d: number; h: number; mi: number; s: number } {
  const days = Math.floor(unixSeconds / 86400);
  let rem = unixSeconds - days * 86400;
  const [y, mo, d] = civilFromDays(days);
  const h = Math.floor(rem / 3600);
  rem -= h * 3600;
  const mi = Math.floor(rem / 60);
  return { y, mo, d, h, mi, s: rem - mi * 60 };
}

function isoDate(p: { y: number; mo: number; d: number; h: number; mi: number; s: number }, sep: string): string {
  return `${pad(p.y, 4)}-${pad(p.mo, 2)}-${pad(p.d, 2)}${sep}${pad(p.h, 2)}:${pad(p.mi, 2)}:${pad(p.s, 2)}`;
}

/** Round half to even, as CPython's _PyTime_ROUND_HALF_EVEN. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  if (Math.abs(x - Math.trunc(x)) === 0.5) return 2 * Math.round(x / 2);
  return r;
}

/**
 * FILETIME as python-evtx prints it: `datetime.utcfromtimestamp(float(q) * 1e-7 - 11644473600)`
 * then `isoformat(' ')`: the float step can shift the microsecond by one from
 * the exact value, and the fraction is left out when it is zero.
 */
export function pyFiletime(q: bigint): string {
  const t = Number(q) * 1e-7 - 11644473600;
  let intPart = Math.trunc(t);
  let us = roundHalfEven((t - intPart) * 1e6);
  if (us >= 1e6) {
    us -= 1e6;
    intPart += 1;
  } else if (us < 0) {
    us += 1e6;
    intPart -= 1;
  }
  const p = dateTimeParts(intPart);
  if (p.y < 1 || p.y > 9999) return '0001-01-01 00:00:00';
  const base = isoDate(p, ' ');
  return us === 0 ? base : `${base}.${pad(us, 6)}`;
}

/** FILETIME as exact ISO-8601 UTC with microseconds (100 ns ticks truncated). */
export function isoFiletime(q: bigint): string {
  const ticks = q - FILETIME_UNIX_EPOCH;
  let secs = ticks / 10_000_000n;
  let rem = ticks % 10_000_000n;
  if (rem < 0n) {
    rem += 10_000_000n;
    secs -= 1n;
  }
  const p = dateTimeParts(Number(secs));
  return `${isoDate(p, 'T')}.${pad(Number(rem / 10n), 6)}Z`;
}

/** Python's repr() of a float. */
export function pyFloat(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const [mant, expStr] = x.toExponential().split('e') as [string, string];
  const exp = Number(expStr);
  const neg = mant.startsWith('-');
  const digits = mant.replace('-', '').replace('.', '');
  const sign = neg ? '-' : '';
  if (exp < -4 || exp >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${m}e${exp < 0 ? '-' : '+'}${pad(Math.abs(exp), 2)}`;
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  if (digits.length <= exp + 1) return `${sign}${digits}${'0'.repeat(exp + 1 - digits.length)}.0`;
  return `${sign}${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
}

function pySystemtime(p: readonly number[]): string {
  // python-evtx passes the milliseconds field as microseconds; kept for parity.
  const [y = 0, mo = 0, , d = 0, h = 0, mi = 0, s = 0, ms = 0] = p;
  const base = `${pad(y, 4)}-${pad(mo, 2)}-${pad(d, 2)} ${pad(h, 2)}:${pad(mi, 2)}:${pad(s, 2)}`;
  return ms === 0 ? base : `${base}.${pad(ms, 6)}`;
}

function isoSystemtime(p: readonly number[]): string {
  const [y = 0, mo = 0, , d = 0, h = 0, mi = 0, s = 0, ms = 0] = p;
  return `${pad(y, 4)}-${pad(mo, 2)}-${pad(d, 2)}T${pad(h, 2)}:${pad(mi, 2)}:${pad(s, 2)}.${pad(ms * 1000, 6)}Z`;
}

function hexFixed(v: number | bigint, width: number): string {
  return '0x' + v.toString(16).padStart(width, '0');
}

/** The text python-evtx 0.6.1 renders for a value. */
export function pyText(v: EvtxValue): string {
  const x = v.value;
  switch (v.type) {
    case ValueType.Null:
      return '';
    case ValueType.String:
    case ValueType.AnsiString:
    case ValueType.Sid:
      return x as string;
    case ValueType.Real32:
    case ValueType.Real64:
      return pyFloat(x as number);
    case ValueType.Bool:
      return (x as number) > 0 ? 'True' : 'False';
    case ValueType.Binary:
    case ValueType.EvtHandle:
    case ValueType.EvtXml:
      return Buffer.from(x as Uint8Array).toString('base64');
    case ValueType.Guid:
      return `{${guidString(x as Uint8Array)}}`;
    case ValueType.FileTime:
      return pyFiletime(x as bigint);
    case ValueType.SysTime:
      return pySystemtime(x as number[]);
    case ValueType.HexInt32:
      return hexFixed(x as number, 8);
    case ValueType.HexInt64:
      return hexFixed(x as bigint, 16);
    case ValueType.BinXml:
      return '';
    case ValueType.String | ValueType.ArrayFlag:
      return (x as EvtxValue[]).map((e) => `<string>${e.value as string}</string>\n`).join('');
    default:
      if (v.type & ValueType.ArrayFlag) return (x as EvtxValue[]).map(pyText).join(',');
      if (x instanceof Uint8Array) return Buffer.from(x).toString('base64');
      return String(x);
  }
}

/** The typed JSON value of the nested shape. */
export function jsonValue(v: EvtxValue): unknown {
  const x = v.value;
  switch (v.type) {
    case ValueType.Null:
      return null;
    case ValueType.String:
    case ValueType.AnsiString:
      // The nested reference (evtx_dump JSON) drops trailing whitespace from strings.
      return (x as string).trimEnd();
    case ValueType.Int64:
    case ValueType.UInt64: {
      const n = x as bigint;
      // JSON numbers beyond 2^53 lose digits in JavaScript: keep those as decimal strings.
      return n <= BigInt(Number.MAX_SAFE_INTEGER) && n >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(n) : n.toString();
    }
    case ValueType.Real32:
    case ValueType.Real64:
      return Number.isFinite(x) ? x : String(x);
    case ValueType.Bool:
      return (x as number) !== 0;
    case ValueType.Binary:
    case ValueType.EvtHandle:
    case ValueType.EvtXml:
      return Buffer.from(x as Uint8Array).toString('hex').toUpperCase();
    case ValueType.Guid:
      return guidString(x as Uint8Array).toUpperCase();
    case ValueType.FileTime:
      return isoFiletime(x as bigint);
    case ValueType.SysTime:
      return isoSystemtime(x as number[]);
    case ValueType.HexInt32:
    case ValueType.HexInt64:
    case ValueType.SizeT:
      return '0x' + (x as number | bigint).toString(16);
    case ValueType.BinXml:
      return null;
    default:
      if (v.type & ValueType.ArrayFlag) return (x as EvtxValue[]).map(jsonValue);
      if (x instanceof Uint8Array) return Buffer.from(x).toString('hex').toUpperCase();
      return x;
  }
}

/** Plain text of a value in the nested shape, used when an element mixes several parts. */
export function plainText(v: EvtxValue): string {
  const j = jsonValue(v);
  if (j === null) return '';
  if (Array.isArray(j)) return j.join(',');
  return String(j);
}
