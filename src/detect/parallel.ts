/**
 * Files across worker threads: each worker opens the detection context once
 * and takes whole files, largest first (the big ones set the wall time);
 * results come back by file index, so the merged output does not depend on
 * which worker ran what. Memory stays bounded per worker by the detector's
 * windows; only alerts and scenario fragments travel back, plus the semantic
 * results a worker computed, which are passed on to the other workers'
 * caches (the same text is then encoded and searched once, not once per worker).
 */
import { Worker } from 'node:worker_threads';
import type { FileResult } from './file.js';
import type { DetectWorkerInit, DetectWorkerMessage, DetectWorkerReply } from './worker-protocol.js';

function startWorker(workerData: DetectWorkerInit): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./worker.js', import.meta.url), { workerData });
  // from sources (tsx): the worker registers tsx's loader first, which it does not inherit
  const target = new URL('./worker.ts', import.meta.url).href;
  const api = import.meta.resolve('tsx/esm/api');
  const code = `import { register } from ${JSON.stringify(api)}; register(); await import(${JSON.stringify(target)});`;
  return new Worker(new URL('data:text/javascript,' + encodeURIComponent(code)), { workerData });
}

export interface ParallelOptions {
  threads: number;
  /** File sizes (for ordering: largest first). */
  sizes: readonly number[];
  onResult?: (index: number, result: FileResult, encoded: number) => void;
}

export async function detectFilesInWorkers(files: readonly string[], init: DetectWorkerInit, opts: ParallelOptions): Promise<{ results: FileResult[]; encoded: number }> {
  const order = files.map((_, i) => i).sort((a, b) => (opts.sizes[b] ?? 0) - (opts.sizes[a] ?? 0) || a - b);
  const results: FileResult[] = new Array(files.length);
  const encodedBy = new Map<Worker, number>();
  let next = 0;
  const n = Math.max(1, Math.min(opts.threads, files.length));
  const workers = Array.from({ length: n }, () => startWorker(init));
  try {
    await Promise.all(
      workers.map(
        (w) =>
          new Promise<void>((resolve, reject) => {
            const give = () => {
              if (next >= order.length) {
                resolve();
                return;
              }
              const i = order[next++]!;
              w.postMessage({ type: 'file', id: i, file: files[i]! } satisfies DetectWorkerMessage);
            };
            w.on('message', (m: DetectWorkerReply) => {
              if (m.type === 'ready') give();
              else if (m.type === 'failed') reject(new Error(`detection worker could not start: ${m.message}`));
              else if (m.type === 'error') reject(new Error(`detection failed on ${files[m.id]}: ${m.message}`));
              else {
                results[m.id] = m.result;
                encodedBy.set(w, m.encoded);
                if (m.learned.length > 0) for (const other of workers) if (other !== w) other.postMessage({ type: 'learn', entries: m.learned } satisfies DetectWorkerMessage);
                opts.onResult?.(m.id, m.result, m.encoded);
                give();
              }
            });
            w.on('error', reject);
            w.on('exit', (code) => {
              if (code !== 0) reject(new Error(`detection worker exited with code ${code}`));
            });
          }),
      ),
    );
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return { results, encoded: [...encodedBy.values()].reduce((a, b) => a + b, 0) };
}
