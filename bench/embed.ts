/**
 * `npm run bench -- embed [--epochs N] [--keep FILE] [--twice] [--model FILE --skip-train] [--no-search] [--hnsw-1m]`
 *
 * 1. Training the default model on the reference data with 2 worker threads:
 *    wall time, CPU time, peak RSS, model file size, and whether a second
 *    identical run gives the same file (with --twice).
 * 2. Encoding throughput: behaviour-sequence texts (Sigma and Atomic Red Team
 *    renderings) through featurization + log tower, one thread.
 * 3. Search latency on random unit vectors (dim 128): exact blocked search at
 *    1k, 100k and 1M vectors; HNSW at 100k (build time, latency, recall@10
 *    against exact), and at 1M with --hnsw-1m (slow to build).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { atomicSequences } from '../src/embed/data/atomic-sequences.js';
import { sourcesFromSharedData } from '../src/embed/data/dataset.js';
import { featurize } from '../src/embed/features.js';
import { LOG_TOWER, type EmbedModel } from '../src/embed/model.js';
import { loadModel } from '../src/embed/model-file.js';
import { trainAndSave } from '../src/embed/pipeline.js';
import { Rng } from '../src/embed/rng.js';
import { exactSearch } from '../src/embed/vector/exact.js';
import { VectorIndex } from '../src/embed/vector/vector-index.js';
import { loadKnowledgeBaseFromFile } from '../src/kb/index.js';
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
    const n = 50_000;
    const vec = new Float32Array(model.dim);
    for (let i = 0; i < 2000; i++) model.encode(seqs[i % seqs.length]!, LOG_TOWER, vec); // warm-up
    const t = performance.now();
    for (let i = 0; i < n; i++) model.encode(seqs[i % seqs.length]!, LOG_TOWER, vec);
    const secs = (performance.now() - t) / 1000;
    const meanChars = seqs.reduce((a, s) => a + s.length, 0) / seqs.length;
    console.log(`\nencoding (log tower, one thread, ${seqs.length} distinct Atomic sequences, mean ${fmt(meanChars)} chars): ${fmt(n / secs)} sequences/s`);

    if (args.includes('--no-search')) {
      console.log(`\npeak RSS ${fmt(peakRssMiB())} MiB`);
      printReproduce('bench', 'embed', args);
      return;
    }
    // search latency
    const dim = 128;
    console.log(`\nsearch (dim ${dim}, random unit vectors, k=10):`);
    const rng = new Rng(99);
    const queries = (count: number) => Array.from({ length: count }, () => randomMatrix(1, dim, rng.nextU32()));
    for (const size of [1_000, 100_000, 1_000_000]) {
      const m = randomMatrix(size, dim, size);
      latency(`exact ${fmt(size)}`, queries(size >= 1_000_000 ? 20 : 100), (q) => exactSearch(m, size, dim, q, 10));
      if (size === 100_000 || (size === 1_000_000 && args.includes('--hnsw-1m'))) {
        const index = new VectorIndex(dim, { exactLimit: 0 });
        const tb = performance.now();
        for (let i = 0; i < size; i++) index.add(m.subarray(i * dim, (i + 1) * dim), { id: String(i), meta: { source: 'random' } });
        index.buildGraph();
        console.log(`  HNSW ${fmt(size)} build ${fmt((performance.now() - tb) / 1000, 1)} s`);
        const qs = queries(200);
        latency(`HNSW ${fmt(size)} (ef ${index.efSearch})`, qs, (q) => index.search(q, 10));
        let hit = 0;
        for (const q of qs.slice(0, 50)) {
          const truth = new Set(exactSearch(m, size, dim, q, 10).map((h) => h.id));
          for (const h of index.search(q, 10)) if (truth.has(h.row)) hit++;
        }
        console.log(`  HNSW ${fmt(size)} recall@10 vs exact: ${fmt(hit / 5, 1)}%`);
      }
    }
    console.log(`\npeak RSS ${fmt(peakRssMiB())} MiB`);
  } finally {
    dir.cleanup();
  }
  printReproduce('bench', 'embed', args);
}
