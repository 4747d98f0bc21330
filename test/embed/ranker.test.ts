import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { UserError } from '../../src/common/errors.js';
import { attackQueries, hardNegatives, techniqueTexts } from '../../src/embed/data/attack-texts.js';
import { LeakGuard, tramExtraSentences, tramSentences } from '../../src/embed/data/tram.js';
import { TEXT_TOWER, type ModelConfig } from '../../src/embed/model.js';
import { decodeModelFile, encodeModelFile } from '../../src/embed/model-file.js';
import { fitRanker } from '../../src/embed/pipeline.js';
import { fitWeights, RANKER_FEATURES, rankerFromSpec, type FitSample } from '../../src/embed/ranker.js';
import { Rng } from '../../src/embed/rng.js';
import { defaultTrainOptions, train } from '../../src/embed/train.js';
import { loadKnowledgeBaseFromFile } from '../../src/kb/index.js';
import { repoRoot } from '../helpers.js';

const ref = join(repoRoot, 'test', 'fixtures', 'embed', 'ref');
const cfg: ModelConfig = { features: { buckets: 4096, charMin: 3, charMax: 4, bigrams: true, maxTokens: 64 }, dim: 24, pooling: 'sqrtn' };
const F = RANKER_FEATURES.length;

test('fitWeights finds the informative score and ranks with it', () => {
  const rng = new Rng(3);
  const samples: FitSample[] = [];
  for (let s = 0; s < 200; s++) {
    const n = 12;
    const features = new Float64Array(n * F).map(() => rng.next());
    const right = rng.int(n);
    features[right * F + 2] = 1.2 + rng.next(); // the third score singles out the right answer
    const positive = new Uint8Array(n);
    positive[right] = 1;
    samples.push({ techs: Int32Array.from({ length: n }, (_, i) => i), features, positive });
  }
  const before = fitWeights(samples, { steps: 1 }).loss;
  const { weights, loss } = fitWeights(samples);
  assert.ok(loss < before, `${before} → ${loss}`);
  assert.equal(weights.indexOf(Math.max(...weights)), 2, String(weights));
  const again = fitWeights(samples);
  assert.deepEqual(again.weights, weights, 'deterministic');
});

test('TRAM extra sentences: nothing from excluded reports, labels merged, unknown ids dropped', async () => {
  const kb = await loadKnowledgeBaseFromFile(join(ref, 'attack', 'enterprise-attack.json'));
  const tram = join(ref, 'tram');
  const withVal = tramExtraSentences(kb, tram, 'train');
  const fitOnly = tramExtraSentences(kb, tram, 'fit');
  const texts = (r: typeof withVal) => r.sentences.map((s) => s.text).sort();
  // the test report's sentence (by title, and reworded/recased in the bootstrap file) never comes back
  for (const r of [withVal, fitOnly]) assert.ok(r.sentences.every((s) => !/certutil|PowerShell script/i.test(s.text)), texts(r).join(' | '));
  // the val report's sentence only when val documents are allowed
  assert.ok(texts(withVal).includes('It created a scheduled task named updater.'));
  assert.ok(!texts(fitOnly).includes('It created a scheduled task named updater.'));
  const merged = fitOnly.sentences.find((s) => s.text.startsWith('The loader fetched'))!;
  assert.deepEqual(merged.labels, ['T1033', 'T1105'], 'labels of identical texts united; T1197 is not in this ATT&CK');
  assert.ok(fitOnly.sentences.every((s) => s.text.length >= 8));

  const guard = new LeakGuard(['The actor downloaded tools with certutil. They ran whoami on the host.']);
  assert.ok(guard.leaks('they RAN whoami -- on the host!'));
  assert.ok(guard.leaks('Before that, the actor downloaded tools with certutil'));
  assert.ok(!guard.leaks('The actor downloaded tools with bitsadmin instead'));
});

test('the ranker: fitted on val sentences, ranks distinct techniques with evidence, filters, round-trips in the model file', async () => {
  const kb = await loadKnowledgeBaseFromFile(join(ref, 'attack', 'enterprise-attack.json'));
  const tram = join(ref, 'tram');
  const fit = tramSentences(kb, tram, 'fit');
  const val = tramSentences(kb, tram, 'val');
  assert.ok(fit.length > 0 && val.length > 0);
  const memory = [...fit, ...tramExtraSentences(kb, tram, 'fit').sentences];
  const set = { queries: [...attackQueries(kb), ...memory.map((s) => ({ text: s.text, tower: TEXT_TOWER as typeof TEXT_TOWER, labels: s.labels, source: 'tram' }))], techniqueTexts: techniqueTexts(kb), hardNegatives: hardNegatives(kb) };
  const { model } = await train(set, cfg, { ...defaultTrainOptions, epochs: 30, batchSize: 8, hardNegatives: 2, workers: 0 });
  const spec = fitRanker(model, kb, memory, val);
  assert.equal(spec.weights.length, F);
  assert.deepEqual(spec.features, [...RANKER_FEATURES]);
  assert.ok(val.every((v) => spec.memory.some((m) => m.text === v.text)), 'val sentences join the stored memory');

  const ranker = rankerFromSpec(model, kb, spec);
  const hits = ranker.rank('the malware downloaded a payload with certutil', 5);
  assert.equal(hits[0]!.id, 'T1105');
  assert.equal(new Set(hits.map((h) => h.id)).size, hits.length);
  assert.ok(hits.every((h, i) => i === 0 || hits[i - 1]!.score >= h.score));
  assert.ok(hits[0]!.evidence.text.length > 0);
  assert.deepEqual(Object.keys(hits[0]!.features), [...RANKER_FEATURES]);
  const discovery = ranker.rank('the malware downloaded a payload with certutil', 5, { tactic: 'discovery' });
  assert.deepEqual(discovery.map((h) => h.id), ['T1033']);

  const bytes = encodeModelFile(model, { seed: 1 }, spec);
  const back = decodeModelFile(bytes, 'm.bin');
  assert.deepEqual(back.header.ranker, spec);
  assert.deepEqual(rankerFromSpec(back.model, kb, back.header.ranker!).rank('whoami was run', 3), ranker.rank('whoami was run', 3));
  assert.throws(() => rankerFromSpec(model, kb, { ...spec, features: ['technique', 'prior'] }, 'm.bin'), (e: unknown) => e instanceof UserError && /retrain/.test(e.hint ?? ''));
});

test('an old model file format is refused with a hint to retrain', async () => {
  const kb = await loadKnowledgeBaseFromFile(join(ref, 'attack', 'enterprise-attack.json'));
  const set = { queries: attackQueries(kb), techniqueTexts: techniqueTexts(kb), hardNegatives: hardNegatives(kb) };
  const { model } = await train(set, cfg, { ...defaultTrainOptions, epochs: 1, batchSize: 8, hardNegatives: 2, workers: 0 });
  const bytes = Buffer.from(encodeModelFile(model));
  const at = bytes.indexOf('"version":2');
  assert.ok(at > 0);
  bytes.write('"version":1', at, 'latin1');
  assert.throws(
    () => decodeModelFile(bytes, 'old.bin'),
    (e: unknown) => e instanceof UserError && /format version 1/.test(e.message) && e.place?.file === 'old.bin' && /retrain/.test(e.hint ?? ''),
  );
});
