/**
 * `npm run bench -- sigma [--events N] [--corpus evtx|secdatasets|all] [--keep]`
 *
 * All active SigmaHQ rules; two corpora built from ../shared/data/logs and
 * repeated to N events (default 1,000,000), written to a temp JSONL file:
 *   evtx         python-evtx flat JSONL (evtx-attack-samples/**\/*.jsonl, ~1 KB/event)
 *   secdatasets  Security-Datasets JSONL (security-datasets/windows/**\/*.jsonl.gz, ~2.9 KB/event)
 * For each corpus, in the same run:
 *   - bare JSON.parse: the file read and split into lines by the same reader
 *     code hunt uses, then JSON.parse of every line (the baseline);
 *   - hunt on one thread, and with worker threads on every core (runHunt,
 *     detections counted, not kept, so memory does not grow with hits);
 * plus rule load + compile time and RSS (sampled at 25% and 100% of the
 * input to show memory stays flat), and the ratio to the baseline.
 */
import { createWriteStream, existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { byteChunks, splitLines } from '../src/logs/io.js';
import { runHunt } from '../src/sigma/hunt/run.js';
import { prepareRules } from '../src/sigma/hunt/compile.js';
import { loadRules } from '../src/sigma/rule/load.js';
import type { RuleCollection } from '../src/sigma/rule/types.js';
import { fmt, peakRssMiB, printReproduce, sharedDataDir } from './util.js';

const ACTIVE = ['rules', 'rules-emerging-threats', 'rules-threat-hunting', 'rules-placeholder', 'rules-compliance'];

function walk(dir: string, test: (name: string) => boolean, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p, test, out);
    else if (test(e.name)) out.push(p);
  }
  return out;
}

/** Base lines of a corpus (non-blank), held once in memory. */
function baseLines(kind: 'evtx' | 'secdatasets', data: string, maxBytes: number): string[] {
  const lines: string[] = [];
  if (kind === 'evtx') {
    for (const f of walk(join(data, 'logs', 'evtx-attack-samples'), (n) => n.endsWith('.jsonl'))) {
      for (const l of readFileSync(f, 'utf8').split('\n')) if (l.trim()) lines.push(l);
    }
    return lines;
  }
  // Security-Datasets: 375k events, 1.1 GB uncompressed; take an equal share of lines from every file
  // (one file decompressed at a time, so building the corpus does not inflate the RSS figures).
  const files = walk(join(data, 'logs', 'security-datasets', 'windows'), (n) => n.endsWith('.jsonl.gz'));
  const quota = Math.ceil(maxBytes / Math.max(1, files.length));
  for (const f of files) {
    let taken = 0;
    for (const l of gunzipSync(readFileSync(f)).toString('utf8').split('\n')) {
      if (taken >= quota) break;
      if (!l.trim()) continue;
      lines.push(l);
      taken += l.length + 1;
    }
  }
  return lines;
}

async function writeCorpus(file: string, lines: readonly string[], events: number): Promise<number> {
  const out = createWriteStream(file);
  let n = 0;
  let buf: string[] = [];
  while (n < events) {
    for (const l of lines) {
      if (n >= events) break;
      buf.push(l);
      n++;
      if (buf.length >= 4096) {
        if (!out.write(buf.join('\n') + '\n')) await new Promise<void>((r) => out.once('drain', () => r()));
        buf = [];
      }
    }
  }
  if (buf.length) out.write(buf.join('\n') + '\n');
  await new Promise<void>((r) => out.end(r));
  return n;
}

/** Baseline: the same reader path (byte chunks → lines) and JSON.parse of every line. */
async function bareParse(file: string): Promise<{ events: number; ms: number }> {
  const t = performance.now();
  let events = 0;
  let sink = 0;
  for await (const l of splitLines(byteChunks(file, false), { file })) {
    const o = JSON.parse(l.text) as Record<string, unknown>;
    if (o.EventID !== undefined) sink++;
    events++;
  }
  if (sink < 0) console.log(sink);
  return { events, ms: performance.now() - t };
}

interface Phase {
  events: number;
  ms: number;
  detections: number;
  parsed: number;
  rss25: number;
  rss100: number;
}

async function hunt(file: string, collection: RuleCollection, threads: number, expected: number): Promise<Phase> {
  let rss25 = 0;
  let rssMax = 0;
  const t = performance.now();
  const r = await runHunt([file], {
    collection,
    pipeline: [],
    threads,
    countOnly: true,
    splitMinBytes: 1,
    onProgress: (p) => {
      const rss = process.memoryUsage().rss / 1048576;
      rssMax = Math.max(rssMax, rss);
      if (p.events <= expected / 4) rss25 = Math.max(rss25, rss);
    },
  });
  const ms = performance.now() - t - r.stats.compileMs;
  return { events: r.stats.events, ms: r.stats.scanMs || ms, detections: r.stats.detections, parsed: r.stats.parsed, rss25, rss100: Math.max(rssMax, process.memoryUsage().rss / 1048576) };
}

export async function main(args: string[]): Promise<void> {
  const data = sharedDataDir();
  const argVal = (k: string) => {
    const i = args.indexOf(k);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const events = Number(argVal('--events') ?? 1_000_000);
  const which = argVal('--corpus') ?? 'all';
  const keep = args.includes('--keep');
  const cores = availableParallelism();

  console.log(`sigma bench: node ${process.version}, ${cores} core(s), ${fmt(events)} events per corpus`);
  const t0 = performance.now();
  const collection = await loadRules(ACTIVE.map((f) => join(data, 'sigma', f)).filter((p) => existsSync(p)));
  const loadMs = performance.now() - t0;
  const t1 = performance.now();
  const prepared = prepareRules({ collection, pipeline: [] });
  const compileMs = performance.now() - t1;
  console.log(
    `rules: ${fmt(collection.rules.length)} loaded from ${fmt(collection.files)} files (${collection.issues.filter((i) => i.severity === 'error').length} load errors) in ${fmt(loadMs)} ms; ` +
      `${fmt(prepared.rules.rules.length)} compiled in ${fmt(compileMs)} ms (${prepared.issues.length} cannot fire: ${[...new Set(prepared.issues.map((i) => i.code))].join(', ')})`,
  );

  const dir = await mkdtemp(join(tmpdir(), 'ttpscope-bench-sigma-'));
  const rows: string[][] = [];
  try {
    for (const kind of ['evtx', 'secdatasets'] as const) {
      if (which !== 'all' && which !== kind) continue;
      const base = baseLines(kind, data, 96 * 1024 * 1024);
      const file = join(dir, `${kind}.jsonl`);
      const n = await writeCorpus(file, base, events);
      const size = statSync(file).size;
      console.log(`\ncorpus ${kind}: ${fmt(base.length)} distinct lines repeated to ${fmt(n)} events, ${fmt(size / 1048576, 1)} MiB, ${fmt(size / n)} bytes/event`);
      base.length = 0;

      const bare = await bareParse(file);
      const bareRate = (bare.events / bare.ms) * 1000;
      console.log(`  bare JSON.parse (same reader, 1 thread): ${fmt(bareRate)} events/s (${fmt(bare.ms)} ms)`);
      for (const threads of [1, cores]) {
        const h = await hunt(file, collection, threads, n);
        const rate = (h.events / h.ms) * 1000;
        console.log(
          `  hunt, ${threads} thread(s): ${fmt(rate)} events/s (${fmt(h.ms)} ms) = ${fmt(rate / bareRate, 2)}× bare JSON.parse; ` +
            `${fmt(h.parsed)} of ${fmt(h.events)} lines parsed (${fmt((100 * h.parsed) / Math.max(1, h.events), 1)}%), ${fmt(h.detections)} detections; RSS ${fmt(h.rss25)} MiB at 25% → ${fmt(h.rss100)} MiB at 100%`,
        );
        rows.push([kind, String(threads), fmt(rate), fmt(bareRate), fmt(rate / bareRate, 2), fmt(h.rss25), fmt(h.rss100)]);
      }
      if (!keep) rmSync(file, { force: true });
    }
  } finally {
    if (!keep) rmSync(dir, { recursive: true, force: true });
    else console.log(`corpora kept in ${dir}`);
  }
  console.log(`\ncorpus       threads  events/s  bare JSON.parse/s  ratio  RSS@25% MiB  RSS@100% MiB`);
  for (const r of rows) console.log(`${r[0]!.padEnd(12)} ${r[1]!.padStart(7)} ${r[2]!.padStart(9)} ${r[3]!.padStart(18)} ${r[4]!.padStart(6)} ${r[5]!.padStart(12)} ${r[6]!.padStart(13)}`);
  console.log(`rule load ${fmt(loadMs)} ms + compile ${fmt(compileMs)} ms; peak RSS ${fmt(peakRssMiB())} MiB`);
  printReproduce('bench', 'sigma', args);
}
