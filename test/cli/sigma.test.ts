import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, runCli, tempDir } from '../helpers.js';

const RULES = join(repoRoot, 'test', 'fixtures', 'hunt', 'rules');

test('sigma check: clean rules exit 0 and the summary counts what loaded', () => {
  const r = runCli(['sigma', 'check', '--no-attack', RULES]);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /5 file\(s\), 5 document\(s\) loaded \(5 rules, 0 correlations, 0 filters\); 0 load error\(s\)/);
  assert.match(r.stdout, /0 error\(s\)/);
});

test('sigma check: errors name file, rule id and YAML path; exit 2; --json has the same findings', () => {
  const dir = tempDir();
  try {
    writeFileSync(
      join(dir.path, 'bad.yml'),
      `title: Bad regex and unused filter
id: 9f0e8d7c-6b5a-4c3d-9e2f-1a0b9c8d7e6f
status: test
description: fixture
date: 2026-01-02
tags: [attack.execution, attack.t1059]
logsource: {product: windows, category: process_creation}
detection:
  selection:
    CommandLine|re: '(a)\\1'
  filter_unused:
    Image|endswith: '\\x.exe'
  condition: selection
level: medium
`,
    );
    writeFileSync(join(dir.path, 'broken.yml'), 'title: x\ndetection: [\n');
    const r = runCli(['sigma', 'check', '--no-attack', dir.path]);
    assert.equal(r.status, 2, r.stdout + r.stderr);
    assert.match(r.stdout, /bad\.yml:\d+, rule 9f0e8d7c-6b5a-4c3d-9e2f-1a0b9c8d7e6f, detection\.selection\.CommandLine\|re: error: .*backreference/);
    assert.match(r.stdout, /bad\.yml:\d+, rule 9f0e8d7c-6b5a-4c3d-9e2f-1a0b9c8d7e6f, detection\.filter_unused: warning: .*never used/);
    assert.match(r.stdout, /broken\.yml.*error: invalid YAML/);
    assert.match(r.stdout, /2 file\(s\), 1 document\(s\) loaded/);

    const j = runCli(['sigma', 'check', '--no-attack', '--json', '--disable', 'unused-selection', dir.path]);
    assert.equal(j.status, 2);
    const doc = JSON.parse(j.stdout);
    assert.equal(doc.summary.files, 2);
    assert.equal(doc.summary.loaded, 1);
    assert.ok(doc.findings.some((f: { validator: string }) => f.validator === 'regex-invalid'));
    assert.ok(!doc.findings.some((f: { validator: string }) => f.validator === 'unused-selection'));
    assert.ok(!doc.validators.includes('unused-selection'));
  } finally {
    dir.cleanup();
  }
});

test('sigma check --list-validators and sigma pipelines', () => {
  const v = runCli(['sigma', 'check', '--list-validators', '--json']);
  assert.equal(v.status, 0);
  const ids = JSON.parse(v.stdout).map((x: { id: string }) => x.id);
  for (const id of ['unused-selection', 'field-unknown', 'regex-invalid', 'duplicate-id', 'attack-tag-unknown']) assert.ok(ids.includes(id), id);
  const p = runCli(['sigma', 'pipelines']);
  assert.equal(p.status, 0);
  assert.match(p.stdout, /default\s+windows, linux/);
  const bad = runCli(['sigma', 'check', '--pipeline', 'nope', RULES]);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /ttpscope: unknown pipeline "nope"/);
});
