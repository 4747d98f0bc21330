/**
 * Worker threads change nothing but the speed: the same files detected on
 * one thread and on two worker threads (which pass their semantic results on
 * to each other's caches) give the same alerts, candidates and scenarios.
 * No trained model is needed: a small random encoder (deterministic seed)
 * and a calibration that lets its cosines decide make the semantic side
 * produce alerts of its own, so cached and passed-on results end up in
 * alerts. (How much the passing-on saves depends on timing: two workers that
 * start on copies of the same file at once both encode it.)
 */
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { test } from 'node:test';
import { EmbedModel, initParams, type ModelConfig } from '../../src/embed/model.js';
import { loadModel, saveModel } from '../../src/embed/model-file.js';
import { writeCalibration } from '../../src/detect/calibration/model.js';
import { openSession, plannedThreads, runSession } from '../../src/detect/session.js';
import { sharedData, tempDir } from '../helpers.js';
import { ATTACK_LOG, BENIGN_LOG, handSetCalibration, sharedKb } from './helpers.js';

test('one thread and two worker threads with a shared semantic cache give the same report, also with a worker started while opening', { timeout: 900_000 }, async () => {
  const dir = tempDir();
  try {
    const cfg: ModelConfig = { features: { buckets: 1 << 12, charMin: 3, charMax: 4, bigrams: true, maxTokens: 128 }, dim: 16, pooling: 'sqrtn' };
    const modelPath = join(dir.path, 'tiny.bin');
    saveModel(modelPath, new EmbedModel(cfg, initParams(cfg, 7)));
    const cal = handSetCalibration();
    cal.model = { paramSha256: loadModel(modelPath).header.paramSha256, dim: cfg.dim };
    // p = sigmoid(12·(cosine − mean)): the random encoder's best matches pass, most do not
    cal.semanticModel = { ...cal.semanticModel, weights: cal.semanticModel.weights.map((_, i) => (i === 0 ? 12 : 0)), mean: cal.semanticModel.mean.map((_, i) => (i === 0 ? 0.75 : 0)), bias: 0 };
    const calPath = join(dir.path, 'cal.json');
    writeCalibration(calPath, cal);
    // several files with the same behaviour, so texts repeat across files (and workers)
    const files: string[] = [];
    for (let i = 0; i < 3; i++) {
      for (const src of [ATTACK_LOG, BENIGN_LOG]) {
        const f = join(dir.path, `${i}-${src.split('/').pop()}`);
        copyFileSync(src, f);
        files.push(f);
      }
    }
    const kb = await sharedKb();
    const session = await openSession({ kb, modelPath, calibrationPath: calPath, rulePaths: [] });
    const kbSource = { bundle: join(sharedData, 'attack', 'enterprise-attack.json'), index: join(sharedData, 'attack', 'index.json') };
    const one = await runSession(session, files, { version: 'test', threads: 1, kbSource });
    const two = await runSession(session, files, { version: 'test', threads: 2, kbSource });
    assert.equal(one.report.stats.threads, 1);
    assert.equal(two.report.stats.threads, 2);
    assert.ok(one.report.alerts.some((a) => a.techniques.some((t) => t.origin === 'semantic')), 'the encoder raises alerts of its own');
    assert.deepEqual(two.report.alerts, one.report.alerts);
    assert.deepEqual(two.report.scenarios, one.report.scenarios);
    // a worker started while the session opened (it loads ATT&CK meanwhile) gives the same report too
    const early = await openSession({ kb, modelPath, calibrationPath: calPath, rulePaths: [], workers: { count: 1, kb: kbSource } });
    assert.ok(early.workers, 'the session holds its started worker');
    const started = await runSession(early, files, { version: 'test', threads: 2 });
    assert.equal(started.report.stats.threads, 2);
    assert.equal(early.workers, undefined, 'the run took the worker');
    assert.deepEqual(started.report.alerts, one.report.alerts);
    assert.deepEqual(started.report.scenarios, one.report.scenarios);
    // the cache saved work in both: the copies repeat the first files' texts
    assert.ok(one.report.stats.encoded < one.report.stats.sequences / 2, `${one.report.stats.encoded} of ${one.report.stats.sequences}`);
    assert.ok(two.report.stats.encoded < (2 * two.report.stats.sequences) / 3, `${two.report.stats.encoded} of ${two.report.stats.sequences}`);
  } finally {
    dir.cleanup();
  }
});

test("threads 'auto' counts gzip input decompressed and stays on one thread below the threshold", () => {
  const dir = tempDir();
  try {
    const text = readFileSync(ATTACK_LOG, 'utf8').repeat(100);
    const a = join(dir.path, 'a.jsonl.gz');
    const b = join(dir.path, 'b.jsonl.gz');
    writeFileSync(a, gzipSync(text));
    writeFileSync(b, gzipSync(text));
    const files = [a, b];
    const compressed = statSync(a).size + statSync(b).size;
    const textBytes = 2 * Buffer.byteLength(text);
    const cores = Math.max(1, Math.min(2, availableParallelism()));
    assert.equal(plannedThreads(files, { threads: 'auto', parallelMinBytes: Math.floor((compressed + textBytes) / 2) }), cores);
    assert.equal(plannedThreads(files, { threads: 'auto', parallelMinBytes: textBytes + 1 }), 1);
    assert.equal(plannedThreads(files, { threads: 'auto' }), 1, 'a small input: one thread by default');
    assert.equal(plannedThreads([a], { threads: 'auto', parallelMinBytes: 1 }), 1, 'one file: one thread');
    assert.equal(plannedThreads(files, { threads: 2 }), 2);
  } finally {
    dir.cleanup();
  }
});
