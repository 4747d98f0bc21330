/**
 * The substring literals of one event field within a dispatch group, found
 * in one pass over the (lowercased) value. Literals of 4+ characters are
 * anchored on their rarest 4-gram (rarest among the group's literals), 3-
 * character ones on themselves when there are many; 1- and 2-character
 * ones (and a few 3-character ones) are found with native `includes`.
 * Per character the scan updates a rolling gram code and tests one bit in a
 * small Bloom-style bit set per gram width; only on a set bit does it look
 * the gram up (open addressing) and verify the literals anchored there.
 * 4-grams rather than 3-grams: command lines share most 3-grams with rule
 * literals (`exe`, ` -e`, `.ps`), far fewer 4-grams, so most positions stop
 * at the bit test.
 * When nearly all literals are long (PowerShell's 5,000-character
 * `ContextInfo` against 260 script names), the scan tests only every
 * `step`-th position (`chooseStep`): a literal spanning `step` 4-gram
 * positions is anchored on `step` consecutive grams, one of which is always
 * sampled; the few shorter ones become native `includes`.
 *
 * Everything is frozen into flat typed arrays: the scan loop makes no
 * builtin calls except on verified hits.
 */
import { Buffer } from 'node:buffer';
import { markAnchors, type HitState } from './literal-hits.js';

/** At most this many 3-character literals are searched with `includes`; more get a gram pass. */
const SHORT_INCLUDES = 12;

/**
 * Gram codes stay small integers (no heap numbers in the hot loop): each
 * character folds to 7 bits, so a 4-gram is a 28-bit code. Different grams
 * may share a code; every hit is verified against the whole literal.
 */
export function fold(c: number): number {
  return c < 128 ? c : (c ^ (c >> 7) ^ (c >> 14)) & 0x7f;
}

/** The 3-gram code at `i` (the raw-line prefilter uses these). */
export function gramCode(s: string, i: number): number {
  return (fold(s.charCodeAt(i)) << 14) | (fold(s.charCodeAt(i + 1)) << 7) | fold(s.charCodeAt(i + 2));
}

function gram4Code(s: string, i: number): number {
  return (fold(s.charCodeAt(i)) << 21) | gramCode(s, i + 1);
}

const HASH = 0x9e3779b1;

const NON_ASCII = /[^\x00-\x7f]/;

/**
 * The scanned value's UTF-16 code units, copied natively (`Buffer.write`, exact for every code unit, lone
 * surrogates too): typed-array loads in the scan loops cost a fraction of `charCodeAt` (5,000-character
 * PowerShell texts: 3.7 µs for copy + loop instead of 14 µs).
 */
const NATIVE_COPY_MIN = 64;
let codeBytes = Buffer.allocUnsafe(1 << 16);
let codes = new Uint16Array(codeBytes.buffer, codeBytes.byteOffset, codeBytes.length >> 1);

function loadCodes(s: string): void {
  if (s.length > codes.length) {
    codeBytes = Buffer.allocUnsafe(s.length * 4);
    codes = new Uint16Array(codeBytes.buffer, codeBytes.byteOffset, codeBytes.length >> 1);
  }
  // a native call costs more than it saves on short values
  if (s.length < NATIVE_COPY_MIN) for (let i = 0; i < s.length; i++) codes[i] = s.charCodeAt(i);
  else codeBytes.write(s, 0, 'utf16le');
}

/**
 * Rough costs on V8 (measured on 5,000-character PowerShell texts): a scan position (gram code, hash, bit
 * test) ~4 ns; a native `includes` ~0.2 ns per character.
 */
const POSITION_COST = 4;
const INCLUDES_COST = 0.2;
const MAX_STEP = 8;

/**
 * How many positions the scan may skip between 4-gram tests: sampling every `step`-th position costs
 * 1/`step` of a full scan, but literals shorter than `step + 3` then need an `includes` each.
 */
export function chooseStep(literalLengths: readonly number[]): number {
  let best = 1;
  let bestCost = POSITION_COST;
  for (let step = 2; step <= MAX_STEP; step++) {
    const shorts = literalLengths.filter((n) => n >= 4 && n < step + 3).length;
    const cost = POSITION_COST / step + INCLUDES_COST * shorts;
    if (cost < bestCost) {
      best = step;
      bestCost = cost;
    }
  }
  return best;
}

/** Open-addressing table size for `n` keys (load ≤ 1/2). */
function tableBits(n: number): number {
  let b = 4;
  while (1 << b < n * 2) b++;
  return b;
}

/** Gram code → range of `listNodes`, behind a bit set of hashed codes. */
class GramTable {
  readonly bits: Uint8Array;
  readonly bitShift: number;
  readonly keys: Int32Array;
  readonly l0: Int32Array;
  readonly l1: Int32Array;
  readonly mask: number;
  readonly shift: number;

  constructor(lists: ReadonlyMap<number, readonly number[]>, put: (ids: readonly number[]) => [number, number]) {
    const n = lists.size;
    const tb = tableBits(n);
    this.shift = 32 - tb;
    this.mask = (1 << tb) - 1;
    this.keys = new Int32Array(1 << tb);
    this.l0 = new Int32Array(1 << tb);
    this.l1 = new Int32Array(1 << tb);
    let log2 = 10;
    while (1 << log2 < n * 16 && log2 < 24) log2++;
    this.bits = new Uint8Array((1 << log2) >> 3);
    this.bitShift = 32 - log2;
    for (const [code, ids] of lists) {
      const hx = Math.imul(code, HASH);
      let h = hx >>> this.shift;
      while (this.keys[h] !== 0) h = (h + 1) & this.mask;
      this.keys[h] = code + 1;
      [this.l0[h], this.l1[h]] = put(ids);
      const b = hx >>> this.bitShift;
      this.bits[b >> 3]! |= 1 << (b & 7);
    }
  }

  /** Slot of `code` (whose hash is `hx`), or -1. */
  find(code: number, hx: number): number {
    const { keys, mask } = this;
    let h = hx >>> this.shift;
    const key = code + 1;
    for (;;) {
      const k = keys[h]!;
      if (k === key) return h;
      if (k === 0) return -1;
      h = (h + 1) & mask;
    }
  }
}

interface NodeSpec {
  lit: string;
  at: number;
  anchors: Array<[unit: number, clause: number]>;
}

export class GramScanner {
  private specs: NodeSpec[] = [];
  private readonly specByKey = new Map<string, number>();
  private readonly build4 = new Map<number, number[]>();
  private readonly build3 = new Map<number, number[]>();
  /** Literals searched with `includes`: 1- and 2-character ones, and 3-character ones when few. */
  private readonly buildShort: number[] = [];

  // frozen form
  private nodeLit: string[] = [];
  private nodeAt: Int32Array = new Int32Array(0);
  private nodeA0: Int32Array = new Int32Array(0);
  private nodeA1: Int32Array = new Int32Array(0);
  /**
   * Scan (`scanEpoch`) in which a node was last verified present: each literal counts once per scanned text.
   * Per text, not per event: a text's scan may be recorded and replayed alone in another event
   * (`literal-memo.ts`), so it must find every literal it holds even when an earlier text of the same
   * event (another line of the same value) had it.
   */
  private nodeStamp: Uint32Array = new Uint32Array(0);
  private scanEpoch = 0;
  private anchorUnit: Int32Array = new Int32Array(0);
  private anchorClause: Int32Array = new Int32Array(0);
  private listNodes: Int32Array = new Int32Array(0);
  private t4: GramTable | undefined;
  private t3: GramTable | undefined;
  private shortIds: Int32Array = new Int32Array(0);
  /** Many 1-/2-character literals (an emoji list): folded char / 2-gram code → list range (start -1: none). */
  private l1s: Int32Array | undefined = undefined;
  private l1e: Int32Array = new Int32Array(0);
  private l2s: Int32Array | undefined = undefined;
  private l2e: Int32Array = new Int32Array(0);

  private node(lit: string, at: number, lists: Map<number, number[]> | number[], code: number): number {
    const key = at + ':' + lit;
    let id = this.specByKey.get(key);
    if (id === undefined) {
      id = this.specs.length;
      this.specs.push({ lit, at, anchors: [] });
      this.specByKey.set(key, id);
      if (Array.isArray(lists)) lists.push(id);
      else {
        let l = lists.get(code);
        if (!l) lists.set(code, (l = []));
        l.push(id);
      }
    }
    return id;
  }

  /**
   * Literals with a non-ASCII character, in a scanner of their own that runs only on values that have one:
   * folded to 7 bits, their code units (an emoji list's surrogates) collide with ASCII grams, so in the main
   * tables they turned most positions of an ASCII command line into probes.
   */
  private wide: GramScanner | undefined;

  /**
   * `step`: the scan looks at every `step`-th position only (`chooseStep`); literals of 4+ characters too
   * short to span `step` 4-gram positions are searched with `includes` instead. `wideOnly`: this is the
   * scanner of another's non-ASCII literals (it keeps them).
   */
  constructor(private readonly step = 1, private readonly wideOnly = false) {}

  /** `gramCount`: per 4-gram code, how many of the group's literals have it (the anchor is the rarest). */
  add(lit: string, unit: number, clause: number, gramCount: ReadonlyMap<number, number>): void {
    if (!this.wideOnly && NON_ASCII.test(lit)) {
      (this.wide ??= new GramScanner(1, true)).add(lit, unit, clause, gramCount);
      return;
    }
    const ids: number[] = [];
    const step = this.step;
    if (lit.length <= 2 || (lit.length >= 4 && lit.length < step + 3)) ids.push(this.node(lit, 0, this.buildShort, 0));
    else if (lit.length === 3) ids.push(this.node(lit, 0, this.build3, gramCode(lit, 0)));
    else {
      // An occurrence's 4-grams start at `step` consecutive positions from `best` on, so exactly one of them is
      // at a sampled position: the literal is anchored on all of them (the window whose grams are rarest).
      let best = 0;
      let bestCount = Infinity;
      for (let i = 0; i + 3 + step <= lit.length; i++) {
        let c = 0;
        for (let k = 0; k < step; k++) c += gramCount.get(gram4Code(lit, i + k)) ?? 0;
        if (c < bestCount) {
          bestCount = c;
          best = i;
        }
      }
      for (let k = 0; k < step; k++) ids.push(this.node(lit, best + k, this.build4, gram4Code(lit, best + k)));
    }
    for (const id of ids) this.specs[id]!.anchors.push([unit, clause]);
  }

  /** The 4-gram codes of a literal (for `gramCount`). */
  static grams4(lit: string): number[] {
    const out: number[] = [];
    for (let i = 0; i + 4 <= lit.length; i++) out.push(gram4Code(lit, i));
    return out;
  }

  /** Freeze into typed arrays once every literal is added. */
  finish(): void {
    this.wide?.finish();
    const specs = this.specs;
    const nn = specs.length;
    this.nodeLit = specs.map((x) => x.lit);
    this.nodeAt = Int32Array.from(specs, (x) => x.at);
    this.nodeA0 = new Int32Array(nn);
    this.nodeA1 = new Int32Array(nn);
    this.nodeStamp = new Uint32Array(nn);
    const units: number[] = [];
    const clauses: number[] = [];
    specs.forEach((x, id) => {
      this.nodeA0[id] = units.length;
      for (const [u, c] of x.anchors) {
        units.push(u);
        clauses.push(c);
      }
      this.nodeA1[id] = units.length;
    });
    this.anchorUnit = Int32Array.from(units);
    this.anchorClause = Int32Array.from(clauses);
    const lists: number[] = [];
    const put = (ids: readonly number[]): [number, number] => {
      const s0 = lists.length;
      lists.push(...ids);
      return [s0, lists.length];
    };
    if (this.build4.size > 0) this.t4 = new GramTable(this.build4, put);
    // a few 3-character literals are cheaper as `includes` than as a pass of their own
    if (this.build3.size > SHORT_INCLUDES) this.t3 = new GramTable(this.build3, put);
    else for (const ids of this.build3.values()) this.buildShort.push(...ids);
    const tiny = this.buildShort.filter((id) => specs[id]!.lit.length <= 2);
    if (tiny.length > SHORT_INCLUDES) {
      // many 1-/2-character literals: one pass with direct tables instead of an `includes` each
      const by1 = new Map<number, number[]>();
      const by2 = new Map<number, number[]>();
      for (const id of tiny) {
        const lit = specs[id]!.lit;
        const m = lit.length === 1 ? by1 : by2;
        const code = lit.length === 1 ? fold(lit.charCodeAt(0)) : (fold(lit.charCodeAt(0)) << 7) | fold(lit.charCodeAt(1));
        let l = m.get(code);
        if (!l) m.set(code, (l = []));
        l.push(id);
      }
      if (by1.size > 0) {
        this.l1s = new Int32Array(128).fill(-1);
        this.l1e = new Int32Array(128);
        for (const [c, ids] of by1) [this.l1s[c], this.l1e[c]] = put(ids);
      }
      if (by2.size > 0) {
        this.l2s = new Int32Array(1 << 14).fill(-1);
        this.l2e = new Int32Array(1 << 14);
        for (const [c, ids] of by2) [this.l2s[c], this.l2e[c]] = put(ids);
      }
      this.shortIds = Int32Array.from(this.buildShort.filter((id) => specs[id]!.lit.length > 2));
    } else this.shortIds = Int32Array.from(this.buildShort);
    this.listNodes = Int32Array.from(lists);
    this.specs = [];
    this.specByKey.clear();
    this.build4.clear();
    this.build3.clear();
    this.buildShort.length = 0;
  }

  /** Node `id`'s literal is present: count its clauses. */
  private hitNode(id: number, stamp: number, st: HitState): void {
    this.nodeStamp[id] = this.scanEpoch;
    markAnchors(st, stamp, this.anchorUnit, this.anchorClause, this.nodeA0[id]!, this.nodeA1[id]!);
  }

  /** Verify the nodes of list range [l0, l1) at position `i` of `s`; count the clauses of those present. */
  private probe(l0: number, l1: number, s: string, i: number, stamp: number, st: HitState): void {
    const { listNodes, nodeStamp, nodeLit, nodeAt, nodeA0, nodeA1, anchorUnit, anchorClause, scanEpoch } = this;
    const { clauseHit, unitCount, unitEpoch, unitClauses } = st;
    const n = s.length;
    for (let k = l0; k < l1; k++) {
      const id = listNodes[k]!;
      if (nodeStamp[id] === scanEpoch) continue;
      const lit = nodeLit[id]!;
      const start = i - nodeAt[id]!;
      const len = lit.length;
      if (start < 0 || start + len > n) continue;
      let j = 0;
      while (j < len && s.charCodeAt(start + j) === lit.charCodeAt(j)) j++;
      if (j < len) continue;
      nodeStamp[id] = scanEpoch;
      const rec = st.recording;
      if (rec !== null) for (let a = nodeA0[id]!; a < nodeA1[id]!; a++) rec.push(anchorUnit[a]!, anchorClause[a]!);
      for (let a = nodeA0[id]!; a < nodeA1[id]!; a++) {
        const c = anchorClause[a]!;
        if (clauseHit[c] === stamp) continue;
        clauseHit[c] = stamp;
        const u = anchorUnit[a]!;
        if (unitEpoch[u] !== stamp) {
          unitEpoch[u] = stamp;
          unitCount[u] = 0;
        }
        if (++unitCount[u]! === unitClauses[u]) st.hits[st.hitCount++] = u;
      }
    }
  }

  private gram(t: GramTable, code: number, hx: number, s: string, i: number, stamp: number, st: HitState): void {
    const h = t.find(code, hx);
    if (h >= 0) this.probe(t.l0[h]!, t.l1[h]!, s, i, stamp, st);
  }

  /** The common case: only literals of 4+ characters. */
  private scan4(s: string, bits: Uint8Array, shift: number, stamp: number, st: HitState): void {
    const n = s.length;
    let g = 0;
    for (let i = 0; i < n; i++) {
      const c = codes[i]!;
      g = ((g << 7) | (c < 128 ? c : fold(c))) & 0xfffffff;
      const hx = Math.imul(g, HASH);
      const b = hx >>> shift;
      if ((bits[b >> 3]! & (1 << (b & 7))) !== 0 && i >= 3) this.gram(this.t4!, g, hx, s, i - 3, stamp, st);
    }
  }

  /** Every `step`-th position only (`step` > 1): each literal has a node at every offset of its window. */
  private scanSampled(s: string, bits: Uint8Array, shift: number, stamp: number, st: HitState): void {
    const step = this.step;
    const end = s.length - 3;
    for (let i = 0; i < end; i += step) {
      const c0 = codes[i]!;
      const c1 = codes[i + 1]!;
      const c2 = codes[i + 2]!;
      const c3 = codes[i + 3]!;
      const g = ((c0 < 128 ? c0 : fold(c0)) << 21) | ((c1 < 128 ? c1 : fold(c1)) << 14) | ((c2 < 128 ? c2 : fold(c2)) << 7) | (c3 < 128 ? c3 : fold(c3));
      const hx = Math.imul(g, HASH);
      const b = hx >>> shift;
      if ((bits[b >> 3]! & (1 << (b & 7))) !== 0) this.gram(this.t4!, g, hx, s, i, stamp, st);
    }
  }

  /** 1- and 2-character literals, when there are many. */
  private scanTiny(s: string, stamp: number, st: HitState): void {
    const n = s.length;
    const l1s = this.l1s;
    const l2s = this.l2s;
    let prev = 0;
    for (let i = 0; i < n; i++) {
      const c = codes[i]!;
      const fc = c < 128 ? c : fold(c);
      if (l1s !== undefined && l1s[fc]! >= 0) this.probe(l1s[fc]!, this.l1e[fc]!, s, i, stamp, st);
      if (l2s !== undefined && i >= 1) {
        const g2 = (prev << 7) | fc;
        if (l2s[g2]! >= 0) this.probe(l2s[g2]!, this.l2e[g2]!, s, i - 1, stamp, st);
      }
      prev = fc;
    }
  }

  /** Only 3-character literals, when there are many. */
  private scan3(s: string, t: GramTable, stamp: number, st: HitState): void {
    const n = s.length;
    const bits = t.bits;
    const shift = t.bitShift;
    let g = 0;
    for (let i = 0; i < n; i++) {
      const c = codes[i]!;
      g = ((g << 7) | (c < 128 ? c : fold(c))) & 0x1fffff;
      const hx = Math.imul(g, HASH);
      const b = hx >>> shift;
      if ((bits[b >> 3]! & (1 << (b & 7))) !== 0 && i >= 2) this.gram(t, g, hx, s, i - 2, stamp, st);
    }
  }

  /** Mark the literals of the field present in `s`. */
  scan(s: string, stamp: number, st: HitState): void {
    this.scanEpoch = (this.scanEpoch + 1) >>> 0;
    if (this.scanEpoch === 0) {
      this.nodeStamp.fill(0);
      this.scanEpoch = 1;
    }
    loadCodes(s);
    // Presence is all the prefilter needs: short literals are native `includes` each (one tight loop per
    // gram width keeps the scan loops small; a loop testing every width at once runs several times slower).
    const short = this.shortIds;
    for (let k = 0; k < short.length; k++) {
      const id = short[k]!;
      if (this.nodeStamp[id] !== this.scanEpoch && s.includes(this.nodeLit[id]!)) this.hitNode(id, stamp, st);
    }
    if (this.l1s !== undefined || this.l2s !== undefined) this.scanTiny(s, stamp, st);
    if (this.t3 !== undefined) this.scan3(s, this.t3, stamp, st);
    if (this.t4 !== undefined) {
      if (this.step > 1) this.scanSampled(s, this.t4.bits, this.t4.bitShift, stamp, st);
      else this.scan4(s, this.t4.bits, this.t4.bitShift, stamp, st);
    }
    // last: it reloads the shared code-unit buffer
    if (this.wide !== undefined && NON_ASCII.test(s)) this.wide.scan(s, stamp, st);
  }
}
