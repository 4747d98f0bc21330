import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../../../src/common/errors.js';
import { compileRules } from '../../../src/sigma/compile/ruleset.js';
import { loadRuleText } from '../../../src/sigma/rule/load.js';
import { builtinPipelineNames, loadPipeline, parsePipelineSpec, buildPipeline } from '../../../src/sigma/pipeline/index.js';
import { sharedData, tempDir } from '../../helpers.js';

const PROC_RULE = `
title: Encoded PowerShell
id: 0b0c2a4e-1111-4222-8333-944455556666
logsource: {product: windows, category: process_creation}
detection:
  selection:
    Image|endswith: '\\powershell.exe'
    CommandLine|contains: ' -enc '
  condition: selection
level: high
`;

test('every built-in pipeline loads; default = windows + linux', () => {
  const names = builtinPipelineNames();
  for (const n of ['default', 'windows', 'linux', 'ecs-windows', 'none']) assert.ok(names.includes(n), n);
  for (const n of names) assert.equal(loadPipeline([n]).parts.at(-1), n);
  assert.deepEqual(loadPipeline().parts, ['windows', 'linux', 'default']);
});

test('process_creation maps to Sysmon 1 and Security 4688 (with 4688 field names)', () => {
  const p = loadPipeline();
  const branches = p.logsourceBranches!({ product: 'windows', category: 'process_creation' })!;
  assert.equal(branches.length, 2);
  assert.deepEqual(branches[0]!.conditions, { Channel: ['Microsoft-Windows-Sysmon/Operational'], EventID: [1] });
  assert.deepEqual(branches[1]!.conditions, { Channel: ['Security'], EventID: [4688] });
  assert.equal(branches[1]!.fieldMap!.Image, 'NewProcessName');
  assert.equal(branches[1]!.fieldMap!.ParentImage, 'ParentProcessName');
  // registry_add narrows on EventType, registry_set is EID 13
  assert.deepEqual(p.logsourceBranches!({ product: 'windows', category: 'registry_add' })![0]!.conditions.EventType, ['CreateKey']);
  assert.deepEqual(p.logsourceBranches!({ product: 'windows', category: 'registry_set' })![0]!.conditions.EventID, [13]);
  // services are channels; case-insensitive logsource values
  assert.deepEqual(p.logsourceBranches!({ product: 'Windows', service: 'Security' })![0]!.conditions, { Channel: ['Security'] });
});

test('products the logs cannot carry are never tried by default; `none` tries everything', () => {
  assert.deepEqual(loadPipeline().logsourceBranches!({ product: 'aws', service: 'cloudtrail' }), []);
  assert.deepEqual(loadPipeline().logsourceBranches!({ category: 'webserver' }), []);
  assert.equal(loadPipeline(['none']).logsourceBranches!({ product: 'aws', service: 'cloudtrail' }), undefined);
  assert.equal(loadPipeline(['linux']).logsourceBranches!({ product: 'linux', service: 'auditd' })!.length, 1);
});

/** product/category/service of every active SigmaHQ rule, read with a cheap line scan of the logsource block. */
function sigmaHqLogsources(): Set<string> {
  const out = new Set<string>();
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.yml')) {
        const m = /^logsource:\n((?:[ \t]+.*\n)+)/m.exec(readFileSync(p, 'utf8'));
        if (!m) continue;
        const get = (k: string) => new RegExp(`^\\s+${k}:\\s*['"]?([\\w.-]+)`, 'm').exec(m[1]!)?.[1] ?? '';
        out.add([get('product'), get('category'), get('service')].join(','));
      }
    }
  };
  for (const f of ['rules', 'rules-emerging-threats', 'rules-threat-hunting', 'rules-placeholder', 'rules-compliance']) {
    const d = join(sharedData, 'sigma', f);
    if (existsSync(d)) walk(d);
  }
  return out;
}

test('every Windows logsource SigmaHQ uses is mapped', { skip: !existsSync(join(sharedData, 'sigma', 'rules')) && 'no shared data' }, () => {
  const p = loadPipeline();
  const missing: string[] = [];
  let checked = 0;
  for (const l of sigmaHqLogsources()) {
    const [product, category, service] = l.split(',');
    const ls: Record<string, string> = {};
    if (product) ls.product = product;
    if (category) ls.category = category;
    if (service) ls.service = service;
    const windowsLike = product === 'windows' || category === 'antivirus';
    const linuxMapped = product === 'linux' && (service === 'auditd' || ['process_creation', 'network_connection', 'file_event'].includes(category ?? ''));
    if (!windowsLike && !linuxMapped) continue;
    if (product === 'windows' && !category && !service) continue; // product only: no event condition to derive
    checked++;
    const b = p.logsourceBranches!(ls);
    if (!b || b.length === 0) missing.push(l);
  }
  assert.ok(checked > 60, `checked ${checked}`);
  assert.deepEqual(missing, []);
});

test('a rule compiled with the default pipeline matches Sysmon, Security 4688 and Security-Datasets events', () => {
  const rules = compileRules(loadRuleText(PROC_RULE, 'r.yml'), { pipeline: loadPipeline() });
  assert.equal(rules.issues.length, 0);
  const sysmon = { EventID: 1, Channel: 'Microsoft-Windows-Sysmon/Operational', Image: 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe', CommandLine: 'powershell -nop -enc SQBFAFgA' };
  const sec = { EventID: 4688, Channel: 'Security', NewProcessName: 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe', CommandLine: 'powershell -enc SQBFAFgA' };
  const otherChannel = { ...sysmon, Channel: 'System' };
  const otherEid = { ...sysmon, EventID: 4104 };
  assert.equal(rules.matchEvent(sysmon).length, 1);
  assert.equal(rules.matchEvent(sec).length, 1);
  assert.equal(rules.matchEvent(otherChannel).length, 0);
  assert.equal(rules.matchEvent(otherEid).length, 0);
  // EventID given as a string (Security-Datasets keeps strings in places)
  assert.equal(rules.matchEvent({ ...sysmon, EventID: '1' }).length, 1);
});

test('"any of" field mappings expand into alternatives (Provider_Name or SourceName)', () => {
  const rule = loadRuleText(
    `
title: SCM service install
id: 0b0c2a4e-1111-4222-8333-944455556667
logsource: {product: windows, service: system}
detection:
  selection:
    Provider_Name: 'Service Control Manager'
    EventID: 7045
  condition: selection
`,
    'r.yml',
  );
  const p = loadPipeline();
  const transformed = p.transformRule!(rule.rules[0]!);
  assert.equal(transformed.detection.searches.get('selection')!.alternatives.length, 2);
  const rules = compileRules(rule, { pipeline: p });
  assert.equal(rules.matchEvent({ Channel: 'System', EventID: 7045, Provider_Name: 'Service Control Manager' }).length, 1);
  assert.equal(rules.matchEvent({ Channel: 'System', EventID: 7045, SourceName: 'Service Control Manager' }).length, 1);
  assert.equal(rules.matchEvent({ Channel: 'System', EventID: 7045, SourceName: 'Other' }).length, 0);
});

test('ecs-windows matches nested Winlogbeat documents', () => {
  const rules = compileRules(loadRuleText(PROC_RULE, 'r.yml'), { pipeline: loadPipeline(['ecs-windows']) });
  const doc = {
    '@timestamp': '2026-03-14T09:00:00Z',
    winlog: { channel: 'Microsoft-Windows-Sysmon/Operational', event_id: 1, event_data: { Image: 'C:\\x\\powershell.exe', CommandLine: 'powershell -enc AAAA' } },
  };
  assert.equal(rules.matchEvent(doc).length, 1);
  const ecsOnly = {
    winlog: { channel: 'Microsoft-Windows-Sysmon/Operational', event_id: 1 },
    process: { executable: 'C:\\x\\powershell.exe', command_line: 'powershell -enc AAAA' },
  };
  assert.equal(rules.matchEvent(ecsOnly).length, 1);
});

test('user pipelines: a YAML file, includes, field lists for the linter', () => {
  const dir = tempDir();
  try {
    const file = join(dir.path, 'mine.yml');
    writeFileSync(
      file,
      `name: mine
description: my SIEM export
include: [windows]
fieldmappings:
  CommandLine: [CommandLine, process_command_line]
logsources:
  - logsource: {product: acme, service: gateway}
    branches: [{conditions: {source: acme-gw}}]
    fields: [src, dst]
`,
    );
    const p = loadPipeline([file]);
    assert.deepEqual(p.parts, ['windows', 'mine']);
    assert.deepEqual(JSON.parse(JSON.stringify(p.logsourceBranches!({ product: 'acme', service: 'gateway' }))), [{ conditions: { source: ['acme-gw'] } }]);
    assert.ok(p.knownFields({ product: 'acme', service: 'gateway' })!.has('dst'));
    assert.ok(p.knownFields({ product: 'windows', category: 'process_creation' })!.has('ParentImage'));
    assert.deepEqual(p.mapField('CommandLine'), ['CommandLine', 'process_command_line']);
  } finally {
    dir.cleanup();
  }
});

test('pipeline mistakes are UserErrors naming file and YAML path', () => {
  const bad = (text: string): UserError => {
    try {
      buildPipeline([parsePipelineSpec(text, 'bad.yml')]);
    } catch (e) {
      assert.ok(e instanceof UserError, String(e));
      return e;
    }
    assert.fail('expected an error');
  };
  assert.equal(bad('name: x\nlogsourcez: []\n').place?.path, 'logsourcez');
  assert.equal(bad('name: x\nlogsources:\n  - logsource: {category: a}\n    branches: [{conditions: {EventID: [{a: 1}]}}]\n').place?.path, 'logsources[0].branches[0].conditions.EventID[0]');
  assert.equal(bad('name: x\nlogsources:\n  - logsource: {category: a}\n').place?.path, 'logsources[0]');
  assert.match(bad('name: [x\n').message, /invalid pipeline YAML/);
  assert.throws(() => loadPipeline(['no-such-pipeline']), (e: unknown) => e instanceof UserError && /unknown pipeline/.test(e.message) && /built-in pipelines/.test(e.hint ?? ''));
  const dir = tempDir();
  try {
    writeFileSync(join(dir.path, 'a.yml'), 'name: a\ninclude: [./b.yml]\n');
    writeFileSync(join(dir.path, 'b.yml'), 'name: b\ninclude: [./a.yml]\n');
    assert.throws(() => loadPipeline([join(dir.path, 'a.yml')]), /includes itself/);
  } finally {
    dir.cleanup();
  }
});

test('spaced_fields: Defender field names with spaces match rules that write them run together or with underscores', () => {
  const p = loadPipeline();
  const rules = loadRuleText(
    `title: Defender threat from real-time protection
id: 0b0c2a4e-2222-4222-8333-944455556666
logsource: {product: windows, service: windefend}
detection:
  selection:
    EventID: 1116
    SourceName: 'Real-Time Protection'
    ThreatName|endswith: 'EICAR_Test_File'
    Feature_Name: '%%886'
  condition: selection
---
title: AV signature
id: 0b0c2a4e-3333-4222-8333-944455556666
logsource: {category: antivirus}
detection:
  selection:
    Signature|contains: 'Mimikatz'
    ProcessName|endswith: '\\powershell.exe'
  condition: selection
`,
    'defender.yml',
  );
  assert.deepEqual(rules.issues, []);
  const set = compileRules(rules, { pipeline: p });
  const base = { Channel: 'Microsoft-Windows-Windows Defender/Operational', Provider_Name: 'Microsoft-Windows-Windows Defender' };
  // the event as python-evtx and our EVTX reader spell it
  const spaced = { ...base, EventID: 1116, 'Source Name': 'Real-Time Protection', 'Threat Name': 'Virus:DOS/EICAR_Test_File', 'Feature Name': '%%886' };
  assert.deepEqual(set.matchEvent(spaced).map((m) => m.rule.ref.title), ['Defender threat from real-time protection']);
  // an export that already stripped the spaces still matches
  const stripped = { ...base, EventID: 1116, SourceName: 'Real-Time Protection', ThreatName: 'Virus:DOS/EICAR_Test_File', Feature_Name: '%%886' };
  assert.equal(set.matchEvent(stripped).length, 1);
  assert.equal(set.matchEvent({ ...spaced, 'Threat Name': 'Trojan:Win32/Other' }).length, 0);
  const av = { ...base, EventID: 1117, 'Threat Name': 'HackTool:Win32/Mimikatz', 'Process Name': 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe' };
  assert.deepEqual(set.matchEvent(av).map((m) => m.rule.ref.title), ['AV signature']);
  // the linter knows the rule-side names
  const known = p.knownFields({ product: 'windows', service: 'windefend' })!;
  for (const f of ['ThreatName', 'SourceName', 'ProcessName', 'NewValue', 'OldValue', 'Feature_Name', 'Path']) assert.ok(known.has(f), f);
  // a spaced_fields entry without a space is a mistake in the pipeline file
  assert.throws(
    () => parsePipelineSpec('name: x\nlogsources:\n  - logsource: {service: s}\n    branches: [{conditions: {Channel: c}, spaced_fields: [ThreatName]}]\n', 'bad.yml'),
    (e: unknown) => e instanceof UserError && e.place?.path === 'logsources[0].branches[0].spaced_fields[0]' && /has no space/.test(e.message),
  );
});
