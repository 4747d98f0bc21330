/**
 * Files across threads: this thread, which has everything open already,
 * detects files itself (`local`), and `threads − 1` worker threads open the
 * detection context once (the encoder's parameters and the index projection
 * arrive in shared memory; the rules are compiled again, which cannot be
 * shared) and take whole files too, largest first (the big ones set the wall
 * time). Results come back by file index, so the merged output does not
 * depend on which thread ran what. Memory stays bounded per thread by the
 * detector's windows; only alerts and scenario fragments travel back, plus
 * the semantic results a thread computed, which are passed on to the other
 * threads' caches (the same text is then encoded and searched once, not once
 * per thread).
 */
import { Worker } from 'node:worker_threads';
import type { FileResult } from './file.js';
import type { SemanticMatcher } from './semantic.js';
import type { DetectWorkerInit, DetectWorkerMessage, DetectWorkerReply, LearnedMatches } from './worker-protocol.js';

function startWorker(workerData: DetectWorkerInit): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./worker.js', import.meta.url), { workerData });
  // from sources (tsx): the worker registers tsx's loader first, which it does not inherit
  const target = new URL('./worker.ts', import.meta.url).href;
  const api = import.meta.resolve('tsx/esm/api');
  const code = `import { register } from ${JSON.stringify(api)}; register(); await import(${JSON.stringify(target)});`;
  return new Worker(new URL('data:text/javascript,' + encodeURIComponent(code)), { workerData });
}

/** Detection on this thread, with the matcher whose results are traded with the workers. */
export interface LocalLane {
  detect(file: string): Promise<FileResult>;
  matcher: SemanticMatcher;
}

export interface ParallelOptions {
  /** Threads in all, this one included when `local` is given. */
  threads: number;
  /** File sizes (for ordering: largest first). */
  sizes: readonly number[];
  local?: LocalLane;
  onResult?: (index: number, result: FileResult) => void;
}

export async function detectFilesInWorkers(files: readonly string[], init: DetectWorkerInit, opts: ParallelOptions): Promise<{ results: FileResult[]; encoded: number }> {
  const order = files.map((_, i) => i).sort((a, b) => (opts.sizes[b] ?? 0) - (opts.sizes[a] ?? 0) || a - b);
  const results: FileResult[] = new Array(files.length);
  const encodedBy = new Map<Worker, number>();
  let next = 0;
  const local = opts.local;
  const lanes = Math.max(1, Math.min(opts.threads, files.length));
  const workers = Array.from({ length: local ? lanes - 1 : lanes }, () => startWorker(init));
  const localEncoded0 = local?.matcher.encoded ?? 0;
  const share = (from: Worker | undefined, entries: LearnedMatches) => {
    if (entries.length === 0) return;
    for (const other of workers) if (other !== from) other.postMessage({ type: 'learn', entries } satisfies DetectWorkerMessage);
    if (from && local) local.matcher.learn(entries);
  };
  const fromWorker = (w: Worker) =>
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
          share(w, m.learned);
          opts.onResult?.(m.id, m.result);
          give();
        }
      });
      w.on('error', reject);
      w.on('exit', (code) => {
        if (code !== 0) reject(new Error(`detection worker exited with code ${code}`));
      });
    });
  const onThisThread = async (lane: LocalLane) => {
    lane.matcher.shareLearned(true);
    try {
      while (next < order.length) {
        const i = order[next++]!;
        results[i] = await lane.detect(files[i]!);
        share(undefined, lane.matcher.takeLearned());
        opts.onResult?.(i, results[i]);
      }
    } finally {
      lane.matcher.shareLearned(false);
    }
  };
  try {
    await Promise.all([...workers.map(fromWorker), ...(local ? [onThisThread(local)] : [])]).catch((err: unknown) => {
      next = order.length; // this thread takes no further file
      throw err;
    });
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  const encoded = [...encodedBy.values()].reduce((a, b) => a + b, 0) + (local ? local.matcher.encoded - localEncoded0 : 0);
  return { results, encoded };
}
