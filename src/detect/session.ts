/**
 * Everything a detection run needs, opened once: the knowledge base, the
 * encoder, the TTP index (with any report intelligence), the rules, the
 * calibration (checked against the model), and a function to run the
 * detector over files into a `DetectionReport`.
 */
import { existsSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { Issue } from '../common/errors.js';
import { UserError } from '../common/errors.js';
import type { KnowledgeBase } from '../kb/index.js';
import type { LoadRulesOptions } from '../sigma/index.js';
import { loadModel, type LoadedModel } from '../embed/model-file.js';
import { UnitScorer, type ScoreMode } from './calibration/score.js';
import { checkCalibrationModel, readCalibration, type Calibration } from './calibration/model.js';
import { detectFile, type FileDetectContext, type FileResult } from './file.js';
import { loadIntel, type IntelEntry } from './intel.js';
import { detectFilesInWorkers } from './parallel.js';
import { loadRuleTable, ruleSpecBytes, type RuleTable } from './rules.js';
import { estimatedInputText } from '../logs/input-size.js';
import { IssueCollector } from './run.js';
import { assembleScenarios, type ScenarioOptions } from './scenario/assemble.js';
import type { ScenarioFragment } from './scenario/fragment.js';
import type { DetectWorkerOpen, DetectWorkerStart } from './worker-protocol.js';
import { DetectWorkers } from './worker-pool.js';
import { buildMatcher, type SemanticMatcher } from './semantic.js';
import { TechniqueInfo } from './techniques.js';
import type { Alert, DetectionReport } from './types.js';

export interface SessionOptions {
  kb: KnowledgeBase;
  modelPath: string;
  calibrationPath: string;
  /** Rule files/folders (SigmaHQ and any given); empty: no Sigma. */
  rulePaths: readonly string[];
  pipeline?: readonly string[];
  /** How rule files load (the data dir's parsed-rule cache); default: parsed, no cache. */
  ruleLoad?: LoadRulesOptions;
  /** Where the encoded TTP index is kept (`index-cache.ts`, the data dir's cache folder); default: built, no cache. */
  indexCacheDir?: string;
  intelPaths?: readonly string[];
  mode?: ScoreMode;
  topK?: number;
  minScore?: number;
  /**
   * Worker threads to start while opening, for a run on `count + 1` threads
   * (`runSession` takes them): they load ATT&CK and compile the rules while
   * this thread builds the TTP index, instead of after the run has begun.
   */
  workers?: { count: number; kb: DetectWorkerStart['kb'] };
}

export interface DetectSession {
  info: TechniqueInfo;
  model: LoadedModel;
  calibration: Calibration;
  matcher: SemanticMatcher;
  rules: RuleTable | undefined;
  scorer: UnitScorer;
  mode: ScoreMode;
  intelEntries: number;
  modelPath: string;
  minScore?: number;
  /** Index entry id → report, for intelligence entries. */
  reports: Map<string, IntelEntry['report']>;
  /** Workers started while opening (`SessionOptions.workers`), until a run takes them. */
  workers?: DetectWorkers;
}

function requireModel(modelPath: string): void {
  if (!existsSync(modelPath)) {
    throw new UserError('no encoder model', { file: modelPath }, 'run: ttpscope setup --from ../shared/data   (or ttpscope model train --from ../shared/data)');
  }
}

/**
 * The model and calibration files are there and the calibration is valid:
 * checked before the slow part of opening a session (ATT&CK, rules), so a
 * missing piece is reported at once. Whether they belong together is
 * checked by `openSession` once the model is loaded.
 */
export function checkSessionFiles(modelPath: string, calibrationPath: string): void {
  requireModel(modelPath);
  readCalibration(calibrationPath);
}

export async function openSession(o: SessionOptions): Promise<DetectSession> {
  requireModel(o.modelPath);
  const workers = o.workers && o.workers.count > 0 ? new DetectWorkers({ kb: o.workers.kb }).grow(o.workers.count) : undefined;
  try {
    const model = loadModel(o.modelPath);
    const calibration = readCalibration(o.calibrationPath);
    checkCalibrationModel(calibration, model.header.paramSha256, o.calibrationPath);
    const info = new TechniqueInfo(o.kb);
    const intel = loadIntel(o.intelPaths ?? []);
    // the rules first: started workers compile them while this thread builds the index
    const rules = o.rulePaths.length ? await loadRuleTable(o.rulePaths, info, o.pipeline ?? [], o.ruleLoad ?? {}) : undefined;
    workers?.sendRules(rules && ruleSpecBytes(rules));
    const matcher = buildMatcher(model.model, o.kb, intel, o.indexCacheDir ? { cache: { dir: o.indexCacheDir, modelHash: model.header.paramSha256 } } : {});
    const mode = o.mode ?? (rules ? 'fused' : 'semantic');
    const scorer = new UnitScorer(calibration, info, rules?.rules ?? [], { mode, ...(o.topK !== undefined ? { topK: o.topK } : {}), ...(o.minScore !== undefined ? { minScore: o.minScore } : {}) });
    return {
      info,
      model,
      calibration,
      matcher,
      rules,
      scorer,
      mode,
      intelEntries: intel.length,
      modelPath: o.modelPath,
      ...(o.minScore !== undefined ? { minScore: o.minScore } : {}),
      reports: new Map(intel.map((e) => [e.id, e.report])),
      ...(workers ? { workers } : {}),
    };
  } catch (err) {
    await workers?.close();
    throw err;
  }
}

export interface RunOptions {
  windowMs?: number;
  scenarios?: ScenarioOptions;
  onIssue?: (i: Issue) => void;
  onFile?: (done: number, total: number, file: string) => void;
  signal?: AbortSignal;
  version: string;
  inputs?: readonly string[];
  /** Worker threads: 1 = this thread; 'auto' = both cores when the input is large. */
  threads?: number | 'auto';
  /** 'auto' uses a worker from this much text on (gzip counted decompressed). Default `DETECT_PARALLEL_MIN_TEXT_BYTES` (2 GiB). */
  parallelMinBytes?: number;
  /** How the knowledge base is found again in a worker (not needed when the session started its workers). */
  kbSource?: DetectWorkerStart['kb'];
}

/** The parameters in shared memory (as `loadModel` gives them; a copy otherwise). */
function sharedParams(p: Float32Array): Float32Array {
  if (p.buffer instanceof SharedArrayBuffer) return p;
  const shared = new Float32Array(new SharedArrayBuffer(p.byteLength));
  shared.set(p);
  return shared;
}

function fileSize(f: string): number {
  try {
    return statSync(f).size;
  } catch {
    return 0;
  }
}

/**
 * `threads: 'auto'` uses a worker from this much text on (`src/logs/input-size.ts`: gzip counted decompressed).
 * Measured end to end with `ttpscope detect` (2026-12-04, 2 cores, Node 24; the worker started while the session
 * opens, which with the TTP index from the cache is quick, so its start-up — ATT&CK, rules — overlaps the run):
 * Security-Datasets' 85 .gz files (375,773 events, 1.05 GB of text) 11.3–13.0 s on one thread against 12.3–14.8 s
 * with the worker; two copies (2.1 GB) 15.9–17.3 s against 16.4–18.2 s; three (3.1 GB) 19.5–21.7 s against
 * 18.2–21.3 s; the worker adds ~0.6 GB. One thread already keeps 1.25 cores busy (collector and gunzip threads)
 * and the CPU per event rises by ~18 % on two, so a second thread pays little on two cores; the old threshold
 * (32 MiB of file bytes, gzip counted compressed) sent all of these to it.
 */
export const DETECT_PARALLEL_MIN_TEXT_BYTES = 2 * 1024 * 1024 * 1024;

/**
 * Threads a run over `files` will use (this one included): 'auto' takes both
 * cores for several files holding `DETECT_PARALLEL_MIN_TEXT_BYTES` of text or
 * more. Known before the session opens, so the workers can be started while it
 * does (`SessionOptions.workers`).
 */
export function plannedThreads(files: readonly string[], o: Pick<RunOptions, 'threads' | 'parallelMinBytes'>, sizes: readonly number[] = files.map(fileSize)): number {
  if (o.threads !== 'auto' && o.threads !== undefined) return Math.max(1, o.threads);
  const cores = Math.max(1, Math.min(2, availableParallelism()));
  if (cores === 1 || files.length < 2) return 1;
  const text = estimatedInputText(files.map((path, i) => ({ path, size: sizes[i] ?? 0 })));
  return text >= (o.parallelMinBytes ?? DETECT_PARALLEL_MIN_TEXT_BYTES) ? cores : 1;
}

export async function runSession(s: DetectSession, files: readonly string[], o: RunOptions): Promise<{ report: DetectionReport; issues: IssueCollector }> {
  const issues = new IssueCollector();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const sizes = files.map(fileSize);
  const threads = plannedThreads(files, o, sizes);
  const ctx: FileDetectContext = { info: s.info, matcher: s.matcher, rules: s.rules, scorer: s.scorer, ...(o.windowMs ? { windowMs: o.windowMs } : {}), scenarios: o.scenarios ?? {} };
  let results: FileResult[];
  let encoded = 0;
  const started = s.workers;
  s.workers = undefined; // a run takes them (and terminates them when it ends)
  if (threads > 1 && files.length > 1 && (started || o.kbSource)) {
    const index = s.matcher.index;
    const projected = s.matcher.projectedState();
    const open: DetectWorkerOpen = {
      model: { config: s.model.model.config, params: sharedParams(s.model.model.params) },
      index: { vectors: index.vectors.slice(), entries: Array.from({ length: index.size }, (_, i) => index.entry(i)!), reports: [...s.reports], ...(projected ? { projected } : {}) },
      calibration: s.calibration,
      score: { mode: s.mode, topK: s.scorer.topK, ...(s.minScore !== undefined ? { minScore: s.minScore } : {}) },
      ...(o.windowMs ? { windowMs: o.windowMs } : {}),
      scenarios: o.scenarios ?? {},
    };
    let pool = started;
    if (!pool) {
      pool = new DetectWorkers({ kb: o.kbSource! });
      pool.sendRules(s.rules && ruleSpecBytes(s.rules));
    }
    const workers = pool.take(Math.min(threads, files.length) - 1);
    let done = 0;
    const local = { matcher: s.matcher, detect: (f: string) => detectFile(ctx, f, o.signal ? { signal: o.signal } : {}) };
    const out = await detectFilesInWorkers(files, open, { workers, sizes, local, onResult: (i) => o.onFile?.(++done, files.length, files[i]!) });
    results = out.results;
    encoded = out.encoded;
  } else {
    await started?.close();
    results = [];
    for (let i = 0; i < files.length; i++) {
      results.push(await detectFile(ctx, files[i]!, o.signal ? { signal: o.signal } : {}));
      o.onFile?.(i + 1, files.length, files[i]!);
    }
    encoded = s.matcher.encoded;
  }
  const alerts: Alert[] = [];
  const fragments: ScenarioFragment[] = [];
  const counts = { records: 0, events: 0, sequences: 0, ruleHits: 0, windows: 0 };
  for (const r of results) {
    alerts.push(...r.alerts);
    fragments.push(...r.fragments);
    for (const k of Object.keys(counts) as (keyof typeof counts)[]) counts[k] += r.counts[k];
    for (const i of r.issues.kept) {
      issues.add(i);
      o.onIssue?.(i);
    }
    // issues beyond those kept are counted, not replayed
    for (const [code, n] of r.issues.byCode) {
      const kept = r.issues.kept.filter((i) => (i.code ?? 'other') === code).length;
      if (n > kept) {
        issues.byCode.set(code, (issues.byCode.get(code) ?? 0) + n - kept);
        issues.total += n - kept;
      }
    }
  }
  const scenarios = assembleScenarios(fragments, s.info, o.scenarios ?? {});
  const cpu = process.cpuUsage(cpu0);
  const report: DetectionReport = {
    schema: 'ttpscope.detect/1',
    generator: {
      tool: 'ttpscope',
      version: o.version,
      attackVersion: s.info.kb.info.attackVersion,
      model: s.model.header.paramSha256.slice(0, 16),
      calibration: s.calibration.model.paramSha256.slice(0, 16),
      rules: s.rules?.rules.length ?? 0,
      mode: s.mode,
    },
    inputs: [...(o.inputs ?? files)],
    stats: {
      files: files.length,
      records: counts.records,
      events: counts.events,
      sequences: counts.sequences,
      encoded,
      ruleHits: counts.ruleHits,
      alerts: alerts.length,
      scenarios: scenarios.length,
      windows: counts.windows,
      issues: issues.total,
      threads,
      seconds: +((performance.now() - t0) / 1000).toFixed(3),
      // process-wide: worker threads are part of this process
      cpuSeconds: +((cpu.user + cpu.system) / 1e6).toFixed(3),
    },
    alerts: alerts.sort((a, b) => a.start - b.start || (a.id < b.id ? -1 : 1)),
    scenarios,
  };
  return { report, issues };
}
