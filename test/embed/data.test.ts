import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { readAtomicTests, renderAtomic } from '../../src/embed/data/atomic-render.js';
import { splitOf } from '../../src/embed/data/labelled-logs.js';
import { renderRule } from '../../src/embed/data/sigma-render.js';
import { readTramSplit, tramSentences } from '../../src/embed/data/tram.js';
import { loadKnowledgeBaseFromFile } from '../../src/kb/index.js';
import { compileRules } from '../../src/sigma/compile/ruleset.js';
import { loadRules } from '../../src/sigma/rule/load.js';
import { hasSharedData, repoRoot, sharedData } from '../helpers.js';

const ref = join(repoRoot, 'test', 'fixtures', 'embed', 'ref');

test('a rendered Sigma event satisfies its selection and leaves the filter out', async () => {
  const rules = await loadRules([join(ref, 'sigma', 'rules')]);
  const rule = rules.rules[0]!;
  const r = renderRule(rule, 0, 1, 0)!;
  const ev = r.records.find((x) => x.fields.EventID === 1)!.fields;
  assert.match(String(ev.Image), /\\schtasks\.exe$/i);
  assert.match(String(ev.CommandLine), / \/create /);
  assert.doesNotMatch(String(ev.User), /SYSTEM/);
  const compiled = compileRules([rule]);
  assert.equal(compiled.matchEvent(ev).length, 1, 'the Sigma engine fires on the synthetic event');
});

test('SigmaHQ process_creation renderings fire their own rule in the Sigma engine', { skip: !hasSharedData && 'reference data not found' }, async () => {
  const rules = (await loadRules([join(sharedData, 'sigma', 'rules', 'windows', 'process_creation')])).rules.slice(0, 200);
  let rendered = 0;
  let fired = 0;
  rules.forEach((rule, i) => {
    const r = renderRule(rule, 0, 1, i);
    if (!r) return;
    rendered++;
    const compiled = compileRules([rule]);
    if (r.records.some((rec) => compiled.matchEvent(rec.fields).length > 0)) fired++;
  });
  assert.ok(rendered >= 150, `${rendered} rendered`);
  // renderings are approximate (regexes, `all` lists, field references) but most must be real positives
  assert.ok(fired / rendered >= 0.6, `${fired}/${rendered} fire`);
});

test('atomic tests: default arguments substituted, executor and child processes', () => {
  const tests = readAtomicTests(join(ref, 'atomic-red-team', 'atomics'));
  assert.equal(tests.length, 1);
  assert.match(tests[0]!.command, /https:\/\/example\.com\/payload\.exe/);
  assert.doesNotMatch(tests[0]!.command, /#\{/);
  const recs = renderAtomic(tests[0]!, 0);
  assert.match(String(recs[0]!.fields.Image), /cmd\.exe$/);
  assert.match(String(recs[1]!.fields.Image), /certutil\.exe$/i);
  assert.equal(recs[1]!.fields.ParentProcessGuid, recs[0]!.fields.ProcessGuid);
});

test('TRAM: train and test sentences come from disjoint documents; labels are known techniques', async () => {
  const kb = await loadKnowledgeBaseFromFile(join(ref, 'attack', 'enterprise-attack.json'));
  const train = tramSentences(kb, join(ref, 'tram'), 'train');
  const testSet = tramSentences(kb, join(ref, 'tram'), 'test');
  assert.equal(train.length, 4);
  assert.equal(testSet.length, 2);
  const trainFiles = new Set(train.map((s) => s.file));
  assert.ok(testSet.every((s) => !trainFiles.has(s.file)));
  assert.ok(train.every((s) => s.labels.every((l) => kb.technique(l))));
  assert.match(testSet[0]!.text, /PowerShell script was executed/);
});

test('TRAM SoK split on the reference data: 120 train and 31 test documents, disjoint', { skip: !hasSharedData && 'reference data not found' }, () => {
  const split = readTramSplit(join(sharedData, 'tram'));
  assert.equal(split.train.size, 120);
  assert.equal(split.test.size, 31);
  for (const f of split.test) assert.ok(!split.train.has(f));
});

test('labelled logs are split by file, stably', () => {
  const files = Array.from({ length: 400 }, (_, i) => `logs/x/file-${i}.jsonl`);
  const dev = files.filter((f) => splitOf(f, 0.25) === 'dev').length;
  assert.ok(dev > 60 && dev < 140, `${dev} dev files`);
  for (const f of files) assert.equal(splitOf(f, 0.25), splitOf(f, 0.25));
});
