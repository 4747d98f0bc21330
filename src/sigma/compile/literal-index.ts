/**
 * The literal prefilter of one dispatch group (e.g. every unit for Sysmon
 * EventID 1). Each gated unit needs, per clause of its CNF, one of the
 * clause's literals in one of the literal's fields. The group keeps one
 * index per field: per event each field's text is scanned once for the
 * grams of that field's literals only (3-grams; 2-grams for 2-character
 * literals, single characters for one-character ones). Each literal is
 * anchored on its rarest gram and bucketed by the gram after it; a gram hit
 * is verified against the whole literal at that spot. A unit becomes a
 * candidate when every clause has a hit; only candidates run their detection.
 */
import { fieldSlot, type EventView } from './event.js';
import type { NeedLiteral } from './item.js';

/** What the index needs to know about a gated unit. */
export interface GatedUnit {
  id: number;
  /** Global id of the unit's first clause (clause k is `clauseBase + k`). */
  clauseBase: number;
  needs: readonly (readonly NeedLiteral[])[];
}

/**
 * Per-event bookkeeping shared by every index of a rule set (clause and unit
 * ids are global): a clause is hit when `clauseHit[c] === stamp`; a unit
 * whose count reaches its clause count is added to `hits` once.
 */
export class HitState {
  readonly clauseHit: Uint32Array;
  readonly unitCount: Uint8Array;
  readonly unitEpoch: Uint32Array;
  /** Candidate units of the current event: `hits[0..hitCount)`. */
  readonly hits: Int32Array;
  hitCount = 0;

  constructor(
    clauses: number,
    readonly unitClauses: Uint8Array,
  ) {
    this.clauseHit = new Uint32Array(clauses);
    this.unitCount = new Uint8Array(unitClauses.length);
    this.unitEpoch = new Uint32Array(unitClauses.length);
    this.hits = new Int32Array(unitClauses.length);
  }

  /** After the epoch counter wraps: forget every stamp. */
  clear(): void {
    this.clauseHit.fill(0);
    this.unitEpoch.fill(0);
  }
}

/**
 * Gram codes stay small integers (no heap numbers in the hot loop): each
 * character folds to 7 bits, three of them make a 21-bit code. Different
 * grams may share a code; every hit is verified against the whole literal.
 */
export function fold(c: number): number {
  return c < 128 ? c : (c ^ (c >> 7) ^ (c >> 14)) & 0x7f;
}

export function gramCode(s: string, i: number): number {
  return (fold(s.charCodeAt(i)) << 14) | (fold(s.charCodeAt(i + 1)) << 7) | fold(s.charCodeAt(i + 2));
}

function gram2Code(s: string, i: number): number {
  return (fold(s.charCodeAt(i)) << 7) | fold(s.charCodeAt(i + 1));
}

const HASH = 0x9e3779b1;
const HASH2 = 0x85ebca6b;

/** Literal nodes before freezing: one per (literal, anchor offset). */
interface NodeSpec {
  lit: string;
  at: number;
  anchors: Array<[unit: number, clause: number]>;
}

/** Open-addressing table size for `n` keys (load ≤ 1/2). */
function tableBits(n: number): number {
  let b = 4;
  while (1 << b < n * 2) b++;
  return b;
}

/**
 * The literals of one event field within a group, frozen into flat typed
 * arrays: the scan loop makes no builtin calls (no Map lookups, no
 * `startsWith`) except on verified hits.
 *
 *  - 3-gram anchors: a Bloom-style bit set (hashed gram) in front of an
 *    open-addressing table gram → list of nodes whose literal is anchored
 *    there and has no room for a second gram ("short" list), and a second
 *    table (gram, next gram) → list, for literals long enough to continue
 *    with another 3-gram at anchor + 3;
 *  - 2-character literals: a direct table by 2-gram code;
 *  - 1-character literals: a direct table by folded character.
 *
 * A list is a range of `listNodes`; a node's (unit, clause) anchors are a
 * range of `anchorUnit`/`anchorClause`.
 */
class FieldIndex {
  readonly slot: number;
  private specs: NodeSpec[] = [];
  private readonly specByKey = new Map<string, number>();
  private readonly short3 = new Map<number, number[]>();
  private readonly next3 = new Map<number, Map<number, number[]>>();
  private readonly list2 = new Map<number, number[]>();
  private readonly list1 = new Map<number, number[]>();

  // frozen form
  nodeLit: string[] = [];
  nodeAt: Int32Array = new Int32Array(0);
  nodeA0: Int32Array = new Int32Array(0);
  nodeA1: Int32Array = new Int32Array(0);
  nodeStamp: Uint32Array = new Uint32Array(0);
  anchorUnit: Int32Array = new Int32Array(0);
  anchorClause: Int32Array = new Int32Array(0);
  listNodes: Int32Array = new Int32Array(0);
  /** Bit per hashed 3-gram that anchors some literal. */
  bits: Uint8Array = new Uint8Array(0);
  shift = 32;
  /** gram → entry: key (gram + 1, 0 = empty), short list range, whether (gram, next) entries exist. */
  gKey: Int32Array = new Int32Array(0);
  gShort0: Int32Array = new Int32Array(0);
  gShort1: Int32Array = new Int32Array(0);
  gHasNext: Uint8Array = new Uint8Array(0);
  gMask = 0;
  gShift = 32;
  /** (gram, next gram) → list range. */
  pKeyA: Int32Array = new Int32Array(0);
  pKeyB: Int32Array = new Int32Array(0);
  p0: Int32Array = new Int32Array(0);
  p1: Int32Array = new Int32Array(0);
  pMask = 0;
  pShift = 32;
  /** 2-gram code → list range (start -1: none). */
  l2s: Int32Array = new Int32Array(0);
  l2e: Int32Array = new Int32Array(0);
  /** folded char → list range (start -1: none). */
  l1s: Int32Array = new Int32Array(0);
  l1e: Int32Array = new Int32Array(0);
  /** Stamp of the event in which a 1-/2-character code was last probed. */
  l1done: Uint32Array = new Uint32Array(0);
  l2done: Uint32Array = new Uint32Array(0);
  has1 = false;
  has2 = false;
  has3 = false;
  readonly anchorGrams = new Set<number>();

  constructor(readonly name: string) {
    this.slot = fieldSlot(name);
  }

  private node(lit: string, at: number, list: number[]): number {
    const key = at + ':' + lit;
    let id = this.specByKey.get(key);
    if (id === undefined) {
      id = this.specs.length;
      this.specs.push({ lit, at, anchors: [] });
      this.specByKey.set(key, id);
      list.push(id);
    }
    return id;
  }

  add(lit: string, unit: number, clause: number, gramCount: ReadonlyMap<number, number>): void {
    const listIn = (m: Map<number, number[]>, k: number): number[] => {
      let l = m.get(k);
      if (!l) m.set(k, (l = []));
      return l;
    };
    let id: number;
    if (lit.length === 1) id = this.node(lit, 0, listIn(this.list1, fold(lit.charCodeAt(0))));
    else if (lit.length === 2) id = this.node(lit, 0, listIn(this.list2, gram2Code(lit, 0)));
    else {
      // Rarest gram among the positions that leave room for a second gram (when the literal is long enough).
      let best = 0;
      let bestCount = Infinity;
      const last = lit.length >= 6 ? lit.length - 6 : lit.length - 3;
      for (let i = 0; i <= last; i++) {
        const c = gramCount.get(gramCode(lit, i)) ?? 0;
        if (c < bestCount) {
          bestCount = c;
          best = i;
        }
      }
      const g = gramCode(lit, best);
      this.anchorGrams.add(g);
      if (best + 6 <= lit.length) {
        let m = this.next3.get(g);
        if (!m) this.next3.set(g, (m = new Map()));
        id = this.node(lit, best, listIn(m, gramCode(lit, best + 3)));
      } else id = this.node(lit, best, listIn(this.short3, g));
    }
    this.specs[id]!.anchors.push([unit, clause]);
  }

  /** Freeze into typed arrays once every literal is added. */
  finish(): void {
    const specs = this.specs;
    const nn = specs.length;
    this.nodeLit = specs.map((x) => x.lit);
    this.nodeAt = Int32Array.from(specs, (x) => x.at);
    this.nodeA0 = new Int32Array(nn);
    this.nodeA1 = new Int32Array(nn);
    this.nodeStamp = new Uint32Array(nn);
    let total = 0;
    for (const x of specs) total += x.anchors.length;
    this.anchorUnit = new Int32Array(total);
    this.anchorClause = new Int32Array(total);
    let at = 0;
    specs.forEach((x, id) => {
      this.nodeA0[id] = at;
      for (const [unit, clause] of x.anchors) {
        this.anchorUnit[at] = unit;
        this.anchorClause[at] = clause;
        at++;
      }
      this.nodeA1[id] = at;
    });

    // lists, laid out one after another
    const lists: number[] = [];
    const put = (ids: readonly number[]): [number, number] => {
      const s0 = lists.length;
      lists.push(...ids);
      return [s0, lists.length];
    };
    this.has1 = this.list1.size > 0;
    this.has2 = this.list2.size > 0;
    // direct tables only where there are such literals (most fields have none)
    if (this.has1) {
      this.l1s = new Int32Array(128).fill(-1);
      this.l1e = new Int32Array(128);
      for (const [c, ids] of this.list1) [this.l1s[c], this.l1e[c]] = put(ids);
    }
    if (this.has2) {
      this.l2s = new Int32Array(1 << 14).fill(-1);
      this.l2e = new Int32Array(1 << 14);
      for (const [c, ids] of this.list2) [this.l2s[c], this.l2e[c]] = put(ids);
    }
    this.l1done = new Uint32Array(this.has1 ? 128 : 0);
    this.l2done = new Uint32Array(this.has2 ? 1 << 14 : 0);

    const grams = [...this.anchorGrams];
    this.has3 = grams.length > 0;
    const gb = tableBits(grams.length);
    this.gShift = 32 - gb;
    this.gMask = (1 << gb) - 1;
    this.gKey = new Int32Array(1 << gb);
    this.gShort0 = new Int32Array(1 << gb);
    this.gShort1 = new Int32Array(1 << gb);
    this.gHasNext = new Uint8Array(1 << gb);
    let pairs = 0;
    for (const m of this.next3.values()) pairs += m.size;
    const pb = tableBits(pairs);
    this.pShift = 32 - pb;
    this.pMask = (1 << pb) - 1;
    this.pKeyA = new Int32Array(1 << pb);
    this.pKeyB = new Int32Array(1 << pb);
    this.p0 = new Int32Array(1 << pb);
    this.p1 = new Int32Array(1 << pb);
    for (const g of grams) {
      let h = Math.imul(g, HASH) >>> this.gShift;
      while (this.gKey[h] !== 0) h = (h + 1) & this.gMask;
      this.gKey[h] = g + 1;
      [this.gShort0[h], this.gShort1[h]] = put(this.short3.get(g) ?? []);
      const m = this.next3.get(g);
      this.gHasNext[h] = m ? 1 : 0;
      for (const [next, ids] of m ?? []) {
        let p = Math.imul(g ^ Math.imul(next, HASH2), HASH) >>> this.pShift;
        while (this.pKeyA[p] !== 0) p = (p + 1) & this.pMask;
        this.pKeyA[p] = g + 1;
        this.pKeyB[p] = next;
        [this.p0[p], this.p1[p]] = put(ids);
      }
    }
    this.listNodes = Int32Array.from(lists);

    let log2 = 10;
    while (1 << log2 < grams.length * 16 && log2 < 24) log2++;
    this.bits = new Uint8Array((1 << log2) >> 3);
    this.shift = 32 - log2;
    for (const g of grams) {
      const h = Math.imul(g, HASH) >>> this.shift;
      this.bits[h >> 3]! |= 1 << (h & 7);
    }
    this.specs = [];
    this.specByKey.clear();
    this.short3.clear();
    this.next3.clear();
    this.list1.clear();
    this.list2.clear();
  }
}

export class LiteralIndex {
  private readonly fields: FieldIndex[] = [];
  private readonly texts: string[] = [];
  /** Whether some literal is shorter than 3 characters (the raw-line prefilter cannot see those). */
  readonly hasShortLiterals: boolean;

  constructor(units: readonly GatedUnit[]) {
    const gramCount = new Map<number, number>();
    for (const u of units) {
      const seen = new Set<number>();
      for (const clause of u.needs) for (const l of clause) for (let i = 0; i + 3 <= l.text.length; i++) seen.add(gramCode(l.text, i));
      for (const g of seen) gramCount.set(g, (gramCount.get(g) ?? 0) + 1);
    }
    const byName = new Map<string, FieldIndex>();
    let short = false;
    const indexOf = (f: string): FieldIndex => {
      let fi = byName.get(f);
      if (!fi) byName.set(f, (fi = new FieldIndex(f)));
      return fi;
    };
    for (const u of units) {
      u.needs.forEach((clause, k) => {
        for (const l of clause) {
          if (l.text.length < 3) short = true;
          // keyword literals (any field) are not indexed: the compiler leaves such clauses out
          if (l.fields === null) throw new Error('a keyword literal reached the literal index');
          for (const f of l.fields) indexOf(f).add(l.text, u.id, u.clauseBase + k, gramCount);
        }
      });
    }
    for (const fi of byName.values()) {
      fi.finish();
      this.fields.push(fi);
    }
    this.hasShortLiterals = short;
  }

  /** Every 3-gram anchor code (for the raw-line prefilter). */
  gramCodes(): number[] {
    const out: number[] = [];
    for (const f of this.fields) for (const g of f.anchorGrams) out.push(g);
    return out;
  }

  /** After the epoch counter wraps: forget every stamp. */
  clear(): void {
    for (const f of this.fields) {
      f.nodeStamp.fill(0);
      f.l1done.fill(0);
      f.l2done.fill(0);
    }
  }

  /** Scan the event's values of this group's fields; candidates go to `st.hits`. */
  scan(view: EventView, stamp: number, st: HitState): void {
    const texts = this.texts;
    for (let f = 0; f < this.fields.length; f++) {
      const fi = this.fields[f]!;
      const count = view.scanTextsOf(fi.slot, fi.name, texts);
      for (let t = 0; t < count; t++) this.scanText(fi, texts[t]!, stamp, st);
    }
  }

  /** Verify the nodes of list range [l0, l1) at position `i` of `s`; count the clauses of those that match. */
  private probe(fi: FieldIndex, l0: number, l1: number, s: string, i: number, stamp: number, st: HitState): void {
    const { listNodes, nodeStamp, nodeLit, nodeAt, nodeA0, nodeA1, anchorUnit, anchorClause } = fi;
    const { clauseHit, unitCount, unitEpoch, unitClauses } = st;
    const n = s.length;
    for (let k = l0; k < l1; k++) {
      const id = listNodes[k]!;
      if (nodeStamp[id] === stamp) continue;
      const lit = nodeLit[id]!;
      const start = i - nodeAt[id]!;
      const len = lit.length;
      if (start < 0 || start + len > n) continue;
      let j = 0;
      while (j < len && s.charCodeAt(start + j) === lit.charCodeAt(j)) j++;
      if (j < len) continue;
      nodeStamp[id] = stamp;
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

  private scanText(fi: FieldIndex, s: string, stamp: number, st: HitState): void {
    const n = s.length;
    const { has1, has2, has3 } = fi;
    if (n < 3 && !has2 && !has1) return;
    // One pass: at position i the 3-gram starting at i - 2 is complete; 1- and 2-character literals are probed
    // at their own positions. The gram after an anchor (for long literals) is computed only on a hit.
    const { bits, shift, l1s, l1e, l2s, l2e, l1done, l2done } = fi;
    const short = has1 || has2;
    let g = 0;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      const fc = c < 128 ? c : fold(c);
      g = ((g << 7) | fc) & 0x1fffff;
      if (short) {
        // ASCII characters are their own code: once probed in this event, the same ASCII text needs no second
        // look. (A non-ASCII character shares its folded code with an ASCII one, so it is always probed.)
        if (has1 && l1s[fc]! >= 0) {
          if (c >= 128) this.probe(fi, l1s[fc]!, l1e[fc]!, s, i, stamp, st);
          else if (l1done[fc] !== stamp) {
            l1done[fc] = stamp;
            this.probe(fi, l1s[fc]!, l1e[fc]!, s, i, stamp, st);
          }
        }
        if (has2 && i >= 1) {
          const g2 = g & 0x3fff;
          if (l2s[g2]! >= 0) {
            if (c >= 128 || s.charCodeAt(i - 1) >= 128) this.probe(fi, l2s[g2]!, l2e[g2]!, s, i - 1, stamp, st);
            else if (l2done[g2] !== stamp) {
              l2done[g2] = stamp;
              this.probe(fi, l2s[g2]!, l2e[g2]!, s, i - 1, stamp, st);
            }
          }
        }
      }
      if (!has3 || i < 2) continue;
      const hx = Math.imul(g, HASH);
      const b = hx >>> shift;
      if ((bits[b >> 3]! & (1 << (b & 7))) !== 0) this.gramHit(fi, g, hx, s, i - 2, stamp, st);
    }
  }

  /** The 3-gram `gi` starting at `i` passed the bit filter: look it up and probe its lists. */
  private gramHit(fi: FieldIndex, gi: number, hx: number, s: string, i: number, stamp: number, st: HitState): void {
    const { gKey, gShort0, gShort1, gHasNext, gMask, gShift } = fi;
    let h = hx >>> gShift;
    const key = gi + 1;
    let found = gKey[h]!;
    while (found !== key && found !== 0) {
      h = (h + 1) & gMask;
      found = gKey[h]!;
    }
    if (found === 0) return;
    if (gShort1[h]! > gShort0[h]!) this.probe(fi, gShort0[h]!, gShort1[h]!, s, i, stamp, st);
    if (gHasNext[h] === 1 && i + 5 < s.length) {
      const { pKeyA, pKeyB, p0, p1, pMask, pShift } = fi;
      const next = gramCode(s, i + 3);
      let p = Math.imul(gi ^ Math.imul(next, HASH2), HASH) >>> pShift;
      while (pKeyA[p] !== 0) {
        if (pKeyA[p] === key && pKeyB[p] === next) {
          this.probe(fi, p0[p]!, p1[p]!, s, i, stamp, st);
          return;
        }
        p = (p + 1) & pMask;
      }
    }
  }
}
