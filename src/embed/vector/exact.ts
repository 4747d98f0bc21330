/**
 * Exact cosine k-NN over a row-major Float32Array of unit vectors: dot
 * products in blocks of rows (cache-friendly, one pass), a bounded heap for
 * the top k, an optional row mask for filters.
 */
import { TopK } from './heap.js';

const BLOCK = 256;

export function exactSearch(
  matrix: Float32Array,
  rows: number,
  dim: number,
  query: ArrayLike<number>,
  k: number,
  allowed?: Uint8Array,
): { id: number; score: number }[] {
  const top = new TopK(Math.min(k, rows));
  const q = Float64Array.from(query as ArrayLike<number>);
  const scores = new Float64Array(BLOCK);
  for (let start = 0; start < rows; start += BLOCK) {
    const end = Math.min(rows, start + BLOCK);
    for (let r = start; r < end; r++) {
      if (allowed && !allowed[r]) {
        scores[r - start] = -Infinity;
        continue;
      }
      const base = r * dim;
      let acc = 0;
      let j = 0;
      for (; j + 4 <= dim; j += 4) {
        acc += matrix[base + j]! * q[j]! + matrix[base + j + 1]! * q[j + 1]! + matrix[base + j + 2]! * q[j + 2]! + matrix[base + j + 3]! * q[j + 3]!;
      }
      for (; j < dim; j++) acc += matrix[base + j]! * q[j]!;
      scores[r - start] = acc;
    }
    for (let r = start; r < end; r++) {
      const s = scores[r - start]!;
      if (s > top.floor) top.offer(r, s);
    }
  }
  return top.sorted().filter((h) => h.score > -Infinity);
}
