/**
 * The whole training run as one call (used by `ttpscope model train`,
 * `ttpscope setup` and the benchmark): build the data, train with dev metrics
 * per epoch, save the model file with its metadata.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { KnowledgeBase } from '../kb/index.js';
import { buildTrainingData, type SourceSummary, type TrainingSources } from './data/dataset.js';
import { evaluateLogs, evaluateText } from './evaluate.js';
import type { RetrievalMetrics } from './metrics.js';
import { defaultModelConfig, type EmbedModel, type ModelConfig } from './model.js';
import { saveModel, type RankerSpec } from './model-file.js';
import { defaultRankerShape, fitSamples, fitWeights, RANKER_FEATURES, TechniqueRanker, type MemoryEntry } from './ranker.js';
import { RetrievalScorer } from './metrics.js';
import { buildTechniqueIndex } from './semantic-search.js';
import { defaultTrainOptions, train, type EpochReport, type TrainOptions } from './train.js';

export const DEFAULT_MODEL_FILE = 'ttp-encoder.bin';

/**
 * Version of the training recipe (data building, training, ranker fitting).
 * Stored in the model file; `ttpscope setup` retrains when it changes.
 */
export const TRAINING_RECIPE = 2;

/**
 * A fingerprint of the training inputs: the recipe, the ATT&CK version and
 * the content of every file under the source folders (about 100 MB for the
 * reference data; a second or so). Setup compares it with the one in the
 * model file to decide whether the default model is current. Content, not
 * modification times, so copies of the same data give the same model file.
 */
export function inputsFingerprint(kb: KnowledgeBase, sources: TrainingSources): string {
  const h = createHash('sha256');
  h.update(`recipe ${TRAINING_RECIPE}\nattack ${kb.info.attackVersion}\n`);
  const dirs: [string, string | undefined][] = [
    ['tram', sources.tramDir],
    ['atomics', sources.atomicsDir],
    ['logs', sources.logsDir],
    ...(sources.sigmaDirs ?? []).map((d, i): [string, string] => [`sigma${i}`, d]),
  ];
  for (const [name, dir] of dirs) {
    h.update(`[${name}]\n`);
    if (!dir) continue;
    const walk = (d: string): void => {
      let entries;
      try {
        entries = readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      } catch {
        return;
      }
      for (const e of entries) {
        const p = join(d, e.name);
        if (e.isDirectory()) walk(p);
        else if (e.isFile()) h.update(`${relative(dir, p)}\0${createHash('sha256').update(readFileSync(p)).digest('hex')}\n`);
      }
    };
    walk(dir);
  }
  return h.digest('hex');
}

export function defaultModelPath(modelsDir: string): string {
  return join(modelsDir, DEFAULT_MODEL_FILE);
}

export interface TrainRunOptions {
  sources: TrainingSources;
  out: string;
  config?: ModelConfig;
  train?: Partial<TrainOptions>;
  /** Stage names, per-step progress and per-epoch reports. */
  onStage?: (stage: string) => void;
  onStep?: (epoch: number, step: number, steps: number, loss: number) => void;
  onEpoch?: (report: EpochReport) => void;
  /** Stops training between steps (the partial model is not saved). */
  signal?: AbortSignal;
}

export interface TrainRunResult {
  model: EmbedModel;
  path: string;
  bytes: number;
  sha256: string;
  epochs: EpochReport[];
  summary: SourceSummary[];
  dataSha256: string;
  seconds: { data: number; train: number };
  devLogs: RetrievalMetrics | undefined;
  /** The fitted text ranker, when TRAM was among the sources. */
  ranker: RankerSpec | undefined;
}

function round(m: RetrievalMetrics): Record<string, number> {
  return { n: m.n, r1: +m.r1.toFixed(4), r5: +m.r5.toFixed(4), r10: +m.r10.toFixed(4), mrr: +m.mrr.toFixed(4) };
}

export async function trainAndSave(kb: KnowledgeBase, opts: TrainRunOptions): Promise<TrainRunResult> {
  const config = opts.config ?? defaultModelConfig;
  const trainOpts: TrainOptions = { ...defaultTrainOptions, ...opts.train };
  const t0 = performance.now();
  const data = await buildTrainingData(kb, opts.sources, { seed: trainOpts.seed, ...(opts.onStage ? { onStage: opts.onStage } : {}) });
  const t1 = performance.now();
  opts.onStage?.('training');
  let lastDev: RetrievalMetrics | undefined;
  const { model, epochs } = await train(data.set, config, trainOpts, {
    onStep(epoch, step, steps, loss) {
      opts.signal?.throwIfAborted();
      opts.onStep?.(epoch, step, steps, loss);
    },
    onEpoch(m, report) {
      let dev: Record<string, number> | undefined;
      if (data.tramVal.length) {
        const val = evaluateText(m, buildTechniqueIndex(m, kb, { procedures: false }), data.tramVal);
        dev = Object.fromEntries(Object.entries(round(val)).map(([k, v]) => [`tramval_${k}`, v]));
      }
      if (data.devLogs.length) {
        lastDev = evaluateLogs(m, buildTechniqueIndex(m, kb, { procedures: false }), data.devLogs);
        dev = { ...dev, ...Object.fromEntries(Object.entries(round(lastDev)).map(([k, v]) => [`logs_${k}`, v])) };
      }
      opts.onEpoch?.({ ...report, ...(dev ? { dev } : {}) });
      return dev;
    },
  });
  let ranker: RankerSpec | undefined;
  if (data.tramVal.length && data.tramMemory.length) {
    opts.onStage?.('fitting the text ranker on the TRAM val documents');
    ranker = fitRanker(model, kb, data.tramMemory, data.tramVal);
  }
  const t2 = performance.now();
  const { workers: _workers, ...hyper } = trainOpts;
  const saved = saveModel(opts.out, model, {
    recipe: TRAINING_RECIPE,
    inputs: inputsFingerprint(kb, opts.sources),
    attackVersion: kb.info.attackVersion,
    hyperparameters: hyper,
    data: { sha256: data.sha256, sources: data.summary, devLogFiles: data.devLogs.map((f) => f.file) },
    metrics: { epochs: epochs.map((e) => ({ epoch: e.epoch, loss: +e.loss.toFixed(5), batchAccuracy: +e.batchAccuracy.toFixed(4), ...(e.dev ? { dev: e.dev } : {}) })) },
  }, ranker);
  return {
    model,
    path: opts.out,
    bytes: saved.bytes,
    sha256: saved.sha256,
    epochs,
    summary: data.summary,
    dataSha256: data.sha256,
    seconds: { data: (t1 - t0) / 1000, train: (t2 - t1) / 1000 },
    devLogs: lastDev,
    ranker,
  };
}

/**
 * Fit the ranker's weights on the val sentences with a memory that holds no
 * val document (so a sentence never finds itself), then store the memory
 * with the val sentences added: at use time every train-split sentence helps.
 */
export function fitRanker(model: EmbedModel, kb: KnowledgeBase, memory: readonly MemoryEntry[], val: readonly MemoryEntry[]): RankerSpec {
  const fitting = new TechniqueRanker(model, kb, memory, { weights: RANKER_FEATURES.map(() => 0), ...defaultRankerShape });
  const samples = fitSamples(fitting, val);
  const { weights, loss } = fitWeights(samples);
  const scorer = new RetrievalScorer();
  samples.forEach((s, i) => scorer.add(fitting.rankIds(s, weights), val[i]!.labels));
  const seen = new Set<string>();
  const stored: MemoryEntry[] = [];
  for (const e of [...memory, ...val]) {
    if (seen.has(e.text)) continue;
    seen.add(e.text);
    stored.push({ text: e.text, labels: [...e.labels] });
  }
  return {
    features: [...RANKER_FEATURES],
    weights,
    ...defaultRankerShape,
    memory: stored,
    fit: { valSentences: val.length, fitMemory: memory.length, loss: +loss.toFixed(5), inSample: round(scorer.result()) },
  };
}
