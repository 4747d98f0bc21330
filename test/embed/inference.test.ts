import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EncoderPool } from '../../src/embed/encode-pool.js';
import { featurize } from '../../src/embed/features.js';
import { TowerEncoder } from '../../src/embed/inference.js';
import { EmbedModel, initParams, LOG_TOWER, paramLayout, TEXT_TOWER, type ModelConfig } from '../../src/embed/model.js';
import { Rng } from '../../src/embed/rng.js';
import { ProjectionKernel } from '../../src/embed/wasm/project.js';

const cfg: ModelConfig = { features: { buckets: 4096, charMin: 3, charMax: 5, bigrams: true, maxTokens: 40 }, dim: 24, pooling: 'sqrtn' };

/** Texts like the ones the towers read, including long ones that hit the token cap inside a coarse token. */
function texts(): string[] {
  const rng = new Rng(11);
  const words = ['powershell.exe', '-enc', 'c:\\windows\\system32\\cmd.exe', '/c', 'whoami', 'the', 'of', 'http://x.example:8080/a/b.php?q=1', 'hklm\\software\\run', 'schtasks', '/create', 'payload.dll', 'rundll32', ',', '(', 'Adversaries', 'may', 'abuse', 'T1059.001', 'a-b-c-d-e-f-g-h', '/tmp/x/y/z.sh'];
  const out = ['', 'the of and', '   ', 'powershell.exe -nop -enc SQBFAFgA', 'whoami whoami whoami'];
  for (let i = 0; i < 300; i++) {
    const n = 1 + rng.int(i % 10 === 0 ? 80 : 15);
    out.push(Array.from({ length: n }, () => words[rng.int(words.length)]!).join(' '));
  }
  return out;
}

function reference(model: EmbedModel, text: string, tower: 0 | 1): Float32Array {
  const v = new Float32Array(cfg.dim);
  model.encodeIds(featurize(text, cfg.features).ids, tower, v);
  return v;
}

function assertClose(a: Float32Array, b: Float32Array, what: string): void {
  for (let j = 0; j < a.length; j++) assert.ok(Math.abs(a[j]! - b[j]!) < 1e-5, `${what} [${j}]: ${a[j]} vs ${b[j]}`);
}

test('the cached encoder equals the plain feature-list encoding, cold and warm, both towers', () => {
  const model = new EmbedModel(cfg, initParams(cfg, 3));
  for (const tower of [TEXT_TOWER, LOG_TOWER] as const) {
    for (const pass of [0, 1]) {
      for (const text of texts()) {
        const v = new Float32Array(cfg.dim);
        model.encode(text, tower, v);
        assertClose(v, reference(model, text, tower), `pass ${pass} tower ${tower}: ${text.slice(0, 40)}`);
      }
    }
  }
});

test('a tiny cache that keeps starting over still gives the same vectors', () => {
  const model = new EmbedModel(cfg, initParams(cfg, 4));
  const w = paramLayout(cfg).projection[LOG_TOWER];
  const small = new TowerEncoder(model.params, cfg.features, cfg.dim, Float64Array.from(model.params.subarray(w, w + cfg.dim * cfg.dim)), 200);
  for (const text of texts()) {
    const v = new Float32Array(cfg.dim);
    small.encode(text, v);
    assertClose(v, reference(model, text, LOG_TOWER), text.slice(0, 40));
  }
});

test('a text with no features encodes to zeros', () => {
  const model = new EmbedModel(cfg, initParams(cfg, 5));
  const v = new Float32Array(cfg.dim).fill(7);
  model.encode('the of , ; and', TEXT_TOWER, v);
  assert.ok(v.every((x) => x === 0));
});

test('the worker pool returns the single-thread vectors, row for row', async () => {
  const model = new EmbedModel(cfg, initParams(cfg, 6));
  const all = texts();
  const pool = await EncoderPool.start(model, 2);
  try {
    const m = await pool.encodeMany(all, LOG_TOWER);
    assert.equal(m.length, all.length * cfg.dim);
    const v = new Float32Array(cfg.dim);
    all.forEach((text, i) => {
      model.encode(text, LOG_TOWER, v);
      assert.deepEqual(Array.from(m.subarray(i * cfg.dim, (i + 1) * cfg.dim)), Array.from(v), text.slice(0, 40));
    });
    assert.equal((await pool.encodeMany([], TEXT_TOWER)).length, 0);
  } finally {
    await pool.close();
  }
});

test('the WebAssembly projection equals the scalar loop bit for bit (even and odd dimensions)', () => {
  for (const d of [24, 17, 1, 128]) {
    const rng = new Rng(d);
    const w = Float64Array.from({ length: d * d }, () => rng.normal());
    const k = new ProjectionKernel(w, d);
    for (let trial = 0; trial < 3; trial++) {
      for (let j = 0; j < d; j++) k.x[j] = Math.fround(rng.normal() * 3);
      k.run();
      for (let r = 0; r < d; r++) {
        let a0 = 0;
        let a1 = 0;
        let j = 0;
        for (; j + 2 <= d; j += 2) {
          a0 += w[r * d + j]! * k.x[j]!;
          a1 += w[r * d + j + 1]! * k.x[j + 1]!;
        }
        for (; j < d; j++) a0 += w[r * d + j]! * k.x[j]!;
        assert.ok(Object.is(k.out[r], a0 + a1), `d=${d} row ${r}: ${k.out[r]} vs ${a0 + a1}`);
      }
    }
  }
});
