/**
 * A string pool: every distinct string is stored once and referred to by a
 * small integer, so millions of edges and nodes that name the same path,
 * image or key cost four bytes each instead of a string each.
 */
export class StringPool {
  private readonly ids = new Map<string, number>();
  private readonly values: string[] = [];
  /** Bytes of character data held, for the memory estimate. */
  private chars = 0;

  intern(value: string): number {
    let id = this.ids.get(value);
    if (id === undefined) {
      id = this.values.length;
      this.values.push(value);
      this.ids.set(value, id);
      // V8 keeps Latin-1 strings at one byte per character, others at two
      // eslint-disable-next-line no-control-regex
      this.chars += /[^\x00-\xff]/.test(value) ? value.length * 2 : value.length;
    }
    return id;
  }

  /** The id of a string already in the pool, or undefined. */
  find(value: string): number | undefined {
    return this.ids.get(value);
  }

  get(id: number): string {
    return this.values[id] ?? '';
  }

  get size(): number {
    return this.values.length;
  }

  /**
   * Approximate bytes held: the characters (one byte each for Latin-1
   * strings, two otherwise) plus about 40 bytes of per-string and
   * per-map-entry overhead. An estimate, not a heap measurement.
   */
  approxBytes(): number {
    return this.chars + this.values.length * 40;
  }
}
