import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../src/embed/rng.js';
import { exactSearch } from '../../src/embed/vector/exact.js';
import { VectorIndex } from '../../src/embed/vector/vector-index.js';

function randomUnit(rng: Rng, dim: number): Float32Array {
  const v = new Float32Array(dim);
  let n = 0;
  for (let j = 0; j < dim; j++) {
    v[j] = rng.normal();
    n += v[j]! * v[j]!;
  }
  for (let j = 0; j < dim; j++) v[j]! /= Math.sqrt(n);
  return v;
}

function bruteForce(vectors: Float32Array[], q: Float32Array, k: number): number[] {
  return vectors
    .map((v, i) => ({ i, s: v.reduce((acc, x, j) => acc + x * q[j]!, 0) }))
    .sort((a, b) => b.s - a.s || a.i - b.i)
    .slice(0, k)
    .map((x) => x.i);
}

test('exact search equals a naive sort, with and without a mask', () => {
  const rng = new Rng(1);
  const dim = 13;
  const vs = Array.from({ length: 700 }, () => randomUnit(rng, dim));
  const m = new Float32Array(vs.length * dim);
  vs.forEach((v, i) => m.set(v, i * dim));
  for (let t = 0; t < 10; t++) {
    const q = randomUnit(rng, dim);
    assert.deepEqual(exactSearch(m, vs.length, dim, q, 10).map((h) => h.id), bruteForce(vs, q, 10));
    const allowed = new Uint8Array(vs.length).map((_, i) => (i % 3 === 0 ? 1 : 0));
    const hits = exactSearch(m, vs.length, dim, q, 10, allowed).map((h) => h.id);
    assert.deepEqual(hits, bruteForce(vs, q, vs.length).filter((i) => i % 3 === 0).slice(0, 10));
  }
});

test('HNSW finds the brute-force neighbours on random data (recall@10 ≥ 0.95)', () => {
  const rng = new Rng(2);
  const dim = 24;
  const n = 4000;
  const index = new VectorIndex(dim, { exactLimit: 100, hnsw: { m: 12, efConstruction: 100, seed: 3 }, efSearch: 80 });
  const vs: Float32Array[] = [];
  for (let i = 0; i < n; i++) {
    const v = randomUnit(rng, dim);
    vs.push(v);
    index.add(v, { id: `v${i}`, meta: { source: i % 2 ? 'odd' : 'even', tactics: [i % 5 === 0 ? 'discovery' : 'execution'] } });
  }
  assert.ok(index.approximate);
  let found = 0;
  const queries = 100;
  for (let t = 0; t < queries; t++) {
    const q = randomUnit(rng, dim);
    const truth = new Set(bruteForce(vs, q, 10));
    for (const h of index.search(q, 10)) if (truth.has(h.row)) found++;
  }
  const recall = found / (queries * 10);
  assert.ok(recall >= 0.95, `recall ${recall}`);

  // filters: every hit satisfies the filter, and a selective filter still fills k
  const q = randomUnit(rng, dim);
  const hits = index.search(q, 10, { tactic: 'discovery', source: 'even' });
  assert.equal(hits.length, 10);
  for (const h of hits) {
    assert.equal(h.meta.source, 'even');
    assert.deepEqual(h.meta.tactics, ['discovery']);
  }
  const exact = index.search(q, 10, { tactic: 'discovery', source: 'even' }, { exact: true });
  const overlap = hits.filter((h) => exact.some((e) => e.row === h.row)).length;
  assert.ok(overlap >= 8, `filtered overlap ${overlap}/10`);
});

test('index normalises vectors and carries ids and metadata', () => {
  const index = new VectorIndex(3);
  index.add([3, 0, 0], { id: 'a', meta: { source: 'technique', technique: 'T1059.001' } });
  index.add([0, 2, 0], { id: 'b', meta: { source: 'procedure', technique: 'T1105' } });
  const [top] = index.search([1, 0.1, 0], 1);
  assert.equal(top!.id, 'a');
  assert.ok(Math.abs(top!.score - 1 / Math.hypot(1, 0.1)) < 1e-6);
  assert.deepEqual(index.search([1, 1, 0], 5, { technique: 'T1059' }).map((h) => h.id), ['a']);
  assert.throws(() => index.add([1, 2], { id: 'c', meta: { source: 'x' } }));
});

test('HNSW on clustered 64-d data (shaped like encoder output): high recall, and the same graph for the same inserts', () => {
  const rng = new Rng(8);
  const dim = 64;
  const centres = Array.from({ length: 40 }, () => randomUnit(rng, dim));
  const vs: Float32Array[] = [];
  for (let i = 0; i < 3000; i++) {
    const c = centres[rng.int(centres.length)]!;
    const v = Float32Array.from(c, (x) => x + 0.35 * rng.normal() / Math.sqrt(dim));
    vs.push(v);
  }
  const build = () => {
    const index = new VectorIndex(dim, { exactLimit: 0, hnsw: { m: 12, efConstruction: 80, seed: 9 }, efSearch: 64 });
    vs.forEach((v, i) => index.add(v, { id: `v${i}`, meta: { source: 'x' } }));
    return index;
  };
  const a = build();
  const b = build();
  let found = 0;
  const queries = 60;
  for (let t = 0; t < queries; t++) {
    const q = Float32Array.from(vs[rng.int(vs.length)]!, (x) => x + 0.2 * rng.normal() / Math.sqrt(dim));
    const exact = a.search(q, 10, undefined, { exact: true }).map((h) => h.row);
    const hits = a.search(q, 10);
    const truth = new Set(exact);
    for (const h of hits) if (truth.has(h.row)) found++;
    assert.deepEqual(b.search(q, 10).map((h) => h.row), hits.map((h) => h.row), 'same inserts, same seed: same answers');
  }
  assert.ok(found / (queries * 10) >= 0.97, `recall ${found / (queries * 10)}`);
});
