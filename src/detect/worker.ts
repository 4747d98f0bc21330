/**
 * Detection worker: loads the knowledge base as soon as it starts, compiles
 * the rule set it is sent (`rules`, possibly while the main thread is still
 * opening the rest), then rebuilds the detection context from `open` (the
 * TTP index vectors; the encoder's parameters and the index projection in
 * shared memory; calibration) and detects whole files on request
 * (`detectFile`), sending back alerts, scenario fragments, counts and issues.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadKnowledgeBase, loadKnowledgeBaseFromFile } from '../kb/index.js';
import { EmbedModel } from '../embed/model.js';
import { VectorIndex } from '../embed/vector/vector-index.js';
import { deserializeSpec, prepareRules } from '../sigma/hunt/compile.js';
import { UnitScorer } from './calibration/score.js';
import { detectFile, type FileDetectContext } from './file.js';
import { ruleTableOf, type RuleTable } from './rules.js';
import { SemanticMatcher } from './semantic.js';
import { TechniqueInfo } from './techniques.js';
import type { DetectWorkerMessage, DetectWorkerOpen, DetectWorkerReply, DetectWorkerStart } from './worker-protocol.js';

const start = workerData as DetectWorkerStart;
const port = parentPort!;

/** A promise and the function that settles it (for what arrives by message). */
function arrival<T>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

const rulesMessage = arrival<Uint8Array | undefined>();
const openMessage = arrival<DetectWorkerOpen>();

const info = (async () => {
  const kb = 'dataDir' in start.kb ? await loadKnowledgeBase({ dataDir: start.kb.dataDir }) : await loadKnowledgeBaseFromFile(start.kb.bundle, start.kb.index ? { indexPath: start.kb.index } : {});
  return new TechniqueInfo(kb);
})();

const rules = (async (): Promise<RuleTable | undefined> => {
  const [bytes, techniques] = await Promise.all([rulesMessage.promise, info]);
  return bytes ? ruleTableOf(prepareRules(deserializeSpec(bytes)).rules, techniques) : undefined;
})();

async function open(): Promise<FileDetectContext> {
  const [o, techniques, table] = await Promise.all([openMessage.promise, info, rules]);
  const model = new EmbedModel(o.model.config, o.model.params);
  const index = new VectorIndex(model.dim);
  index.addMany(o.index.vectors, o.index.entries);
  const matcher = new SemanticMatcher(model, index, new Map(o.index.reports), o.index.projected ? { projected: o.index.projected } : {});
  matcher.shareLearned();
  const scorer = new UnitScorer(o.calibration, techniques, table?.rules ?? [], o.score);
  return { info: techniques, matcher, rules: table, scorer, ...(o.windowMs ? { windowMs: o.windowMs } : {}), scenarios: o.scenarios };
}

const ready = open();
ready.then(
  () => port.postMessage({ type: 'ready' } satisfies DetectWorkerReply),
  (err: unknown) => port.postMessage({ type: 'failed', message: err instanceof Error ? err.message : String(err) } satisfies DetectWorkerReply),
);

port.on('message', (msg: DetectWorkerMessage) => {
  if (msg.type === 'rules') {
    rulesMessage.resolve(msg.rules);
    return;
  }
  if (msg.type === 'open') {
    openMessage.resolve(msg.open);
    return;
  }
  void (async () => {
    const ctx = await ready;
    if (msg.type === 'learn') {
      ctx.matcher.learn(msg.entries);
      return;
    }
    try {
      const result = await detectFile(ctx, msg.file);
      port.postMessage({ type: 'done', id: msg.id, result, encoded: ctx.matcher.encoded, learned: ctx.matcher.takeLearned() } satisfies DetectWorkerReply);
    } catch (err) {
      port.postMessage({ type: 'error', id: msg.id, message: err instanceof Error ? err.message : String(err) } satisfies DetectWorkerReply);
    }
  })();
});
