/**
 * The fewest characters any match of an RE2 pattern spans, so a regex item
 * can skip values too short to match before running the (linear but not
 * cheap) re2js matcher: `\s[a-f0-9]{64}\s[a-f0-9]{16}` needs 82 characters,
 * and most command lines are shorter.
 *
 * Conservative: a construct this reader does not know makes the answer 0
 * (no filtering), never an over-estimate. Lengths count code points; a value
 * has at least as many UTF-16 code units, so comparing with `.length` is safe.
 */

class Unknown extends Error {}

const ZERO_WIDTH_ESCAPES = new Set(['b', 'B', 'A', 'z']);
const MAX_REPEAT = 1000;

export function regexMinLength(pattern: string): number {
  let i = 0;
  const n = pattern.length;

  const repeatCount = (): { min: number; len: number } | undefined => {
    const m = /^\{(\d+)(,(\d*))?\}/.exec(pattern.slice(i, i + 16));
    if (!m) return undefined;
    return { min: Number(m[1]), len: m[0].length };
  };

  /** One atom at `i`: its minimum length; `i` moves past it (not past a quantifier). */
  const atom = (): number => {
    const c = pattern[i]!;
    if (c === '(') {
      i++;
      if (pattern[i] === '?') {
        // (?:…) (?i:…) (?P<name>…) (?<name>…) or a bare flag group (?i)
        i++;
        if (pattern[i] === 'P' || pattern[i] === '<') {
          const close = pattern.indexOf('>', i);
          if (close < 0) throw new Unknown();
          i = close + 1;
        } else {
          while (i < n && /[imsU-]/.test(pattern[i]!)) i++;
          if (pattern[i] === ')') {
            i++;
            return 0;
          }
          if (pattern[i] !== ':') throw new Unknown(); // lookarounds and the like: RE2 rejects them anyway
          i++;
        }
      }
      const inner = alternation();
      if (pattern[i] !== ')') throw new Unknown();
      i++;
      return inner;
    }
    if (c === '[') {
      i++;
      if (pattern[i] === '^') i++;
      if (pattern[i] === ']') i++;
      while (i < n && pattern[i] !== ']') {
        if (pattern[i] === '\\') i += 2;
        else if (pattern[i] === '[' && pattern[i + 1] === ':') {
          const close = pattern.indexOf(':]', i + 2);
          if (close < 0) throw new Unknown();
          i = close + 2;
        } else i++;
      }
      if (pattern[i] !== ']') throw new Unknown();
      i++;
      return 1;
    }
    if (c === '\\') {
      const e = pattern[i + 1];
      if (e === undefined) throw new Unknown();
      if (ZERO_WIDTH_ESCAPES.has(e)) {
        i += 2;
        return 0;
      }
      if (e === 'Q') {
        const end = pattern.indexOf('\\E', i + 2);
        const text = end < 0 ? pattern.slice(i + 2) : pattern.slice(i + 2, end);
        i = end < 0 ? n : end + 2;
        return [...text].length;
      }
      if (e === 'p' || e === 'P') {
        if (pattern[i + 2] === '{') {
          const close = pattern.indexOf('}', i + 3);
          if (close < 0) throw new Unknown();
          i = close + 1;
        } else i += 3;
        return 1;
      }
      if (e === 'x' && pattern[i + 2] === '{') {
        const close = pattern.indexOf('}', i + 3);
        if (close < 0) throw new Unknown();
        i = close + 1;
        return 1;
      }
      if (e === 'x') {
        i += 4;
        return 1;
      }
      if (/[0-7]/.test(e)) {
        // octal escape: up to three digits
        i += 2;
        for (let k = 0; k < 2 && /[0-7]/.test(pattern[i] ?? ''); k++) i++;
        return 1;
      }
      if (/[a-zA-Z]/.test(e) && !/[dDwWsSntrfvaC]/.test(e)) throw new Unknown();
      i += 2;
      return 1;
    }
    if (c === '^' || c === '$') {
      i++;
      return 0;
    }
    if (c === '*' || c === '+' || c === '?' || c === ')' || c === '|') throw new Unknown();
    // one literal character (a surrogate pair is one code point)
    const cp = pattern.codePointAt(i)!;
    i += cp > 0xffff ? 2 : 1;
    return 1;
  };

  /** Atoms with their quantifiers up to `|`, `)` or the end. */
  const sequence = (): number => {
    let total = 0;
    while (i < n && pattern[i] !== '|' && pattern[i] !== ')') {
      let len = atom();
      const q = pattern[i];
      if (q === '*' || q === '?') {
        len = 0;
        i++;
      } else if (q === '+') i++;
      else if (q === '{') {
        const r = repeatCount();
        if (r) {
          len *= Math.min(r.min, MAX_REPEAT);
          i += r.len;
        }
      }
      if (pattern[i] === '?') i++; // lazy quantifier
      else if (pattern[i] === '*' || pattern[i] === '+' || (pattern[i] === '{' && repeatCount())) throw new Unknown(); // stacked quantifiers
      total += len;
    }
    return total;
  };

  const alternation = (): number => {
    let best = sequence();
    while (pattern[i] === '|') {
      i++;
      best = Math.min(best, sequence());
    }
    return best;
  };

  try {
    const min = alternation();
    return i === n ? min : 0;
  } catch (e) {
    if (e instanceof Unknown) return 0;
    throw e;
  }
}

/**
 * A pattern that asks only for a run of characters: `.{n,}`, `(.){n,}`, `.{n}`, `.{n,m}`, optionally after
 * `(?s)`. Searched unanchored, each holds exactly when the value has n consecutive code points `.` accepts
 * (any n-run is a match of `{n,m}`; any longer match starts with one). re2js runs such a pattern as n copies
 * of `.` and costs ~160 µs on a 1,000-character command line ("Unusually Long PowerShell CommandLine":
 * `.{1000,}`), so it is answered by counting instead.
 */
const RUN_ONLY = /^(\(\?s\))?(?:\.|\(\.\)|\(\?:\.\))\{(\d+)(?:,\d*)?\}$/;

/** Whether t[from, to) holds at least n code points (a lone surrogate counts as one, as re2js reads it). */
function codePointsAtLeast(t: string, from: number, to: number, n: number): boolean {
  const units = to - from;
  if (units < n) return false;
  if (units >= 2 * n) return true;
  let count = 0;
  for (let i = from; i < to; i++) {
    const c = t.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < to) {
      const d = t.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    if (++count >= n) return true;
  }
  return false;
}

/** The exact test of a run-only pattern (see `RUN_ONLY`), or undefined for any other pattern. */
export function runLengthTest(pattern: string, flags: { s: boolean }): ((t: string) => boolean) | undefined {
  const m = RUN_ONLY.exec(pattern);
  if (!m) return undefined;
  const n = Number(m[2]);
  // without `s`, `.` stops at `\n` only (RE2): the run must fit between two of them
  if (flags.s || m[1] !== undefined) return (t) => codePointsAtLeast(t, 0, t.length, n);
  return (t) => {
    if (t.length < n) return false;
    let start = 0;
    for (;;) {
      const nl = t.indexOf('\n', start);
      const end = nl < 0 ? t.length : nl;
      if (codePointsAtLeast(t, start, end, n)) return true;
      if (nl < 0) return false;
      start = nl + 1;
    }
  };
}
