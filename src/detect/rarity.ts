/**
 * How common a behaviour is: the sequence pattern (its token text) and the
 * process lineage (grandparent > parent > image), counted over the input as
 * the number of distinct (host, 10-minute) cells they occur in, and how many
 * times they occur. Something every host does every hour, or one host does
 * again and again, is ordinary, whatever it resembles. Memory is
 * bounded: at most `maxKeys` keys, at most `maxCells` cells remembered per
 * key (beyond that the count only saturates, which is all a log-scale
 * feature needs).
 */
import { hashString } from '../embed/hash.js';

const PATTERN_SEED = 0x5eed_0001;
const LINEAGE_SEED = 0x5eed_0002;
/** A cell spans one sequence window (10 minutes, the sequence builder's default): a pattern in n cells recurred in n separate stretches of time or on n hosts. */
export const CELL_MS = 10 * 60_000;

export function patternHash(tokens: readonly string[]): number {
  return hashString(tokens.join(' '), PATTERN_SEED);
}

export function lineageHash(lineage: string): number {
  return hashString(lineage, LINEAGE_SEED);
}

/** One cell of the host × 10-minute grid. */
export function cellOf(host: string, time: number): number {
  return hashString(`${host.toLowerCase()}|${Math.floor(time / CELL_MS)}`, 0x5eed_0003);
}

export class SpreadCounter {
  private readonly cells = new Map<number, { cells: number[]; count: number }>();

  constructor(
    private readonly maxKeys = 1_000_000,
    private readonly maxCells = 64,
  ) {}

  add(key: number, cell: number): void {
    let entry = this.cells.get(key);
    if (!entry) {
      if (this.cells.size >= this.maxKeys) return;
      entry = { cells: [], count: 0 };
      this.cells.set(key, entry);
    }
    entry.count++;
    if (entry.cells.length < this.maxCells && !entry.cells.includes(cell)) entry.cells.push(cell);
  }

  /** Distinct cells the key was seen in (at least 1: the behaviour being scored was seen once). */
  count(key: number): number {
    return Math.max(1, this.cells.get(key)?.cells.length ?? 0);
  }

  /** Times the key was seen (at least 1). */
  repeats(key: number): number {
    return Math.max(1, this.cells.get(key)?.count ?? 0);
  }

  get size(): number {
    return this.cells.size;
  }
}
