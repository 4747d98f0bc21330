import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readdirSync, symlinkSync, utimesSync, writeFileSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { UserError } from '../../src/common/errors.js';
import { dataLayout } from '../../src/datadir/paths.js';
import { lastLoad, loadKnowledgeBase, loadKnowledgeBaseFromFile } from '../../src/kb/index.js';
import { MAX_KB_CACHES } from '../../src/kb/cache.js';
import { repoRoot, tempDir } from '../helpers.js';
import { mini20, mini21, miniIndex, notStix, truncated } from './fixture.js';

test('STIX 2.0 bundle: version from index.json, tactics in matrix order, counts of active objects', async () => {
  const kb = await loadKnowledgeBaseFromFile(mini20, { indexPath: miniIndex });
  assert.equal(kb.info.stixVersion, '2.0');
  // newest object 2024-06-01T00:00 → the first release at or after it is 9.1 (not the newest, 9.2)
  assert.equal(kb.info.attackVersion, '9.1');
  assert.equal(kb.info.versionSource, 'index');
  assert.deepEqual(kb.tactics.map((t) => t.shortname), ['running-code', 'gathering', 'hiding']);
  assert.deepEqual(kb.counts(), {
    techniques: 2, subtechniques: 1, tactics: 3, groups: 1, software: 2, campaigns: 1, mitigations: 1,
    procedures: 5, detectionStrategies: 1, analytics: 1, dataComponents: 1,
  });
});

test('STIX 2.1 bundle: version from the x-mitre-collection object', async () => {
  const kb = await loadKnowledgeBaseFromFile(mini21, { indexPath: miniIndex });
  assert.equal(kb.info.stixVersion, '2.1');
  assert.equal(kb.info.attackVersion, '9.9');
  assert.equal(kb.info.versionSource, 'collection');
  assert.equal(kb.techniques.length, 3);
});

test('without an index and a collection the version is reported unknown', async () => {
  const kb = await loadKnowledgeBaseFromFile(mini20);
  assert.equal(kb.info.attackVersion, 'unknown');
});

test('technique model: parent/children, tactics order, mitigations, detection chain, procedures with citations', async () => {
  const kb = await loadKnowledgeBaseFromFile(mini20, { indexPath: miniIndex });
  const sub = kb.technique('t9001.001')!;
  assert.equal(sub.name, 'Vault Process Memory');
  assert.equal(sub.parent, 'T9001');
  assert.deepEqual(kb.technique('T9001')!.subtechniques, ['T9001.001']);
  assert.deepEqual(kb.technique('T9004')!.tactics, ['running-code', 'hiding'], 'tactics sorted by matrix order');
  assert.deepEqual(sub.mitigations, ['M9001']);
  // the old-style mitigation keyed by a technique id is not a mitigation and does not shadow T9001
  assert.equal(kb.technique('T9001')!.mitigations.length, 0);
  assert.equal(kb.lookup('T9001')[0]!.entity.kind, 'technique');
  const chain = kb.detectionsFor('T9001.001');
  assert.equal(chain.length, 1);
  assert.equal(chain[0]!.strategy.id, 'DET9001');
  assert.deepEqual(chain[0]!.analytics[0]!.logSources, [{ dataComponent: 'DC9001', dataComponentName: 'Process Access', name: 'WinEventLog:Sysmon', channel: 'EventCode=10' }]);
  const procs = kb.proceduresFor('T9001.001');
  assert.deepEqual(procs.map((p) => `${p.sourceKind}:${p.sourceId}`).sort(), ['group:G9001', 'software:S9001']);
  assert.equal(procs[0]!.citations[0]!.source, 'Example Report 2024');
  assert.equal(kb.proceduresFor('T9001', { includeSubtechniques: true }).length, 3);
  assert.equal(kb.proceduresBy('G9001').length, 2, 'the procedure on a deprecated technique is not counted');
});

test('lookups: id of any type, revoked redirect with note, name and alias case-insensitive, tactic shortname', async () => {
  const kb = await loadKnowledgeBaseFromFile(mini20, { indexPath: miniIndex });
  const revoked = kb.lookup('T9002');
  assert.equal(revoked.length, 1);
  assert.equal((revoked[0]!.entity.item as { id: string }).id, 'T9001.001');
  assert.equal(revoked[0]!.redirectedFrom, 'T9002');
  assert.match(revoked[0]!.note!, /T9002 was revoked by T9001\.001/);
  assert.equal(kb.technique('T9002')!.status, 'revoked', 'technique(id) itself does not redirect');
  assert.equal(kb.lookup('cardboard cat')[0]!.entity.kind, 'group');
  assert.equal(kb.lookup('DUMPR')[0]!.entity.item.id, 'S9001');
  assert.equal(kb.lookup('clipboard storm')[0]!.entity.item.id, 'C9001');
  assert.equal(kb.lookup('memory scraping')[0]!.entity.item.id, 'T9001');
  assert.equal(kb.lookup('TA9002')[0]!.entity.kind, 'tactic');
  assert.equal(kb.lookup('running-code')[0]!.matchedBy, 'shortname');
  assert.equal(kb.tactic('Running Code')!.id, 'TA9003');
  assert.equal(kb.softwareBy('Scheduler Tool')!.kind, 'tool');
  assert.deepEqual(kb.group('G9001')!.software, ['S9001']);
  assert.deepEqual(kb.campaign('C9001')!.attributedTo, ['G9001']);
  assert.deepEqual(kb.techniquesByTactic('hiding').map((t) => t.id), ['T9004']);
  assert.deepEqual(kb.lookup('no such thing'), []);
  assert.deepEqual(kb.lookup('   '), []);
});

test('cache: the second load comes from the cache; changing the bundle invalidates it; writes leave no temp files', async () => {
  const dir = tempDir();
  try {
    const bundle = join(dir.path, 'attack.json');
    copyFileSync(mini20, bundle);
    const cacheDir = join(dir.path, 'cache');
    await loadKnowledgeBaseFromFile(bundle, { indexPath: miniIndex, cacheDir });
    assert.equal(lastLoad.stats!.from, 'bundle');
    assert.equal(lastLoad.stats!.cacheWritten, true);
    const kb2 = await loadKnowledgeBaseFromFile(bundle, { indexPath: miniIndex, cacheDir });
    assert.equal(lastLoad.stats!.from, 'cache');
    assert.equal(kb2.counts().procedures, 5);
    assert.equal(kb2.search('vault memory')[0]!.id, 'T9001.001');
    assert.ok(readdirSync(cacheDir).some((f) => f.startsWith('kb-search-')), 'the search index is cached on first search');
    const kbSearchCached = await loadKnowledgeBaseFromFile(bundle, { indexPath: miniIndex, cacheDir });
    assert.deepEqual(kbSearchCached.search('vault memory'), kb2.search('vault memory'));
    assert.ok(readdirSync(cacheDir).every((f) => !f.endsWith('.tmp')));
    // A changed bundle (content and mtime) must not be served from the stale cache.
    const changed = JSON.parse(readFileSync(bundle, 'utf8'));
    changed.objects = changed.objects.filter((o: { id: string }) => o.id !== 'intrusion-set--00000000-0000-4000-8000-000000000020');
    writeFileSync(bundle, JSON.stringify(changed));
    utimesSync(bundle, new Date(), new Date(Date.now() + 5000));
    const kb3 = await loadKnowledgeBaseFromFile(bundle, { indexPath: miniIndex, cacheDir });
    assert.equal(lastLoad.stats!.from, 'bundle');
    assert.equal(kb3.counts().groups, 0);
    // A corrupt cache file is ignored, not trusted.
    for (const f of readdirSync(cacheDir)) writeFileSync(join(cacheDir, f), 'garbage');
    const kb4 = await loadKnowledgeBaseFromFile(bundle, { indexPath: miniIndex, cacheDir });
    assert.equal(lastLoad.stats!.from, 'bundle');
    assert.equal(kb4.counts().groups, 0);
  } finally {
    dir.cleanup();
  }
});

test('loadKnowledgeBase reads the data dir layout and caches in its cache dir', async () => {
  const dir = tempDir();
  try {
    const layout = dataLayout(dir.path);
    mkdirSync(layout.attackDir, { recursive: true });
    copyFileSync(mini20, layout.attackBundle);
    copyFileSync(miniIndex, layout.attackIndex);
    const kb = await loadKnowledgeBase({ dataDir: dir.path });
    assert.equal(kb.info.attackVersion, '9.1');
    assert.ok(readdirSync(layout.cacheDir).some((f) => f.startsWith('kb-model-')));
  } finally {
    dir.cleanup();
  }
});

async function userError(p: Promise<unknown>): Promise<UserError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof UserError, `expected a UserError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected an error');
}

test('bad input: truncated bundle → UserError naming the file and the place', async () => {
  const err = await userError(loadKnowledgeBaseFromFile(truncated));
  assert.match(err.describe(), /not valid JSON/);
  assert.equal(err.place?.file, truncated);
  assert.equal(err.place?.line, 1);
  assert.ok((err.place?.column ?? 0) > 100, 'column points at the end of the input');
});

test('bad input: JSON that is not STIX, a bundle with no ATT&CK, a missing path, a directory', async () => {
  assert.match((await userError(loadKnowledgeBaseFromFile(notStix))).describe(), /not a STIX bundle.*not-stix\.json/);
  const dir = tempDir();
  try {
    const empty = join(dir.path, 'empty.json');
    writeFileSync(empty, JSON.stringify({ type: 'bundle', id: 'bundle--1', objects: [{ type: 'identity', id: 'identity--1' }] }));
    assert.match((await userError(loadKnowledgeBaseFromFile(empty))).message, /no ATT&CK tactics or techniques/);
    const missing = await userError(loadKnowledgeBaseFromFile(join(dir.path, 'nope.json')));
    assert.match(missing.describe(), /not found.*nope\.json/);
    assert.match(missing.hint ?? '', /ttpscope setup/);
    assert.match((await userError(loadKnowledgeBaseFromFile(dir.path))).message, /directory/);
    const noData = await userError(loadKnowledgeBase({ dataDir: join(dir.path, 'nodata') }));
    assert.equal(noData.hint, 'run: ttpscope setup --from ../shared/data');
    assert.match((await userError(loadKnowledgeBaseFromFile(mini20, { indexPath: notStix }))).message, /not an ATT&CK index/);
    const deep = join(dir.path, 'deep.json');
    writeFileSync(deep, '['.repeat(200_000) + ']'.repeat(200_000));
    assert.match((await userError(loadKnowledgeBaseFromFile(deep))).message, /not a STIX bundle/);
    const deepInside = join(dir.path, 'deep-inside.json');
    writeFileSync(deepInside, '{"type":"bundle","id":"bundle--1","objects":[' + '['.repeat(200_000) + ']'.repeat(200_000) + ']}');
    assert.match((await userError(loadKnowledgeBaseFromFile(deepInside))).message, /no ATT&CK tactics or techniques/);
  } finally {
    dir.cleanup();
  }
});

test('malformed objects inside a valid bundle are skipped and reported, not fatal', async () => {
  const dir = tempDir();
  try {
    const b = JSON.parse(readFileSync(mini20, 'utf8'));
    b.objects.push({ type: 'attack-pattern', id: 'attack-pattern--bad', name: 42 }, { type: 'relationship', id: 'relationship--bad', relationship_type: 'uses' }, null, 'text');
    const file = join(dir.path, 'b.json');
    writeFileSync(file, JSON.stringify(b));
    const kb = await loadKnowledgeBaseFromFile(file);
    assert.equal(kb.counts().techniques, 2);
    assert.equal(kb.issues.length, 4);
    assert.ok(kb.issues.some((i) => /attack-pattern--bad/.test(i.message) && i.path !== undefined));
  } finally {
    dir.cleanup();
  }
});

test('an unwritable cache location does not stop loading', async () => {
  const dir = tempDir();
  try {
    const blocker = join(dir.path, 'file-not-dir');
    writeFileSync(blocker, 'x');
    const kb = await loadKnowledgeBaseFromFile(mini20, { cacheDir: join(blocker, 'cache') });
    assert.equal(lastLoad.stats!.cacheWritten, false);
    assert.equal(kb.search('vault')[0]!.id, 'T9001.001');
  } finally {
    dir.cleanup();
  }
});

test('cache: a bundle reached through a symlinked folder shares the real path\'s cache entry', async () => {
  const dir = tempDir();
  try {
    mkdirSync(join(dir.path, 'real'));
    const bundle = join(dir.path, 'real', 'attack.json');
    copyFileSync(mini20, bundle);
    symlinkSync(join(dir.path, 'real'), join(dir.path, 'linked'));
    const cacheDir = join(dir.path, 'cache');
    await loadKnowledgeBaseFromFile(bundle, { indexPath: miniIndex, cacheDir });
    assert.equal(lastLoad.stats!.from, 'bundle');
    await loadKnowledgeBaseFromFile(join(dir.path, 'linked', 'attack.json'), { indexPath: miniIndex, cacheDir });
    assert.equal(lastLoad.stats!.from, 'cache');
    assert.equal(readdirSync(cacheDir).filter((f) => f.startsWith('kb-model-')).length, 1, 'one entry, not one per path');
  } finally {
    dir.cleanup();
  }
});

const DIST_KB = join(repoRoot, 'dist', 'kb', 'index.js');

test('cache: the built code (dist/) and the sources keep a model file each, so alternating them loads from the cache; at most MAX_KB_CACHES per kind', { skip: !existsSync(DIST_KB) && 'dist/ not built (npm ci builds it)' }, async () => {
  const dir = tempDir();
  try {
    const cacheDir = join(dir.path, 'cache');
    const bundle = join(dir.path, 'attack.json');
    copyFileSync(mini20, bundle);
    const fromDist = (): string => {
      const script = `import { loadKnowledgeBaseFromFile, lastLoad } from ${JSON.stringify(pathToFileURL(DIST_KB).href)};
        await loadKnowledgeBaseFromFile(${JSON.stringify(bundle)}, { indexPath: ${JSON.stringify(miniIndex)}, cacheDir: ${JSON.stringify(cacheDir)} });
        process.stdout.write(lastLoad.stats.from);`;
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      return r.stdout;
    };
    const fromSources = async (): Promise<string> => {
      await loadKnowledgeBaseFromFile(bundle, { indexPath: miniIndex, cacheDir });
      return lastLoad.stats!.from;
    };
    assert.equal(await fromSources(), 'bundle');
    assert.equal(fromDist(), 'bundle', 'other code: the sources’ model is not trusted');
    assert.equal(await fromSources(), 'cache');
    assert.equal(fromDist(), 'cache');
    assert.equal(readdirSync(cacheDir).filter((f) => f.startsWith('kb-model-')).length, 2);

    // other bundles add files up to the cap; the one just used stays
    for (let i = 0; i < MAX_KB_CACHES + 2; i++) {
      const other = join(dir.path, `attack${i}.json`);
      copyFileSync(mini20, other);
      await loadKnowledgeBaseFromFile(other, { indexPath: miniIndex, cacheDir });
    }
    assert.equal(readdirSync(cacheDir).filter((f) => f.startsWith('kb-model-')).length, MAX_KB_CACHES);
    await loadKnowledgeBaseFromFile(join(dir.path, `attack${MAX_KB_CACHES + 1}.json`), { indexPath: miniIndex, cacheDir });
    assert.equal(lastLoad.stats!.from, 'cache');
  } finally {
    dir.cleanup();
  }
});
