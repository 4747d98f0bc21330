/**
 * A native (V8) RegExp that accepts every string an RE2 pattern matches, used
 * to rule values out before re2js runs (re2js is exact but costs ~10–100 ns
 * per character in JavaScript; most values never match). A value the native
 * regex accepts still goes to re2js, so results are re2js's.
 *
 * Soundness: the translation is exact or wider for every construct it
 * accepts and gives up (undefined) on anything else:
 *  - only ASCII in the pattern; no backreferences, lookarounds, Unicode
 *    classes, `\Q…\E`, POSIX classes, octal or `\x` escapes, `\A`/`\z`, or
 *    inline flags other than one leading `(?ims)`;
 *  - case-insensitivity is spelled out (`k` → `[kK\u212A]`, `s` → `[sS\u017F]`:
 *    the only non-ASCII characters whose simple case folding reaches ASCII),
 *    never the native `i` flag, and `\b`/`\B`/`\W` are refused under it;
 *  - no native `u` flag: the native regex sees UTF-16 code units while RE2
 *    steps by code point, so an atom that can match a non-ASCII code point
 *    (`.`, negated classes, `\S`/`\D`/`\W`) may take up to twice the count of
 *    units (`.` → `[^\n]{1,2}`, `{n,m}` → `{n,2m}`; `*`, `+`, `{n,}` unchanged);
 *  - `\s` is RE2's `[\t\n\f\r ]`, `\d` `[0-9]`, `\w` `[0-9A-Za-z_]`; `.` excludes
 *    only `\n` (all with `s`); `^`/`$` are the same without `m`, and with `m`
 *    the native ones accept more line ends (`\r`, U+2028/9) than RE2's `\n`.
 *
 * Linear time: a backtracking regex can take exponential time on hostile
 * values, so only patterns whose backtracking is bounded are translated:
 * bounded repetitions only (no `*`, `+`, `{n,}`), and at most `LIMIT` steps
 * to try every way of matching from one start position. Patterns with
 * unbounded repetitions stay on re2js alone (measured: natively they can
 * cost far more than re2js on long values, e.g. `\w+\``… over a long word).
 */

const SYNTAX = new Set('^$\\.*+?()[]{}|/-');

class Unsupported extends Error {}

interface Flags {
  i: boolean;
  m: boolean;
  s: boolean;
}

/** A set of ASCII code units (bit per code), possibly negated. */
class AsciiSet {
  readonly has = new Uint8Array(128);
  add(lo: number, hi = lo): void {
    if (hi > 0x7f) throw new Unsupported();
    for (let c = lo; c <= hi; c++) this.has[c] = 1;
  }
  /** Source of the class body (without brackets). */
  body(fold: boolean): string {
    const has = this.has.slice();
    let extra = '';
    if (fold) {
      for (let c = 0x41; c <= 0x5a; c++) if (has[c] || has[c + 0x20]) has[c] = has[c + 0x20] = 1;
      if (has[0x6b]) extra += '\\u212a';
      if (has[0x73]) extra += '\\u017f';
    }
    let out = '';
    for (let c = 0; c < 128; c++) {
      if (!has[c]) continue;
      let e = c;
      while (e + 1 < 128 && has[e + 1]) e++;
      out += e > c + 1 ? `${unit(c)}-${unit(e)}` : e === c + 1 ? unit(c) + unit(e) : unit(c);
      c = e;
    }
    return out + extra;
  }
}

/** An ASCII code unit escaped for use anywhere (in or out of a class). */
function unit(c: number): string {
  const ch = String.fromCharCode(c);
  if (SYNTAX.has(ch)) return '\\' + ch;
  if (c < 0x20 || c === 0x7f) return '\\x' + c.toString(16).padStart(2, '0');
  return ch;
}

function perlClass(e: string, set: AsciiSet): boolean {
  switch (e) {
    case 'd':
      set.add(0x30, 0x39);
      return true;
    case 's':
      for (const c of [9, 10, 12, 13, 32]) set.add(c);
      return true;
    case 'w':
      set.add(0x30, 0x39);
      set.add(0x41, 0x5a);
      set.add(0x61, 0x7a);
      set.add(0x5f);
      return true;
  }
  return false;
}

/** A translated piece: its source, how many ways it can match, and the backtracking steps to try them all. */
interface Node {
  src: string;
  paths: number;
  work: number;
}

function leaf(src: string): Node {
  return { src, paths: 1, work: 1 };
}

/** Backtracking steps allowed per start position (a 100 KB hostile value then costs at most ~10^8 steps). */
const LIMIT = 1024;

const SIMPLE_ESCAPES: Record<string, number> = { t: 9, n: 10, r: 13, f: 12, v: 11, a: 7 };

class Translator {
  private i = 0;
  constructor(
    private readonly p: string,
    private readonly flags: Flags,
  ) {}

  private fail(): never {
    throw new Unsupported();
  }

  private cls(set: AsciiSet, negated: boolean): string {
    const body = set.body(this.flags.i);
    return negated ? `[^${body}]` : body === '' ? '[^\\s\\S]' : `[${body}]`;
  }

  private literal(c: number): string {
    const lower = c | 0x20;
    if (this.flags.i && lower >= 0x61 && lower <= 0x7a) {
      const set = new AsciiSet();
      set.add(c);
      return this.cls(set, false);
    }
    return unit(c);
  }

  /** An escape's single code unit, or -1 for a Perl class (added to `set`). */
  private escapeUnit(set: AsciiSet | undefined): number {
    const e = this.p[this.i++];
    if (e === undefined) this.fail();
    if (set !== undefined && perlClass(e, set)) return -1;
    if (e in SIMPLE_ESCAPES) return SIMPLE_ESCAPES[e]!;
    if (/[A-Za-z0-9]/.test(e) || e.charCodeAt(0) > 0x7e) this.fail();
    return e.charCodeAt(0);
  }

  private bracket(): string {
    // after '['
    let negated = false;
    if (this.p[this.i] === '^') {
      negated = true;
      this.i++;
    }
    const set = new AsciiSet();
    let first = true;
    for (;;) {
      const c = this.p[this.i];
      if (c === undefined) this.fail();
      if (c === ']' && !first) {
        this.i++;
        break;
      }
      first = false;
      if (c === '[' && this.p[this.i + 1] === ':') this.fail();
      let lo: number;
      this.i++;
      if (c === '\\') {
        const nx = this.p[this.i];
        if (nx === 'D' || nx === 'S' || nx === 'W') this.fail();
        lo = this.escapeUnit(set);
        if (lo < 0) continue;
      } else lo = c.charCodeAt(0);
      if (lo > 0x7e) this.fail();
      if (this.p[this.i] === '-' && this.p[this.i + 1] !== ']' && this.p[this.i + 1] !== undefined) {
        this.i++;
        const d = this.p[this.i++]!;
        const hi = d === '\\' ? this.escapeUnit(undefined) : d.charCodeAt(0);
        if (hi < lo) this.fail();
        set.add(lo, hi);
      } else set.add(lo);
    }
    // RE2 folds a class, then negates it: `cls` folds the set before negating too
    return this.cls(set, negated);
  }

  /**
   * The quantifier after an atom, applied to the atom's node; `wide`: the
   * atom matches one or two code units per code point.
   */
  private quantified(atom: Node, wide: boolean): Node {
    const c = this.p[this.i];
    let lo = 1;
    let hi = 1;
    let q = '';
    if (c === '*' || c === '+' || c === '?') {
      [lo, hi] = c === '*' ? [0, Infinity] : c === '+' ? [1, Infinity] : [0, 1];
      q = c;
      this.i++;
    } else if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(this.p.slice(this.i));
      if (m) {
        lo = Number(m[1]);
        hi = m[2] === undefined ? lo : m[3] === '' ? Infinity : Number(m[3]);
        if (hi < lo) this.fail();
        q = m[0];
        this.i += m[0].length;
      }
    }
    if (q !== '') {
      if (this.p[this.i] === '?') this.i++; // lazy: the same strings match
      if (this.p[this.i] === '*' || this.p[this.i] === '+' || this.p[this.i] === '?' || this.p[this.i] === '{') this.fail();
    }
    if (wide && hi !== Infinity) hi *= 2;
    const src = lo === 1 && hi === 1 ? atom.src : `${atom.src}{${lo},${hi === Infinity ? '' : hi}}`;
    if (hi === Infinity) return { src, paths: Infinity, work: Infinity };
    // backtracking: every count from lo to hi, each over every path of the atom (work ≥ paths for every node, so
    // stopping once paths pass LIMIT still leaves work over LIMIT: the pattern is refused)
    let paths = 0;
    let work = 0;
    for (let k = 0, pk = 1; k <= hi && paths <= LIMIT; k++, pk *= atom.paths) {
      if (k >= lo) paths += pk;
      if (k > 0) work += (pk / atom.paths) * atom.work;
    }
    return { src, paths, work };
  }

  /** A sequence of alternatives up to ')' or the end. */
  alternation(depth: number): Node {
    const alts: Node[] = [];
    let cur: Node = { src: '', paths: 1, work: 0 };
    for (;;) {
      const c = this.p[this.i];
      if (c === undefined) break;
      if (c === ')') {
        if (depth === 0) this.fail();
        break;
      }
      if (c === '|') {
        this.i++;
        alts.push(cur);
        cur = { src: '', paths: 1, work: 0 };
        continue;
      }
      let atom: Node;
      let quantifiable = true;
      let wide = false;
      this.i++;
      if (c === '(') {
        if (this.p[this.i] === '?') {
          if (this.p[this.i + 1] === ':') this.i += 2;
          else if (this.p.startsWith('P<', this.i + 1) || (this.p[this.i + 1] === '<' && /[A-Za-z_]/.test(this.p[this.i + 2] ?? ''))) {
            const close = this.p.indexOf('>', this.i);
            if (close < 0) this.fail();
            this.i = close + 1;
          } else this.fail();
        }
        const inner = this.alternation(depth + 1);
        if (this.p[this.i] !== ')') this.fail();
        this.i++;
        atom = { ...inner, src: `(?:${inner.src})` };
      } else if (c === '[') {
        wide = this.p[this.i] === '^';
        atom = leaf(this.bracket());
      } else if (c === '.') {
        atom = leaf(this.flags.s ? '[^]' : '[^\\n]');
        wide = true;
      } else if (c === '^' || c === '$') {
        atom = leaf(c);
        quantifiable = false;
      } else if (c === '\\') {
        const e = this.p[this.i];
        if (e === 'b' || e === 'B') {
          if (this.flags.i) this.fail();
          this.i++;
          atom = leaf('\\' + e);
          quantifiable = false;
        } else if (e === 'D' || e === 'S' || e === 'W') {
          if (e === 'W' && this.flags.i) this.fail();
          this.i++;
          const set = new AsciiSet();
          perlClass(e.toLowerCase(), set);
          atom = leaf(`[^${set.body(false)}]`);
          wide = true;
        } else {
          const set = new AsciiSet();
          const u = this.escapeUnit(set);
          atom = leaf(u < 0 ? this.cls(set, false) : this.literal(u));
        }
      } else if (c === '*' || c === '+' || c === '?' || c === '{') {
        // RE2 rejects a leading repetition operator except a `{` that is no quantifier
        if (c !== '{' || /^\{\d+(,\d*)?\}/.test(this.p.slice(this.i - 1))) this.fail();
        atom = leaf(this.literal(c.charCodeAt(0)));
      } else {
        const code = c.charCodeAt(0);
        if (code > 0x7e || code < 0x20) this.fail();
        atom = leaf(this.literal(code));
      }
      const before = this.i;
      const q = this.quantified(atom, wide);
      if (this.i !== before && !quantifiable) this.fail();
      // a sequence: each element is tried after every path through the ones before it
      cur = { src: cur.src + q.src, paths: cur.paths * q.paths, work: cur.work + cur.paths * q.work };
    }
    alts.push(cur);
    let paths = 0;
    let work = 0;
    for (const a of alts) {
      paths += a.paths;
      work += a.work;
    }
    return { src: alts.map((a) => a.src).join('|'), paths, work };
  }
}

/**
 * The native prefilter of an RE2 pattern (Sigma `re` with its `i`/`m`/`s`
 * modifiers), or undefined when the pattern uses anything the translation
 * does not cover.
 */
export function nativePrefilter(pattern: string, flags: Flags): RegExp | undefined {
  let p = pattern;
  const f = { ...flags };
  const lead = /^\(\?([ims]+)\)/.exec(p);
  if (lead) {
    for (const ch of lead[1]!) f[ch as 'i' | 'm' | 's'] = true;
    p = p.slice(lead[0].length);
  }
  try {
    const t = new Translator(p, f);
    const { src, work } = t.alternation(0);
    return work <= LIMIT ? new RegExp(src, f.m ? 'm' : '') : undefined;
  } catch (e) {
    if (e instanceof Unsupported || e instanceof SyntaxError) return undefined;
    throw e;
  }
}
