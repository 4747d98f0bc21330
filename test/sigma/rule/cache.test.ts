/** The parsed-rule cache: the same collection as a fresh parse, edits and corruption noticed, bounded size. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { loadRulesSync, type RuleCacheStats } from '../../../src/sigma/index.js';
import { MAX_RULE_CACHES } from '../../../src/sigma/rule/cache.js';
import { ACTIVE_SIGMA_RULE_FOLDERS } from '../../../src/datadir/paths.js';
import { hasSharedData, repoRoot, sharedData, tempDir } from '../../helpers.js';
import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';

const DIST_SIGMA = join(repoRoot, 'dist', 'sigma', 'index.js');

function ruleText(title: string, image: string): string {
  return `title: ${title}
id: ${title === 'First' ? '11111111-1111-4111-8111-111111111111' : '22222222-2222-4222-8222-222222222222'}
status: test
logsource:
    product: windows
    category: process_creation
detection:
    selection:
        Image|endswith: '${image}'
    condition: selection
level: high
`;
}

function loadWithStats(paths: string[], cacheDir: string) {
  let stats: RuleCacheStats | undefined;
  const collection = loadRulesSync(paths, { cacheDir, onCache: (s) => (stats = s) });
  assert.ok(stats, 'the cache reports what it did');
  return { collection, stats };
}

test('the active SigmaHQ tree from the cache equals a fresh parse', { skip: !hasSharedData && 'no ../shared/data' }, () => {
  const dirs = ACTIVE_SIGMA_RULE_FOLDERS.map((f) => join(sharedData, 'sigma', f)).filter((d) => existsSync(d));
  const tmp = tempDir();
  try {
    const fresh = loadRulesSync(dirs);
    const first = loadWithStats(dirs, tmp.path);
    assert.equal(first.stats.hits, 0);
    assert.equal(first.stats.parsed, fresh.files);
    assert.equal(first.stats.written, true);
    const second = loadWithStats(dirs, tmp.path);
    assert.equal(second.stats.hits, fresh.files);
    assert.equal(second.stats.parsed, 0);
    assert.equal(second.stats.written, false, 'nothing changed, nothing rewritten');
    assert.ok(fresh.rules.length > 3000);
    assert.deepStrictEqual(second.collection, fresh);
  } finally {
    tmp.cleanup();
  }
});

test('an edited rule file is parsed again even with the same size and mtime; the others come from the cache', () => {
  const tmp = tempDir();
  try {
    const rules = join(tmp.path, 'rules');
    const cache = join(tmp.path, 'cache');
    mkdirSync(rules);
    const a = join(rules, 'a.yml');
    writeFileSync(a, ruleText('First', '\\aaa.exe'));
    writeFileSync(join(rules, 'b.yml'), ruleText('Other', '\\bbb.exe'));
    loadWithStats([rules], cache);
    const before = statSync(a);
    writeFileSync(a, ruleText('First', '\\zzz.exe')); // same length
    utimesSync(a, before.atime, before.mtime);
    const { collection, stats } = loadWithStats([rules], cache);
    assert.deepEqual({ hits: stats.hits, parsed: stats.parsed, written: stats.written }, { hits: 1, parsed: 1, written: true });
    assert.deepStrictEqual(collection, loadRulesSync([rules]));
    assert.match(inspect(collection.rules.find((r) => r.title === 'First')?.detection, { depth: null }), /zzz\.exe/);

    rmSync(join(rules, 'b.yml'));
    const after = loadWithStats([rules], cache);
    assert.equal(after.collection.rules.length, 1);
    assert.equal(after.stats.written, true, 'a removed file drops out of the cache');
  } finally {
    tmp.cleanup();
  }
});

test('a corrupt cache file is noticed, everything is parsed, and the file is rewritten', () => {
  const tmp = tempDir();
  try {
    const rules = join(tmp.path, 'rules');
    const cache = join(tmp.path, 'cache');
    mkdirSync(rules);
    writeFileSync(join(rules, 'a.yml'), ruleText('First', '\\aaa.exe'));
    const { stats } = loadWithStats([rules], cache);
    for (const garbage of [Buffer.from('TTPSKBC1\xff\xff\xff\xffjunk', 'latin1'), Buffer.from('not a cache'), Buffer.alloc(0)]) {
      writeFileSync(stats.file, garbage);
      const broken = loadWithStats([rules], cache);
      assert.equal(broken.stats.miss, 'corrupt');
      assert.equal(broken.stats.parsed, 1);
      assert.equal(broken.stats.written, true);
      assert.deepStrictEqual(broken.collection, loadRulesSync([rules]));
      assert.equal(loadWithStats([rules], cache).stats.hits, 1);
    }
  } finally {
    tmp.cleanup();
  }
});

test(`different rule paths get their own cache files, at most ${MAX_RULE_CACHES} are kept, and an unwritable cache only costs the parse`, () => {
  const tmp = tempDir();
  try {
    const cache = join(tmp.path, 'cache');
    for (let i = 0; i < MAX_RULE_CACHES + 3; i++) {
      const dir = join(tmp.path, `rules${i}`);
      mkdirSync(dir);
      writeFileSync(join(dir, 'a.yml'), ruleText('First', `\\r${i}.exe`));
      assert.equal(loadWithStats([dir], cache).stats.written, true);
    }
    assert.equal(readdirSync(cache).filter((n) => n.endsWith('.v8')).length, MAX_RULE_CACHES);

    const notADir = join(tmp.path, 'file');
    writeFileSync(notADir, 'x');
    const { collection, stats } = loadWithStats([join(tmp.path, 'rules0')], join(notADir, 'cache'));
    assert.equal(stats.written, false);
    assert.equal(collection.rules.length, 1);
  } finally {
    tmp.cleanup();
  }
});

test('the built parser (dist/) and the sources keep their own cache files: alternating them parses nothing the second time', { skip: !existsSync(DIST_SIGMA) && 'dist/ not built (npm ci builds it)' }, () => {
  const tmp = tempDir();
  try {
    const rules = join(tmp.path, 'rules');
    mkdirSync(rules);
    writeFileSync(join(rules, 'a.yml'), ruleText('First', '\\a.exe'));
    writeFileSync(join(rules, 'b.yml'), ruleText('Second', '\\b.exe'));
    const cache = join(tmp.path, 'cache');
    // the built loader, in a process of its own (plain JavaScript, no tsx)
    const fromDist = (): RuleCacheStats => {
      const script = `import { loadRulesSync } from ${JSON.stringify(pathToFileURL(DIST_SIGMA).href)};
        let s; loadRulesSync([${JSON.stringify(rules)}], { cacheDir: ${JSON.stringify(cache)}, onCache: (x) => (s = x) });
        process.stdout.write(JSON.stringify(s));`;
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      return JSON.parse(r.stdout) as RuleCacheStats;
    };
    assert.equal(loadWithStats([rules], cache).stats.parsed, 2);
    assert.equal(fromDist().parsed, 2, 'the built parser is other code: it does not trust the sources’ results');
    const again = loadWithStats([rules], cache).stats;
    assert.deepEqual([again.parsed, again.hits], [0, 2], 'the sources’ cache file survived the built run');
    const distAgain = fromDist();
    assert.deepEqual([distAgain.parsed, distAgain.hits], [0, 2]);
    assert.equal(readdirSync(cache).filter((n) => n.endsWith('.v8')).length, 2);
  } finally {
    tmp.cleanup();
  }
});
