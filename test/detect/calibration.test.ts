/**
 * Calibration pieces on data whose answer is known: the logistic fit
 * recovers the direction of a separating feature and is deterministic;
 * thresholds maximise F1, a technique that only fired wrongly is raised above
 * its false alarms (shrunk toward the global threshold); the fitted
 * calibration keeps ordinary (common) behaviour quieter than the same match
 * on rare behaviour; calibration files round-trip through their schema and a
 * file for another model is refused.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { fitLogistic, predict } from '../../src/detect/calibration/logistic.js';
import { bestThreshold, fitThresholds, thresholdFor } from '../../src/detect/calibration/thresholds.js';
import { fitCalibration } from '../../src/detect/calibration/fit.js';
import { selectCalibration, THRESHOLD_CHOICES } from '../../src/detect/calibration/select.js';
import { UnitScorer } from '../../src/detect/calibration/score.js';
import { checkCalibrationModel, readCalibration, writeCalibration } from '../../src/detect/calibration/model.js';
import { TechniqueInfo } from '../../src/detect/techniques.js';
import type { DetectionUnit } from '../../src/detect/unit.js';
import { UserError } from '../../src/common/errors.js';
import { tempDir } from '../helpers.js';
import { sharedKb } from './helpers.js';

function lcg(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
}

test('logistic regression: learns the sign and size of the signal, ignores noise, same result every run', () => {
  const r = lcg(7);
  const n = 4000;
  const x = new Float64Array(n * 2);
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const a = r() * 4 - 2;
    x[i * 2] = a;
    x[i * 2 + 1] = r(); // noise
    y[i] = r() < 1 / (1 + Math.exp(-(3 * a - 1))) ? 1 : 0;
  }
  const m = fitLogistic(x, y, 2, { l2: 0.1 });
  const again = fitLogistic(x, y, 2, { l2: 0.1 });
  assert.deepEqual(m, again);
  // weight on the standardised feature = 3 × std(a) ≈ 3 × 1.155
  assert.ok(Math.abs(m.weights[0]! - 3 * m.std[0]!) < 0.5, `w0 ${m.weights[0]}`);
  assert.ok(Math.abs(m.weights[1]!) < 0.2, `w1 ${m.weights[1]}`);
  assert.ok(predict(m, [1.5, 0.5]) > 0.95 && predict(m, [-1.5, 0.5]) < 0.05);
  assert.throws(() => fitLogistic(new Float64Array(4), new Uint8Array([0, 0]), 2), /both classes/);
});

test('thresholds: F1-optimal global cut; a technique that only fired wrongly is pushed above its false alarms', () => {
  const pairs = [
    ...[0.9, 0.8, 0.75, 0.7].map((score) => ({ technique: 'T1003.001', score, positive: true })),
    ...[0.3, 0.2, 0.72].map((score) => ({ technique: 'T1003.001', score, positive: false })),
    ...Array.from({ length: 30 }, (_, i) => ({ technique: 'T1055', score: 0.5 + i / 100, positive: false })),
    // plenty of right answers at modest scores elsewhere keep the global threshold low
    ...Array.from({ length: 60 }, (_, i) => ({ technique: `T1${100 + (i % 6)}`, score: 0.4 + (i % 10) / 100, positive: true })),
  ];
  const best = bestThreshold(pairs.filter((p) => p.technique === 'T1003.001'));
  assert.equal(best.threshold, 0.7);
  assert.ok(best.f > 0.88);
  const set = fitThresholds(pairs, { shrinkage: 10, minPairs: 5 });
  const noisy = thresholdFor(set, 'T1055');
  assert.ok(noisy > set.global, `noisy ${noisy} vs global ${set.global}`);
  const passing = pairs.filter((p) => p.technique === 'T1055' && p.score >= noisy).length;
  assert.ok(passing < 15, `most of its 30 false alarms stay below (${passing} pass; shrunk toward the global)`);
  assert.equal(thresholdFor(set, 'T9999'), set.global);

  // file-level recall: one right detection per file is enough, so the cut can sit higher
  const perFile = [
    { technique: 'T1', score: 0.9, positive: true, file: 'a' },
    { technique: 'T1', score: 0.3, positive: true, file: 'a' },
    { technique: 'T1', score: 0.8, positive: true, file: 'b' },
    { technique: 'T1', score: 0.25, positive: true, file: 'b' },
    { technique: 'T1', score: 0.4, positive: false, file: 'a' },
    { technique: 'T1', score: 0.35, positive: false, file: 'b' },
  ];
  assert.equal(bestThreshold(perFile, 1, 'files').threshold, 0.8);
  assert.equal(bestThreshold(perFile, 1, 'files').recall, 1);
  assert.ok(bestThreshold(perFile, 1, 'pairs').threshold < 0.8);
});

function unit(id: string, file: string, technique: string, cosine: number, pattern: number, second = 'T1082'): DetectionUnit {
  return {
    id,
    host: 'h',
    kind: 'sequence',
    process: { key: `proc:${id}`, image: 'x.exe' },
    start: 0,
    end: 0,
    tokens: [],
    text: '',
    evidence: [],
    eventCount: 1,
    candidates: [
      { technique, cosine, evidence: { entry: technique, source: 'technique', text: '', cosine } },
      { technique: second, cosine: cosine - 0.1, evidence: { entry: second, source: 'technique', text: '', cosine: cosine - 0.1 } },
    ],
    hits: [],
    pattern,
    patternCells: 1,
    patternRepeats: 1,
    lineage: 'a > b',
    lineageHash: pattern,
    lineageCells: 1,
    lineageRepeats: 1,
    file,
  };
}

test('fitted calibration: common behaviour (a pattern in many training files) scores lower than the same match on rare behaviour', async () => {
  const kb = await sharedKb();
  const info = new TechniqueInfo(kb);
  const files = [];
  for (let f = 0; f < 24; f++) {
    const units: DetectionUnit[] = [];
    // the same background in every file, resembling credential dumping
    for (let k = 0; k < 6; k++) units.push(unit(`bg${f}-${k}`, `f${f}`, 'T1003.001', 0.55 + k * 0.01, 1000 + k));
    // the attack of the file: a pattern of its own
    units.push(unit(`atk${f}`, `f${f}`, 'T1003.001', 0.5 + (f % 5) * 0.02, 5000 + f));
    // files whose label is another technique: the same background is wrong there
    files.push({ file: `f${f}`, labels: f % 2 === 0 ? ['T1003.001'] : ['T1059.001'], units });
  }
  const cal = fitCalibration(files, info, [], { topK: 2, model: { paramSha256: 'abc', dim: 2 }, attackVersion: kb.info.attackVersion, devShare: 0.25 });
  const scorer = new UnitScorer(cal, info, [], { mode: 'semantic', minScore: 0 });
  const common = scorer.semantic(unit('q1', 'new', 'T1003.001', 0.6, 1003))[0]!.p;
  const rare = scorer.semantic(unit('q2', 'new', 'T1003.001', 0.6, 424242))[0]!.p;
  assert.ok(rare > common, `rare ${rare} > common ${common}`);
  // the same behaviour seen in 4 host × 10-minute cells of this input counts a quarter
  const spread = { ...unit('q3', 'new', 'T1003.001', 0.6, 424242), patternCells: 4 };
  assert.ok(Math.abs(scorer.semantic(spread)[0]!.p - rare / 4) < 1e-12);
  assert.equal(cal.baseline.files, 24);
  const selected = selectCalibration(files, info, [], { topK: 2, model: { paramSha256: 'abc', dim: 2 }, attackVersion: kb.info.attackVersion, devShare: 0.25 });
  assert.equal(selected.table.length, THRESHOLD_CHOICES.length);
  assert.ok(THRESHOLD_CHOICES.some((c) => c.objective === selected.chosen.objective && c.beta === selected.chosen.beta));
  assert.ok(selected.table.every((r) => r.f1 >= 0 && r.f1 <= 1));
  assert.ok('crossValidation' in selected.calibration.training);
  assert.deepEqual(cal.split.trainFiles.length, 24);

  const dir = tempDir();
  try {
    const path = join(dir.path, 'cal.json');
    writeCalibration(path, cal);
    assert.deepEqual(readCalibration(path), cal);
    assert.throws(() => checkCalibrationModel(cal, 'another-model', path), (e: unknown) => e instanceof UserError && /another encoder model/.test(e.message));
    writeFileSync(path, JSON.stringify({ ...cal, semantic: { global: 2, techniques: {} } }));
    assert.throws(() => readCalibration(path), (e: unknown) => e instanceof UserError && e.place?.path === 'semantic.global');
    assert.throws(() => readCalibration(join(dir.path, 'missing.json')), (e: unknown) => e instanceof UserError && /detect calibrate/.test(e.hint ?? ''));
  } finally {
    dir.cleanup();
  }
});
