/**
 * `npm run bench -- embed [--epochs N] [--keep FILE] [--twice] [--model FILE --skip-train] [--no-search]
 *                         [--hnsw-random N] [--hnsw-size N | --hnsw-1m]`
 *
 * 1. Training the default model on the reference data with 2 worker threads
 *    (data building, training, fitting the text ranker): wall and CPU time,
 *    peak RSS, model file size; with --twice a second run on 1 worker must
 *    give the identical file.
 * 2. Encoding throughput on behaviour-sequence texts (Atomic Red Team
 *    renderings, log tower): one thread, and two worker threads
 *    (`EncoderPool`). CPU time is process-wide (all threads).
 * 3. Search: exact blocked search at 1k, 100k and 1M random unit vectors;
 *    HNSW (M 16, efConstruction 200) on 100k random unit vectors and on
 *    model-like vectors (real encodings plus jittered copies; 100k, or 1M with
 *    --hnsw-1m): build time, latency and recall@10 against exact search for
 *    efSearch 50–400.
 */
import { createHash } from 'node:crypto';
import os from 'node:os';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { atomicSequences } from '../src/embed/data/atomic-sequences.js';
import { sourcesFromSharedData } from '../src/embed/data/dataset.js';
import { EncoderPool } from '../src/embed/encode-pool.js';
import { LOG_TOWER, TEXT_TOWER, type EmbedModel } from '../src/embed/model.js';
import { loadModel } from '../src/embed/model-file.js';
import { trainAndSave } from '../src/embed/pipeline.js';
import { Rng } from '../src/embed/rng.js';
import { exactSearch } from '../src/embed/vector/exact.js';
import { VectorIndex } from '../src/embed/vector/vector-index.js';
import { loadKnowledgeBaseFromFile, plainText, type KnowledgeBase } from '../src/kb/index.js';
import { tempDir } from '../test/helpers.js';
import { fmt, peakRssMiB, percentile, printReproduce, sharedDataDir } from './util.js';

function arg(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

function randomMatrix(n: number, dim: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  const m = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    let norm = 0;
    for (let j = 0; j < dim; j++) {
      const v = rng.normal();
      m[i * dim + j] = v;
      norm += v * v;
    }
    const inv = 1 / Math.sqrt(norm);
    for (let j = 0; j < dim; j++) m[i * dim + j]! *= inv;
  }
  return m;
}

function cpuSeconds(u: NodeJS.CpuUsage): number {
  return (u.user + u.system) / 1e6;
}

/**
 * Vectors shaped like the model's: every technique text, procedure example
 * and Atomic sequence encoded (text and log tower), then copies of them with
 * Gaussian jitter (each copy is a near-duplicate cluster member, as repeated
 * behaviour is in real logs) until there are `rows`. Queries are other real
 * texts: TRAM-style sentences are not needed, so the procedure examples held
 * back from the matrix (every 50th) serve.
 */
function modelLikeVectors(model: EmbedModel, kb: KnowledgeBase, seqs: readonly string[], rows: number): { what: string; matrix: Float32Array; rows: number; queries: Float32Array[] } {
  const d = model.dim;
  const texts: [string, typeof TEXT_TOWER | typeof LOG_TOWER][] = [];
  const queries: Float32Array[] = [];
  kb.procedures.forEach((p, i) => {
    const text = plainText(p.description);
    if (i % 50 === 0) queries.push(model.encodeText(text, TEXT_TOWER));
    else texts.push([text, TEXT_TOWER]);
  });
  for (const t of kb.techniques) texts.push([`${t.name}. ${plainText(t.description)}`, TEXT_TOWER]);
  for (const s of seqs) texts.push([s, LOG_TOWER]);
  const base = new Float32Array(texts.length * d);
  texts.forEach(([t, tower], i) => model.encode(t, tower, base, i * d));
  const m = new Float32Array(rows * d);
  const rng = new Rng(5);
  for (let r = 0; r < rows; r++) {
    const src = (r % texts.length) * d;
    const jitter = r < texts.length ? 0 : 0.25 / Math.sqrt(d);
    let norm = 0;
    for (let j = 0; j < d; j++) {
      const v = base[src + j]! + jitter * rng.normal();
      m[r * d + j] = v;
      norm += v * v;
    }
    const inv = 1 / Math.sqrt(norm);
    for (let j = 0; j < d; j++) m[r * d + j]! *= inv;
  }
  return { what: `model-like vectors (${fmt(texts.length)} real encodings + jittered copies)`, matrix: m, rows, queries: queries.slice(0, 200) };
}

function hnswBench(what: string, m: Float32Array, size: number, dim: number, queries: Float32Array[]): void {
  const index = new VectorIndex(dim, { exactLimit: 0, hnsw: { m: 16, efConstruction: 200 } });
  for (let i = 0; i < size; i++) index.add(m.subarray(i * dim, (i + 1) * dim), { id: String(i), meta: { source: 'bench' } });
  const c = process.cpuUsage();
  const tb = performance.now();
  index.buildGraph();
  console.log(`  ${what}, ${fmt(size)}: build ${fmt((performance.now() - tb) / 1000, 1)} s wall, ${fmt(cpuSeconds(process.cpuUsage(c)), 1)} s CPU`);
  const truth = queries.map((q) => new Set(exactSearch(index.vectors, size, dim, q, 10).map((h) => h.id)));
  for (const ef of [50, 100, 200, 400]) {
    index.efSearch = ef;
    let hit = 0;
    const times = latency(`ef ${ef}`, queries, (q) => index.search(q, 10));
    queries.forEach((q, i) => {
      for (const h of index.search(q, 10)) if (truth[i]!.has(h.row)) hit++;
    });
    console.log(`    recall@10 ${fmt((100 * hit) / (10 * queries.length), 1)}%  (p50 ${fmt(percentile(times, 50), 3)} ms)`);
  }
}

function latency(label: string, queries: Float32Array[], fn: (q: Float32Array) => unknown): number[] {
  const times: number[] = [];
  for (const q of queries) {
    const t = performance.now();
    fn(q);
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  console.log(`  ${label.padEnd(34)} p50 ${fmt(percentile(times, 50), 3)} ms  p95 ${fmt(percentile(times, 95), 3)} ms  (${queries.length} queries)`);
  return times;
}

export async function main(args: string[]): Promise<void> {
  const shared = sharedDataDir();
  const kb = await loadKnowledgeBaseFromFile(join(shared, 'attack', 'enterprise-attack.json'));
  const dir = tempDir('ttpscope-bench-embed-');
  try {
    let model: EmbedModel;
    const given = arg(args, '--model');
    if (given || args.includes('--skip-train')) {
      if (!given) throw new Error('--skip-train needs --model FILE');
      model = loadModel(given).model;
      console.log(`model: ${given} (${fmt(readFileSync(given).length / 1048576, 1)} MiB)`);
    } else {
      const epochs = arg(args, '--epochs');
      const out = arg(args, '--keep') ?? join(dir.path, 'model.bin');
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      const res = await trainAndSave(kb, { sources: sourcesFromSharedData(shared), out, train: { workers: 2, ...(epochs ? { epochs: Number(epochs) } : {}) } });
      if (res.ranker) console.log(`  text ranker: weights ${res.ranker.features.map((f, i) => `${f} ${fmt(res.ranker!.weights[i]!, 2)}`).join(', ')}; memory ${fmt(res.ranker.memory.length)} sentences`);
      const wall = (performance.now() - t0) / 1000;
      const cpu = process.cpuUsage(cpu0);
      model = res.model;
      console.log('training (default model, 2 worker threads):');
      for (const s of res.summary) console.log(`  source ${s.source.padEnd(20)} ${s.tower}  ${fmt(s.items).padStart(7)} items  ${s.techniques} techniques`);
      for (const e of res.epochs) console.log(`  epoch ${e.epoch}: loss ${e.loss.toFixed(4)}  ${fmt(e.seconds, 1)} s${e.dev ? `  dev logs R@5 ${fmt(100 * (e.dev.logs_r5 ?? 0), 1)}%` : ''}`);
      console.log(`  wall ${fmt(wall, 1)} s (data ${fmt(res.seconds.data, 1)} s, training ${fmt(res.seconds.train, 1)} s), CPU ${fmt((cpu.user + cpu.system) / 1e6, 1)} s`);
      console.log(`  peak RSS ${fmt(peakRssMiB())} MiB`);
      console.log(`  model file ${fmt(res.bytes / 1048576, 1)} MiB, sha256 ${res.sha256}`);
      if (args.includes('--twice')) {
        const out2 = join(dir.path, 'model2.bin');
        const res2 = await trainAndSave(kb, { sources: sourcesFromSharedData(shared), out: out2, train: { workers: 1, ...(epochs ? { epochs: Number(epochs) } : {}) } });
        const same = createHash('sha256').update(readFileSync(out2)).digest('hex') === res.sha256;
        console.log(`  second run (1 worker): sha256 ${res2.sha256} → ${same ? 'identical' : 'DIFFERENT'}`);
      }
    }

    // encoding throughput on behaviour-sequence texts
    const seqs = atomicSequences(kb, join(shared, 'atomic-red-team', 'atomics')).sequences.map((s) => s.text);
    const meanChars = seqs.reduce((a, s) => a + s.length, 0) / seqs.length;
    const passes = 15;
    const n = passes * seqs.length;
    const vec = new Float32Array(model.dim);
    for (const s of seqs) model.encode(s, LOG_TOWER, vec); // warm-up: fills the token caches
    const c1 = process.cpuUsage();
    const t1 = performance.now();
    for (let p = 0; p < passes; p++) for (const s of seqs) model.encode(s, LOG_TOWER, vec);
    const wall1 = (performance.now() - t1) / 1000;
    const cpu1 = cpuSeconds(process.cpuUsage(c1));
    console.log(`\nencoding (log tower, ${fmt(seqs.length)} distinct Atomic sequences, mean ${fmt(meanChars)} chars, ${passes} passes):`);
    console.log(`  1 thread:  ${fmt(n / wall1)} sequences/s wall, ${fmt(n / cpu1)} sequences per CPU-second (load average ${os.loadavg()[0]!.toFixed(1)})`);
    const pool = await EncoderPool.start(model, 2);
    try {
      await pool.encodeMany(seqs, LOG_TOWER); // warm-up
      const c2 = process.cpuUsage();
      const t2 = performance.now();
      for (let p = 0; p < passes; p++) await pool.encodeMany(seqs, LOG_TOWER);
      const wall2 = (performance.now() - t2) / 1000;
      console.log(`  2 threads: ${fmt(n / wall2)} sequences/s wall, ${fmt(n / cpuSeconds(process.cpuUsage(c2)))} sequences per CPU-second (process CPU, both workers)`);
    } finally {
      await pool.close();
    }

    if (args.includes('--no-search')) {
      console.log(`\npeak RSS ${fmt(peakRssMiB())} MiB`);
      printReproduce('bench', 'embed', args);
      return;
    }
    const dim = model.dim;
    console.log(`\nexact search (dim ${dim}, random unit vectors, k=10):`);
    const rng = new Rng(99);
    const randomQueries = (count: number) => Array.from({ length: count }, () => randomMatrix(1, dim, rng.nextU32()));
    for (const size of [1_000, 100_000, 1_000_000]) {
      const m = randomMatrix(size, dim, size);
      latency(`exact ${fmt(size)}`, randomQueries(size >= 1_000_000 ? 30 : 100), (q) => exactSearch(m, size, dim, q, 10));
    }

    console.log(`\nHNSW (M 16, efConstruction 200), recall@10 against exact search:`);
    const randomSize = Number(arg(args, '--hnsw-random') ?? 100_000);
    if (randomSize > 0) hnswBench('random unit vectors', randomMatrix(randomSize, dim, 7), randomSize, dim, randomQueries(200));
    const like = modelLikeVectors(model, kb, seqs, Number(arg(args, '--hnsw-size') ?? (args.includes('--hnsw-1m') ? 1_000_000 : 100_000)));
    hnswBench(like.what, like.matrix, like.rows, dim, like.queries);
    console.log(`\npeak RSS ${fmt(peakRssMiB())} MiB`);
  } finally {
    dir.cleanup();
  }
  printReproduce('bench', 'embed', args);
}
