import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Vocabulary, featureTerms } from '../../src/intel/features.js';
import { trainLinear, type TrainingExample } from '../../src/intel/linear.js';
import { trainClassifier, defaultClassifierOptions } from '../../src/intel/classifier.js';

const DATA: [string, string[]][] = [
  ['created a scheduled task with schtasks', ['A']],
  ['schtasks /create a task for persistence', ['A']],
  ['registered a scheduled task to run daily', ['A']],
  ['dumped lsass memory for credentials', ['B']],
  ['credentials were dumped from lsass', ['B']],
  ['used procdump on lsass to steal passwords', ['B']],
  ['the company sells software worldwide', []],
  ['thank you for reading this blog', []],
  ['a scheduled task dumped lsass memory', ['A', 'B']],
];

function examples(): { vocab: Vocabulary; ex: TrainingExample[] } {
  const terms = DATA.map(([t]) => featureTerms(t));
  const vocab = Vocabulary.build(terms, 1);
  return { vocab, ex: DATA.map(([, l], i) => ({ x: vocab.vector(terms[i]!), labels: l.map((x) => (x === 'A' ? 0 : 1)) })) };
}

test('tf-idf vectors are L2-normalised and ignore unknown terms', () => {
  const { vocab } = examples();
  const v = vocab.featurize('scheduled task zzzunknownzzz');
  let n = 0;
  for (const x of v.val) n += x * x;
  assert.ok(Math.abs(n - 1) < 1e-5);
  assert.equal(vocab.featurize('zzzunknownzzz').idx.length, 0);
});

test('multi-label logistic regression separates the labels, deterministically', () => {
  const { vocab, ex } = examples();
  const opts = { epochs: 40, lr: 0.5, l2: 1e-5, positiveWeight: 1, seed: 3 };
  const m = trainLinear(ex, vocab.size, 2, opts);
  const out = new Float64Array(2);
  const p = (t: string) => [...m.probabilities(vocab.featurize(t), out)];
  assert.ok(p('schtasks scheduled task')[0]! > 0.6);
  assert.ok(p('schtasks scheduled task')[1]! < 0.4);
  assert.ok(p('lsass credentials dumped')[1]! > 0.6);
  assert.ok(p('software blog reading')[0]! < 0.4);
  const again = trainLinear(ex, vocab.size, 2, opts);
  assert.deepEqual(Buffer.from(again.weights.buffer), Buffer.from(m.weights.buffer), 'same data and seed give the same bytes');
});

test('pruning moves a logit by at most sqrt(nnz) × epsilon (unit-norm inputs)', () => {
  const { vocab, ex } = examples();
  const m = trainLinear(ex, vocab.size, 2, { epochs: 30, lr: 0.5, l2: 1e-5, positiveWeight: 1, seed: 3 });
  const eps = 0.3;
  const sparse = m.prune(eps);
  assert.ok(sparse.values.length < m.weights.length);
  const a = new Float64Array(2);
  const b = new Float64Array(2);
  for (const [t] of DATA) {
    const x = vocab.featurize(t);
    m.logits(x, a);
    sparse.logits(x, b);
    for (let k = 0; k < 2; k++) assert.ok(Math.abs(a[k]! - b[k]!) <= Math.sqrt(x.idx.length) * eps + 1e-9);
  }
});

test('trainClassifier learns labels with enough examples, parents included by the data', () => {
  const sentences = DATA.map(([text, l]) => ({ text, labels: l.map((x) => (x === 'A' ? 'T1053.005' : 'T1003.001')), source: 'tram' as const }));
  const clf = trainClassifier(sentences, { ...defaultClassifierOptions, minDf: 1, minExamples: 3, linear: { ...defaultClassifierOptions.linear, epochs: 30 } });
  assert.deepEqual(clf.labels, ['T1003.001', 'T1053.005']);
  const p = clf.predict('they created a scheduled task');
  assert.ok(p[1]! > p[0]!);
});

test('positive-only examples teach their own labels and leave the others alone', () => {
  const { vocab, ex } = examples();
  const opts = { epochs: 40, lr: 0.5, l2: 1e-5, positiveWeight: 1, seed: 3 };
  const out = new Float64Array(2);
  // Extra single-label sentences about lsass labelled only A: as ordinary examples they push B down on "lsass".
  const extraTerms = ['lsass memory dump via scheduled task', 'lsass scheduled task again', 'task on lsass host'].map((t) => featureTerms(t));
  const extra = (positiveOnly: boolean): TrainingExample[] => extraTerms.map((t) => ({ x: vocab.vector(t), labels: [0], weight: 5, ...(positiveOnly ? { positiveOnly: true } : {}) }));
  const pB = (more: TrainingExample[]) => trainLinear([...ex, ...more], vocab.size, 2, opts).probabilities(vocab.featurize('lsass memory'), out)[1]!;
  const base = pB([]);
  const asNegatives = pB(extra(false));
  const positiveOnly = pB(extra(true));
  assert.ok(asNegatives < base - 0.05, `ordinary examples lower B: ${asNegatives} vs ${base}`);
  assert.ok(positiveOnly > asNegatives + 0.05, `positive-only examples do not: ${positiveOnly}`);
  // ...and they still teach A.
  const mA = trainLinear([...ex, ...extra(true)], vocab.size, 2, opts);
  assert.ok(mA.probabilities(vocab.featurize('lsass scheduled task'), out)[0]! > 0.5);
});
