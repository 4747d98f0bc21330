/** Rule model and parser: fields kept, typed values, multi-document collections, errors as values. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadRules, loadRuleText, parseSigmaString, compileRules } from '../../../src/sigma/index.js';
import { repoRoot, tempDir } from '../../helpers.js';

const FULL = `title: Full rule
id: 5f0d3c3a-1111-4222-8333-444455556666
name: full_rule
related:
    - id: 00000000-0000-4000-8000-000000000000
      type: derived
taxonomy: sigma
status: test
description: Every field
references:
    - https://example.com
author: someone
date: 2024-01-02
modified: 2024/02/03
tags:
    - attack.execution
    - attack.t1059.001
logsource:
    product: windows
    category: process_creation
detection:
    selection:
        - Image|endswith: '\\powershell.exe'
          CommandLine|contains: ['-enc', '-e ']
        - OriginalFileName: 'PowerShell.EXE'
    keywords:
        - 'IEX'
    empty:
        Field: ''
        Other: null
        Num: 4688
        Flag: true
    condition: selection or keywords or empty
fields:
    - CommandLine
falsepositives:
    - Admin scripts
level: high
scope:
    - server
regression_tests_path: regression_data/x/info.yml
simulation:
    - type: atomic-red-team
`;

test('every rule field is kept; unknown keys go to custom', () => {
  const c = loadRuleText(FULL, 'full.yml');
  assert.deepEqual(c.issues, []);
  const r = c.rules[0]!;
  assert.equal(r.title, 'Full rule');
  assert.equal(r.id, '5f0d3c3a-1111-4222-8333-444455556666');
  assert.equal(r.name, 'full_rule');
  assert.deepEqual(r.related, [{ id: '00000000-0000-4000-8000-000000000000', type: 'derived' }]);
  assert.equal(r.taxonomy, 'sigma');
  assert.equal(r.status, 'test');
  assert.equal(r.description, 'Every field');
  assert.deepEqual(r.references, ['https://example.com']);
  assert.equal(r.author, 'someone');
  assert.equal(r.date, '2024-01-02', 'YAML timestamps become date strings');
  assert.equal(r.modified, '2024/02/03');
  assert.deepEqual(r.tags, ['attack.execution', 'attack.t1059.001']);
  assert.deepEqual(r.logsource, { product: 'windows', category: 'process_creation' });
  assert.deepEqual(r.fields, ['CommandLine']);
  assert.deepEqual(r.falsepositives, ['Admin scripts']);
  assert.equal(r.level, 'high');
  assert.deepEqual(r.scope, ['server']);
  assert.deepEqual(Object.keys(r.custom).sort(), ['regression_tests_path', 'simulation']);
  assert.equal(r.source.file, 'full.yml');
  assert.equal(r.source.line, 1);
});

test('detection: list of maps, keywords, null/empty/number/bool typed values, lines and paths', () => {
  const r = loadRuleText(FULL, 'full.yml').rules[0]!;
  const sel = r.detection.searches.get('selection')!;
  assert.equal(sel.alternatives.length, 2);
  assert.equal(sel.alternatives[0]!.length, 2);
  const img = sel.alternatives[0]![0]!;
  assert.equal(img.field, 'Image');
  assert.deepEqual(img.modifiers, ['endswith']);
  assert.deepEqual(img.values, [{ type: 'string', parts: [{ kind: 'text', text: '\\powershell.exe' }], raw: '\\powershell.exe' }]);
  assert.equal(img.path, 'detection.selection[0].Image|endswith');
  assert.equal(img.line, 23);
  const kw = r.detection.searches.get('keywords')!.alternatives[0]![0]!;
  assert.equal(kw.field, null);
  const empty = r.detection.searches.get('empty')!.alternatives[0]!;
  assert.deepEqual(empty.map((i) => i.values[0]!.type), ['string', 'null', 'number', 'bool']);
  assert.deepEqual(r.detection.conditionText, ['selection or keywords or empty']);
});

test('Sigma strings: wildcards and escapes', () => {
  assert.deepEqual(parseSigmaString('a*b?c').parts.map((p) => p.kind), ['text', 'any', 'text', 'one', 'text']);
  assert.deepEqual(parseSigmaString('a\\*b').parts, [{ kind: 'text', text: 'a*b' }]);
  assert.deepEqual(parseSigmaString('C:\\Windows\\').parts, [{ kind: 'text', text: 'C:\\Windows\\' }]);
  assert.deepEqual(parseSigmaString('\\\\*').parts, [{ kind: 'text', text: '\\' }, { kind: 'any' }]);
  assert.deepEqual(parseSigmaString('\\\\\\*').parts, [{ kind: 'text', text: '\\*' }]);
  assert.deepEqual(parseSigmaString('\\\\\\\\').parts, [{ kind: 'text', text: '\\\\' }]);
  assert.deepEqual(parseSigmaString('%a%-\\%b%', true).parts, [{ kind: 'placeholder', name: 'a' }, { kind: 'text', text: '-%b%' }]);
});

test('multi-document collections: action global, repeat, reset', async () => {
  const c = await loadRules([join(repoRoot, 'test', 'fixtures', 'sigma', 'collection_global.yml')]);
  assert.deepEqual(c.issues, []);
  assert.deepEqual(c.rules.map((r) => r.id), ['11111111-1111-4111-8111-111111111111', '22222222-2222-4222-8222-222222222222', '33333333-3333-4333-8333-333333333333', '44444444-4444-4444-8444-444444444444']);
  const [create, del, repeat, unrelated] = c.rules as [typeof c.rules[0], typeof c.rules[0], typeof c.rules[0], typeof c.rules[0]];
  assert.equal(create.title, 'Suspicious service tool');
  assert.equal(del.title, 'Suspicious service tool (delete)');
  assert.equal(repeat.level, 'low');
  assert.equal(repeat.title, del.title, 'repeat reuses the previous document');
  assert.equal(unrelated.author, undefined, 'reset drops the global document');
  const set = compileRules(c);
  const hit = (ev: Record<string, unknown>) => set.matchEvent(ev).map((m) => m.rule.ref.id).sort();
  assert.deepEqual(hit({ Image: 'C:\\Windows\\sc.exe', CommandLine: 'sc create x' }), ['11111111-1111-4111-8111-111111111111']);
  assert.deepEqual(hit({ Image: 'C:\\Windows\\sc.exe', CommandLine: 'sc delete x' }), ['22222222-2222-4222-8222-222222222222', '33333333-3333-4333-8333-333333333333']);
});

test('bad input gives issues with file, rule id, path and line; loading goes on', async () => {
  const dir = tempDir();
  try {
    mkdirSync(join(dir.path, 'sub'));
    writeFileSync(join(dir.path, 'good.yml'), 'title: ok\nlogsource: {product: x}\ndetection: {s: {a: 1}, condition: s}\n');
    writeFileSync(join(dir.path, 'sub', 'invalid.yml'), 'title: [unclosed\nlogsource: {\n');
    writeFileSync(join(dir.path, 'sub', 'empty.yaml'), '');
    writeFileSync(join(dir.path, 'binary.yml'), Buffer.from([0, 1, 2, 3, 255, 0]));
    writeFileSync(join(dir.path, 'scalar.yml'), 'just a string\n');
    writeFileSync(join(dir.path, 'nodetect.yml'), 'title: x\nid: abc\nlogsource: {product: x}\n');
    writeFileSync(join(dir.path, 'badmod.yml'), 'title: x\nid: r-1\nlogsource: {product: x}\ndetection:\n  s:\n    A|nope: 1\n  condition: s\n');
    writeFileSync(join(dir.path, 'notes.txt'), 'not a rule');
    const c = await loadRules([dir.path, join(dir.path, 'missing.yml')]);
    assert.equal(c.rules.length, 1);
    const by = (f: string) => c.issues.filter((i) => i.place?.file?.endsWith(f));
    assert.equal(by('invalid.yml')[0]!.code, 'yaml');
    assert.ok(by('invalid.yml')[0]!.place?.line !== undefined);
    assert.equal(by('empty.yaml').length, 0, 'an empty file is simply empty');
    assert.equal(by('binary.yml')[0]!.code, 'binary');
    assert.equal(by('scalar.yml')[0]!.code, 'bad-document');
    assert.equal(by('nodetect.yml')[0]!.code, 'missing-detection');
    assert.equal(by('nodetect.yml')[0]!.place?.ruleId, 'abc');
    const bm = by('badmod.yml')[0]!;
    assert.equal(bm.code, 'unknown-modifier');
    assert.deepEqual(bm.place, { file: join(dir.path, 'badmod.yml'), line: 6, ruleId: 'r-1', path: 'detection.s.A|nope' });
    assert.equal(by('missing.yml')[0]!.code, 'not-found');
    assert.equal(by('notes.txt').length, 0, 'non-YAML files in directories are not rules');
  } finally {
    dir.cleanup();
  }
});

test('duplicate ids are reported', async () => {
  const dir = tempDir();
  try {
    const rule = 'title: x\nid: same\nlogsource: {product: x}\ndetection: {s: {a: 1}, condition: s}\n';
    writeFileSync(join(dir.path, 'a.yml'), rule);
    writeFileSync(join(dir.path, 'b.yml'), rule);
    const c = await loadRules([dir.path]);
    assert.equal(c.rules.length, 2);
    assert.equal(c.issues.filter((i) => i.code === 'duplicate-id').length, 1);
  } finally {
    dir.cleanup();
  }
});
