/**
 * Detection worker: rebuilds what the main thread opened (knowledge base,
 * the TTP index vectors it was sent, compiled rules, calibration; the
 * encoder's parameters and the index projection arrive in shared memory)
 * and detects whole files on request (`detectFile`), sending back alerts,
 * scenario fragments, counts and issues.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadKnowledgeBase, loadKnowledgeBaseFromFile } from '../kb/index.js';
import { EmbedModel } from '../embed/model.js';
import { VectorIndex } from '../embed/vector/vector-index.js';
import { deserializeSpec, prepareRules } from '../sigma/hunt/compile.js';
import { UnitScorer } from './calibration/score.js';
import { detectFile, type FileDetectContext } from './file.js';
import { ruleTableOf } from './rules.js';
import { SemanticMatcher } from './semantic.js';
import { TechniqueInfo } from './techniques.js';
import type { DetectWorkerInit, DetectWorkerMessage, DetectWorkerReply } from './worker-protocol.js';

const init = workerData as DetectWorkerInit;
const port = parentPort!;

async function open(): Promise<FileDetectContext> {
  const kb = 'dataDir' in init.kb ? await loadKnowledgeBase({ dataDir: init.kb.dataDir }) : await loadKnowledgeBaseFromFile(init.kb.bundle, init.kb.index ? { indexPath: init.kb.index } : {});
  const info = new TechniqueInfo(kb);
  const model = new EmbedModel(init.model.config, init.model.params);
  const index = new VectorIndex(model.dim);
  index.addMany(init.index.vectors, init.index.entries);
  const matcher = new SemanticMatcher(model, index, new Map(init.index.reports), init.index.projected ? { projected: init.index.projected } : {});
  matcher.shareLearned();
  const rules = init.rules ? ruleTableOf(prepareRules(deserializeSpec(init.rules)).rules, info) : undefined;
  const scorer = new UnitScorer(init.calibration, info, rules?.rules ?? [], init.score);
  return { info, matcher, rules, scorer, ...(init.windowMs ? { windowMs: init.windowMs } : {}), scenarios: init.scenarios };
}

const ready = open();
ready.then(
  () => port.postMessage({ type: 'ready' } satisfies DetectWorkerReply),
  (err: unknown) => port.postMessage({ type: 'failed', message: err instanceof Error ? err.message : String(err) } satisfies DetectWorkerReply),
);

port.on('message', (msg: DetectWorkerMessage) => {
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
