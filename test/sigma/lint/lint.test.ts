import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadRules } from '../../../src/sigma/rule/load.js';
import { lintCollection, parseLintConfig, selectValidators, validatorIds, type LintContext, type LintReport } from '../../../src/sigma/lint/index.js';
import { loadPipeline } from '../../../src/sigma/pipeline/index.js';
import { sharedData, tempDir } from '../../helpers.js';

const header = (id: string, extra = '') => `title: Rule ${id}
id: ${id}
status: test
description: lint fixture
author: tests
date: 2026-01-02
tags:
  - attack.execution
  - attack.t1059.001
${extra}`;

const GOOD = `${header('11111111-1111-4111-8111-111111111111')}logsource: {product: windows, category: process_creation}
detection:
  selection:
    Image|endswith: '\\powershell.exe'
  condition: selection
level: medium
`;

/** Each fixture has exactly one planted problem (plus GOOD, which has none). */
const FIXTURES: Record<string, string> = {
  'good.yml': GOOD,
  'unused.yml': `${header('22222222-2222-4222-8222-222222222222')}logsource: {product: windows, category: process_creation}
detection:
  selection:
    Image|endswith: '\\cmd.exe'
  filter_forgotten:
    CommandLine|contains: '/c echo'
  condition: selection
level: low
`,
  'modifier.yml': `${header('33333333-3333-4333-8333-333333333333')}logsource: {product: windows, category: process_creation}
detection:
  selection:
    CommandLine|containz: 'x'
  condition: selection
level: low
`,
  'regex.yml': `${header('44444444-4444-4444-8444-444444444444')}logsource: {product: windows, category: process_creation}
detection:
  selection:
    CommandLine|re: '(?<=foo)bar'
  condition: selection
level: low
`,
  'zz-dup.yml': `${header('11111111-1111-4111-8111-111111111111')}logsource: {product: windows, category: process_creation}
detection:
  selection:
    Image|endswith: '\\wmic.exe'
  condition: selection
level: low
`.replace('title: Rule 1111', 'title: Other 1111'),
  'field.yml': `${header('55555555-5555-4555-8555-555555555555')}logsource: {product: windows, category: process_creation}
detection:
  selection:
    Imagee|endswith: '\\x.exe'
  condition: selection
level: low
`,
  'tags.yml': `title: Tag problems
id: 66666666-6666-4666-8666-666666666666
status: test
description: lint fixture
date: 2026-01-02
tags:
  - attack.t1059.01
  - Attack.Execution
logsource: {product: windows, category: process_creation}
detection:
  selection:
    Image|endswith: '\\x.exe'
  condition: selection
level: low
`,
  'yaml.yml': 'title: [broken\n',
};

function writeFixtures(dir: string): void {
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(FIXTURES)) writeFileSync(join(dir, name), text);
}

function context(): LintContext {
  const p = loadPipeline();
  return { knownFields: (ls) => p.knownFields(ls), coversLogsource: (ls) => p.coversLogsource(ls) };
}

function byFile(report: LintReport, name: string) {
  return report.findings.filter((f) => f.place.file?.endsWith(name));
}

test('each planted problem is found with file, rule id and YAML path; the clean rule has none', async () => {
  const dir = tempDir();
  try {
    writeFixtures(dir.path);
    const report = lintCollection(await loadRules([dir.path]), { context: context() });
    assert.deepEqual(byFile(report, 'good.yml'), []);

    const unused = byFile(report, 'unused.yml');
    assert.equal(unused.length, 1);
    assert.equal(unused[0]!.validator, 'unused-selection');
    assert.equal(unused[0]!.place.ruleId, '22222222-2222-4222-8222-222222222222');
    assert.equal(unused[0]!.place.path, 'detection.filter_forgotten');

    const mod = byFile(report, 'modifier.yml');
    assert.ok(mod.some((f) => f.severity === 'error' && /containz/.test(f.message) && f.place.path === 'detection.selection.CommandLine|containz'), JSON.stringify(mod));

    const re = byFile(report, 'regex.yml');
    assert.ok(re.some((f) => f.severity === 'error' && /regular expression|regex|lookaround/i.test(f.message)), JSON.stringify(re));

    const dup = byFile(report, 'zz-dup.yml').filter((f) => f.validator === 'duplicate-id');
    assert.equal(dup.length, 1);
    assert.equal(dup[0]!.severity, 'error');

    const field = byFile(report, 'field.yml');
    assert.equal(field.length, 1);
    assert.equal(field[0]!.validator, 'field-unknown');
    assert.match(field[0]!.message, /"Imagee"/);

    const tags = byFile(report, 'tags.yml');
    const validators = tags.map((f) => f.validator).sort();
    assert.ok(validators.includes('attack-tag-syntax'), validators.join());
    assert.ok(validators.includes('tag-format'), validators.join());
    assert.ok(validators.includes('attack-tag-missing'), validators.join());

    const yaml = byFile(report, 'yaml.yml');
    assert.ok(yaml.some((f) => f.validator.startsWith('structure/') && f.severity === 'error'));

    assert.equal(report.summary.files, Object.keys(FIXTURES).length);
    // every file but the broken YAML loads; the broken one is an error, not a silent gap
    // the broken YAML and the unknown modifier stop those two rules from loading: errors, not silent gaps
    assert.equal(report.summary.loaded, Object.keys(FIXTURES).length - 2);
    assert.equal(report.summary.loadErrors, 2);
    assert.ok(report.summary.errors >= 4);
  } finally {
    dir.cleanup();
  }
});

test('validators switch off by selection, config and per-rule exclusions', async () => {
  const dir = tempDir();
  try {
    writeFixtures(dir.path);
    const collection = await loadRules([dir.path]);
    const off = lintCollection(collection, { context: context(), validators: ['-unused-selection', '-field-unknown'] });
    assert.equal(off.findings.filter((f) => f.validator === 'unused-selection' || f.validator === 'field-unknown').length, 0);
    const config = parseLintConfig('validators: [all, -tag-format]\nexclusions:\n  22222222-2222-4222-8222-222222222222: unused-selection\n', 'cfg.yml');
    const cfg = lintCollection(collection, { context: context(), config });
    assert.equal(cfg.findings.filter((f) => f.validator === 'tag-format').length, 0);
    assert.equal(cfg.findings.filter((f) => f.validator === 'unused-selection').length, 0);
    assert.ok(cfg.summary.excluded >= 1);
    assert.ok(cfg.validators.includes('description-missing'), '`all` also turns on the off-by-default ones');
    assert.throws(() => selectValidators(['-no-such-validator']), /unknown validator/);
    assert.ok(validatorIds().length >= 20);
  } finally {
    dir.cleanup();
  }
});

test('ATT&CK tags are checked against a tag checker when one is given', async () => {
  const dir = tempDir();
  try {
    writeFileSync(join(dir.path, 'r.yml'), GOOD.replace('attack.t1059.001', 'attack.t1999'));
    const report = lintCollection(await loadRules([dir.path]), {
      context: { attack: { version: 'test', check: (t) => (t === 'attack.t1999' ? { known: false, reason: 'T1999 is not in ATT&CK test' } : { known: true }) } },
    });
    const unknown = report.findings.filter((f) => f.validator === 'attack-tag-unknown');
    assert.equal(unknown.length, 1);
    assert.equal(unknown[0]!.place.path, 'tags[1]');
  } finally {
    dir.cleanup();
  }
});

const ACTIVE = ['rules', 'rules-emerging-threats', 'rules-threat-hunting', 'rules-placeholder', 'rules-compliance'].map((f) => join(sharedData, 'sigma', f));

test('the whole active SigmaHQ tree: every rule loads, no errors', { skip: !ACTIVE.every((p) => existsSync(p)) && 'no shared data', timeout: 120_000 }, async () => {
  const collection = await loadRules(ACTIVE);
  const report = lintCollection(collection, { context: context() });
  assert.equal(report.summary.files, 3780);
  assert.equal(report.summary.loaded, 3780);
  assert.equal(report.summary.loadErrors, 0);
  assert.deepEqual(report.findings.filter((f) => f.severity === 'error'), []);
  // unknown fields are rare and reported (rules written for EDRs that add fields Sysmon lacks)
  assert.ok((report.summary.byValidator['field-unknown'] ?? 0) < 100);
});
