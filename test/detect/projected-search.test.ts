/**
 * The two-pass k-NN against brute force: identical whenever the shortlist
 * holds every entry, and nearly always the same first technique on a
 * clustered index (the real index's agreement on real sequences is measured
 * by `npm run bench -- detect`).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rankTechniques } from '../../src/embed/semantic-search.js';
import { VectorIndex } from '../../src/embed/vector/vector-index.js';
import { ProjectedSearch } from '../../src/detect/projected-search.js';

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

function gauss(r: () => number): number {
  return Math.sqrt(-2 * Math.log(r() + 1e-12)) * Math.cos(2 * Math.PI * r());
}

function clusteredIndex(techniques: number, perTechnique: number, dim: number, seed: number): VectorIndex {
  const r = rng(seed);
  const index = new VectorIndex(dim);
  for (let t = 0; t < techniques; t++) {
    const centre = Array.from({ length: dim }, () => gauss(r));
    for (let k = 0; k < perTechnique; k++) {
      const v = Float32Array.from(centre, (c) => c + 0.8 * gauss(r));
      index.add(v, { id: `T${t}-${k}`, meta: { technique: `T${1000 + t}`, source: 'technique' } });
    }
  }
  return index;
}

test('with a shortlist covering the index, the ranking equals brute force', () => {
  const index = clusteredIndex(40, 5, 48, 3);
  const ps = new ProjectedSearch(index, { dims: 8, shortlist: index.size });
  const r = rng(9);
  for (let q = 0; q < 50; q++) {
    const v = Float32Array.from({ length: 48 }, () => gauss(r));
    const exact = rankTechniques(index, v, { top: 8 });
    const fast = ps.rank(v, 8);
    assert.deepEqual(fast.map((x) => x.technique), exact.map((x) => x.id));
    for (let i = 0; i < exact.length; i++) assert.ok(Math.abs(fast[i]!.score - exact[i]!.score) < 1e-5);
  }
});

test('on a clustered index the first technique agrees with brute force for nearly every query', () => {
  const index = clusteredIndex(300, 12, 64, 5);
  const ps = new ProjectedSearch(index, { dims: 24, shortlist: 256 });
  const r = rng(17);
  let same = 0;
  const n = 200;
  for (let q = 0; q < n; q++) {
    // queries near a random entry, as a sequence lands near its technique's texts
    const row = Math.floor(r() * index.size);
    const base = index.vectors.subarray(row * 64, row * 64 + 64);
    const v = Float32Array.from(base, (x) => x + 0.05 * gauss(r));
    if (ps.rank(v, 1)[0]!.technique === rankTechniques(index, v, { top: 1 })[0]!.id) same++;
  }
  assert.ok(same / n >= 0.95, `${same}/${n}`);
  // deterministic: the same index gives the same projection and ranking
  const again = new ProjectedSearch(index, { dims: 24, shortlist: 256 });
  const v = index.vectors.slice(0, 64);
  assert.deepEqual(again.rank(v, 5), ps.rank(v, 5));
});

test('a batch of queries ranks each as alone, and a shared projection ranks alike', () => {
  const index = clusteredIndex(120, 8, 32, 11);
  const ps = new ProjectedSearch(index, { dims: 12, shortlist: 64 });
  const r = rng(23);
  // more queries than one batch holds, some of them identical (ties between batch members)
  const queries = Array.from({ length: 150 }, (_, i) => (i % 7 === 3 ? index.vectors.slice(0, 32) : Float32Array.from({ length: 32 }, () => gauss(r))));
  const one = queries.map((q) => ps.rank(q, 6));
  assert.deepEqual(ps.rankMany(queries, 6), one);
  const shared = new ProjectedSearch(index, { shortlist: 64, state: ps.state() });
  assert.equal(shared.dims, 12);
  assert.deepEqual(shared.rankMany(queries, 6), one);
});

test('duplicate entries tie: the lower row is kept, whatever the shortlist cut', () => {
  const index = new VectorIndex(8);
  const v = Float32Array.from([1, 0.5, 0, 0, 0.2, 0, 0, 0]);
  // the same vector under three techniques, then other entries
  for (const t of ['T1', 'T2', 'T3']) index.add(v, { id: t, meta: { technique: t, source: 'technique' } });
  for (let i = 0; i < 20; i++) index.add(Float32Array.from({ length: 8 }, (_, a) => Math.sin(i * 3 + a)), { id: `o${i}`, meta: { technique: `T${100 + i}`, source: 'technique' } });
  // a shortlist of 2 cuts between the three equal entries: the first two rows win
  const ps = new ProjectedSearch(index, { dims: 8, shortlist: 2 });
  const top = ps.rank(v, 3);
  assert.deepEqual(top.map((x) => x.technique), ['T1', 'T2']);
  assert.deepEqual(top.map((x) => x.row), [0, 1]);
});
