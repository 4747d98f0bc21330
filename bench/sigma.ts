/**
 * `npm run bench -- sigma [--events N] [--corpus evtx|secdatasets|once|all] [--pairs K] [--keep]`
 *
 * All active SigmaHQ rules; two corpora built from ../shared/data/logs and
 * repeated to N events (default 1,000,000), written to temp JSONL files:
 *   evtx         python-evtx flat JSONL (evtx-attack-samples/**\/*.jsonl, ~1 KB/event)
 *   secdatasets  Security-Datasets JSONL (security-datasets/windows/**\/*.jsonl.gz, ~2.9 KB/event)
 * and a third without repetition, for the per-value memos (`compile/literal-memo.ts`):
 *   once         every Security-Datasets line once (375,785 events): values repeat only as
 *                often as they did in the recordings, not because the corpus was copied
 *
 * Every measurement runs in a fresh child process (so its peak RSS is its
 * own), one after another, on the same file, in the same run; the first
 * three alternate K times (default 3) and the floor takes the median of
 * the K hunt ÷ bare ratios, because this machine's speed drifts by tens of
 * per cent between minutes:
 *   - bare JSON.parse: the file read and split into lines by the reader code
 *     hunt uses, then JSON.parse of every line (the baseline);
 *   - hunt on one thread (runHunt, detections counted, not kept, so memory
 *     does not grow with hits), with the share of memo lookups answered from
 *     memory, and again with the memos off;
 *   - hunt with worker threads on every core;
 *   - the same worker-thread hunt over the file twice (2N events): peak RSS
 *     at N and 2N events shows whether memory stays flat as input grows.
 * Throughput is given by wall clock and per CPU-second (user+sys of the
 * process, workers included; rule compilation subtracted), because the
 * machine is shared and wall time measures the neighbours too. Hunt time
 * starts when the rules are compiled (`onScanStart`). The floor compares
 * hunt on one thread with the bare parse, both per CPU-second. "Cores
 * busy" (CPU ÷ wall) shows how much of the machine a phase got: on a shared
 * machine a worker-thread phase that gets one core is no faster by wall
 * clock than one thread, whatever it would do on two idle cores.
 */
import { spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deserialize, serialize } from 'node:v8';
import { gunzipSync } from 'node:zlib';
import { prepareRules } from '../src/sigma/hunt/compile.js';
import { runHunt } from '../src/sigma/hunt/run.js';
import type { MemoStats } from '../src/sigma/compile/literal-memo.js';
import { loadRules } from '../src/sigma/rule/load.js';
import type { RuleCollection } from '../src/sigma/rule/types.js';
import type { RuleCacheStats } from '../src/sigma/rule/cache.js';
import { bareParse, fmt, peakRssMiB, printReproduce, sharedDataDir } from './util.js';

const ACTIVE = ['rules', 'rules-emerging-threats', 'rules-threat-hunting', 'rules-placeholder', 'rules-compliance'];
const FLOOR = 0.5;
const here = dirname(fileURLToPath(import.meta.url));

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
  // Security-Datasets: 375k events, 1.1 GB uncompressed; take an equal share of bytes from every file.
  const files = walk(join(data, 'logs', 'security-datasets', 'windows'), (n) => n.endsWith('.jsonl.gz'));
  const quota = Math.ceil(maxBytes / Math.max(1, files.length));
  for (const f of files) {
    let taken = 0;
    for (const l of gunzipSync(readFileSync(f)).toString('utf8').split('\n')) {
      if (taken >= quota) break;
      if (!l.trim()) continue;
      lines.push(l);
      taken += Buffer.byteLength(l) + 1;
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

/** Every Security-Datasets line once, streamed (1.1 GB: not held in memory). */
async function writeOnceCorpus(file: string, data: string): Promise<{ events: number; distinct: number }> {
  const out = createWriteStream(file);
  let events = 0;
  for (const f of walk(join(data, 'logs', 'security-datasets', 'windows'), (n) => n.endsWith('.jsonl.gz'))) {
    const kept = gunzipSync(readFileSync(f)).toString('utf8').split('\n').filter((l) => l.trim());
    events += kept.length;
    if (kept.length > 0 && !out.write(kept.join('\n') + '\n')) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((r) => out.end(r));
  return { events, distinct: events };
}

/** What a child process measures and prints as one JSON line. */
interface PhaseResult {
  events: number;
  parsed: number;
  detections: number;
  wallMs: number;
  /** user+sys of the whole process (workers included) while events were read and matched. */
  cpuMs: number;
  peakRssMiB: number;
  threads: number;
  issues: number;
  memo?: MemoStats;
}

function cpuMsSince(c: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(c);
  return (u.user + u.system) / 1000;
}

/** Child: the baseline. */
async function phaseBare(files: string[]): Promise<PhaseResult> {
  const c = process.cpuUsage();
  const t = performance.now();
  let events = 0;
  for (const file of files) events += await bareParse(file);
  return { events, parsed: events, detections: 0, wallMs: performance.now() - t, cpuMs: cpuMsSince(c), peakRssMiB: peakRssMiB(), threads: 1, issues: 0 };
}

/** Child: hunt over the files; CPU and wall time from the moment the rules are compiled (in every worker). */
async function phaseHunt(files: string[], rulesFile: string, threads: number, scanMemo: boolean): Promise<PhaseResult> {
  const collection = deserialize(readFileSync(rulesFile)) as RuleCollection;
  let c = process.cpuUsage();
  let t = performance.now();
  const r = await runHunt(files, {
    collection,
    pipeline: [],
    threads,
    scanMemo,
    countOnly: true,
    splitMinBytes: 1,
    onScanStart: () => {
      c = process.cpuUsage();
      t = performance.now();
    },
  });
  return {
    events: r.stats.events,
    parsed: r.stats.parsed,
    detections: r.stats.detections,
    wallMs: performance.now() - t,
    cpuMs: cpuMsSince(c),
    peakRssMiB: peakRssMiB(),
    threads: r.stats.threads,
    issues: r.issues.errors + r.issues.warnings,
    ...(r.stats.memo ? { memo: r.stats.memo } : {}),
  };
}

function runChild(args: string[]): PhaseResult {
  const res = spawnSync(process.execPath, ['--import', 'tsx', join(here, 'run.ts'), 'sigma', '--child', ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const line = res.stdout.split('\n').find((l) => l.startsWith('{"events"'));
  if (res.status !== 0 || !line) throw new Error(`bench child failed (${args.join(' ')}): ${res.stderr.slice(-2000)}`);
  return JSON.parse(line) as PhaseResult;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** The run whose `key` is the median (the lower middle one for an even count). */
function medianBy<T>(xs: readonly T[], key: (x: T) => number): T {
  const s = [...xs].sort((a, b) => key(a) - key(b));
  return s[(s.length - 1) >> 1]!;
}

const perWall = (r: PhaseResult): number => (r.events / r.wallMs) * 1000;
const perCpu = (r: PhaseResult): number => (r.events / Math.max(1e-3, r.cpuMs)) * 1000;

export async function main(args: string[]): Promise<void> {
  const argVal = (k: string) => {
    const i = args.indexOf(k);
    return i >= 0 ? args[i + 1] : undefined;
  };
  if (args.includes('--child')) {
    const files = (argVal('--files') ?? '').split(',').filter(Boolean);
    const r = argVal('--phase') === 'bare' ? await phaseBare(files) : await phaseHunt(files, argVal('--rules-file')!, Number(argVal('--threads') ?? 1), !args.includes('--no-memo'));
    console.log(JSON.stringify(r));
    return;
  }

  const data = sharedDataDir();
  const events = Number(argVal('--events') ?? 1_000_000);
  const which = argVal('--corpus') ?? 'all';
  const keep = args.includes('--keep');
  const pairs = Math.max(1, Number(argVal('--pairs') ?? 3));
  const cores = availableParallelism();
  console.log(`sigma bench: node ${process.version}, ${cores} core(s), load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}, ${fmt(events)} events per corpus`);

  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const rulePaths = ACTIVE.map((f) => join(data, 'sigma', f)).filter((p) => existsSync(p));
  const collection = await loadRules(rulePaths);
  const loadMs = performance.now() - t0;
  const loadCpuMs = cpuMsSince(c0);
  const c1 = process.cpuUsage();
  const t1 = performance.now();
  const prepared = prepareRules({ collection, pipeline: [] });
  const compileMs = performance.now() - t1;
  const compileCpuMs = cpuMsSince(c1);
  const loadErrors = collection.issues.filter((i) => i.severity === 'error').length;
  console.log(
    `rules: ${fmt(collection.rules.length)} loaded from ${fmt(collection.files)} files (${loadErrors} load errors) in ${fmt(loadMs)} ms wall / ${fmt(loadCpuMs)} ms CPU; ` +
      `${fmt(prepared.rules.rules.length)} compiled in ${fmt(compileMs)} ms wall / ${fmt(compileCpuMs)} ms CPU ` +
      `(${prepared.issues.length} cannot fire: ${[...new Set(prepared.issues.map((i) => i.code))].join(', ') || 'none'})`,
  );

  const dir = await mkdtemp(join(tmpdir(), 'ttpscope-bench-sigma-'));
  // what every later hunt/detect pays with the data dir's parsed-rule cache filled
  const ruleCache = join(dir, 'rule-cache');
  await loadRules(rulePaths, { cacheDir: ruleCache });
  const t2 = performance.now();
  let cacheStats: RuleCacheStats | undefined;
  await loadRules(rulePaths, { cacheDir: ruleCache, onCache: (s) => (cacheStats = s) });
  console.log(`rules from the parsed-rule cache: ${fmt(performance.now() - t2)} ms wall (${fmt(cacheStats?.hits ?? 0)} files read and hashed, ${fmt(cacheStats?.parsed ?? 0)} parsed)`);
  const rulesFile = join(dir, 'rules.v8');
  writeFileSync(rulesFile, serialize({ rules: collection.rules, correlations: collection.correlations, filters: collection.filters, issues: [], files: collection.files }));
  const summary: string[][] = [];
  const floors: string[] = [];
  try {
    for (const kind of ['evtx', 'secdatasets', 'once'] as const) {
      if (which !== 'all' && which !== kind) continue;
      const file = join(dir, `${kind}.jsonl`);
      let distinct: number;
      let n: number;
      if (kind === 'once') ({ distinct, events: n } = await writeOnceCorpus(file, data));
      else {
        let base = baseLines(kind, data, 96 * 1024 * 1024);
        distinct = base.length;
        n = await writeCorpus(file, base, events);
        base = [];
      }
      const size = statSync(file).size;
      console.log(
        kind === 'once'
          ? `\ncorpus once: every Security-Datasets line once, ${fmt(n)} events (no repetition; not a floor corpus), ${fmt(size / 1048576, 1)} MiB, ${fmt(size / n)} bytes/event`
          : `\ncorpus ${kind}: ${fmt(distinct)} distinct lines repeated to ${fmt(n)} events, ${fmt(size / 1048576, 1)} MiB, ${fmt(size / n)} bytes/event`,
      );

      // bare, hunt and hunt without memos alternate `pairs` times: the machine's speed drifts between
      // minutes, and a ratio of two phases taken minutes apart measures the drift too
      const bares: PhaseResult[] = [];
      const ones: PhaseResult[] = [];
      const plains: PhaseResult[] = [];
      for (let k = 0; k < pairs; k++) {
        bares.push(runChild(['--phase', 'bare', '--files', file]));
        ones.push(runChild(['--phase', 'hunt', '--files', file, '--rules-file', rulesFile, '--threads', '1']));
        plains.push(runChild(['--phase', 'hunt', '--files', file, '--rules-file', rulesFile, '--threads', '1', '--no-memo']));
      }
      const pairRatios = ones.map((r, k) => perCpu(r) / perCpu(bares[k]!));
      const memoGains = ones.map((r, k) => perCpu(r) / perCpu(plains[k]!));
      const bare = medianBy(bares, perCpu);
      const one = medianBy(ones, perCpu);
      const plain = medianBy(plains, perCpu);
      const line = (label: string, r: PhaseResult, extra = ''): void => {
        console.log(
          `  ${label.padEnd(30)} ${fmt(perWall(r)).padStart(9)} events/s wall  ${fmt(perCpu(r)).padStart(9)} events/CPU-s  ` +
            `${fmt(r.cpuMs / Math.max(1, r.wallMs), 2)} cores busy  peak RSS ${fmt(r.peakRssMiB).padStart(5)} MiB${extra}`,
        );
      };
      const runs = (rs: PhaseResult[]): string => (rs.length > 1 ? ` (median of ${rs.length}: ${rs.map((r) => fmt(perCpu(r))).join(', ')} events/CPU-s)` : '');
      line('bare JSON.parse, 1 thread', bare, runs(bares));
      const detail = (r: PhaseResult): string =>
        `; ${fmt(perCpu(r) / perCpu(bare), 2)}× bare per CPU-s, ${fmt(perWall(r) / perWall(bare), 2)}× by wall; ${fmt(r.detections)} detections, ${fmt((100 * r.parsed) / Math.max(1, r.events), 1)}% of lines parsed${r.issues ? `, ${r.issues} input issues` : ''}`;
      const memoShare = (r: PhaseResult): string => (r.memo ? `; memos answered ${fmt((100 * r.memo.hits) / Math.max(1, r.memo.hits + r.memo.scans), 1)}% of ${fmt(r.memo.hits + r.memo.scans)} lookups (${fmt(r.memo.entries)} kept, ${r.memo.resets} budget resets)` : '');
      line('hunt, 1 thread', one, detail(one) + memoShare(one) + runs(ones));
      line('hunt, 1 thread, memos off', plain, detail(plain) + `; memos gain ${memoGains.map((g) => `${fmt(g, 2)}×`).join(', ')} per CPU-s (run by run)` + runs(plains));
      if (pairs > 1) console.log(`  hunt ÷ bare, run by run: ${pairRatios.map((x) => `${fmt(x, 2)}×`).join(', ')}; median ${fmt(median(pairRatios), 2)}×`);
      for (const r of [...ones, ...plains]) if (r.detections !== one.detections) console.log(`  WARNING: a 1-thread run found ${r.detections} detections, another ${one.detections}`);
      if (kind === 'once') {
        if (!keep) rmSync(file, { force: true });
        continue;
      }
      const many = runChild(['--phase', 'hunt', '--files', file, '--rules-file', rulesFile, '--threads', String(cores)]);
      line(`hunt, ${many.threads} worker threads`, many, detail(many));
      const twice = runChild(['--phase', 'hunt', '--files', `${file},${file}`, '--rules-file', rulesFile, '--threads', String(cores)]);
      line(`hunt, ${twice.threads} threads, 2× input`, twice, `; ${fmt(twice.events)} events: peak RSS ${fmt(many.peakRssMiB)} MiB at ${fmt(many.events)} events → ${fmt(twice.peakRssMiB)} MiB at ${fmt(twice.events)}`);
      if (one.detections !== many.detections) console.log(`  WARNING: 1 thread found ${one.detections} detections, ${many.threads} threads ${many.detections}`);
      // Wall time only compares when the process got the cores it asked for: "cores busy" is CPU ÷ wall.
      console.log(
        `  ${many.threads} threads vs 1: ${fmt(perWall(many) / perWall(one), 2)}× by wall with ${fmt(many.cpuMs / many.wallMs, 2)} vs ${fmt(one.cpuMs / one.wallMs, 2)} cores busy ` +
          `(load average now ${loadavg()[0]!.toFixed(1)} on ${cores} cores); CPU per event ${fmt(perCpu(one) / perCpu(many), 2)}× that of 1 thread`,
      );
      const ratio = median(pairRatios);
      floors.push(`${kind}: hunt (1 thread) / bare JSON.parse = ${fmt(ratio, 3)}× per CPU-second (median of ${pairs} alternating pair${pairs > 1 ? 's' : ''}), ${fmt(perWall(one) / perWall(bare), 2)}× by wall clock (floor ≥ ${FLOOR}×): ${ratio >= FLOOR ? 'PASS' : 'FAIL'}`);
      summary.push([kind, fmt(bare.events), fmt(perCpu(bare)), fmt(perCpu(one)), fmt(perWall(one)), fmt(perWall(many)), fmt(ratio, 2), fmt(many.peakRssMiB), fmt(twice.peakRssMiB)]);
      if (!keep) rmSync(file, { force: true });
    }
  } finally {
    if (!keep) rmSync(dir, { recursive: true, force: true });
    else console.log(`corpora kept in ${dir}`);
  }
  console.log(`\ncorpus       events     bare/CPU-s  hunt1/CPU-s  hunt1/s wall  hunt${cores}/s wall  ratio(CPU)  RSS N MiB  RSS 2N MiB`);
  for (const r of summary) console.log(`${r[0]!.padEnd(12)} ${r[1]!.padStart(9)} ${r[2]!.padStart(12)} ${r[3]!.padStart(12)} ${r[4]!.padStart(13)} ${r[5]!.padStart(13)} ${r[6]!.padStart(11)} ${r[7]!.padStart(10)} ${r[8]!.padStart(11)}`);
  for (const f of floors) console.log(`floor: ${f}`);
  console.log(`rule load ${fmt(loadMs)} ms (${fmt(loadCpuMs)} ms CPU) + compile ${fmt(compileMs)} ms (${fmt(compileCpuMs)} ms CPU); this process's peak RSS ${fmt(peakRssMiB())} MiB`);
  printReproduce('bench', 'sigma', args);
}
