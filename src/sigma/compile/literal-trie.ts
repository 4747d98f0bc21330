/**
 * Exact-position literals of one event field within a dispatch group: whole
 * values (`eq`), prefixes and suffixes (`Image|endswith: '\x.exe'`,
 * `OriginalFileName: 'x.exe'`). They need no scan of the value: whole values
 * and last path components are map lookups; other prefixes walk a forward
 * trie from the value's start, other suffixes a reverse trie from its end,
 * each step one lookup in a flat open-addressing table, stopping at the
 * first character no literal continues with. So a field with hundreds of
 * `endswith` literals costs a few lookups, whatever the number of rules.
 */
import { markAnchors, type HitState } from './literal-hits.js';

const HASH = 0x9e3779b1;

class TrieBuilder {
  /** Per node: char code → child. */
  readonly children: Array<Map<number, number>> = [new Map()];
  /** Per node: anchors that hit on reaching the node. */
  readonly onReach: Array<Array<[number, number]>> = [[]];

  add(text: string, reverse: boolean, unit: number, clause: number): void {
    let node = 0;
    const n = text.length;
    for (let k = 0; k < n; k++) {
      const c = text.charCodeAt(reverse ? n - 1 - k : k);
      let next = this.children[node]!.get(c);
      if (next === undefined) {
        next = this.children.length;
        this.children.push(new Map());
        this.onReach.push([]);
        this.children[node]!.set(c, next);
      }
      node = next;
    }
    this.onReach[node]!.push([unit, clause]);
  }
}

/** A trie frozen into typed arrays. */
class Trie {
  private readonly keyNode: Int32Array;
  private readonly keyChar: Int32Array;
  private readonly child: Int32Array;
  private readonly mask: number;
  private readonly shift: number;
  /** Per node: anchor range [reach0, reach1). */
  private readonly reach0: Int32Array;
  private readonly reach1: Int32Array;
  private readonly anchorUnit: Int32Array;
  private readonly anchorClause: Int32Array;
  readonly empty: boolean;

  constructor(b: TrieBuilder) {
    const nodes = b.children.length;
    let edges = 0;
    for (const m of b.children) edges += m.size;
    this.empty = edges === 0;
    let bits = 4;
    while (1 << bits < edges * 2) bits++;
    this.mask = (1 << bits) - 1;
    this.shift = 32 - bits;
    this.keyNode = new Int32Array(1 << bits).fill(-1);
    this.keyChar = new Int32Array(1 << bits);
    this.child = new Int32Array(1 << bits);
    b.children.forEach((m, node) => {
      for (const [c, next] of m) {
        let h = Math.imul(Math.imul(node, 65599) ^ c, HASH) >>> this.shift;
        while (this.keyNode[h] !== -1) h = (h + 1) & this.mask;
        this.keyNode[h] = node;
        this.keyChar[h] = c;
        this.child[h] = next;
      }
    });
    this.reach0 = new Int32Array(nodes);
    this.reach1 = new Int32Array(nodes);
    const units: number[] = [];
    const clauses: number[] = [];
    const put = (list: ReadonlyArray<[number, number]>): [number, number] => {
      const s = units.length;
      for (const [u, c] of list) {
        units.push(u);
        clauses.push(c);
      }
      return [s, units.length];
    };
    for (let i = 0; i < nodes; i++) {
      [this.reach0[i], this.reach1[i]] = put(b.onReach[i]!);
    }
    this.anchorUnit = Int32Array.from(units);
    this.anchorClause = Int32Array.from(clauses);
  }

  private step(node: number, c: number): number {
    let h = Math.imul(Math.imul(node, 65599) ^ c, HASH) >>> this.shift;
    const { keyNode, keyChar, mask } = this;
    for (;;) {
      const k = keyNode[h]!;
      if (k === -1) return -1;
      if (k === node && keyChar[h] === c) return this.child[h]!;
      h = (h + 1) & mask;
    }
  }

  /** Walk `s` from its start (or end when `reverse`); mark every literal it passes. */
  walk(s: string, reverse: boolean, stamp: number, st: HitState): void {
    const n = s.length;
    let node = 0;
    for (let k = 0; ; k++) {
      if (this.reach1[node]! > this.reach0[node]!) markAnchors(st, stamp, this.anchorUnit, this.anchorClause, this.reach0[node]!, this.reach1[node]!);
      if (k === n) return;
      node = this.step(node, s.charCodeAt(reverse ? n - 1 - k : k));
      if (node < 0) return;
    }
  }
}

/** Literal text → anchor range, for literals checked by one map lookup. */
class LookupTable {
  private readonly build = new Map<string, Array<[number, number]>>();
  private ranges = new Map<string, number>();
  private a0: Int32Array = new Int32Array(0);
  private a1: Int32Array = new Int32Array(0);
  private anchorUnit: Int32Array = new Int32Array(0);
  private anchorClause: Int32Array = new Int32Array(0);

  get size(): number {
    return this.ranges.size + this.build.size;
  }

  add(text: string, unit: number, clause: number): void {
    let l = this.build.get(text);
    if (!l) this.build.set(text, (l = []));
    l.push([unit, clause]);
  }

  finish(): void {
    const units: number[] = [];
    const clauses: number[] = [];
    const n = this.build.size;
    this.a0 = new Int32Array(n);
    this.a1 = new Int32Array(n);
    let i = 0;
    for (const [text, anchors] of this.build) {
      this.a0[i] = units.length;
      for (const [u, c] of anchors) {
        units.push(u);
        clauses.push(c);
      }
      this.a1[i] = units.length;
      this.ranges.set(text, i++);
    }
    this.anchorUnit = Int32Array.from(units);
    this.anchorClause = Int32Array.from(clauses);
    this.build.clear();
  }

  check(key: string, stamp: number, st: HitState): void {
    const i = this.ranges.get(key);
    if (i !== undefined) markAnchors(st, stamp, this.anchorUnit, this.anchorClause, this.a0[i]!, this.a1[i]!);
  }
}

/**
 * The eq / prefix / suffix literals of one field. Whole-value literals are
 * one map lookup of the value; a suffix that is a path's last component
 * (`\x.exe`: a leading backslash, no other) is a map lookup of the value's
 * own last component; other prefixes and suffixes walk the tries.
 */
export class AffixIndex {
  private forwardB: TrieBuilder | undefined = new TrieBuilder();
  private backwardB: TrieBuilder | undefined = new TrieBuilder();
  private forward: Trie | undefined = undefined;
  private backward: Trie | undefined = undefined;
  private readonly whole = new LookupTable();
  private readonly basename = new LookupTable();
  private hasWhole = false;
  private hasBasename = false;

  add(text: string, kind: 'eq' | 'prefix' | 'suffix', unit: number, clause: number): void {
    if (kind === 'eq') this.whole.add(text, unit, clause);
    else if (kind === 'suffix' && text.length > 1 && text.charCodeAt(0) === 0x5c && text.indexOf('\\', 1) < 0) this.basename.add(text.slice(1), unit, clause);
    else if (kind === 'suffix') this.backwardB!.add(text, true, unit, clause);
    else this.forwardB!.add(text, false, unit, clause);
  }

  finish(): void {
    const f = new Trie(this.forwardB!);
    const b = new Trie(this.backwardB!);
    if (!f.empty) this.forward = f;
    if (!b.empty) this.backward = b;
    this.forwardB = undefined;
    this.backwardB = undefined;
    this.hasWhole = this.whole.size > 0;
    this.hasBasename = this.basename.size > 0;
    this.whole.finish();
    this.basename.finish();
  }

  /** Mark the literals the (lowercased) value `s` holds at its ends. */
  check(s: string, stamp: number, st: HitState): void {
    if (this.hasWhole) this.whole.check(s, stamp, st);
    if (this.hasBasename) {
      const p = s.lastIndexOf('\\');
      if (p >= 0) this.basename.check(s.slice(p + 1), stamp, st);
    }
    if (this.forward !== undefined) this.forward.walk(s, false, stamp, st);
    if (this.backward !== undefined) this.backward.walk(s, true, stamp, st);
  }
}
