/** Binary heap of (id, key) pairs on growable typed arrays; `max` chooses a max-heap. */
export class PairHeap {
  ids: Int32Array;
  keys: Float64Array;
  size = 0;

  constructor(
    private readonly max: boolean,
    capacity = 64,
  ) {
    this.ids = new Int32Array(capacity);
    this.keys = new Float64Array(capacity);
  }

  clear(): void {
    this.size = 0;
  }

  private above(a: number, b: number): boolean {
    return this.max ? this.keys[a]! > this.keys[b]! : this.keys[a]! < this.keys[b]!;
  }

  private swap(a: number, b: number): void {
    const i = this.ids[a]!;
    this.ids[a] = this.ids[b]!;
    this.ids[b] = i;
    const k = this.keys[a]!;
    this.keys[a] = this.keys[b]!;
    this.keys[b] = k;
  }

  push(id: number, key: number): void {
    if (this.size === this.ids.length) {
      const ids = new Int32Array(this.size * 2);
      ids.set(this.ids);
      this.ids = ids;
      const keys = new Float64Array(this.size * 2);
      keys.set(this.keys);
      this.keys = keys;
    }
    let i = this.size++;
    this.ids[i] = id;
    this.keys[i] = key;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.above(i, p)) break;
      this.swap(i, p);
      i = p;
    }
  }

  topId(): number {
    return this.ids[0]!;
  }

  topKey(): number {
    return this.keys[0]!;
  }

  pop(): void {
    this.size--;
    if (this.size === 0) return;
    this.ids[0] = this.ids[this.size]!;
    this.keys[0] = this.keys[this.size]!;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let best = i;
      if (l < this.size && this.above(l, best)) best = l;
      if (r < this.size && this.above(r, best)) best = r;
      if (best === i) break;
      this.swap(i, best);
      i = best;
    }
  }
}

/** Keep the k largest scores seen; `sorted()` gives them best first (ties by lower id). */
export class TopK {
  private readonly heap = new PairHeap(false);
  constructor(readonly k: number) {}

  offer(id: number, score: number): void {
    if (this.k <= 0) return;
    if (this.heap.size < this.k) this.heap.push(id, score);
    else if (score > this.heap.topKey()) {
      this.heap.pop();
      this.heap.push(id, score);
    }
  }

  get size(): number {
    return this.heap.size;
  }

  /** Lowest kept score (the bar a new item must pass once full). */
  get floor(): number {
    return this.heap.size < this.k ? -Infinity : this.heap.topKey();
  }

  sorted(): { id: number; score: number }[] {
    const out: { id: number; score: number }[] = [];
    for (let i = 0; i < this.heap.size; i++) out.push({ id: this.heap.ids[i]!, score: this.heap.keys[i]! });
    return out.sort((a, b) => b.score - a.score || a.id - b.id);
  }
}
