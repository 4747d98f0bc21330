/**
 * Growable typed-array columns: the edge and node tables are stored column by
 * column so a million edges cost a few contiguous buffers, not a million
 * objects. Capacity doubles when full; `length` is the number of used slots.
 */
type TypedArray = Uint8Array | Uint32Array | Float64Array;

abstract class Column<A extends TypedArray> {
  protected data: A;
  length = 0;

  constructor(capacity: number) {
    this.data = this.allocate(Math.max(16, capacity));
  }

  protected abstract allocate(capacity: number): A;

  protected grow(min: number): void {
    let cap = this.data.length * 2;
    while (cap < min) cap *= 2;
    const next = this.allocate(cap);
    next.set(this.data as never);
    this.data = next;
  }

  push(value: number): number {
    if (this.length === this.data.length) this.grow(this.length + 1);
    this.data[this.length] = value;
    return this.length++;
  }

  get(i: number): number {
    return this.data[i]!;
  }

  set(i: number, value: number): void {
    this.data[i] = value;
  }

  /** Bytes reserved (capacity, not only the used part). */
  get byteLength(): number {
    return this.data.byteLength;
  }

  /** The used part as a view (no copy). */
  view(): A {
    return this.data.subarray(0, this.length) as A;
  }
}

export class U8Column extends Column<Uint8Array> {
  protected allocate(capacity: number): Uint8Array {
    return new Uint8Array(capacity);
  }
}

export class U32Column extends Column<Uint32Array> {
  protected allocate(capacity: number): Uint32Array {
    return new Uint32Array(capacity);
  }
}

export class F64Column extends Column<Float64Array> {
  protected allocate(capacity: number): Float64Array {
    return new Float64Array(capacity);
  }
}
