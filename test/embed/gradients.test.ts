import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bagOf, featurize } from '../../src/embed/features.js';
import { allocActivations, allocAdam, backwardItems, contrastiveLoss, defaultAdam, forwardItems, reduceAndUpdate, type BatchBuffers } from '../../src/embed/kernels.js';
import { initParams, paramLayout, type ModelConfig } from '../../src/embed/model.js';

const cfg: ModelConfig = { features: { buckets: 64, charMin: 3, charMax: 3, bigrams: true, maxTokens: 16 }, dim: 6, pooling: 'sqrtn' };
const layout = paramLayout(cfg);

// 3 queries (two towers) and 3 candidates; query 2 has two positives
const texts: [string, number][] = [
  ['powershell -enc payload', 0],
  ['cmd.exe /c whoami', 1],
  ['schtasks /create /tn updater', 1],
  ['Command and Scripting Interpreter: PowerShell', 0],
  ['System Owner/User Discovery', 0],
  ['Scheduled Task persistence', 0],
];
const nq = 3;
const nc = 3;
const positive = Uint8Array.from([1, 0, 0, 0, 1, 0, 0, 1, 1]);

function makeBatch(): BatchBuffers {
  const feats = texts.map(([t]) => bagOf(featurize(t, cfg.features).ids));
  const offsets = new Int32Array(texts.length + 1);
  let n = 0;
  feats.forEach((f, i) => {
    offsets[i] = n;
    n += f.ids.length;
  });
  offsets[texts.length] = n;
  const ids = new Int32Array(n);
  const weights = new Float32Array(n);
  feats.forEach((f, i) => {
    ids.set(f.ids, offsets[i]!);
    weights.set(f.weights, offsets[i]!);
  });
  const sizes = Int32Array.from(feats.map((f) => f.size));
  return { count: texts.length, queries: nq, ids, weights, offsets, sizes, towers: Uint8Array.from(texts.map(([, t]) => t)) };
}

function lossAt(p: Float32Array, b: BatchBuffers): number {
  const a = allocActivations(b.count, cfg.dim, false);
  forwardItems(cfg, layout, p, b, a, 0, 1);
  return contrastiveLoss(cfg.dim, a, nq, nc, positive, p[layout.logScale]!).loss;
}

test('analytic gradients match central finite differences on a tiny model', () => {
  const p = initParams(cfg, 7);
  // make projections less trivial than identity
  for (let k = layout.projection[0]; k < layout.logScale; k++) p[k] = p[k]! + Math.sin(k) * 0.3;
  const b = makeBatch();
  const a = allocActivations(b.count, cfg.dim, false);
  forwardItems(cfg, layout, p, b, a, 0, 1);
  const res = contrastiveLoss(cfg.dim, a, nq, nc, positive, p[layout.logScale]!);
  backwardItems(cfg, layout, p, b, a, 0, 1);
  const st = allocAdam(cfg, layout, false);
  reduceAndUpdate(cfg, layout, p, b, a, st, defaultAdam, 1, 0, 1, false);

  const used = [...new Set(Array.from(b.ids))].slice(0, 12);
  const coords: number[] = [];
  for (const row of used) coords.push(row * cfg.dim + (row % cfg.dim));
  for (let k = 0; k < 12; k++) coords.push(layout.projection[0] + ((k * 7) % (cfg.dim * cfg.dim)));
  for (let k = 0; k < 12; k++) coords.push(layout.projection[1] + ((k * 5 + 3) % (cfg.dim * cfg.dim)));
  let checked = 0;
  for (const k of coords) {
    const orig = p[k]!;
    p[k] = orig + 1e-2;
    const up = p[k]!;
    const lp = lossAt(p, b);
    p[k] = orig - 1e-2;
    const down = p[k]!;
    const lm = lossAt(p, b);
    p[k] = orig;
    const numeric = (lp - lm) / (up - down);
    const analytic = st.grad[k]!;
    assert.ok(Math.abs(numeric - analytic) <= 2e-3 + 2e-2 * Math.abs(numeric), `param ${k}: numeric ${numeric} analytic ${analytic}`);
    checked++;
  }
  assert.equal(checked, coords.length);
  // the gradient is not trivially zero
  assert.ok(coords.some((k) => Math.abs(st.grad[k]!) > 1e-3));

  // temperature (log scale)
  const ls = p[layout.logScale]!;
  p[layout.logScale] = ls + 1e-2;
  const lp = lossAt(p, b);
  const up = p[layout.logScale]!;
  p[layout.logScale] = ls - 1e-2;
  const lm = lossAt(p, b);
  const down = p[layout.logScale]!;
  p[layout.logScale] = ls;
  const numeric = (lp - lm) / (up - down);
  assert.ok(Math.abs(numeric - res.dLogScale) <= 1e-3 + 1e-2 * Math.abs(numeric), `log scale: numeric ${numeric} analytic ${res.dLogScale}`);
});

test('partitioned reduction gives the same gradients as one partition', () => {
  const p = initParams(cfg, 3);
  const b = makeBatch();
  const a = allocActivations(b.count, cfg.dim, false);
  forwardItems(cfg, layout, p, b, a, 0, 2);
  forwardItems(cfg, layout, p, b, a, 1, 2);
  contrastiveLoss(cfg.dim, a, nq, nc, positive, p[layout.logScale]!);
  backwardItems(cfg, layout, p, b, a, 0, 1);
  const one = allocAdam(cfg, layout, false);
  reduceAndUpdate(cfg, layout, p, b, a, one, defaultAdam, 1, 0, 1, false);
  const two = allocAdam(cfg, layout, false);
  reduceAndUpdate(cfg, layout, p, b, a, two, defaultAdam, 1, 0, 2, false);
  reduceAndUpdate(cfg, layout, p, b, a, two, defaultAdam, 1, 1, 2, false);
  assert.deepEqual(Buffer.from(one.grad.buffer), Buffer.from(two.grad.buffer));
});
