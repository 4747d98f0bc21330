/**
 * Files across threads: this thread, which has everything open already,
 * detects files itself (`local`), and the worker threads (`worker-pool.ts`;
 * they compile the rules themselves, which cannot be shared, possibly while
 * this thread was still opening) get the rest of the detection context (the
 * encoder's parameters and the index projection in shared memory) and take
 * whole files too, largest first (the big ones set the wall time). Results
 * come back by file index, so the merged output does not depend on which
 * thread ran what. Memory stays bounded per thread by the
 * detector's windows; only alerts and scenario fragments travel back, plus
 * the semantic results a thread computed, which are passed on to the other
 * threads' caches (the same text is then encoded and searched once, not once
 * per thread).
 */
import type { Worker } from 'node:worker_threads';
import type { FileResult } from './file.js';
import type { SemanticMatcher } from './semantic.js';
import type { DetectWorkerMessage, DetectWorkerOpen, DetectWorkerReply, LearnedMatches } from './worker-protocol.js';

/** Detection on this thread, with the matcher whose results are traded with the workers. */
export interface LocalLane {
  detect(file: string): Promise<FileResult>;
  matcher: SemanticMatcher;
}

export interface ParallelOptions {
  /** Started workers (`DetectWorkers.take`), their rules sent; terminated at the end. */
  workers: Worker[];
  /** File sizes (for ordering: largest first). */
  sizes: readonly number[];
  local?: LocalLane;
  onResult?: (index: number, result: FileResult) => void;
}

export async function detectFilesInWorkers(files: readonly string[], open: DetectWorkerOpen, opts: ParallelOptions): Promise<{ results: FileResult[]; encoded: number }> {
  const order = files.map((_, i) => i).sort((a, b) => (opts.sizes[b] ?? 0) - (opts.sizes[a] ?? 0) || a - b);
  const results: FileResult[] = new Array(files.length);
  const encodedBy = new Map<Worker, number>();
  let next = 0;
  const local = opts.local;
  const workers = opts.workers;
  for (const w of workers) w.postMessage({ type: 'open', open } satisfies DetectWorkerMessage);
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
