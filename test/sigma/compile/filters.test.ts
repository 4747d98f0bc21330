/** Filter rules (spec v2.1): applied to the rules they name, when logsources agree. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileRules, loadRuleText } from '../../../src/sigma/index.js';

const RULES = `title: Rar compression
id: 6f3e2987-db24-4c78-a860-b4f4095a7095
logsource: {category: process_creation, product: windows}
detection:
    selection:
        Image|endswith: '\\rar.exe'
    condition: selection
---
title: Other rule
id: 7f3e2987-db24-4c78-a860-b4f4095a7095
name: other_rule
logsource: {category: process_creation, product: windows}
detection:
    selection:
        Image|endswith: '\\rar.exe'
    condition: selection
---
title: Filter Administrator account
logsource: {category: process_creation, product: windows}
filter:
    rules:
        - 6f3e2987-db24-4c78-a860-b4f4095a7095
    selection:
        User|startswith: 'adm_'
    condition: selection
`;

test('a filter suppresses matches of the rules it names, only those', () => {
  const c = loadRuleText(RULES, 'f.yml');
  assert.deepEqual(c.issues, []);
  assert.equal(c.filters.length, 1);
  const set = compileRules(c);
  const ids = (ev: Record<string, unknown>) => set.matchEvent(ev).map((m) => m.rule.ref.id).sort();
  assert.deepEqual(ids({ Image: 'C:\\rar.exe', User: 'adm_bob' }), ['7f3e2987-db24-4c78-a860-b4f4095a7095']);
  assert.deepEqual(ids({ Image: 'C:\\rar.exe', User: 'bob' }), ['6f3e2987-db24-4c78-a860-b4f4095a7095', '7f3e2987-db24-4c78-a860-b4f4095a7095']);
});

test('filters name rules by name too, and skip rules with another logsource', () => {
  const byName = RULES.replace('- 6f3e2987-db24-4c78-a860-b4f4095a7095 ', '- other_rule').replace('        - 6f3e2987-db24-4c78-a860-b4f4095a7095\n', '        - other_rule\n');
  const set = compileRules(loadRuleText(byName, 'f.yml'));
  assert.deepEqual(set.matchEvent({ Image: 'C:\\rar.exe', User: 'adm_x' }).map((m) => m.rule.ref.id), ['6f3e2987-db24-4c78-a860-b4f4095a7095']);
  const otherLs = RULES.replace('title: Filter Administrator account\nlogsource: {category: process_creation, product: windows}', 'title: F\nlogsource: {category: file_event, product: windows}');
  const set2 = compileRules(loadRuleText(otherLs, 'f.yml'));
  assert.equal(set2.matchEvent({ Image: 'C:\\rar.exe', User: 'adm_x' }).length, 2);
});

test('filters given separately through the options', () => {
  const c = loadRuleText(RULES, 'f.yml');
  const set = compileRules(c.rules, { filters: c.filters });
  assert.equal(set.matchEvent({ Image: 'C:\\rar.exe', User: 'adm_x' }).length, 1);
});
