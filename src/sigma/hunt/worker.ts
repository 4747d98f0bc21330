/**
 * Hunt worker: compiles the rule set it is given, then scans whole files or
 * blocks of JSON Lines on request and sends back timeline rows, counters and
 * (a capped sample of) issues.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Issue } from '../../common/errors.js';
import { deserializeSpec, prepareRules } from './compile.js';
import { keyFieldsOf, newCounters, scanFile, scanJsonlBlock, type ScanContext } from './scan.js';
import type { TaskMessage, TaskResult, WorkerInit, WorkerReady } from './protocol.js';
import { IssueLog } from './issues.js';

const init = workerData as WorkerInit;
const port = parentPort!;
const prepared = prepareRules(deserializeSpec(init.spec));
const keyFields = keyFieldsOf(prepared.rules, prepared.pipeline);
const ready: WorkerReady = { type: 'ready', refs: init.sendRefs ? prepared.refs : [], issues: init.sendRefs ? prepared.issues : [], belowLevel: prepared.belowLevel };
port.postMessage(ready);

port.on('message', (msg: TaskMessage) => {
  void run(msg);
});

async function run(msg: TaskMessage): Promise<void> {
  const issues = new IssueLog(init.maxIssueSamples);
  const ctx: ScanContext = {
    rules: prepared.rules,
    keyFields,
    rows: [],
    counters: newCounters(),
    ...(init.countOnly ? { countOnly: true } : {}),
    onIssue: (i: Issue) => issues.add(i),
    ...(init.maxLineBytes ? { maxLineBytes: init.maxLineBytes } : {}),
  };
  let lines = 0;
  try {
    if (msg.type === 'file') await scanFile(msg.path, ctx);
    else lines = (await scanJsonlBlock(Buffer.from(msg.block.buffer, msg.block.byteOffset, msg.block.byteLength), msg.file, ctx)).lines;
  } catch (err) {
    issues.add({ severity: 'error', code: 'internal', message: `scan failed: ${err instanceof Error ? err.message : String(err)}`, place: { file: msg.type === 'file' ? msg.path : msg.file } });
  }
  const result: TaskResult = { type: 'done', id: msg.id, rows: ctx.rows, counters: ctx.counters, lines, issues: issues.snapshot() };
  // the block's memory goes back to the runner for its next block (nothing here keeps a view of it: lines were decoded to strings)
  if (msg.type === 'block') port.postMessage({ ...result, block: msg.block }, [msg.block.buffer as ArrayBuffer]);
  else port.postMessage(result);
}
