/**
 * Whether a value holds (or starts with) one of very many literals, without a
 * regex. A value list becomes one native alternation regex (`compileAnyString`
 * in `strings.ts`), which V8 compiles lazily, on the first test, at a cost
 * that grows with the pattern: "Vulnerable Driver Load"'s 4,432 hashes are a
 * 223,600-character pattern whose first test took ~300 ms on this machine
 * (~1 µs per test after), in every process and worker thread, at the first
 * driver load event. From `LARGE_ALTERNATION` characters on, the literals go
 * into buckets keyed by a hash of their first `k` code units instead (k = the
 * shortest literal's length, at most 8), built in about a millisecond: a test
 * rolls that hash along the value (only the start for prefixes) and compares
 * the literals of a bucket it meets there. Code units, as the regex and
 * `includes` compare.
 */

/** Total literal length from which a list is bucketed instead of compiled into one regex. */
export const LARGE_ALTERNATION = 16_384;
const MAX_KEY = 8;

const BASE = 0x01000193;

/** Hash of the `k` code units of `s` from `at` (any collision is settled by comparing the literal). */
function keyHash(s: string, at: number, k: number): number {
  let h = 0;
  for (let j = 0; j < k; j++) h = (Math.imul(h, BASE) + s.charCodeAt(at + j)) | 0;
  return h;
}

export class LiteralSet {
  private readonly k: number;
  /** BASE^(k-1), to drop the code unit leaving the rolling window. */
  private readonly top: number;
  private readonly buckets = new Map<number, string[]>();

  /** `anchored`: literals must be prefixes of the value (else substrings anywhere). */
  constructor(
    texts: readonly string[],
    private readonly anchored: boolean,
  ) {
    let k = MAX_KEY;
    for (const t of texts) k = Math.min(k, t.length);
    this.k = k;
    let top = 1;
    for (let j = 1; j < k; j++) top = Math.imul(top, BASE);
    this.top = top;
    for (const t of texts) {
      const key = keyHash(t, 0, k);
      const b = this.buckets.get(key);
      if (b) b.push(t);
      else this.buckets.set(key, [t]);
    }
  }

  /** True when one of the literals occurs in `s` (at its start when anchored). The empty literal occurs everywhere. */
  test(s: string): boolean {
    const k = this.k;
    if (s.length < k) return false;
    const last = this.anchored ? 0 : s.length - k;
    // a rolling hash of the k code units at i: no substring is built per position
    let h = keyHash(s, 0, k);
    for (let i = 0; ; i++) {
      const b = this.buckets.get(h);
      if (b !== undefined) for (let j = 0; j < b.length; j++) if (s.startsWith(b[j]!, i)) return true;
      if (i >= last) return false;
      if (k > 0) h = (Math.imul(h - Math.imul(s.charCodeAt(i), this.top), BASE) + s.charCodeAt(i + k)) | 0;
    }
  }
}

/** Whether a list of literals is long enough to be bucketed (`LiteralSet`) rather than compiled into one regex. */
export function isLargeList(texts: readonly string[]): boolean {
  let n = 0;
  for (const t of texts) n += t.length;
  return n >= LARGE_ALTERNATION;
}
