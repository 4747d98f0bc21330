/**
 * Fast inference for one tower. The projection is linear and the output is
 * normalised, so W·(Σ rows) = Σ (W·rows) and the pooling scale cancels:
 * anything that repeats can be projected once and then costs one vector add.
 *
 * What repeats is cached in one slab of projected vectors ("slots"):
 * - a token: its unigram and character n-gram rows;
 * - a coarse token (a delimiter-separated piece of text such as
 *   `c:\windows\system32\cmd.exe`): its tokens and the bigrams inside it;
 * - a pair of neighbouring coarse tokens: the boundary bigram plus the second
 *   coarse token (and likewise pairs of tokens, used only where a text hits
 *   the token cap inside a coarse token).
 * A text is then one Map lookup, one pair probe and one vector add per coarse
 * token. When the slab is full it starts over (cheap, and what repeats comes
 * back at once). Results equal the plain feature-list encoding up to float
 * rounding (tested).
 */
import { bigramBucket, tokenBuckets, tokenHash, type FeatureConfig } from './features.js';
import { coarsePieces, forEachCoarse } from './tokenize.js';
import { ProjectionKernel } from './wasm/project.js';

/** Marks a coarse token that gives no tokens (stopwords, punctuation). */
const EMPTY = -2;

/** Slots per tower (dim floats each). */
const DEFAULT_CAPACITY = 65_536;

/** Per-slot facts about what it holds. */
interface SlotTables {
  /** Word hash of the first and last token (tokens: the same). */
  firstHash: Uint32Array;
  lastHash: Uint32Array;
  /** Token slot of the last token (coarse slots). */
  lastToken: Int32Array;
  /** Features pooled (for the empty-text check). */
  count: Int32Array;
  /** Tokens in a coarse slot. */
  pieces: Int32Array;
}

export class TowerEncoder {
  private readonly slab: Float32Array;
  private readonly tables: SlotTables;
  private readonly tokens = new Map<string, number>();
  private readonly coarse = new Map<string, number>();
  private readonly pairA: Int32Array;
  private readonly pairB: Int32Array;
  private readonly pairSlot: Int32Array;
  private readonly pairMask: number;
  private used = 0;
  /** W · x in WebAssembly (same sums as the scalar loop, see `wasm/project.ts`); x is its input. */
  private readonly kernel: ProjectionKernel;
  private readonly x: Float64Array;
  private readonly h: Float64Array;
  private readonly oneRow = new Int32Array(1);

  constructor(
    private readonly params: Float32Array,
    private readonly features: FeatureConfig,
    private readonly dim: number,
    /** This tower's projection (dim × dim, row-major). */
    projection: Float64Array,
    readonly capacity = DEFAULT_CAPACITY,
  ) {
    this.slab = new Float32Array(capacity * dim);
    this.tables = { firstHash: new Uint32Array(capacity), lastHash: new Uint32Array(capacity), lastToken: new Int32Array(capacity), count: new Int32Array(capacity), pieces: new Int32Array(capacity) };
    let table = 1;
    while (table < capacity * 2) table <<= 1; // load ≤ 1/2
    this.pairA = new Int32Array(table).fill(-1);
    this.pairB = new Int32Array(table);
    this.pairSlot = new Int32Array(table);
    this.pairMask = table - 1;
    this.kernel = new ProjectionKernel(projection, dim);
    this.x = this.kernel.x;
    this.h = new Float64Array(dim);
  }

  private reset(): void {
    this.tokens.clear();
    this.coarse.clear();
    this.pairA.fill(-1);
    this.used = 0;
  }

  /** A fresh slot, or -1 when the slab is full. */
  private claim(): number {
    return this.used < this.capacity ? this.used++ : -1;
  }

  private probe(a: number, b: number): number {
    const mask = this.pairMask;
    let i = (Math.imul(a, 0x9e3779b1) ^ Math.imul(b, 0x85ebca77)) & mask;
    while (this.pairA[i] !== -1 && (this.pairA[i] !== a || this.pairB[i] !== b)) i = (i + 1) & mask;
    return i;
  }

  /** slab[slot] = W · Σ params rows. */
  private projectRows(rows: ArrayLike<number>, count: number, slot: number): void {
    const d = this.dim;
    const p = this.params;
    const x = this.x;
    x.fill(0);
    for (let k = 0; k < count; k++) {
      const base = rows[k]! * d;
      for (let j = 0; j < d; j++) x[j]! += p[base + j]!;
    }
    this.kernel.run();
    const projected = this.kernel.out;
    const out = this.slab;
    const o = slot * d;
    for (let r = 0; r < d; r++) out[o + r] = projected[r]!;
  }

  private addSlot(target: number, source: number): void {
    const d = this.dim;
    const s = this.slab;
    const t = target * d;
    const o = source * d;
    for (let j = 0; j < d; j++) s[t + j]! += s[o + j]!;
  }

  /** The slot of a token (unigram + character n-grams), -1 when full. */
  private token(tok: string): number {
    let slot = this.tokens.get(tok);
    if (slot !== undefined) return slot;
    slot = this.claim();
    if (slot < 0) return -1;
    const rows = tokenBuckets(tok, this.features);
    this.projectRows(rows, rows.length, slot);
    const h = tokenHash(tok);
    this.tables.firstHash[slot] = h;
    this.tables.lastHash[slot] = h;
    this.tables.lastToken[slot] = slot;
    this.tables.count[slot] = rows.length;
    this.tokens.set(tok, slot);
    return slot;
  }

  /**
   * The slot holding `b`'s vector plus the bigram between the last token of
   * `a` and the first of `b` (a, b: both token slots or both coarse slots).
   */
  private pair(a: number, b: number): number {
    const i = this.probe(a, b);
    if (this.pairA[i] !== -1) return this.pairSlot[i]!;
    const slot = this.claim();
    if (slot < 0) return -1;
    this.oneRow[0] = bigramBucket(this.tables.lastHash[a]!, this.tables.firstHash[b]!, this.features);
    this.projectRows(this.oneRow, 1, slot);
    this.addSlot(slot, b);
    this.tables.count[slot] = this.tables.count[b]! + 1;
    this.pairA[i] = a;
    this.pairB[i] = b;
    this.pairSlot[i] = slot;
    return slot;
  }

  /** The slot of a whole coarse token with `pieces` tokens; -1 when full. */
  private coarseSlot(raw: string, pieces: readonly string[]): number {
    let slot = this.coarse.get(raw);
    if (slot !== undefined) return slot;
    slot = this.claim();
    if (slot < 0) return -1;
    const d = this.dim;
    this.slab.fill(0, slot * d, slot * d + d);
    let count = 0;
    let prev = -1;
    for (const piece of pieces) {
      const tok = this.token(piece);
      if (tok < 0) return -1;
      const use = prev >= 0 && this.features.bigrams ? this.pair(prev, tok) : tok;
      if (use < 0) return -1;
      this.addSlot(slot, use);
      count += this.tables.count[use]!;
      prev = tok;
    }
    this.tables.firstHash[slot] = this.tables.firstHash[this.tokens.get(pieces[0]!)!]!;
    this.tables.lastHash[slot] = this.tables.lastHash[prev]!;
    this.tables.lastToken[slot] = prev;
    this.tables.count[slot] = count;
    this.tables.pieces[slot] = pieces.length;
    this.coarse.set(raw, slot);
    return slot;
  }

  /** Encode `text` into out[outOffset..+dim] (unit length, or zeros when it has no features). */
  encode(text: string, out: Float32Array, outOffset = 0): void {
    // empty coarse tokens take no slot: bound their entries separately
    if (this.coarse.size > 4 * this.capacity) this.reset();
    if (!this.tryEncode(text, out, outOffset)) {
      this.reset();
      if (!this.tryEncode(text, out, outOffset)) throw new Error('inference cache too small for one text');
    }
  }

  private tryEncode(text: string, out: Float32Array, outOffset: number): boolean {
    const d = this.dim;
    const h = this.h;
    h.fill(0);
    const max = this.features.maxTokens;
    const bigrams = this.features.bigrams;
    const slab = this.slab;
    let emitted = 0;
    let n = 0;
    let prevCoarse = -1;
    let prevToken = -1;
    let full = false;
    forEachCoarse(text, (raw) => {
      let slot = this.coarse.get(raw);
      if (slot === EMPTY) return true;
      let pieces: string[] | undefined;
      if (slot === undefined) {
        pieces = coarsePieces(raw);
        if (pieces.length === 0) {
          this.coarse.set(raw, EMPTY);
          return true;
        }
      }
      const count = slot === undefined ? pieces!.length : this.tables.pieces[slot]!;
      if (emitted + count <= max) {
        slot ??= this.coarseSlot(raw, pieces!);
        if (slot < 0) return !(full = true);
        const use = prevCoarse >= 0 && bigrams ? this.pair(prevCoarse, slot) : slot;
        if (use < 0) return !(full = true);
        const o = use * d;
        for (let j = 0; j < d; j++) h[j]! += slab[o + j]!;
        n += this.tables.count[use]!;
        emitted += count;
        prevCoarse = slot;
        prevToken = this.tables.lastToken[slot]!;
        return emitted < max;
      }
      // the token cap falls inside this coarse token: its first tokens one by one
      pieces ??= coarsePieces(raw);
      for (let k = 0; emitted < max; k++, emitted++) {
        const tok = this.token(pieces[k]!);
        if (tok < 0) return !(full = true);
        const use = prevToken >= 0 && bigrams ? this.pair(prevToken, tok) : tok;
        if (use < 0) return !(full = true);
        const o = use * d;
        for (let j = 0; j < d; j++) h[j]! += slab[o + j]!;
        n += this.tables.count[use]!;
        prevToken = tok;
      }
      return false;
    });
    if (full) return false;
    let norm = 0;
    for (let r = 0; r < d; r++) norm += h[r]! * h[r]!;
    const inv = n > 0 && norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (let r = 0; r < d; r++) out[outOffset + r] = h[r]! * inv;
    return true;
  }
}
