import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../../src/common/errors.js';
import { readManifest } from '../../src/datadir/manifest.js';
import { dataLayout } from '../../src/datadir/paths.js';
import { runSetup, type PostSetupStep } from '../../src/datadir/setup.js';
import { remoteConfigFromEnv } from '../../src/datadir/sources.js';
import { recoverStaging } from '../../src/datadir/transaction.js';
import { hashFile } from '../../src/datadir/tree.js';
import { tempDir } from '../helpers.js';
import { ATTACK_VERSION, SIGMA_REF, fixtureFiles, fixtures, loopbackEnv, paths, startLoopback, type Loopback } from './loopback.js';
import { snapshot } from './snapshot.js';

let server: Loopback;
before(async () => {
  server = await startLoopback(await fixtureFiles());
});
after(async () => {
  await server.close();
});

const remote = () => remoteConfigFromEnv(loopbackEnv(server.base));
const mirror = join(fixtures, 'mirror');

async function rejectsUser(p: Promise<unknown>, pattern: RegExp): Promise<UserError> {
  let caught: unknown;
  try {
    await p;
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof UserError, `expected a UserError, got ${String(caught)}`);
  assert.match(caught.describe(), pattern);
  return caught;
}

test('download setup installs the three sources, records them, and a re-run downloads nothing', async () => {
  const t = tempDir();
  try {
    server.requests.length = 0;
    const first = await runSetup({ dataDir: t.path, remote: remote() });
    assert.deepEqual(first.sources.map((s) => [s.name, s.status]), [['attack', 'installed'], ['sigma', 'installed'], ['atomics', 'installed']]);
    const layout = dataLayout(t.path);
    assert.deepEqual(readFileSync(layout.attackBundle), server.files.get(paths.bundle));
    assert.ok(existsSync(join(layout.sigmaDir, 'rules/windows/process_creation/proc_creation_win_fixture.yml')));
    assert.ok(existsSync(join(layout.sigmaDir, 'tests-data/thor.yml')), 'tests/thor.yml is installed as tests-data/thor.yml');
    assert.ok(existsSync(join(layout.sigmaDir, 'tests-data/known-FPs.csv')));
    assert.ok(!existsSync(join(layout.sigmaDir, 'README.md')) && !existsSync(join(layout.sigmaDir, 'tests')) && !existsSync(join(layout.sigmaDir, 'other')));
    assert.ok(existsSync(join(layout.atomicsTestsDir, 'T1003.001/T1003.001.yaml')));
    assert.ok(!existsSync(join(layout.atomicsTestsDir, 'T1003.001/src')), 'payloads are not installed');
    assert.ok(!existsSync(join(layout.atomicsTestsDir, 'Indexes')));

    const m = readManifest(t.path)!;
    assert.equal(m.sources.attack?.version, ATTACK_VERSION);
    assert.equal(m.sources.attack?.origin.kind, 'http');
    assert.equal(m.sources.attack?.keyFiles['enterprise-attack.json']?.sha256, (await hashFile(layout.attackBundle)).sha256);
    assert.equal(m.sources.sigma?.version, SIGMA_REF);
    assert.equal(m.sources.sigma?.files, 4); // the rule, thor.yml, known-FPs.csv, LICENSE: nothing else
    assert.equal(m.sources.atomics?.files, 3); // two YAML files and the licence
    assert.equal(server.requests.filter((r) => r.status === 200).length, 4);
    assert.ok(!existsSync(layout.setupStaging) && !existsSync(layout.setupLock), 'no staging or lock left behind');

    const before = snapshot(t.path);
    server.requests.length = 0;
    const second = await runSetup({ dataDir: t.path, remote: remote() });
    assert.deepEqual(second.sources.map((s) => s.status), ['current', 'current', 'current']);
    assert.ok(server.requests.length > 0 && server.requests.every((r) => r.conditional && r.status === 304), JSON.stringify(server.requests));
    assert.ok(!server.requests.some((r) => r.path === paths.bundle), 'the bundle is not asked for when the index is unchanged');
    assert.deepEqual(snapshot(t.path), before, 'a re-run changes nothing, not even the manifest');

    server.requests.length = 0;
    const forced = await runSetup({ dataDir: t.path, remote: remote(), force: true, only: ['sigma'] });
    assert.deepEqual(forced.sources.map((s) => [s.name, s.status]), [['sigma', 'updated']]);
    assert.deepEqual(server.requests.map((r) => [r.path, r.status, r.conditional]), [[paths.sigma, 200, false]]);
    assert.equal(readManifest(t.path)?.sources.attack?.sha256, m.sources.attack?.sha256, 'sources left out of --only keep their record');
  } finally {
    t.cleanup();
  }
});

test('a deleted installed file is noticed and the source fetched again', async () => {
  const t = tempDir();
  try {
    await runSetup({ dataDir: t.path, remote: remote(), only: ['atomics'] });
    rmSync(join(dataLayout(t.path).atomicsTestsDir, 'T1059.004'), { recursive: true });
    const again = await runSetup({ dataDir: t.path, remote: remote(), only: ['atomics'] });
    assert.equal(again.sources[0]?.status, 'updated');
    assert.ok(existsSync(join(dataLayout(t.path).atomicsTestsDir, 'T1059.004/T1059.004.yaml')));
  } finally {
    t.cleanup();
  }
});

for (const [label, mode, pattern] of [
  ['a truncated body', 'truncate', /download truncated: received \d+ of \d+ bytes: http:\/\/127\.0\.0\.1:\d+\/sigma\//],
  ['a 404', 'not-found', /download failed: HTTP 404 Not Found: http:\/\/127\.0\.0\.1:\d+\/sigma\//],
] as const) {
  test(`${label} fails with a clear error and leaves the data dir as it was`, async () => {
    const t = tempDir();
    try {
      await runSetup({ dataDir: t.path, remote: remote(), only: ['attack'] });
      const before = snapshot(t.path);
      server.setMode(paths.sigma, mode);
      try {
        // attack is refetched (forced) and staged before sigma fails: it must not be swapped in either.
        await rejectsUser(runSetup({ dataDir: t.path, remote: remote(), force: true }), pattern);
      } finally {
        server.setMode(paths.sigma, 'ok');
      }
      assert.deepEqual(snapshot(t.path), before);
    } finally {
      t.cleanup();
    }
  });
}

test('a pinned sha256 that does not match refuses the download', async () => {
  const t = tempDir();
  try {
    const r = { ...remote(), pins: { atomics: '0'.repeat(64) } };
    await rejectsUser(runSetup({ dataDir: t.path, remote: r, only: ['atomics'] }), /does not match its pinned sha256/);
    assert.deepEqual(Object.keys(snapshot(t.path)), []);
  } finally {
    t.cleanup();
  }
});

test('an ATT&CK version missing from the index is a usage error naming the index', async () => {
  const t = tempDir();
  try {
    const r = { ...remote(), attackVersion: '99.9' };
    await rejectsUser(runSetup({ dataDir: t.path, remote: r, only: ['attack'] }), /ATT&CK version 99\.9 is not in the release index: .*\/attack\/index\.json/);
  } finally {
    t.cleanup();
  }
});

test('an ATT&CK bundle that is not STIX is refused before anything is installed', async () => {
  const t = tempDir();
  const saved = server.files.get(paths.bundle)!;
  try {
    server.files.set(paths.bundle, Buffer.from('{"type":"not-a-bundle"}'));
    await rejectsUser(runSetup({ dataDir: t.path, remote: remote(), only: ['attack'] }), /not a STIX bundle/);
    server.files.set(paths.bundle, saved.subarray(0, 300)); // served whole, but the file itself is cut short
    await rejectsUser(runSetup({ dataDir: t.path, remote: remote(), only: ['attack'] }), /not valid JSON, truncated or damaged/);
    assert.deepEqual(Object.keys(snapshot(t.path)), []);
  } finally {
    server.files.set(paths.bundle, saved);
    t.cleanup();
  }
});

test('mirror setup copies only the wanted files, reads versions from SOURCE.md and index.json', async () => {
  const t = tempDir();
  try {
    const r = await runSetup({ dataDir: t.path, mirror });
    assert.deepEqual(r.sources.map((s) => s.status), ['installed', 'installed', 'installed']);
    const m = readManifest(t.path)!;
    assert.equal(m.sources.attack?.version, '18.1', 'the Enterprise release (not Mobile) published next after the bundle\'s newest object');
    assert.equal(m.sources.attack?.revision, '1'.repeat(40));
    assert.equal(m.sources.sigma?.version, '2'.repeat(40));
    assert.equal(m.sources.atomics?.version, '3'.repeat(40));
    const layout = dataLayout(t.path);
    assert.ok(!existsSync(join(layout.sigmaDir, 'stats')) && !existsSync(join(layout.sigmaDir, 'SOURCE.md')));
    assert.ok(!existsSync(join(layout.atomicsTestsDir, 'T1003.001/src')));
    assert.ok(existsSync(join(layout.sigmaRegressionDir, 'rules/windows/process_creation/proc_creation_win_fixture/info.yml')));
    const again = await runSetup({ dataDir: t.path, mirror });
    assert.deepEqual(again.sources.map((s) => s.status), ['current', 'current', 'current']);
  } finally {
    t.cleanup();
  }
});

test('mirror problems are usage errors naming the folder', async () => {
  const t = tempDir();
  try {
    await rejectsUser(runSetup({ dataDir: t.path, mirror: join(t.path, 'no-such-mirror') }), /mirror folder not found: .*no-such-mirror/);
    const partial = join(t.path, 'partial');
    mkdirSync(join(partial, 'attack'), { recursive: true });
    writeFileSync(join(partial, 'attack', 'enterprise-attack.json'), readFileSync(join(mirror, 'attack', 'enterprise-attack.json')));
    await rejectsUser(runSetup({ dataDir: join(t.path, 'data'), mirror: partial }), /the mirror has no sigma\/ folder/);
    assert.ok(!existsSync(join(t.path, 'data', 'attack')), 'attack was staged but not installed');
    const ok = await runSetup({ dataDir: join(t.path, 'data'), mirror: partial, only: ['attack'] });
    assert.equal(ok.sources[0]?.record.version, 'unknown', 'no index.json and no SOURCE.md: the version is not invented');
  } finally {
    t.cleanup();
  }
});

test('a setup killed in the middle of its commit is rolled back by the next one', async () => {
  const t = tempDir();
  try {
    await runSetup({ dataDir: t.path, mirror, only: ['sigma'] });
    const before = snapshot(t.path);
    // What a crash between the two renames leaves: sigma moved aside, the new copy not yet in place.
    const layout = dataLayout(t.path);
    mkdirSync(join(layout.setupStaging, 'previous'), { recursive: true });
    mkdirSync(join(layout.setupStaging, 'new', 'sigma'), { recursive: true });
    writeFileSync(join(layout.setupStaging, 'journal.json'), JSON.stringify({ commitId: 'crashed', dirs: [{ dir: 'sigma', hadPrevious: true }] }));
    renameSync(layout.sigmaDir, join(layout.setupStaging, 'previous', 'sigma'));
    recoverStaging(t.path);
    assert.deepEqual(snapshot(t.path), before);
  } finally {
    t.cleanup();
  }
});

test('a lock held by a live process stops a second setup; a stale lock is taken over', async () => {
  const t = tempDir();
  try {
    mkdirSync(t.path, { recursive: true });
    writeFileSync(dataLayout(t.path).setupLock, String(process.ppid));
    mkdirSync(join(dataLayout(t.path).setupStaging, 'new'), { recursive: true }); // the running setup's work
    await rejectsUser(runSetup({ dataDir: t.path, mirror, only: ['atomics'] }), /another ttpscope setup \(pid \d+\) is using the data directory/);
    assert.ok(existsSync(join(dataLayout(t.path).setupStaging, 'new')), "the other setup's staging is left alone");
    assert.equal(readFileSync(dataLayout(t.path).setupLock, 'utf8'), String(process.ppid), 'and so is its lock');
    writeFileSync(dataLayout(t.path).setupLock, '2147483646'); // no such process
    const r = await runSetup({ dataDir: t.path, mirror, only: ['atomics'] });
    assert.equal(r.sources[0]?.status, 'installed');
    assert.ok(!existsSync(dataLayout(t.path).setupLock));
  } finally {
    t.cleanup();
  }
});

test('post-setup steps run after the sources, with the list of changed sources', async () => {
  const t = tempDir();
  try {
    const seen: string[][] = [];
    const step: PostSetupStep = {
      name: 'record',
      run: async (ctx) => {
        assert.ok(existsSync(ctx.layout.attackBundle), 'sources are in place before the step runs');
        seen.push(ctx.changed);
      },
    };
    await runSetup({ dataDir: t.path, mirror, only: ['attack'], postSteps: [step] });
    const r = await runSetup({ dataDir: t.path, mirror, only: ['attack'], postSteps: [step] });
    assert.deepEqual(seen, [['attack'], []]);
    assert.deepEqual(r.postSteps, ['record']);
  } finally {
    t.cleanup();
  }
});

test('an interrupted setup (abort signal) leaves nothing behind', async () => {
  const t = tempDir();
  try {
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(runSetup({ dataDir: t.path, mirror, signal: controller.signal }), (err: Error) => err.name === 'AbortError');
    assert.deepEqual(Object.keys(snapshot(t.path)), []);
  } finally {
    t.cleanup();
  }
});

test('a damaged manifest is replaced by a fresh setup', async () => {
  const t = tempDir();
  try {
    mkdirSync(t.path, { recursive: true });
    writeFileSync(dataLayout(t.path).manifest, '{"schema": 1, "sources": ');
    assert.throws(() => readManifest(t.path), (err: unknown) => err instanceof UserError && /manifest is not valid JSON \(.*\): .*manifest\.json/.test(err.describe()));
    const r = await runSetup({ dataDir: t.path, mirror, only: ['atomics'] });
    assert.equal(r.sources[0]?.status, 'installed');
    assert.equal(readManifest(t.path)?.sources.atomics?.files, 3);
  } finally {
    t.cleanup();
  }
});

test('setup never replaces folders it did not install, and never writes into the mirror', async () => {
  const t = tempDir();
  try {
    const own = join(t.path, 'data', 'sigma');
    mkdirSync(own, { recursive: true });
    writeFileSync(join(own, 'my-rule.yml'), 'title: mine\n');
    await rejectsUser(runSetup({ dataDir: join(t.path, 'data'), mirror }), /sigma\/ exists but was not installed by ttpscope setup.*: .*data\/sigma$/);
    assert.equal(readFileSync(join(own, 'my-rule.yml'), 'utf8'), 'title: mine\n');

    const copy = join(t.path, 'mirror');
    await runSetup({ dataDir: copy, mirror, only: ['atomics'] }); // a data dir is laid out like a mirror
    const before = snapshot(copy);
    await rejectsUser(runSetup({ dataDir: copy, mirror: copy, force: true }), /the data directory and the mirror overlap/);
    await rejectsUser(runSetup({ dataDir: join(copy, 'inner'), mirror: copy }), /overlap/);
    await rejectsUser(runSetup({ dataDir: t.path, mirror: copy }), /overlap/);
    assert.deepEqual(snapshot(copy), before);
  } finally {
    t.cleanup();
  }
});
