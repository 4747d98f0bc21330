import assert from 'node:assert/strict';
import { cpSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { silentProgress } from '../../src/common/progress.js';
import { dataLayout } from '../../src/datadir/paths.js';
import type { PostSetupContext } from '../../src/datadir/setup.js';
import { loadModel } from '../../src/embed/model-file.js';
import { defaultModelPath } from '../../src/embed/pipeline.js';
import { modelIsCurrent, setupTrainingSources, trainModelStep } from '../../src/embed/setup-step.js';
import { loadKnowledgeBase } from '../../src/kb/index.js';
import { repoRoot, runCli, tempDir } from '../helpers.js';

const ref = join(repoRoot, 'test', 'fixtures', 'embed', 'ref');

test('setup trains the default model from the mirror once, skips while current, and kb search --semantic uses it', async () => {
  const t = tempDir();
  try {
    const dataDir = join(t.path, 'data');
    const mirror = join(t.path, 'mirror');
    cpSync(ref, mirror, { recursive: true });
    const layout = dataLayout(dataDir);
    mkdirSync(join(dataDir, 'attack'), { recursive: true });
    cpSync(join(ref, 'attack', 'enterprise-attack.json'), layout.attackBundle);
    const ctx: PostSetupContext = { dataDir, layout, changed: ['attack'], force: false, mirror, progress: () => silentProgress };

    await trainModelStep.run(ctx);
    const path = defaultModelPath(layout.modelsDir);
    const { header } = loadModel(path);
    assert.ok(header.ranker, 'TRAM in the mirror gives the learned ranker');
    assert.equal(typeof header.training.inputs, 'string');
    const sources = (header.training.data as { sources: { source: string }[] }).sources.map((s) => s.source);
    assert.ok(sources.includes('tram-train') && sources.includes('sigma') && sources.includes('atomic'), sources.join(','));

    const before = statSync(path).mtimeMs;
    await trainModelStep.run({ ...ctx, changed: [] });
    assert.equal(statSync(path).mtimeMs, before, 'current model: not retrained');

    const kb = await loadKnowledgeBase({ dataDir });
    const { sources: src } = setupTrainingSources(ctx);
    assert.ok(modelIsCurrent(path, kb, src));
    const tramFile = join(mirror, 'tram', 'tram2-annotated-reports.jsonl');
    writeFileSync(tramFile, readFileSync(tramFile, 'utf8') + '\n');
    assert.ok(!modelIsCurrent(path, kb, src), 'changed training input: not current');

    const semantic = runCli(['--data', dataDir, 'kb', 'search', '--semantic', '--json', 'the', 'actor', 'downloaded', 'tools', 'with', 'certutil']);
    assert.equal(semantic.status, 0, semantic.stderr);
    const out = JSON.parse(semantic.stdout) as { method: string; results: { id: string; score: number; evidence: string }[] };
    assert.match(out.method, /learned ranker/);
    assert.ok(out.results.length > 0 && out.results.every((r) => /^T\d{4}/.test(r.id)));
    assert.ok(out.results.every((r, i) => i === 0 || out.results[i - 1]!.score >= r.score));
    const lexical = runCli(['--data', dataDir, 'kb', 'search', '--json', 'certutil']);
    assert.equal(lexical.status, 0, lexical.stderr);
    assert.equal((JSON.parse(lexical.stdout) as { method?: string }).method, undefined);
  } finally {
    t.cleanup();
  }
});

test('kb search --semantic without a model is a one-line error with a hint', () => {
  const t = tempDir();
  try {
    const dataDir = join(t.path, 'data');
    mkdirSync(join(dataDir, 'attack'), { recursive: true });
    cpSync(join(ref, 'attack', 'enterprise-attack.json'), dataLayout(dataDir).attackBundle);
    const r = runCli(['--data', dataDir, 'kb', 'search', '--semantic', 'whoami']);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /^ttpscope: no model file: .*ttp-encoder\.bin\nhint: .*model train/);
  } finally {
    t.cleanup();
  }
});

test('the step leaves a data dir without ATT&CK alone', async () => {
  const t = tempDir();
  try {
    const layout = dataLayout(t.path);
    await trainModelStep.run({ dataDir: t.path, layout, changed: [], force: false, progress: () => silentProgress });
    assert.throws(() => statSync(defaultModelPath(layout.modelsDir)));
  } finally {
    t.cleanup();
  }
});
