/**
 * Hunting over log files: compile the rules, scan every file (on this thread
 * for small inputs, on worker threads for large ones: whole files, or blocks
 * of lines cut from a big JSON Lines file), then merge the detections into
 * one timeline sorted by time.
 *
 * Correlation rules need one time-ordered stream, so a rule set with
 * correlations is hunted on one thread through the engine's `hunt()`.
 */
import { readdir, stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { startModuleWorker } from '../../common/worker.js';
import type { Issue } from '../../common/errors.js';
import { DEFAULT_MAX_LINE_BYTES, READ_CHUNK_BYTES, reusedChunks } from '../../logs/io.js';
import { readRecords } from '../../logs/read.js';
import type { LogRecord } from '../../logs/record.js';
import type { RuleRef } from '../compile/types.js';
import { hunt as engineHunt } from '../engine.js';
import { compareRows, eventRow, type TimelineRow } from '../output/timeline.js';
import { prepareRules, serializeSpec, type RuleSetSpec } from './compile.js';
import type { MemoStats } from '../compile/literal-memo.js';
import { estimatedInputText } from '../../logs/input-size.js';
import { BlockBuffers } from './block-buffers.js';
import { IssueLog, type IssueSnapshot } from './issues.js';
import type { TaskInput, TaskMessage, TaskResult, WorkerInit, WorkerReady } from './protocol.js';
import { keyFieldsOf, newCounters, scanFile, sniffFile, type ScanContext, type ScanCounters } from './scan.js';

export interface HuntRunOptions extends RuleSetSpec {
  /** Worker threads: a number (1 = this thread only) or 'auto' (every core, up to 8, for inputs of `parallelMinBytes` or more). */
  threads?: number | 'auto';
  /** Under 'auto', inputs with less text than this (gzip counted decompressed, `src/logs/input-size.ts`) are hunted on this thread. Default `HUNT_PARALLEL_MIN_TEXT_BYTES` (1 GiB). */
  parallelMinBytes?: number;
  /** JSON Lines files at least this big are split into blocks across workers. Default 16 MiB. */
  splitMinBytes?: number;
  maxLineBytes?: number;
  /** Called now and then with progress (bytes of input files done, of total). */
  onProgress?: (p: HuntProgress) => void;
  maxIssueSamples?: number;
  signal?: AbortSignal;
  /** Count detections without keeping timeline rows (benchmarks: memory independent of hits). */
  countOnly?: boolean;
  /** Called once the rules are compiled (on every worker), just before the first event is read. */
  onScanStart?: () => void;
}

export interface HuntProgress {
  filesDone: number;
  files: number;
  bytesDone: number;
  bytes: number;
  events: number;
  detections: number;
}

export interface HuntStats extends ScanCounters {
  files: number;
  /** Size of the input files on disk. */
  inputBytes: number;
  threads: number;
  /** Time to compile the rules (the workers' time when they compile). */
  compileMs: number;
  scanMs: number;
  /** One thread only: how the per-value memos did (`CompiledRuleSet.memoStats`). */
  memo?: MemoStats;
}

export interface HuntResult {
  /** Rule index (TimelineRow.rule) → identity. */
  rules: RuleRef[];
  /** Detections sorted by time. */
  rows: TimelineRow[];
  stats: HuntStats;
  /** Problems in the logs (bad lines, unreadable files): counted, first ones kept. */
  issues: IssueSnapshot;
  /** Rules that were loaded but cannot fire (compile problems), each with its reason. */
  ruleIssues: Issue[];
  /** Rules left out by --min-level. */
  belowLevel: number;
}

/** Files under the given paths (folders walked recursively, hidden entries skipped), in a stable order. */
export async function expandLogPaths(paths: readonly string[], onIssue: (i: Issue) => void): Promise<Array<{ path: string; size: number }>> {
  const out: Array<{ path: string; size: number }> = [];
  const visit = async (p: string, top: boolean): Promise<void> => {
    let st;
    try {
      st = await stat(p);
    } catch (err) {
      onIssue({ severity: 'error', code: 'io', message: `cannot read: ${err instanceof Error ? err.message : String(err)}`, place: { file: p } });
      return;
    }
    if (st.isDirectory()) {
      const names = (await readdir(p)).sort();
      for (const n of names) if (!n.startsWith('.')) await visit(join(p, n), false);
    } else if (st.isFile()) out.push({ path: p, size: st.size });
    else if (top) onIssue({ severity: 'error', code: 'io', message: 'not a regular file', place: { file: p } });
  };
  for (const p of paths) await visit(p, true);
  return out;
}

/**
 * `threads: 'auto'` uses worker threads from this much text on (`src/logs/input-size.ts`: gzip counted decompressed).
 * Below it one thread is faster end to end (2026-12-04, 2 cores, Node 24, `ttpscope hunt`): every worker loads the
 * modules and compiles the rule set itself, and two compiles at once contend for the cores (each uses more than one:
 * V8's helper threads), so two workers are ready after ~2–2.8 s where one thread has compiled in ~1.1 s; rows then
 * cross from the workers and are merged. Measured: a 195 MB python-evtx JSONL file 3.1–3.2 s on one thread against
 * 4.1–4.8 s on two workers; the same repeated to 976 MB 8.8–10.1 s against 9.7–10.2 s; Security-Datasets (85 .gz
 * files, 63 MB, 1.05 GB of text) 5.3–5.9 s against 6.1–7.3 s, three copies of it (3.1 GB of text) 11.2–12.3 s
 * against 12.2–13.0 s; two workers also hold 2–2.7× the memory. On two cores they never won by much end to end (the
 * scan alone is 1.3–1.8× faster: `npm run bench -- sigma`), so they are the default only from 1 GiB of text on,
 * about where they break even here and where a machine with more cores gains from them; the old threshold (32 MiB
 * of file bytes, gzip counted compressed) sent all of these inputs to them.
 */
export const HUNT_PARALLEL_MIN_TEXT_BYTES = 1024 * 1024 * 1024;

function resolveThreads(opt: HuntRunOptions, files: ReadonlyArray<{ path: string; size: number }>, hasCorrelations: boolean): number {
  if (hasCorrelations) return 1;
  const cores = Math.max(1, availableParallelism());
  if (typeof opt.threads === 'number') return Math.max(1, Math.min(opt.threads, 64));
  if (cores === 1) return 1;
  return estimatedInputText(files) >= (opt.parallelMinBytes ?? HUNT_PARALLEL_MIN_TEXT_BYTES) ? Math.min(cores, 8) : 1;
}

export async function runHunt(logPaths: readonly string[], opt: HuntRunOptions): Promise<HuntResult> {
  const issues = new IssueLog(opt.maxIssueSamples ?? 1000);
  const files = await expandLogPaths(logPaths, (i) => issues.add(i));
  const inputBytes = files.reduce((s, f) => s + f.size, 0);
  const threads = resolveThreads(opt, files, opt.collection.correlations.length > 0);
  const started = performance.now();
  const stats: HuntStats = { ...newCounters(), files: files.length, inputBytes, threads, compileMs: 0, scanMs: 0 };
  const rows: TimelineRow[] = [];
  let refs: RuleRef[];
  let ruleIssues: Issue[];
  let belowLevel: number;
  const progress = { filesDone: 0, files: files.length, bytesDone: 0, bytes: inputBytes, events: 0, detections: 0 };
  const report = (): void => opt.onProgress?.({ ...progress, events: stats.events, detections: stats.detections });

  if (threads === 1) {
    const prepared = prepareRules(opt);
    stats.compileMs = performance.now() - started;
    refs = prepared.refs;
    ruleIssues = prepared.issues;
    belowLevel = prepared.belowLevel;
    opt.onScanStart?.();
    const t0 = performance.now();
    if (prepared.rules.correlations.length > 0) {
      await huntWithCorrelations(files, prepared, rows, stats, issues, opt);
      stats.detections = rows.length;
    } else {
      const ctx: ScanContext = {
        rules: prepared.rules,
        keyFields: keyFieldsOf(prepared.rules, prepared.pipeline),
        rows,
        counters: stats,
        ...(opt.countOnly ? { countOnly: true } : {}),
        onIssue: (i) => issues.add(i),
        ...(opt.maxLineBytes ? { maxLineBytes: opt.maxLineBytes } : {}),
        ...(opt.signal ? { signal: opt.signal } : {}),
        onTick: report,
      };
      for (const f of files) {
        await scanFile(f.path, ctx);
        progress.filesDone++;
        progress.bytesDone += f.size;
        report();
      }
    }
    stats.scanMs = performance.now() - t0;
    const memo = prepared.rules.memoStats();
    if (memo) stats.memo = memo;
  } else {
    const r = await huntParallel(files, threads, opt, rows, stats, issues, progress, report);
    refs = r.refs;
    ruleIssues = r.issues;
    belowLevel = r.belowLevel;
  }
  rows.sort(compareRows);
  return { rules: refs, rows, stats, issues: issues.snapshot(), ruleIssues, belowLevel };
}

async function huntWithCorrelations(
  files: Array<{ path: string }>,
  prepared: ReturnType<typeof prepareRules>,
  rows: TimelineRow[],
  stats: HuntStats,
  issues: IssueLog,
  opt: HuntRunOptions,
): Promise<void> {
  const keyFields = keyFieldsOf(prepared.rules, prepared.pipeline);
  const byId = new Map<string, number>();
  prepared.refs.forEach((r, i) => byId.set(r.id, i));
  const correlationRefs = new Map<string, number>();
  async function* records(): AsyncGenerator<LogRecord> {
    for (const f of files) {
      for await (const rec of readRecords(f.path, { onIssue: (i) => issues.add(i), ...(opt.maxLineBytes ? { maxLineBytes: opt.maxLineBytes } : {}) })) {
        stats.events++;
        stats.parsed++;
        yield rec;
      }
    }
  }
  for await (const d of engineHunt(records(), prepared.rules)) {
    if (d.kind === 'event' && d.event) {
      const i = byId.get(d.rule.id);
      if (i === undefined) continue;
      rows.push(eventRow(i, keyFields[i] ?? [], d.event.fields, d.selections, d.event.source));
      continue;
    }
    if (d.kind === 'correlation' && d.correlation) {
      let i = correlationRefs.get(d.rule.id);
      if (i === undefined) {
        i = prepared.refs.length;
        prepared.refs.push(d.rule);
        correlationRefs.set(d.rule.id, i);
      }
      const last = d.correlation.events[d.correlation.events.length - 1];
      const row: TimelineRow = last ? eventRow(i, [], last.fields, [], last.source) : { kind: 'correlation', timeMs: NaN, rule: i, keyFields: [], selections: [] };
      row.kind = 'correlation';
      if (d.timestamp) row.timeMs = Date.parse(d.timestamp);
      const group: Record<string, string> = {};
      for (const [k, v] of Object.entries(d.correlation.group)) group[k] = String(v);
      row.keyFields = Object.entries(group);
      row.correlation = { type: d.correlation.type, group, value: d.correlation.value, events: d.correlation.events.length };
      rows.push(row);
    }
  }
}

/** A worker running `worker.js` beside this module. */
function startWorker(workerData: WorkerInit): Worker {
  return startModuleWorker(import.meta.url, 'worker', { workerData });
}

interface PoolWorker {
  worker: Worker;
  inflight: number;
}

class Pool {
  private readonly pending = new Map<number, { resolve: (r: TaskResult) => void; reject: (e: Error) => void; w: PoolWorker }>();
  private waiters: Array<() => void> = [];
  private nextId = 1;
  private failure: Error | undefined;

  constructor(readonly workers: PoolWorker[]) {
    for (const pw of workers) {
      pw.worker.on('message', (m: TaskResult | WorkerReady) => {
        if (m.type !== 'done') return;
        const p = this.pending.get(m.id);
        if (!p) return;
        this.pending.delete(m.id);
        p.w.inflight--;
        p.resolve(m);
        this.wake();
      });
      pw.worker.on('error', (err) => this.fail(err));
      pw.worker.on('exit', (code) => {
        if (code !== 0) this.fail(new Error(`hunt worker exited with code ${code}`));
      });
    }
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const [id, p] of this.pending) {
      this.pending.delete(id);
      p.reject(err);
    }
    this.wake();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  get inflight(): number {
    return this.pending.size;
  }

  /** Resolves when some task finishes (or the pool fails). */
  async idle(): Promise<void> {
    if (this.failure) throw this.failure;
    await new Promise<void>((r) => this.waiters.push(r));
    if (this.failure) throw this.failure;
  }

  run(task: TaskInput, transfer: ArrayBuffer[] = []): Promise<TaskResult> {
    if (this.failure) return Promise.reject(this.failure);
    let w = this.workers[0]!;
    for (const c of this.workers) if (c.inflight < w.inflight) w = c;
    const id = this.nextId++;
    w.inflight++;
    const msg = { ...task, id } as TaskMessage;
    return new Promise<TaskResult>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, w });
      w.worker.postMessage(msg, transfer);
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.worker.terminate()));
  }
}

function addCounters(into: ScanCounters, c: ScanCounters): void {
  into.events += c.events;
  into.parsed += c.parsed;
  into.lines += c.lines;
  into.bytes += c.bytes;
  into.detections += c.detections;
}

async function huntParallel(
  files: Array<{ path: string; size: number }>,
  threads: number,
  opt: HuntRunOptions,
  rows: TimelineRow[],
  stats: HuntStats,
  issues: IssueLog,
  progress: HuntProgress,
  report: () => void,
): Promise<{ refs: RuleRef[]; issues: Issue[]; belowLevel: number }> {
  const t0 = performance.now();
  const spec = serializeSpec({ collection: opt.collection, pipeline: opt.pipeline, ...(opt.minLevel ? { minLevel: opt.minLevel } : {}), ...(opt.placeholders ? { placeholders: opt.placeholders } : {}), ...(opt.scanMemo === false ? { scanMemo: false } : {}) });
  const maxSamples = opt.maxIssueSamples ?? 1000;
  const workers: PoolWorker[] = [];
  const readies: Array<Promise<WorkerReady>> = [];
  for (let i = 0; i < threads; i++) {
    const init: WorkerInit = { spec, sendRefs: i === 0, maxIssueSamples: maxSamples, countOnly: opt.countOnly === true, ...(opt.maxLineBytes ? { maxLineBytes: opt.maxLineBytes } : {}) };
    const worker = startWorker(init);
    workers.push({ worker, inflight: 0 });
    readies.push(
      new Promise<WorkerReady>((resolve, reject) => {
        const onMsg = (m: WorkerReady | TaskResult) => {
          if (m.type === 'ready') {
            worker.off('message', onMsg);
            resolve(m);
          }
        };
        worker.on('message', onMsg);
        worker.once('error', reject);
        worker.once('exit', (code) => reject(new Error(`hunt worker exited with code ${code} while compiling the rules`)));
      }),
    );
  }
  const pool = new Pool(workers);
  try {
    const ready = await Promise.all(readies);
    stats.compileMs = performance.now() - t0;
    opt.onScanStart?.();
    const t1 = performance.now();
    const first = ready[0]!;
    const maxInflight = threads * 3;
    const done: Array<Promise<void>> = [];
    const throttle = async (): Promise<void> => {
      while (pool.inflight >= maxInflight) await pool.idle();
    };
    const mergePlain = (r: TaskResult): void => {
      rows.push(...r.rows);
      addCounters(stats, r.counters);
      issues.merge(r.issues);
      report();
    };

    for (const f of files) {
      const splitMin = opt.splitMinBytes ?? 16 * 1024 * 1024;
      let split = false;
      if (f.size >= splitMin) {
        const sniffed = await sniffFile(f.path, { onIssue: (i) => issues.add(i) });
        if (sniffed.container === 'jsonl') {
          split = true;
          // a plain file is read again from the start into one reused buffer (the splitter copies what it keeps)
          if (!sniffed.compressed) await sniffed.chunks.close();
          const chunks = sniffed.compressed ? sniffed.chunks : reusedChunks(f.path);
          done.push((await splitJsonl(f.path, chunks, pool, throttle, opt.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES, rows, stats, issues, report)).finished);
        } else await sniffed.chunks.close();
      }
      if (!split) {
        await throttle();
        const task = pool.run({ type: 'file', path: f.path }).then((r) => {
          mergePlain(r);
          progress.filesDone++;
          progress.bytesDone += f.size;
          report();
        });
        task.catch(() => undefined); // awaited below; this only marks it handled
        done.push(task);
      } else {
        progress.filesDone++;
        progress.bytesDone += f.size;
      }
    }
    await Promise.all(done);
    stats.scanMs = performance.now() - t1;
    return { refs: first.refs, issues: first.issues, belowLevel: first.belowLevel };
  } finally {
    await pool.close();
  }
}

/**
 * Cut a JSON Lines stream into blocks of whole lines and hand them to the
 * pool. A line longer than the cap is skipped here (one issue, memory stays
 * at the cap). Results are merged in block order so line numbers come out
 * absolute. Returns a promise that settles when every block is merged.
 */
async function splitJsonl(
  file: string,
  chunks: AsyncIterable<Buffer>,
  pool: Pool,
  throttle: () => Promise<void>,
  maxLine: number,
  rows: TimelineRow[],
  stats: HuntStats,
  issues: IssueLog,
  report: () => void,
): Promise<{ finished: Promise<void> }> {
  let chain: Promise<void> = Promise.resolve();
  // pooled blocks fit a whole chunk plus a carried partial line of up to as much again; the throttle bounds how many are out
  const buffers = new BlockBuffers(2 * READ_CHUNK_BYTES, pool.workers.length * 3 + 2);
  let baseLine = 0;
  let baseOffset = 0;
  const merge = (res: Promise<TaskResult> | { skipped: number }, bytes: number): void => {
    chain = chain.then(async () => {
      if (!(res instanceof Promise)) {
        baseLine += 1;
        issues.add({ severity: 'error', code: 'line-too-long', message: `line longer than ${maxLine} bytes skipped (${res.skipped} bytes)`, place: { file, line: baseLine, offset: baseOffset } });
        stats.lines += 1;
        baseOffset += bytes;
        return;
      }
      const r = await res;
      const bl = baseLine;
      const bo = baseOffset;
      for (const row of r.rows) {
        // rows of one event share their source object: rebase a copy, never in place
        if (row.source) {
          const src = { ...row.source };
          if (src.line !== undefined) src.line += bl;
          if (src.offset !== undefined) src.offset += bo;
          row.source = src;
        }
        rows.push(row);
      }
      addCounters(stats, r.counters);
      issues.merge(r.issues, (i) => {
        if (!i.place) return i;
        const place = { ...i.place };
        if (place.line !== undefined) place.line += bl;
        if (place.offset !== undefined) place.offset += bo;
        return { ...i, place };
      });
      baseLine += r.lines;
      baseOffset += bytes;
      report();
    });
    chain.catch(() => undefined); // awaited by the caller; this only marks it handled
  };
  /** Send the carried partial line followed by `data` as one block, in memory reused across blocks. */
  const dispatch = async (head: Uint8Array | undefined, data: Uint8Array): Promise<void> => {
    await throttle();
    const n = (head?.length ?? 0) + data.length;
    const block = buffers.take(n);
    if (head) block.set(head);
    block.set(data, head?.length ?? 0);
    const done = pool.run({ type: 'block', file, block }, [block.buffer as ArrayBuffer]).then((r) => {
      if (r.block) buffers.give(r.block.buffer as ArrayBuffer);
      return r;
    });
    merge(done, n);
  };
  let carry: Buffer | undefined;
  let skipping = false;
  let skipped = 0;
  for await (const chunk of chunks) {
    let data = chunk;
    if (skipping) {
      const nl = data.indexOf(0x0a);
      if (nl === -1) {
        skipped += data.length;
        continue;
      }
      skipped += nl + 1;
      merge({ skipped }, skipped);
      skipping = false;
      skipped = 0;
      data = data.subarray(nl + 1);
    }
    const last = data.lastIndexOf(0x0a);
    if (last === -1) {
      // no line ends in this chunk: it all extends the partial line
      carry = carry ? Buffer.concat([carry, data]) : Buffer.from(data);
    } else {
      await dispatch(carry, data.subarray(0, last + 1));
      carry = last + 1 < data.length ? Buffer.from(data.subarray(last + 1)) : undefined;
    }
    if (carry && carry.length > maxLine) {
      skipping = true;
      skipped = carry.length;
      carry = undefined;
    }
  }
  if (skipping) merge({ skipped }, skipped);
  else if (carry) await dispatch(undefined, carry);
  return { finished: chain };
}
