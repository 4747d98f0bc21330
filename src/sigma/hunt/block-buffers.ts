/**
 * Reusable memory for the JSON Lines blocks the runner sends to its workers.
 * A block travels to a worker by transfer and comes back by transfer with the
 * result, so a steady hunt allocates no new block memory. Why it matters:
 * every fresh ArrayBuffer counts as external memory in the allocating
 * thread, and transferred ones are released there only by a full collection;
 * with one new 1 MiB buffer per block, the runner thread (which holds the
 * rule collection) ran a mark-compact every ~120 ms and spent about half its
 * time in them, on the cores the workers needed.
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
