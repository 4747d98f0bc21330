/**
 * Maps positions of a rewritten string back to its source: a writer copies
 * source pieces and emits replacements, recording an anchor wherever the two
 * drift apart. Used for cleaning (control characters dropped, spaces
 * collapsed) and refanging, so offsets always lead back to what was written.
 */

export class OffsetMap {
  /** Output positions where a new run starts, ascending. */
  private readonly outAt: number[] = [0];
  /** Source position of each run start. */
  private readonly srcAt: number[] = [0];

  /** Record that output position `out` corresponds to source position `src` (calls in increasing `out`). */
  anchor(out: number, src: number): void {
    const last = this.outAt.length - 1;
    if (this.outAt[last] === out) {
      this.srcAt[last] = src;
      return;
    }
    // Skip anchors that continue the previous run unchanged.
    if (src - this.srcAt[last]! === out - this.outAt[last]!) return;
    this.outAt.push(out);
    this.srcAt.push(src);
  }

  /** Source position of output position `out`. */
  toSource(out: number): number {
    const i = upperBound(this.outAt, out) - 1;
    return this.srcAt[i]! + (out - this.outAt[i]!);
  }

  /** Output position of source position `src` (the start of the run that covers it, for removed text). */
  fromSource(src: number): number {
    const i = upperBound(this.srcAt, src) - 1;
    const out = this.outAt[i]! + (src - this.srcAt[i]!);
    const next = this.outAt[i + 1];
    return next !== undefined && out > next ? next : out;
  }

  get identity(): boolean {
    return this.outAt.length === 1;
  }
}

function upperBound(a: number[], x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Builds a string from source pieces while keeping an `OffsetMap`. */
export class MappedWriter {
  private readonly parts: string[] = [];
  private length = 0;
  readonly map = new OffsetMap();

  get size(): number {
    return this.length;
  }

  /** Append `s`, which stands for the source text starting at `src`. */
  copy(s: string, src: number): void {
    if (!s) return;
    this.map.anchor(this.length, src);
    this.parts.push(s);
    this.length += s.length;
  }

  /** Append a replacement `s` for the source range starting at `srcStart`; the source run resumes at `srcEnd`. */
  replace(s: string, srcStart: number, srcEnd: number): void {
    this.map.anchor(this.length, srcStart);
    this.parts.push(s);
    this.length += s.length;
    this.map.anchor(this.length, srcEnd);
  }

  /** Drop the source range `[srcStart, srcEnd)`. */
  skip(srcEnd: number): void {
    this.map.anchor(this.length, srcEnd);
  }

  /** The last character written, or '' */
  lastChar(): string {
    const p = this.parts[this.parts.length - 1];
    return p ? p[p.length - 1]! : '';
  }

  toString(): string {
    return this.parts.join('');
  }
}
