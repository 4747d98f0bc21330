/** The ProcessingPipeline hook: rule transforms, logsource branches with per-branch field maps, dispatch. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileRules, loadRuleText, type ProcessingPipeline, type SigmaRule } from '../../../src/sigma/index.js';

const RULE = `title: Suspicious whoami
id: 30000000-0000-4000-8000-000000000001
logsource: {category: process_creation, product: windows}
detection:
    selection:
        Image|endswith: '\\whoami.exe'
    condition: selection
---
title: Linux thing
id: 30000000-0000-4000-8000-000000000002
logsource: {product: linux, service: auditd}
detection:
    selection:
        exe|endswith: '/id'
    condition: selection
`;

/** A minimal test-only pipeline in the spirit of tests-data/thor.yml (the real ones live in src/sigma/pipeline). */
const pipeline: ProcessingPipeline = {
  name: 'test-windows',
  transformRule(rule: SigmaRule): SigmaRule {
    return { ...rule, tags: [...rule.tags, 'transformed'] };
  },
  logsourceBranches(ls) {
    if (ls.product === 'windows' && ls.category === 'process_creation') {
      return [
        { conditions: { Channel: ['Microsoft-Windows-Sysmon/Operational'], EventID: [1] } },
        { conditions: { Channel: ['Security'], EventID: [4688] }, fieldMap: { Image: 'NewProcessName' } },
      ];
    }
    if (ls.product === 'linux') return [];
    return undefined;
  },
};

test('branches: event conditions and per-branch field names', () => {
  const set = compileRules(loadRuleText(RULE, 'p.yml'), { pipeline });
  const hit = (ev: Record<string, unknown>) => set.matchEvent(ev).map((m) => m.rule.ref.id);
  assert.deepEqual(hit({ Channel: 'Microsoft-Windows-Sysmon/Operational', EventID: 1, Image: 'C:\\whoami.exe' }), ['30000000-0000-4000-8000-000000000001']);
  assert.deepEqual(hit({ Channel: 'microsoft-windows-sysmon/operational', EventID: '1', Image: 'C:\\whoami.exe' }), ['30000000-0000-4000-8000-000000000001'], 'case-insensitive, "1" = 1');
  assert.deepEqual(hit({ Channel: 'Security', EventID: 4688, NewProcessName: 'C:\\whoami.exe' }), ['30000000-0000-4000-8000-000000000001']);
  assert.deepEqual(hit({ Channel: 'Security', EventID: 4688, Image: 'C:\\whoami.exe' }), [], 'Security events use NewProcessName');
  assert.deepEqual(hit({ Channel: 'Microsoft-Windows-Sysmon/Operational', EventID: 11, Image: 'C:\\whoami.exe' }), [], 'wrong event id');
  assert.deepEqual(hit({ Image: 'C:\\whoami.exe' }), [], 'no channel');
  assert.deepEqual(hit({ exe: '/usr/bin/id' }), [], 'a logsource with no branches is never tried');
  assert.ok(set.rules[0]!.rule.tags.includes('transformed'));
  assert.equal(set.rules[0]!.ref.tags.includes('transformed'), false, 'detections report the rule as written');
  // CompiledRule.match applies the same conditions.
  assert.ok(set.rules[0]!.match({ Channel: 'Security', EventID: 4688, NewProcessName: 'x\\whoami.exe' }));
});

test('a pipeline that throws becomes an issue for that rule', () => {
  const broken: ProcessingPipeline = { name: 'broken', transformRule: () => { throw new Error('boom'); } };
  const set = compileRules(loadRuleText(RULE, 'p.yml'), { pipeline: broken });
  assert.equal(set.rules.length, 0);
  assert.equal(set.issues.length, 2);
  assert.match(set.issues[0]!.message, /broken.*boom/);
});
