/**
 * Contrastive training of the dual encoder. Each batch holds B queries
 * (sentences for the text tower, behaviour sequences for the log tower) and, as
 * candidates, the technique texts of every label in the batch plus hard
 * negatives (sibling sub-techniques, techniques sharing tools) — so in-batch
 * negatives come for free and the hard ones are guaranteed to be seen.
 * Loss: symmetric InfoNCE with a learnable temperature.
 */
import { bagOf, featurize, type FeatureBag } from './features.js';
import { allocActivations, allocAdam, contrastiveLoss, defaultAdam, type AdamConfig, type BatchBuffers } from './kernels.js';
import { EmbedModel, initParams, paramLayout, type ModelConfig, type Tower } from './model.js';
import { inlineRunner, workerRunner, type PhaseRunner, type SharedState } from './pool.js';
import { Rng } from './rng.js';

/** One training query: a text for one tower and the techniques it shows. */
export interface TrainingQuery {
  text: string;
  tower: Tower;
  labels: string[];
  /** Where it came from (`attack-procedure`, `tram-train`, `sigma`, `atomic`, `logs`…). */
  source: string;
}

export interface TrainingSet {
  queries: TrainingQuery[];
  /** Technique id → the text that stands for it (name, tactics, description). */
  techniqueTexts: Map<string, string>;
  /** Technique id → techniques it is easily confused with. */
  hardNegatives: Map<string, string[]>;
}

export interface TrainOptions {
  epochs: number;
  batchSize: number;
  /** Extra hard-negative candidates per batch. */
  hardNegatives: number;
  seed: number;
  /** 0 = inline on this thread; n ≥ 1 = n worker threads. The model bytes do not depend on it. */
  workers: number;
  adam: AdamConfig;
  /** Upper bound for the logit scale (1/temperature). */
  maxLogitScale: number;
  /** Keep the temperature fixed at its initial value. */
  fixedTemperature: boolean;
}

export const defaultTrainOptions: TrainOptions = {
  epochs: 3,
  batchSize: 512,
  hardNegatives: 64,
  seed: 1,
  workers: 2,
  adam: defaultAdam,
  maxLogitScale: 100,
  fixedTemperature: false,
};

export interface EpochReport {
  epoch: number;
  loss: number;
  /** Share of queries whose top candidate in the batch was a positive. */
  batchAccuracy: number;
  seconds: number;
  dev?: Record<string, number>;
}

export interface TrainHooks {
  /** After every step (for progress). */
  onStep?: (epoch: number, step: number, steps: number, loss: number) => void;
  /** After every epoch; may return dev metrics to record. */
  onEpoch?: (model: EmbedModel, report: EpochReport) => Record<string, number> | undefined | void;
}

interface Prepared {
  bag: FeatureBag;
  tower: Tower;
  labels: number[];
}

export async function train(set: TrainingSet, config: ModelConfig, opts: TrainOptions, hooks: TrainHooks = {}): Promise<{ model: EmbedModel; epochs: EpochReport[] }> {
  const techIds = [...set.techniqueTexts.keys()].sort();
  const techIndex = new Map(techIds.map((t, i) => [t, i]));
  const techFeatures = techIds.map((t) => bagOf(featurize(set.techniqueTexts.get(t)!, config.features).ids));
  const hard = techIds.map((t) => (set.hardNegatives.get(t) ?? []).map((h) => techIndex.get(h)).filter((i): i is number => i !== undefined));
  const queries: Prepared[] = [];
  for (const q of set.queries) {
    const labels = [...new Set(q.labels.map((l) => techIndex.get(l)).filter((i): i is number => i !== undefined))];
    if (labels.length === 0) continue;
    const ids = featurize(q.text, config.features).ids;
    if (ids.length === 0) continue;
    queries.push({ bag: bagOf(ids), tower: q.tower, labels });
  }
  if (queries.length === 0) throw new Error('no training queries with a known technique label');

  const layout = paramLayout(config);
  const shared = opts.workers > 0;
  const params = shared ? new Float32Array(new SharedArrayBuffer(layout.total * 4)) : new Float32Array(layout.total);
  initParams(config, opts.seed, params);

  const B = Math.max(2, opts.batchSize);
  let maxQ = 0;
  for (const q of queries) maxQ = Math.max(maxQ, q.bag.ids.length);
  let maxT = 0;
  for (const f of techFeatures) maxT = Math.max(maxT, f.ids.length);
  let maxLabels = 0;
  for (const q of queries) maxLabels = Math.max(maxLabels, q.labels.length);
  const maxCandidates = Math.min(techIds.length, B * maxLabels + opts.hardNegatives);
  const capItems = B + maxCandidates;
  const capIds = B * maxQ + maxCandidates * maxT;
  const i32 = (n: number) => (shared ? new Int32Array(new SharedArrayBuffer(n * 4)) : new Int32Array(n));
  const batch: BatchBuffers = {
    count: 0,
    queries: 0,
    ids: i32(capIds),
    weights: shared ? new Float32Array(new SharedArrayBuffer(capIds * 4)) : new Float32Array(capIds),
    offsets: i32(capItems + 1),
    sizes: i32(capItems),
    towers: shared ? new Uint8Array(new SharedArrayBuffer(capItems)) : new Uint8Array(capItems),
  };
  const state: SharedState = {
    config,
    layout,
    params,
    adam: allocAdam(config, layout, shared),
    adamConfig: opts.adam,
    acts: allocActivations(capItems, config.dim, shared),
    batch,
    header: i32(2),
  };
  const runner: PhaseRunner = shared ? await workerRunner(state, opts.workers) : inlineRunner(state);
  const model = new EmbedModel(config, params);
  const rng = new Rng(opts.seed ^ 0x5bd1e995);
  // temperature: Adam on one scalar, here on the main thread
  let lsM = 0;
  let lsV = 0;
  const reports: EpochReport[] = [];
  let step = 0;
  try {
    const order = queries.map((_, i) => i);
    const steps = Math.ceil(order.length / B);
    for (let epoch = 1; epoch <= opts.epochs; epoch++) {
      const started = performance.now();
      rng.shuffle(order);
      let lossSum = 0;
      let correct = 0;
      let seen = 0;
      for (let s = 0; s < steps; s++) {
        const chosen = order.slice(s * B, (s + 1) * B).map((i) => queries[i]!);
        const candidates = pickCandidates(chosen, hard, opts.hardNegatives, rng);
        const nq = chosen.length;
        const nc = candidates.length;
        let at = 0;
        let item = 0;
        const put = (bag: FeatureBag, tower: number) => {
          batch.offsets[item] = at;
          batch.ids.set(bag.ids, at);
          batch.weights.set(bag.weights, at);
          batch.sizes[item] = bag.size;
          batch.towers[item] = tower;
          at += bag.ids.length;
          item++;
        };
        for (const q of chosen) put(q.bag, q.tower);
        for (const c of candidates) put(techFeatures[c]!, 0);
        batch.offsets[item] = at;
        state.header[0] = item;
        state.header[1] = nq;
        const candPos = new Map(candidates.map((c, j) => [c, j]));
        const positive = new Uint8Array(nq * nc);
        chosen.forEach((q, i) => {
          for (const l of q.labels) positive[i * nc + candPos.get(l)!] = 1;
        });
        step++;
        await runner.run('forward', step);
        const ls = params[layout.logScale]!;
        const res = contrastiveLoss(config.dim, state.acts, nq, nc, positive, ls);
        await runner.run('backward', step);
        await runner.run('update', step);
        if (!opts.fixedTemperature) {
          const b1 = opts.adam.beta1;
          const b2 = opts.adam.beta2;
          lsM = b1 * lsM + (1 - b1) * res.dLogScale;
          lsV = b2 * lsV + (1 - b2) * res.dLogScale * res.dLogScale;
          const upd = (opts.adam.lrProjection * (lsM / (1 - Math.pow(b1, step)))) / (Math.sqrt(lsV / (1 - Math.pow(b2, step))) + opts.adam.eps);
          params[layout.logScale] = Math.min(Math.log(opts.maxLogitScale), Math.max(0, ls - upd));
        }
        lossSum += res.loss * nq;
        correct += res.correct;
        seen += nq;
        hooks.onStep?.(epoch, s + 1, steps, res.loss);
      }
      const report: EpochReport = { epoch, loss: lossSum / seen, batchAccuracy: correct / seen, seconds: (performance.now() - started) / 1000 };
      model.clearCache();
      const dev = hooks.onEpoch?.(model, report);
      if (dev) report.dev = dev;
      reports.push(report);
    }
  } finally {
    await runner.close();
  }
  // detach from shared memory so the caller owns a plain array
  const plain = new EmbedModel(config, Float32Array.from(params));
  return { model: plain, epochs: reports };
}

/** Labels of the batch, then up to `extra` hard negatives of those labels (deterministic order). */
function pickCandidates(chosen: Prepared[], hard: number[][], extra: number, rng: Rng): number[] {
  const set = new Set<number>();
  for (const q of chosen) for (const l of q.labels) set.add(l);
  const base = [...set].sort((a, b) => a - b);
  const pool: number[] = [];
  const seen = new Set<number>();
  for (const l of base) for (const h of hard[l] ?? []) if (!set.has(h) && !seen.has(h)) (seen.add(h), pool.push(h));
  pool.sort((a, b) => a - b);
  rng.shuffle(pool);
  return base.concat(pool.slice(0, extra));
}
