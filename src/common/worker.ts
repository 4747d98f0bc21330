/**
 * Starting a worker thread on a module beside the caller, from the built
 * package (`.js`) or from sources (`.ts` run through tsx). A worker thread
 * does not inherit `--import tsx`, so from sources a two-line bootstrap
 * registers tsx's loader first and then imports the entry module.
 */
import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * `new Worker` on `<stem>.js` (or `<stem>.ts` from sources) next to the
 * module whose `import.meta.url` is `callerUrl`.
 */
export function startModuleWorker(callerUrl: string, stem: string, options: WorkerOptions = {}): Worker {
  const fromSources = callerUrl.endsWith('.ts');
  const entry = new URL(`./${stem}${fromSources ? '.ts' : '.js'}`, callerUrl);
  if (!fromSources) return new Worker(entry, options);
  const api = import.meta.resolve('tsx/esm/api');
  const code = `import { register } from ${JSON.stringify(api)}; register(); await import(${JSON.stringify(entry.href)});`;
  return new Worker(new URL('data:text/javascript,' + encodeURIComponent(code)), options);
}
