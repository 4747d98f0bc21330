import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UserError } from '../../src/common/errors.js';
import { dataLayout, resolveDataDir } from '../../src/datadir/paths.js';
import { DEFAULTS, SOURCES, parseOnly, remoteConfigFromEnv } from '../../src/datadir/sources.js';
import { treeHash } from '../../src/datadir/tree.js';
import { compareVersions, parseAttackIndex, commitFromSourceMd, releaseForBundle } from '../../src/datadir/validate.js';

test('download locations: defaults, one base URL for all, per-source overrides', () => {
  const d = remoteConfigFromEnv({});
  assert.equal(d.attackBaseUrl, DEFAULTS.attackBaseUrl);
  assert.equal(d.sigmaRef, DEFAULTS.sigmaRef);
  assert.ok(d.attackBaseUrl.startsWith('https://') && d.sigmaBaseUrl.startsWith('https://') && d.atomicsBaseUrl.startsWith('https://'));
  const b = remoteConfigFromEnv({ TTPSCOPE_SOURCE_BASE_URL: 'http://127.0.0.1:9/m/', TTPSCOPE_SIGMA_BASE_URL: 'https://mirror.example/sigma' });
  assert.equal(b.attackBaseUrl, 'http://127.0.0.1:9/m/attack');
  assert.equal(b.atomicsBaseUrl, 'http://127.0.0.1:9/m/atomic-red-team');
  assert.equal(b.sigmaBaseUrl, 'https://mirror.example/sigma');
  assert.deepEqual(remoteConfigFromEnv({ TTPSCOPE_ATOMICS_SHA256: 'A'.repeat(64) }).pins, { atomics: 'a'.repeat(64) });
  for (const env of [
    { TTPSCOPE_SOURCE_BASE_URL: 'file:///etc' },
    { TTPSCOPE_SOURCE_BASE_URL: 'not a url' },
    { TTPSCOPE_SIGMA_REF: '../../etc' },
    { TTPSCOPE_ATTACK_VERSION: '18.1/../x' },
    { TTPSCOPE_SIGMA_SHA256: 'abc' },
  ]) {
    assert.throws(() => remoteConfigFromEnv(env), UserError, JSON.stringify(env));
  }
});

test('--only: a subset in install order; unknown names are usage errors', () => {
  assert.deepEqual(parseOnly(undefined), ['attack', 'sigma', 'atomics']);
  assert.deepEqual(parseOnly('atomics, ATTACK'), ['attack', 'atomics']);
  assert.throws(() => parseOnly('attack,mitre'), /unknown source "mitre"/);
  assert.throws(() => parseOnly(' , '), UserError);
});

test('what each source keeps', () => {
  const sigma = SOURCES.sigma.select;
  assert.equal(sigma('rules/windows/a.yml'), 'rules/windows/a.yml');
  assert.equal(sigma('regression_data/rules/x/info.yml'), 'regression_data/rules/x/info.yml');
  assert.equal(sigma('tests/logsource.json'), 'tests-data/logsource.json');
  assert.equal(sigma('tests/test_rules.py'), null);
  assert.equal(sigma('README.md'), null);
  assert.equal(sigma('rules'), null);
  const art = SOURCES.atomics.select;
  assert.equal(art('atomics/T1003.001/T1003.001.yaml'), 'atomics/T1003.001/T1003.001.yaml');
  assert.equal(art('atomics/T1003.001/T1003.002.yaml'), null);
  assert.equal(art('atomics/T1003.001/src/x.ps1'), null);
  assert.equal(art('atomics/Indexes/index.yaml'), null);
  assert.equal(SOURCES.attack.select('SOURCE.md'), null);
});

test('the layout keeps its paths inside the data dir', () => {
  const l = dataLayout('/d');
  assert.equal(l.attackBundle, '/d/attack/enterprise-attack.json');
  assert.equal(l.atomicsTestsDir, '/d/atomic-red-team/atomics');
  assert.equal(resolveDataDir(undefined, { TTPSCOPE_DATA: '/x' }), '/x');
  assert.equal(resolveDataDir(undefined, { XDG_DATA_HOME: '/xdg' }), '/xdg/ttpscope');
});

test('tree hash ignores order and sees any change; versions compare numerically', () => {
  const a = { path: 'a', size: 1, sha256: '0'.repeat(64) };
  const b = { path: 'b/c', size: 2, sha256: '1'.repeat(64) };
  assert.equal(treeHash([a, b]), treeHash([b, a]));
  assert.notEqual(treeHash([a, b]), treeHash([a, { ...b, size: 3 }]));
  assert.notEqual(treeHash([a, b]), treeHash([a, { ...b, path: 'b/d' }]));
  assert.ok(compareVersions('18.1', '9.0') > 0 && compareVersions('18.0', '18.1') < 0 && compareVersions('18', '18.0') === 0);
  assert.throws(() => parseAttackIndex('{"collections": []}', 'i.json'), (err: unknown) => err instanceof UserError && /no Enterprise ATT&CK versions: i\.json/.test(err.describe()));
  assert.throws(() => parseAttackIndex('[', 'i.json'), UserError);
  const releases = parseAttackIndex(JSON.stringify({ collections: [{ name: 'Enterprise ATT&CK', versions: [
    { version: '18.0', modified: '2025-10-28T14:00:00.188Z' },
    { version: '18.1', modified: '2025-11-13T14:00:00.188Z' },
    { version: '17.1', modified: '2025-05-06T14:00:00.188Z' },
    { version: 'x/../1', modified: '2026-01-01T00:00:00Z' },
  ] }] }), 'i.json');
  assert.deepEqual(releases.map((r) => r.version), ['18.1', '18.0', '17.1'], 'newest first, invalid versions dropped');
  assert.equal(releaseForBundle(releases, '2025-11-12T22:03:39.105Z'), '18.1');
  assert.equal(releaseForBundle(releases, '2025-10-01T00:00:00.000Z'), '18.0');
  assert.equal(releaseForBundle(releases, '2026-02-01T00:00:00.000Z'), undefined, 'a bundle newer than the index is not given a version');
  assert.equal(commitFromSourceMd('- Commit: `' + 'a'.repeat(40) + '` (x)'), 'a'.repeat(40));
});
