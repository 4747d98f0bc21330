/**
 * Reusable memory for the JSON Lines blocks the runner sends to its workers.
 * A block travels to a worker by transfer and comes back by transfer with the
 * result, so a steady hunt allocates no new block memory. Why it matters:
 * every fresh ArrayBuffer is external memory, released only when a collection
 * frees the object that owns it; the runner thread allocates almost nothing
 * else, so no young-generation collection runs, and with one new 1 MiB buffer
 * per block V8 fell back to a full mark-compact (over the rule collection the
 * runner holds) every ~120 ms, on the cores the workers needed.
 */
export class BlockBuffers {
  private readonly free: ArrayBuffer[] = [];

  /**
   * @param size bytes of a pooled buffer; a larger block gets a buffer of its own
   * @param keep how many returned buffers to hold for reuse at most
   */
  constructor(
    readonly size: number,
    private readonly keep: number,
  ) {}

  /** A view of `n` bytes on a pooled buffer (or on a new one when none is free or `n` is over the size). */
  take(n: number): Uint8Array {
    const buf = n <= this.size ? (this.free.pop() ?? new ArrayBuffer(this.size)) : new ArrayBuffer(n);
    return new Uint8Array(buf, 0, n);
  }

  /** A buffer back from a worker; one of a non-standard size is left to the collector. */
  give(buf: ArrayBuffer): void {
    if (buf.byteLength === this.size && this.free.length < this.keep) this.free.push(buf);
  }

  /** Buffers waiting for reuse (for tests). */
  get available(): number {
    return this.free.length;
  }
}
