/**
 * Runs the per-step phases (forward, backward, reduce+update) over `parts`
 * partitions: inline when `workers` is 0, else on worker threads sharing the
 * parameters, optimiser state, batch and activations through SharedArrayBuffers.
 */
import type { Worker } from 'node:worker_threads';
import { startModuleWorker } from '../common/worker.js';
import { backwardItems, forwardItems, reduceAndUpdate, type Activations, type AdamConfig, type AdamState, type BatchBuffers } from './kernels.js';
import type { ModelConfig, ParamLayout } from './model.js';

export type Phase = 'forward' | 'backward' | 'update';

/** Everything a worker needs; all arrays are views on SharedArrayBuffers when workers run. */
export interface SharedState {
  config: ModelConfig;
  layout: ParamLayout;
  params: Float32Array;
  adam: AdamState;
  adamConfig: AdamConfig;
  acts: Activations;
  batch: BatchBuffers;
  /** batch.count, batch.queries live here for workers: [count, queries]. */
  header: Int32Array;
}

export function runPhase(s: SharedState, phase: Phase, step: number, part: number, parts: number): void {
  const b: BatchBuffers = { ...s.batch, count: s.header[0]!, queries: s.header[1]! };
  if (phase === 'forward') forwardItems(s.config, s.layout, s.params, b, s.acts, part, parts);
  else if (phase === 'backward') backwardItems(s.config, s.layout, s.params, b, s.acts, part, parts);
  else reduceAndUpdate(s.config, s.layout, s.params, b, s.acts, s.adam, s.adamConfig, step, part, parts);
}

export interface PhaseRunner {
  run(phase: Phase, step: number): Promise<void>;
  close(): Promise<void>;
}

export function inlineRunner(s: SharedState): PhaseRunner {
  return {
    async run(phase, step) {
      runPhase(s, phase, step, 0, 1);
    },
    async close() {},
  };
}

export async function workerRunner(s: SharedState, workers: number): Promise<PhaseRunner> {
  const pool: Worker[] = [];
  const pending = new Map<Worker, { resolve: () => void; reject: (e: Error) => void }>();
  for (let k = 0; k < workers; k++) {
    const w = startModuleWorker(import.meta.url, 'worker', { workerData: { state: s, part: k, parts: workers } });
    w.on('message', () => {
      const p = pending.get(w);
      pending.delete(w);
      p?.resolve();
    });
    w.on('error', (e) => {
      const p = pending.get(w);
      pending.delete(w);
      p?.reject(e);
    });
    pool.push(w);
  }
  return {
    run(phase, step) {
      return Promise.all(
        pool.map(
          (w) =>
            new Promise<void>((resolve, reject) => {
              pending.set(w, { resolve, reject });
              w.postMessage({ phase, step });
            }),
        ),
      ).then(() => undefined);
    },
    async close() {
      await Promise.all(pool.map((w) => w.terminate()));
    },
  };
}
