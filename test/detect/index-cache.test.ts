import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { cachedTechniqueIndex, MAX_INDEX_CACHES } from '../../src/detect/index-cache.js';
import { ProjectedSearch } from '../../src/detect/projected-search.js';
import { buildMatcher } from '../../src/detect/semantic.js';
import { EmbedModel, initParams, type ModelConfig } from '../../src/embed/model.js';
import { encodeTechniqueIndex, techniqueIndexItems } from '../../src/embed/semantic-search.js';
import { sharedKb } from './helpers.js';

// an untrained model with fixed parameters: the cache must give back exactly what encoding gives, whatever the model
const cfg: ModelConfig = { features: { buckets: 4096, charMin: 3, charMax: 4, bigrams: true, maxTokens: 64 }, dim: 24, pooling: 'sqrtn' };
const model = new EmbedModel(cfg, initParams(cfg, 11));
const SEQUENCES = [
  'powershell.exe ← wscript.exe: powershell.exe -NoP -NonI -W Hidden -Enc SQBFAFgA | connect 203.0.113.7:443',
  'rundll32.exe ← cmd.exe: rundll32.exe C:\\Windows\\System32\\comsvcs.dll, MiniDump 624 C:\\Users\\Public\\l.dmp full | open lsass.exe',
  'whoami.exe ← cmd.exe: whoami /all',
];

function freshDir(): string {
  return mkdtempSync(join(tmpdir(), 'ttpscope-index-cache-'));
}

test('the TTP index from the cache is bit for bit the one encoding builds, projection included, and matches the same', async () => {
  const kb = await sharedKb();
  const items = techniqueIndexItems(kb);
  assert.ok(items.length > 10_000, `${items.length} ATT&CK texts and procedure examples`);
  const dir = freshDir();
  try {
    const cold = cachedTechniqueIndex(model, 'model-a', items, dir);
    assert.equal(cold.stats?.miss, 'absent');
    assert.equal(cold.stats?.written, true);
    const warm = cachedTechniqueIndex(model, 'model-a', items, dir);
    assert.equal(warm.stats?.miss, undefined, 'read from the cache');
    assert.equal(warm.stats?.file, cold.stats?.file);

    const built = encodeTechniqueIndex(model, items);
    const projection = new ProjectedSearch(built).state();
    assert.deepEqual(warm.index.vectors, built.vectors);
    assert.equal(warm.index.size, items.length);
    assert.deepEqual(warm.index.entry(123), items[123]!.entry);
    assert.equal(warm.projected.dims, projection.dims);
    assert.deepEqual(warm.projected.basis, projection.basis);
    assert.deepEqual(warm.projected.projected, projection.projected);
    // worker threads get the projection without a copy
    assert.ok(warm.projected.basis.buffer instanceof SharedArrayBuffer && warm.projected.projected.buffer instanceof SharedArrayBuffer);

    const plain = buildMatcher(model, kb).matchMany(SEQUENCES);
    let told = 0;
    const cached = buildMatcher(model, kb, [], { cache: { dir, modelHash: 'model-a' }, onIndexCache: (s) => (told += s.miss === undefined ? 1 : 0) }).matchMany(SEQUENCES);
    assert.equal(told, 1);
    assert.deepEqual(cached, plain);
    assert.ok(plain.every((c) => c.length > 0));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('another model, other texts or a damaged file build the index again; old files are evicted', async () => {
  const kb = await sharedKb();
  const items = techniqueIndexItems(kb, { procedures: false });
  const dir = freshDir();
  try {
    const first = cachedTechniqueIndex(model, 'model-a', items, dir);
    assert.equal(cachedTechniqueIndex(model, 'model-b', items, dir).stats?.miss, 'absent', 'another model hash');
    const edited = items.map((it, i) => (i === 7 ? { ...it, text: it.text + ' (edited)' } : it));
    assert.equal(cachedTechniqueIndex(model, 'model-a', edited, dir).stats?.miss, 'absent', 'one text changed');
    const relabelled = items.map((it, i) => (i === 7 ? { ...it, entry: { ...it.entry, meta: { ...it.entry.meta, technique: 'T1059' } } } : it));
    assert.equal(cachedTechniqueIndex(model, 'model-a', relabelled, dir).stats?.miss, 'absent', 'one label changed');

    writeFileSync(first.stats!.file, 'TTPSKBC1 not a cache file');
    const again = cachedTechniqueIndex(model, 'model-a', items, dir);
    assert.equal(again.stats?.miss, 'corrupt');
    assert.equal(again.stats?.written, true);
    assert.deepEqual(again.index.vectors, first.index.vectors);
    assert.equal(cachedTechniqueIndex(model, 'model-a', items, dir).stats?.miss, undefined, 'rewritten');

    for (let k = 0; k < MAX_INDEX_CACHES + 2; k++) cachedTechniqueIndex(model, `model-${k}`, items.slice(0, 50), dir);
    assert.equal(readdirSync(dir).filter((n) => n.startsWith('ttp-index-')).length, MAX_INDEX_CACHES);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('without a cache folder nothing is written and the index is the encoded one', async () => {
  const kb = await sharedKb();
  const items = techniqueIndexItems(kb, { procedures: false });
  const r = cachedTechniqueIndex(model, 'model-a', items);
  assert.equal(r.stats, undefined);
  assert.deepEqual(r.index.vectors, encodeTechniqueIndex(model, items).vectors);
});
