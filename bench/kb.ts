/**
 * Knowledge-base speed and the lexical-search baseline.
 *
 * - cold load: parse + validate + build the model from the 34 MB bundle, no cache;
 * - cached load: the same from the compact cache in a data dir's cache folder;
 *   both measured in fresh child processes (a new V8 each time; module import
 *   time excluded), median of --runs;
 * - search index: build time, and load time from its cache;
 * - search latency p50/p99 over ≥ 10,000 distinct queries built from the bundle
 *   (procedure-example openings, technique names, description sentences);
 * - baseline quality (what a learned encoder must beat): hit@1, hit@5 and
 *   MRR@10 of the true technique for Atomic Red Team test names and TRAM
 *   single-label sentences, when present in ../shared/data;
 * - peak RSS.
 *
 *   npm run bench -- kb [--runs R] [--queries N]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { lastLoad, loadKnowledgeBaseFromFile, plainText, sentences, TechniqueSearch, type KnowledgeBase } from '../src/kb/index.js';
import { fmt, peakRssMiB, percentile, printReproduce, sharedDataDir } from './util.js';

const self = fileURLToPath(import.meta.url);

function arg(args: string[], name: string, dflt: number): number {
  const i = args.indexOf(name);
  const v = i >= 0 ? Number(args[i + 1]) : dflt;
  return Number.isFinite(v) && v > 0 ? v : dflt;
}

/** In a child: load once and print the time of the load call alone. */
async function child(mode: string, bundle: string, index: string, cacheDir: string): Promise<void> {
  const cpu = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  const t0 = performance.now();
  const c0 = cpu();
  const kb = await loadKnowledgeBaseFromFile(bundle, { indexPath: index, ...(mode === 'nocache' ? {} : { cacheDir }) });
  const ms = performance.now() - t0;
  const cpuMs = cpu() - c0;
  let searchMs = 0;
  if (mode === 'search') {
    const t1 = performance.now();
    kb.searchIndexOf();
    searchMs = performance.now() - t1;
  }
  process.stdout.write(JSON.stringify({ ms, cpuMs, searchMs, from: lastLoad.stats?.from, rss: peakRssMiB() }) + '\n');
}

function runChild(mode: string, bundle: string, index: string, cacheDir: string): { ms: number; cpuMs: number; searchMs: number; from: string; rss: number } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', self, '--child', mode, bundle, index, cacheDir], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`child failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

const median = (xs: number[]) => percentile([...xs].sort((a, b) => a - b), 50);

/** Deterministic shuffle (xorshift32), so every run asks the same queries. */
function shuffle<T>(xs: T[], seed = 12345): T[] {
  let s = seed >>> 0;
  for (let i = xs.length - 1; i > 0; i--) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    const j = s % (i + 1);
    [xs[i], xs[j]] = [xs[j]!, xs[i]!];
  }
  return xs;
}

function buildQueries(kb: KnowledgeBase, n: number): string[] {
  const qs = new Set<string>();
  for (const t of kb.techniques) {
    qs.add(t.name);
    for (const s of sentences(plainText(t.description)).slice(0, 8)) qs.add(s.split(/\s+/).slice(0, 14).join(' '));
  }
  for (const p of kb.procedures) {
    const words = plainText(p.description).split(/\s+/);
    qs.add(words.slice(0, 10).join(' '));
    if (words.length > 16) qs.add(words.slice(6, 16).join(' '));
  }
  const out = shuffle([...qs]);
  while (out.length < n) out.push(...out.slice(0, n - out.length));
  return out.slice(0, n);
}

interface Labelled {
  q: string;
  t: string;
}

function atomicsQueries(data: string): Labelled[] {
  const dir = join(data, 'atomic-red-team', 'atomics');
  if (!existsSync(dir)) return [];
  const out: Labelled[] = [];
  for (const d of readdirSync(dir).sort()) {
    const f = join(dir, d, `${d}.yaml`);
    if (!existsSync(f)) continue;
    const y = parseYaml(readFileSync(f, 'utf8')) as { attack_technique?: string; atomic_tests?: { name?: string }[] };
    for (const t of y.atomic_tests ?? []) if (t.name && y.attack_technique) out.push({ q: t.name, t: y.attack_technique });
  }
  return out;
}

function tramQueries(data: string): Labelled[] {
  const f = join(data, 'tram', 'single_label.json');
  if (!existsSync(f)) return [];
  return (JSON.parse(readFileSync(f, 'utf8')) as { text: string; label: string }[]).map((x) => ({ q: x.text, t: x.label }));
}

function quality(kb: KnowledgeBase, items: Labelled[]): string {
  let n = 0, h1 = 0, h5 = 0, mrr = 0, p1 = 0;
  for (const { q, t } of items) {
    if (kb.technique(t)?.status !== 'active') continue;
    n++;
    const r = kb.search(q, { top: 10 }).map((h) => h.id);
    const i = r.indexOf(t);
    if (i === 0) h1++;
    if (i >= 0 && i < 5) h5++;
    if (i >= 0) mrr += 1 / (i + 1);
    if (r[0]?.split('.')[0] === t.split('.')[0]) p1++;
  }
  if (n === 0) return 'no labelled queries';
  return `n=${fmt(n)}  hit@1 ${(h1 / n).toFixed(3)}  hit@5 ${(h5 / n).toFixed(3)}  MRR@10 ${(mrr / n).toFixed(3)}  (parent-level hit@1 ${(p1 / n).toFixed(3)})`;
}

export async function main(args: string[]): Promise<void> {
  if (args[0] === '--child') return child(args[1]!, args[2]!, args[3]!, args[4]!);
  const runs = arg(args, '--runs', 5);
  const [load1] = (await import('node:os')).loadavg();
  if (load1! > 1.5) console.log(`note: load average ${load1!.toFixed(1)} — other processes compete for the CPU; wall times are inflated, CPU times less so`);
  const nQueries = Math.max(10_000, arg(args, '--queries', 10_000));
  const data = sharedDataDir();
  const bundle = join(data, 'attack', 'enterprise-attack.json');
  const index = join(data, 'attack', 'index.json');
  const cacheDir = mkdtempSync(join(tmpdir(), 'ttpscope-bench-kb-'));
  try {
    console.log(`ATT&CK bundle: ${bundle} (${fmt(readFileSync(bundle).length / 1e6, 1)} MB)`);
    const cold = Array.from({ length: runs }, () => runChild('nocache', bundle, index, cacheDir));
    console.log(`cold load (parse + validate + build, no cache): median ${fmt(median(cold.map((r) => r.ms)))} ms wall, ${fmt(median(cold.map((r) => r.cpuMs)))} ms CPU  [${cold.map((r) => fmt(r.ms)).join(', ')}]  peak RSS ${fmt(median(cold.map((r) => r.rss)))} MiB`);
    const first = runChild('cache', bundle, index, cacheDir);
    console.log(`first load writing the cache: ${fmt(first.ms)} ms (from ${first.from})`);
    const cached = Array.from({ length: runs }, () => runChild('cache', bundle, index, cacheDir));
    if (cached.some((r) => r.from !== 'cache')) throw new Error('cached loads did not come from the cache');
    console.log(`cached load: median ${fmt(median(cached.map((r) => r.ms)))} ms wall, ${fmt(median(cached.map((r) => r.cpuMs)))} ms CPU  [${cached.map((r) => fmt(r.ms)).join(', ')}]  peak RSS ${fmt(median(cached.map((r) => r.rss)))} MiB`);
    const buildSearch = runChild('search', bundle, index, cacheDir);
    console.log(`search index build (first search, then cached): ${fmt(buildSearch.searchMs)} ms`);
    const cachedSearch = Array.from({ length: runs }, () => runChild('search', bundle, index, cacheDir));
    console.log(`search index from cache: median ${fmt(median(cachedSearch.map((r) => r.searchMs)))} ms  (cached model + index: ${fmt(median(cachedSearch.map((r) => r.ms + r.searchMs)))} ms)`);

    const kb = await loadKnowledgeBaseFromFile(bundle, { indexPath: index, cacheDir });
    const search = TechniqueSearch.fromSnapshot(kb, kb.searchIndexOf().toSnapshot());
    const queries = buildQueries(kb, nQueries);
    for (const q of queries.slice(0, 200)) search.search(q, { top: 10 }); // warm-up
    const lat = new Float64Array(queries.length);
    const cpuLat = new Float64Array(queries.length);
    let results = 0;
    const t0 = performance.now();
    queries.forEach((q, i) => {
      const c = process.cpuUsage();
      const s = performance.now();
      results += search.search(q, { top: 10 }).length;
      lat[i] = performance.now() - s;
      const d = process.cpuUsage(c);
      cpuLat[i] = (d.user + d.system) / 1000;
    });
    const total = performance.now() - t0;
    const sorted = Array.from(lat).sort((a, b) => a - b);
    const cpuSorted = Array.from(cpuLat).sort((a, b) => a - b);
    console.log(
      `search latency over ${fmt(queries.length)} queries (${fmt(new Set(queries).size)} distinct, top 10): p50 ${fmt(percentile(sorted, 50), 3)} ms  p99 ${fmt(percentile(sorted, 99), 3)} ms  max ${fmt(sorted[sorted.length - 1]!, 2)} ms  (${fmt(queries.length / (total / 1000))} queries/s, ${fmt(results / queries.length, 1)} results/query)`,
    );
    console.log(`  same queries in CPU time (robust to other load): p50 ${fmt(percentile(cpuSorted, 50), 3)} ms  p99 ${fmt(percentile(cpuSorted, 99), 3)} ms`);
    console.log('baseline quality (true technique among BM25F results):');
    console.log(`  Atomic Red Team test names   ${quality(kb, atomicsQueries(data))}`);
    console.log(`  TRAM single-label sentences  ${quality(kb, tramQueries(data))}`);
    console.log(`peak RSS (this process): ${fmt(peakRssMiB())} MiB`);
  } finally {
    rmSync(cacheDir, { recursive: true, force: true });
  }
  printReproduce('bench', 'kb', args);
}

if (process.argv[2] === '--child') await main(process.argv.slice(2));
