/**
 * The WebAssembly kernels of the two-pass k-NN give bit-identical results to
 * the scalar loops they replaced (written out here as the reference): the
 * first pass (four directions per group, leftover directions one at a time,
 * entries padded to a multiple of four), the candidate filter (group maxima,
 * floor, entries at or above it in row order) and the exact rescoring.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { knnKernels } from '../../src/detect/projected-kernel.js';

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296 - 0.5;
  };
}

const align8 = (bytes: number) => Math.ceil(bytes / 8) * 8;

test('the first pass equals the scalar sums bit for bit, for any number of directions and entries', () => {
  for (const [n, r, nq, block] of [
    [37, 7, 3, 8],
    [64, 32, 5, 16],
    [1001, 13, 9, 128],
    [5, 1, 1, 4],
  ] as const) {
    const r0 = rng(n * 31 + r);
    const n4 = Math.ceil(n / 4) * 4;
    const y32 = Float32Array.from({ length: r * n }, r0); // column by column, as ProjectedSearch keeps it
    const qp = Float64Array.from({ length: nq * r }, r0);
    const yAt = 0;
    const qpAt = 8 * r * n4;
    const accAt = qpAt + 8 * nq * r;
    const k = knnKernels(accAt + 8 * nq * n4);
    const y = new Float64Array(k.memory.buffer, yAt, r * n4);
    for (let c = 0; c < r; c++) y.set(y32.subarray(c * n, c * n + n), c * n4);
    new Float64Array(k.memory.buffer, qpAt, nq * r).set(qp);
    k.firstPass(yAt, n4, r, qpAt, nq, accAt, block);
    const acc = new Float64Array(k.memory.buffer, accAt, nq * n4);
    for (let b = 0; b < nq; b++) {
      for (let i = 0; i < n; i++) {
        let s = 0;
        let c = 0;
        for (; c + 4 <= r; c += 4) s += y32[c * n + i]! * qp[b * r + c]! + y32[(c + 1) * n + i]! * qp[b * r + c + 1]! + y32[(c + 2) * n + i]! * qp[b * r + c + 2]! + y32[(c + 3) * n + i]! * qp[b * r + c + 3]!;
        for (; c < r; c++) s += y32[c * n + i]! * qp[b * r + c]!;
        assert.ok(Object.is(acc[b * n4 + i], s), `n=${n} r=${r} query ${b} entry ${i}: ${acc[b * n4 + i]} vs ${s}`);
      }
    }
  }
});

test('the candidate filter keeps exactly the entries at or above the smallest group maximum, in row order', () => {
  for (const [n, groups] of [
    [100, 7],
    [768, 768],
    [1000, 3],
    [9, 9],
  ] as const) {
    const r0 = rng(n + groups);
    // repeated values, so ties at the floor occur
    const acc = Float64Array.from({ length: n }, () => Math.round(r0() * 40) / 40);
    const k = knnKernels(8 * n + 8 * groups + 4 * n + 8 * n + 8);
    const accAt = 0;
    const gmAt = 8 * n;
    const rowsAt = gmAt + 8 * groups;
    const candAt = align8(rowsAt + 4 * n);
    new Float64Array(k.memory.buffer, accAt, n).set(acc);
    const m = k.candidates(accAt, n, groups, gmAt, rowsAt, candAt);
    const gm = new Float64Array(groups).fill(-Infinity);
    for (let i = 0; i < n; i++) gm[i % groups] = Math.max(gm[i % groups]!, acc[i]!);
    const floor = Math.min(...gm);
    const want = [...acc.keys()].filter((i) => acc[i]! >= floor);
    assert.equal(m, want.length);
    assert.deepEqual([...new Int32Array(k.memory.buffer, rowsAt, m)], want);
    assert.deepEqual([...new Float64Array(k.memory.buffer, candAt, m)], want.map((i) => acc[i]!));
  }
});

test('the exact rescoring equals the scalar sums bit for bit', () => {
  const [n, d, batchShift] = [50, 19, 3];
  const r0 = rng(5);
  const x = Float32Array.from({ length: n * d }, r0);
  const q = Float64Array.from({ length: (1 << batchShift) * d }, r0);
  const pairs = Int32Array.from({ length: 23 }, (_, p) => ((p * 7) % n << batchShift) | p % (1 << batchShift)); // 23: four at a time, then three
  const xAt = 0;
  const qAt = align8(4 * n * d);
  const pairsAt = qAt + 8 * q.length;
  const scoresAt = align8(pairsAt + 4 * pairs.length);
  const k = knnKernels(scoresAt + 8 * pairs.length);
  new Float32Array(k.memory.buffer, xAt, x.length).set(x);
  new Float64Array(k.memory.buffer, qAt, q.length).set(q);
  new Int32Array(k.memory.buffer, pairsAt, pairs.length).set(pairs);
  k.rescore(xAt, d, qAt, pairsAt, pairs.length, scoresAt, batchShift);
  const scores = new Float64Array(k.memory.buffer, scoresAt, pairs.length);
  pairs.forEach((pair, p) => {
    const row = pair >> batchShift;
    const b = pair & ((1 << batchShift) - 1);
    let e = 0;
    for (let a = 0; a < d; a++) e += x[row * d + a]! * q[b * d + a]!;
    assert.ok(Object.is(scores[p], e), `pair ${p}: ${scores[p]} vs ${e}`);
  });
});
