/**
 * Encoding on worker threads: each worker holds an `EmbedModel` over the same
 * parameters (one SharedArrayBuffer, not copied per worker) with its own
 * inference caches, takes a contiguous share of a batch and writes the
 * vectors straight into a shared output matrix. Results equal `encode` on
 * one thread, row for row.
 */
import type { Worker } from 'node:worker_threads';
import { startModuleWorker } from '../common/worker.js';
import { EmbedModel, type ModelConfig, type Tower } from './model.js';

export interface EncodeJob {
  id: number;
  texts: string[];
  tower: Tower;
  out: Float32Array;
}

export class EncoderPool {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();

  private constructor(
    private readonly workers: Worker[],
    readonly dim: number,
  ) {
    for (const w of workers) {
      w.on('message', (msg: { id: number; error?: string }) => {
        const p = this.pending.get(msg.id);
        this.pending.delete(msg.id);
        if (msg.error) p?.reject(new Error(msg.error));
        else p?.resolve();
      });
      w.on('error', (e) => {
        for (const p of this.pending.values()) p.reject(e);
        this.pending.clear();
      });
    }
  }

  /** Start `threads` workers over `model`'s parameters. */
  static async start(model: EmbedModel, threads = 2): Promise<EncoderPool> {
    const shared = new Float32Array(new SharedArrayBuffer(model.params.byteLength));
    shared.set(model.params);
    const data: { config: ModelConfig; params: Float32Array } = { config: model.config, params: shared };
    const workers: Worker[] = [];
    for (let k = 0; k < Math.max(1, threads); k++) workers.push(startModuleWorker(import.meta.url, 'encode-worker', { workerData: data }));
    const pool = new EncoderPool(workers, model.dim);
    await pool.encodeMany(['warm up'], 0); // workers are ready once they answered
    return pool;
  }

  get threads(): number {
    return this.workers.length;
  }

  /** Vectors for `texts` (row i = text i), computed by all workers. */
  async encodeMany(texts: readonly string[], tower: Tower): Promise<Float32Array> {
    const d = this.dim;
    const out = new Float32Array(new SharedArrayBuffer(Math.max(1, texts.length) * d * 4), 0, texts.length * d);
    const parts = this.workers.length;
    const per = Math.ceil(texts.length / parts);
    const jobs: Promise<void>[] = [];
    for (let k = 0; k < parts; k++) {
      const from = k * per;
      const to = Math.min(texts.length, from + per);
      if (from >= to) break;
      const id = this.nextId++;
      jobs.push(
        new Promise<void>((resolve, reject) => {
          this.pending.set(id, { resolve, reject });
          const job: EncodeJob = { id, texts: texts.slice(from, to), tower, out: out.subarray(from * d, to * d) };
          this.workers[k]!.postMessage(job);
        }),
      );
    }
    await Promise.all(jobs);
    return out;
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/** The worker side (see encode-worker.ts). */
export function serveEncodeJobs(config: ModelConfig, params: Float32Array, port: { on(ev: 'message', f: (job: EncodeJob) => void): void; postMessage(msg: unknown): void }): void {
  const model = new EmbedModel(config, params);
  const d = config.dim;
  port.on('message', (job) => {
    try {
      for (let i = 0; i < job.texts.length; i++) model.encode(job.texts[i]!, job.tower, job.out, i * d);
      port.postMessage({ id: job.id });
    } catch (e) {
      port.postMessage({ id: job.id, error: (e as Error).message });
    }
  });
}
