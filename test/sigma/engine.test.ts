/** The library surface: hunt over records, detections with evidence, ReDoS safety, hostile values. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hunt, huntAll } from '../../src/sigma/index.js';
import type { LogRecord } from '../../src/logs/record.js';
import { compileYaml, ruleYaml, collect } from './helpers.js';
import { compileRules } from '../../src/sigma/index.js';

const RULE = `title: Whoami
id: 40000000-0000-4000-8000-000000000001
status: test
logsource: {product: windows, category: process_creation}
detection:
    selection:
        Image|endswith: '\\whoami.exe'
    condition: selection
tags: [attack.discovery, attack.t1033]
level: medium
`;

test('hunt yields detections with rule identity, event, source and selections', async () => {
  const set = compileYaml(RULE);
  async function* records(): AsyncIterable<LogRecord> {
    yield { fields: { Image: 'C:\\Windows\\System32\\whoami.exe', TimeCreated: '2024-01-01T00:00:01.1234567Z' }, format: 'win-flat', source: { file: 'a.jsonl', line: 7 } };
    yield { fields: { Image: 'C:\\Windows\\notepad.exe' }, format: 'win-flat', source: { file: 'a.jsonl', line: 8 } };
  }
  const out = [];
  for await (const d of hunt(records(), set)) out.push(d);
  assert.equal(out.length, 1);
  const d = out[0]!;
  assert.equal(d.kind, 'event');
  assert.deepEqual(d.rule, { id: '40000000-0000-4000-8000-000000000001', title: 'Whoami', level: 'medium', tags: ['attack.discovery', 'attack.t1033'], status: 'test', file: 'inline.yml' });
  assert.deepEqual(d.event!.source, { file: 'a.jsonl', line: 7 });
  assert.deepEqual(d.selections, ['selection']);
  assert.equal(d.timestamp, '2024-01-01T00:00:01.123Z');
  // Plain field records work too (no source).
  const plain = await huntAll([{ Image: 'x\\whoami.exe' }], set);
  assert.equal(plain.length, 1);
  assert.equal(plain[0]!.event!.source, undefined);
});

test('ReDoS: a catastrophic pattern on a 100 KB hostile value finishes fast', () => {
  const set = compileYaml(ruleYaml("    selection:\n        CommandLine|re: '(a+)+$'\n    sel2:\n        CommandLine|re: '^(a|aa)*c'\n    sel3:\n        CommandLine|re: '(.*a){12}'\n    condition: 1 of sel*"));
  const hostile = 'a'.repeat(100_000) + '!';
  const t = performance.now();
  const r = set.matchEvent({ CommandLine: hostile });
  const ms = performance.now() - t;
  assert.equal(r.length, 1, '(.*a){12} matches');
  assert.ok(ms < 5000, `took ${ms.toFixed(0)} ms`);
  const t2 = performance.now();
  const only = compileYaml(ruleYaml("    selection:\n        CommandLine|re: '(a+)+$'\n    condition: selection"));
  assert.equal(only.matchEvent({ CommandLine: hostile }).length, 0);
  assert.ok(performance.now() - t2 < 5000);
});

test('hostile values: huge strings, odd types, deep nesting do not crash or hang', () => {
  const set = compileYaml(ruleYaml("    selection:\n        CommandLine|contains|all: ['a*b', 'c?d']\n    keywords:\n        - 'needle'\n    condition: selection or keywords"));
  const big = 'x'.repeat(1_000_000);
  let deep: Record<string, unknown> = { v: 'needle' };
  for (let i = 0; i < 10_000; i++) deep = { d: deep };
  const events: Record<string, unknown>[] = [
    { CommandLine: big },
    { CommandLine: 12345 },
    { CommandLine: { nested: true } },
    { CommandLine: [1, 'a1b', null] },
    { CommandLine: null },
    deep,
    { ['__proto__']: 'x', constructor: 'y' },
  ];
  const t = performance.now();
  for (const e of events) set.matchEvent(e);
  assert.ok(performance.now() - t < 5000);
  assert.equal(set.matchEvent({ CommandLine: 'a---b c-d' }).length, 1);
});

test('mayMatchRaw: false only when no rule can match the line', () => {
  const set = compileYaml(ruleYaml("    selection:\n        CommandLine|contains: 'mimikatz'\n    condition: selection"));
  assert.equal(set.mayMatchRaw('{"CommandLine":"C:\\\\Tools\\\\MiMiKaTz.exe"}'), true);
  assert.equal(set.mayMatchRaw('{"CommandLine":"notepad.exe"}'), false);
  // A rule without literals (negation only) makes every line a candidate.
  const neg = compileYaml(ruleYaml("    selection:\n        CommandLine|contains: 'x'\n    condition: not selection"));
  assert.equal(neg.mayMatchRaw('{"a":"b"}'), true);
});

test('rule set issues never stop the others from compiling', () => {
  const c = collect(RULE + `---
title: bad regex
id: 40000000-0000-4000-8000-000000000002
logsource: {product: windows}
detection:
    selection:
        CommandLine|re: '(?!x)y'
    condition: selection
`);
  const set = compileRules(c);
  assert.equal(set.rules.length, 1);
  assert.equal(set.issues.length, 1);
  assert.equal(set.issues[0]!.place?.ruleId, '40000000-0000-4000-8000-000000000002');
});

test('library: hunt(readRecords(file.evtx), rules) — the log readers are the event source, detections carry file and record', async (t) => {
  const { existsSync, readdirSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { readRecords } = await import('../../src/logs/read.js');
  const { loadRules } = await import('../../src/sigma/index.js');
  const { loadPipeline } = await import('../../src/sigma/pipeline/index.js');
  const { sharedData } = await import('../helpers.js');
  const rel = 'rules/windows/process_creation/proc_creation_win_certutil_decode';
  const dir = join(sharedData, 'sigma', 'regression_data', rel);
  if (!existsSync(dir)) {
    t.skip('no shared data');
    return;
  }
  const evtx = join(dir, readdirSync(dir).find((f) => f.endsWith('.evtx'))!);
  const collection = await loadRules([join(sharedData, 'sigma', `${rel}.yml`)]);
  const set = compileRules(collection, { pipeline: loadPipeline(['default']) });
  const found = [];
  for await (const d of hunt(readRecords(evtx), set)) found.push(d);
  assert.ok(found.length >= 1);
  assert.equal(found[0]!.rule.title, collection.rules[0]!.title);
  assert.equal(found[0]!.event!.source!.file, evtx);
  assert.equal(typeof found[0]!.event!.source!.record, 'number');
  assert.match(found[0]!.timestamp ?? '', /^\d{4}-\d\d-\d\dT/);
});
