/**
 * Detection worker threads, started before they have work: a session that
 * knows it will run on several threads starts them while it opens (they load
 * ATT&CK at once and compile the rules as soon as the main thread has read
 * them, while the main thread goes on building the TTP index), so their
 * start-up overlaps the main thread's instead of delaying detection.
 * Started workers do not keep the process alive (`unref`) until they are used.
 */
import type { Worker } from 'node:worker_threads';
import { startModuleWorker } from '../common/worker.js';
import type { DetectWorkerMessage, DetectWorkerStart } from './worker-protocol.js';

function startWorker(workerData: DetectWorkerStart): Worker {
  return startModuleWorker(import.meta.url, 'worker', { workerData });
}

export class DetectWorkers {
  private readonly started: Worker[] = [];
  /** What was sent as `rules` (undefined: no Sigma), once it was. */
  private rules: { bytes?: Uint8Array } | undefined;

  constructor(private readonly start: DetectWorkerStart) {}

  /** Start workers until there are `count`. */
  grow(count: number): this {
    while (this.started.length < count) {
      const w = startWorker(this.start);
      w.unref();
      if (this.rules) w.postMessage({ type: 'rules', ...(this.rules.bytes ? { rules: this.rules.bytes } : {}) } satisfies DetectWorkerMessage);
      this.started.push(w);
    }
    return this;
  }

  /** The rule set for every worker, started or still to start (once). */
  sendRules(bytes: Uint8Array | undefined): void {
    if (this.rules) throw new Error('rules were sent already');
    this.rules = bytes ? { bytes } : {};
    for (const w of this.started) w.postMessage({ type: 'rules', ...(bytes ? { rules: bytes } : {}) } satisfies DetectWorkerMessage);
  }

  /** `count` workers for one run, the others terminated; the pool is empty afterwards (a run terminates what it took). */
  take(count: number): Worker[] {
    if (!this.rules) throw new Error('rules must be sent before workers are taken');
    this.grow(count);
    const taken = this.started.splice(0, count);
    for (const w of taken) w.ref();
    void this.close();
    return taken;
  }

  async close(): Promise<void> {
    const rest = this.started.splice(0);
    await Promise.all(rest.map((w) => w.terminate()));
  }
}
