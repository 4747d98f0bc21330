import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readManifest } from '../../src/datadir/manifest.js';
import { dataLayout } from '../../src/datadir/paths.js';
import { runSetup } from '../../src/datadir/setup.js';
import { SIGMA_FOLDERS, remoteConfigFromEnv } from '../../src/datadir/sources.js';
import { hashFile, listFiles } from '../../src/datadir/tree.js';
import { hasSharedData, repoRoot, sharedData, tempDir, type CliResult } from '../helpers.js';
import { closedPort, fixtureFiles, fixtures, loopbackEnv, paths, startLoopback, type Loopback } from '../datadir/loopback.js';
import { snapshot } from '../datadir/snapshot.js';

/** `ttpscope ARGS` without blocking this process (the loopback server runs in it). */
function cli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'src', 'cli', 'main.ts'), ...args], {
      cwd: repoRoot,
      env: { ...process.env, NO_COLOR: '1', TTPSCOPE_NO_PROGRESS: '1', TTPSCOPE_MIRROR: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ status: code ?? -1, stdout, stderr }));
  });
}

/** One error line `ttpscope: <what>: <where>` and one hint line, no stack. */
function assertOneLineError(r: CliResult, pattern: RegExp): void {
  assert.equal(r.status, 2, r.stderr);
  const lines = r.stderr.trimEnd().split('\n');
  assert.match(lines[0]!, pattern);
  assert.ok(lines.length <= 2 && (lines[1] === undefined || lines[1].startsWith('hint: ')), r.stderr);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
}

let server: Loopback;
before(async () => {
  server = await startLoopback(await fixtureFiles());
});
after(async () => {
  await server.close();
});

test('setup over HTTP: installs, and a re-run downloads nothing', async () => {
  const t = tempDir();
  try {
    const env = loopbackEnv(server.base);
    server.requests.length = 0;
    const first = await cli(['--data', t.path, 'setup'], env);
    assert.equal(first.status, 0, first.stderr);
    assert.match(first.stdout, /attack\s+installed\s+18\.1/);
    assert.match(first.stdout, /sigma\s+installed\s+fixture-sigma-1/);
    assert.equal(server.requests.filter((r) => r.status === 200).length, 4);

    server.requests.length = 0;
    const second = await cli(['--data', t.path, 'setup', '--json'], env);
    assert.equal(second.status, 0, second.stderr);
    const json = JSON.parse(second.stdout) as { sources: { name: string; status: string }[] };
    assert.deepEqual(json.sources.map((s) => s.status), ['current', 'current', 'current']);
    assert.equal(server.requests.filter((r) => r.status === 200).length, 0, 'nothing re-downloaded');
    // --force is covered in test/datadir/setup.test.ts (same code path, without a process per run)
  } finally {
    t.cleanup();
  }
});

test('truncated body, 404 and unreachable server: one-line error, exit 2, data dir unchanged', async () => {
  const t = tempDir();
  try {
    const env = loopbackEnv(server.base);
    await runSetup({ dataDir: t.path, remote: remoteConfigFromEnv(env) }); // the state the failures must not touch
    const before = snapshot(t.path);

    server.setMode(paths.bundle, 'truncate');
    try {
      const r = await cli(['--data', t.path, 'setup', '--force'], env);
      assertOneLineError(r, /^ttpscope: download truncated: received \d+ of \d+ bytes: http:\/\/127\.0\.0\.1:\d+\/attack\/enterprise-attack\/enterprise-attack-18\.1\.json$/);
    } finally {
      server.setMode(paths.bundle, 'ok');
    }
    assert.deepEqual(snapshot(t.path), before);

    server.setMode(paths.atomics, 'not-found');
    try {
      const r = await cli(['--data', t.path, 'setup', '--force'], env);
      assertOneLineError(r, /^ttpscope: download failed: HTTP 404 Not Found: http:\/\/127\.0\.0\.1:\d+\/atomic-red-team\/fixture-atomics-1\.tar\.gz$/);
    } finally {
      server.setMode(paths.atomics, 'ok');
    }
    assert.deepEqual(snapshot(t.path), before);

    const port = await closedPort();
    const r = await cli(['--data', t.path, 'setup'], loopbackEnv(`http://127.0.0.1:${port}`));
    assertOneLineError(r, /^ttpscope: cannot download: connection refused: http:\/\/127\.0\.0\.1:\d+\/attack\/index\.json$/);
    assert.deepEqual(snapshot(t.path), before);
    const fresh = join(t.path, 'fresh');
    assertOneLineError(await cli(['--data', fresh, 'setup'], loopbackEnv(`http://127.0.0.1:${port}`)), /connection refused/);
    assert.ok(!existsSync(fresh), 'a failed first setup does not even leave an empty data dir');
  } finally {
    t.cleanup();
  }
});

test('usage errors: missing mirror, unknown --only source, bad base URL, truncated bundle in the mirror', async () => {
  const t = tempDir();
  try {
    const missing = join(t.path, 'nowhere');
    assertOneLineError(await cli(['--data', join(t.path, 'd'), 'setup', '--from', missing]), /^ttpscope: mirror folder not found: .*nowhere$/);
    assertOneLineError(await cli(['--data', join(t.path, 'd'), 'setup', '--only', 'attack,bogus']), /^ttpscope: unknown source "bogus" in --only$/);
    assertOneLineError(await cli(['--data', join(t.path, 'd'), 'setup'], { TTPSCOPE_SOURCE_BASE_URL: 'gopher://x' }), /^ttpscope: unsupported URL scheme gopher:: TTPSCOPE_SOURCE_BASE_URL$/);
    assert.deepEqual(snapshot(join(t.path, 'd')), {});

    // A mirror whose bundle is cut short: refused before anything is installed, the file named.
    const bad = join(t.path, 'bad-mirror');
    cpSync(join(fixtures, 'mirror'), bad, { recursive: true });
    const bundle = join(bad, 'attack', 'enterprise-attack.json');
    writeFileSync(bundle, readFileSync(bundle).subarray(0, 500));
    assertOneLineError(await cli(['--data', join(t.path, 'd'), 'setup', '--from', bad]), /^ttpscope: ATT&CK bundle is not valid JSON, truncated or damaged \(.*\): .*bad-mirror\/attack\/enterprise-attack\.json$/);
    assert.deepEqual(snapshot(join(t.path, 'd')), {});
  } finally {
    t.cleanup();
  }
});

test('TTPSCOPE_MIRROR is used like --from', async () => {
  const t = tempDir();
  try {
    const r = await cli(['--data', t.path, 'setup', '--only', 'atomics'], { TTPSCOPE_MIRROR: join(fixtures, 'mirror') });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(readManifest(t.path)?.sources.atomics?.origin.location, join(fixtures, 'mirror', 'atomic-red-team'));
  } finally {
    t.cleanup();
  }
});

test('setup --from the real mirror: manifest, files and hashes; a second run skips', { skip: hasSharedData ? false : `no reference data at ${sharedData}` }, async () => {
  const t = tempDir();
  try {
    const first = await cli(['--data', t.path, 'setup', '--no-train', '--from', sharedData]);
    assert.equal(first.status, 0, first.stderr);
    const m = readManifest(t.path);
    assert.ok(m);
    const layout = dataLayout(t.path);

    const mirrorBundle = await hashFile(join(sharedData, 'attack', 'enterprise-attack.json'));
    assert.deepEqual(await hashFile(layout.attackBundle), mirrorBundle);
    assert.deepEqual(m.sources.attack?.keyFiles['enterprise-attack.json'], mirrorBundle);
    assert.equal(m.sources.attack?.version, '18.1');
    assert.deepEqual(readFileSync(layout.attackIndex), readFileSync(join(sharedData, 'attack', 'index.json')));

    // Sigma: every file of the rule folders (and only those) is there, byte for byte.
    const mirrorSigma = (await listFiles(join(sharedData, 'sigma'))).filter((p) => p === 'LICENSE' || (SIGMA_FOLDERS as readonly string[]).includes(p.split('/')[0]!));
    const installedSigma = await listFiles(layout.sigmaDir);
    assert.deepEqual(installedSigma, mirrorSigma);
    assert.equal(m.sources.sigma?.files, mirrorSigma.length);
    for (const rel of mirrorSigma.filter((_, i) => i % 97 === 0)) {
      assert.deepEqual(await hashFile(join(layout.sigmaDir, rel)), await hashFile(join(sharedData, 'sigma', rel)), rel);
    }
    const mirrorAtomics = (await listFiles(join(sharedData, 'atomic-red-team'))).filter((p) => p.endsWith('.yaml') || p === 'LICENSE.txt');
    assert.deepEqual(await listFiles(layout.atomicsDir), mirrorAtomics);
    assert.ok(mirrorAtomics.length > 300);

    const before = snapshot(t.path, 'stat');
    const second = await cli(['--data', t.path, 'setup', '--no-train', '--from', sharedData]);
    assert.equal(second.status, 0, second.stderr);
    assert.match(second.stdout, /attack\s+current/);
    assert.match(second.stdout, /sigma\s+current/);
    assert.match(second.stdout, /atomics\s+current/);
    assert.deepEqual(snapshot(t.path, 'stat'), before, 'nothing rewritten');
  } finally {
    t.cleanup();
  }
});
