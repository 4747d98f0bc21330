/** `ttpscope kb info|show|search` as a user runs them, on a temp data dir holding the real bundle. */
import { before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readdirSync, statSync, symlinkSync } from 'node:fs';
import { join, relative } from 'node:path';
import { dataLayout } from '../../src/datadir/paths.js';
import { hasSharedData, runCli, sharedData, tempDir } from '../helpers.js';
import { mini20, miniIndex, notStix, truncated } from '../kb/fixture.js';

const skip = hasSharedData ? false : 'reference data ../shared/data not found';
const dir = tempDir('ttpscope-kb-cli-');
const data = join(dir.path, 'data');
const kb = (...args: string[]) => runCli(['--data', data, 'kb', ...args]);

before(() => {
  if (skip) return;
  const layout = dataLayout(data);
  mkdirSync(layout.attackDir, { recursive: true });
  symlinkSync(join(sharedData, 'attack', 'enterprise-attack.json'), layout.attackBundle);
  symlinkSync(join(sharedData, 'attack', 'index.json'), layout.attackIndex);
});
after(() => dir.cleanup());

test('kb info --json: ATT&CK 18.1 and the active counts', { skip }, () => {
  const r = kb('info', '--json');
  assert.equal(r.status, 0, r.stderr);
  const info = JSON.parse(r.stdout);
  assert.equal(info.attackVersion, '18.1');
  assert.deepEqual(
    [info.counts.techniques, info.counts.subtechniques, info.counts.tactics, info.counts.groups, info.counts.software, info.counts.campaigns, info.counts.procedures],
    [216, 475, 14, 172, 784, 52, 16017],
  );
  const text = kb('info');
  assert.equal(text.status, 0);
  assert.match(text.stdout, /ATT&CK 18\.1/);
  assert.match(text.stdout, /procedure examples\s+16,017/);
  assert.doesNotMatch(text.stdout, /\x1b\[/, 'no colours when piped');
});

test('kb show T1003.001: name, tactics, parent, platforms, description, procedures, detections; citations as footnotes', { skip }, () => {
  const r = kb('show', 'T1003.001');
  assert.equal(r.status, 0, r.stderr);
  for (const want of [/LSASS Memory/, /Parent\s+T1003 OS Credential Dumping/, /Tactics\s+Credential Access \(TA0006\)/, /Platforms\s+Windows/, /Procedure examples: \d+/, /Detection strategies: \d+/, /AN\d{4}/, /log sources: .*WinEventLog/, /References/]) {
    assert.match(r.stdout, want);
  }
  assert.doesNotMatch(r.stdout, /\(Citation:/);
  assert.doesNotMatch(r.stdout, /\]\(https:\/\/attack\.mitre\.org/, 'markdown links rendered as text');
  const j = JSON.parse(kb('show', 'T1003.001', '--json').stdout);
  assert.equal(j.kind, 'technique');
  assert.equal(j.parent, 'T1003');
  assert.equal(j.procedureCount, j.procedures.length);
  assert.ok(j.detections[0].analytics[0].logSources.length > 0);
});

test('kb show resolves names, aliases, groups, tactics and revoked ids', { skip }, () => {
  const ocd = JSON.parse(kb('show', 'OS Credential Dumping', '--json').stdout);
  assert.equal(ocd.id, 'T1003');
  assert.ok(ocd.subtechniques.some((s: { id: string }) => s.id === 'T1003.001'));
  const mimi = kb('show', 'mimikatz');
  assert.equal(mimi.status, 0);
  assert.match(mimi.stdout, /S0002\s+Mimikatz/);
  assert.match(mimi.stdout, /Techniques used/);
  const apt29 = JSON.parse(kb('show', 'G0016', '--json').stdout);
  assert.equal(apt29.name, 'APT29');
  assert.ok(apt29.techniques.length > 10);
  assert.match(kb('show', 'execution').stdout, /TA0002\s+Execution/);
  const revoked = JSON.parse(kb('show', 'T1086', '--json').stdout);
  assert.equal(revoked.redirectedFrom, 'T1086');
  assert.equal(revoked.id, 'T1059.001');
  const several = kb('show', 'Domain Account');
  assert.equal(several.status, 0);
  assert.match(several.stdout, /objects match/);
  const none = kb('show', 'no such technique anywhere');
  assert.equal(none.status, 2);
  assert.match(none.stderr, /^ttpscope: no ATT&CK object matches/);
});

test('kb search: acceptance queries, table and JSON, --top and bad --top', { skip }, () => {
  const j = JSON.parse(kb('search', 'dump credentials from lsass memory', '--json').stdout);
  assert.equal(j.results[0].id, 'T1003.001');
  assert.ok(j.results[0].snippet.text.length > 0);
  const sched = JSON.parse(kb('search', 'scheduled', 'task', 'for', 'persistence', '--top', '3', '--json').stdout);
  assert.equal(sched.results.length, 3);
  assert.ok(sched.results.some((h: { id: string }) => h.id === 'T1053.005'));
  const table = kb('search', 'kerberoasting', '--top', '3');
  assert.equal(table.status, 0);
  assert.match(table.stdout, /^\s*#\s+id\s+name\s+score\s+best match/);
  assert.match(table.stdout, /T1558\.003/);
  const bad = kb('search', 'x', '--top', 'many');
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--top must be an integer/);
  const tactic = kb('search', 'x', '--tactic', 'stealth');
  assert.equal(tactic.status, 2);
  assert.match(tactic.stderr, /unknown tactic "stealth"/);
});

function snapshot(root: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const st = statSync(p);
      out.push(`${relative(root, p)} ${st.size} ${st.mtimeMs}`);
      if (st.isDirectory()) walk(p);
    }
  };
  walk(root);
  return out;
}

test('bad input: truncated bundle, not STIX, missing data → one line, exit 2, data dir unchanged', () => {
  const tmp = tempDir('ttpscope-kb-bad-');
  try {
    for (const [name, bundle, want] of [
      ['truncated', truncated, /ttpscope: ATT&CK bundle is not valid JSON \(truncated or incomplete\): .*enterprise-attack\.json:1:\d+/],
      ['notstix', notStix, /ttpscope: not a STIX bundle .*: .*enterprise-attack\.json/],
    ] as const) {
      const d = join(tmp.path, name);
      const layout = dataLayout(d);
      mkdirSync(layout.attackDir, { recursive: true });
      copyFileSync(bundle, layout.attackBundle);
      copyFileSync(miniIndex, layout.attackIndex);
      const before = snapshot(d);
      const r = runCli(['--data', d, 'kb', 'info']);
      assert.equal(r.status, 2, name);
      assert.match(r.stderr, want);
      assert.equal(r.stderr.split('\n').filter((l) => l.startsWith('ttpscope:')).length, 1);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
      assert.deepEqual(snapshot(d), before, `${name}: data dir unchanged`);
    }
    const missing = runCli(['--data', join(tmp.path, 'nothing'), 'kb', 'show', 'T1003']);
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /^ttpscope: no ATT&CK bundle in the data directory: .*enterprise-attack\.json\nhint: run: ttpscope setup --from \.\.\/shared\/data\n$/);
    const missingFile = runCli(['kb', 'info', '--bundle', join(tmp.path, 'nope.json')]);
    assert.equal(missingFile.status, 2);
    assert.match(missingFile.stderr, /^ttpscope: ATT&CK bundle not found: /);
  } finally {
    tmp.cleanup();
  }
});

test('--bundle reads any STIX bundle (here a small invented fixture)', () => {
  const r = runCli(['kb', 'info', '--json', '--bundle', mini20]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).counts.techniques, 2);
});
