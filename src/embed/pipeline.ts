/**
 * The whole training run as one call (used by `ttpscope model train`,
 * `ttpscope setup` and the benchmark): build the data, train with dev metrics
 * per epoch, save the model file with its metadata.
 */
import { join } from 'node:path';
import type { KnowledgeBase } from '../kb/index.js';
import { buildTrainingData, type SourceSummary, type TrainingSources } from './data/dataset.js';
import { evaluateLogs } from './evaluate.js';
import type { RetrievalMetrics } from './metrics.js';
import { defaultModelConfig, type EmbedModel, type ModelConfig } from './model.js';
import { saveModel } from './model-file.js';
import { buildTechniqueIndex } from './semantic-search.js';
import { defaultTrainOptions, train, type EpochReport, type TrainOptions } from './train.js';

export const DEFAULT_MODEL_FILE = 'ttp-encoder.bin';

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
    ...(opts.onStep ? { onStep: opts.onStep } : {}),
    onEpoch(m, report) {
      let dev: Record<string, number> | undefined;
      if (data.devLogs.length) {
        lastDev = evaluateLogs(m, buildTechniqueIndex(m, kb, { procedures: false }), data.devLogs);
        dev = Object.fromEntries(Object.entries(round(lastDev)).map(([k, v]) => [`logs_${k}`, v]));
      }
      opts.onEpoch?.({ ...report, ...(dev ? { dev } : {}) });
      return dev;
    },
  });
  const t2 = performance.now();
  const { workers: _workers, ...hyper } = trainOpts;
  const saved = saveModel(opts.out, model, {
    attackVersion: kb.info.attackVersion,
    hyperparameters: hyper,
    data: { sha256: data.sha256, sources: data.summary, devLogFiles: data.devLogs.map((f) => f.file) },
    metrics: { epochs: epochs.map((e) => ({ epoch: e.epoch, loss: +e.loss.toFixed(5), batchAccuracy: +e.batchAccuracy.toFixed(4), ...(e.dev ? { dev: e.dev } : {}) })) },
  });
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
  };
}
