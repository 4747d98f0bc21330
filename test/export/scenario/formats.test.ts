/**
 * Every output format of a detection report validates: STIX 2.1 with the
 * Attack Flow objects against our zod schemas (ids unique, every ref
 * resolves), the Navigator layer against its schema, DOT through Graphviz
 * (`dot` from Debian), Markdown keeps hostile log text inert. The report
 * comes from a real run over our attack log (SigmaHQ rules, hand-set
 * calibration), plus a copy with hostile names.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { NavigatorLayerSchema, StixBundleSchema, validateBundle, ATTACK_FLOW_EXTENSION_ID } from '../../../src/export/index.js';
import { reportToDot, reportToMarkdown, reportToNavigator, reportToStix } from '../../../src/export/scenario/index.js';
import type { DetectionReport } from '../../../src/detect/types.js';
import { ATTACK_LOG, detectWithRules, sharedKb } from '../../detect/helpers.js';

let cached: Promise<DetectionReport> | undefined;
const report = () => (cached ??= detectWithRules(ATTACK_LOG).then((r) => r.report));

/** Markdown minus its code spans (CommonMark: a run of n backticks up to the next run of exactly n). */
function withoutCodeSpans(md: string): string {
  let out = '';
  let i = 0;
  while (i < md.length) {
    if (md[i] !== '`' || (i > 0 && md[i - 1] === '\\')) {
      out += md[i++];
      continue;
    }
    let n = 0;
    while (md[i + n] === '`') n++;
    const fence = '`'.repeat(n);
    let j = i + n;
    let close = -1;
    while ((j = md.indexOf(fence, j)) >= 0) {
      if (md[j + n] !== '`' && md[j - 1] !== '`') {
        close = j;
        break;
      }
      while (md[j] === '`') j++;
    }
    if (close < 0) {
      out += fence;
      i += n;
    } else i = close + n;
  }
  return out;
}

const HOSTILE = 'evil"];\n}\ndigraph x { a -> b } <img src=x onerror=alert(1)> [link](http://x.example) `tick` | pipe \u202e\u0007';

function hostile(r: DetectionReport): DetectionReport {
  const copy = structuredClone(r);
  const s = copy.scenarios[0]!;
  s.host = HOSTILE;
  s.nodes[0]!.name = HOSTILE;
  s.steps[0]!.object = HOSTILE;
  s.steps[0]!.actor.image = `C:\\${HOSTILE}.exe`;
  s.steps[0]!.actor.commandLine = HOSTILE;
  copy.alerts[0]!.sequence.text = HOSTILE;
  copy.alerts[0]!.process.image = HOSTILE;
  return copy;
}

test('STIX: bundle of attack-patterns, notes and an Attack Flow per scenario; schema-valid, refs resolve, deterministic', async () => {
  const r = await report();
  assert.equal(r.scenarios.length, 1);
  for (const rep of [r, hostile(r)]) {
    const bundle = reportToStix(rep);
    assert.deepEqual(validateBundle(bundle).filter((i) => i.severity === 'error'), []);
    assert.ok(StixBundleSchema.safeParse(bundle).success);
    const types = new Map<string, number>();
    for (const o of bundle.objects) types.set(o.type, (types.get(o.type) ?? 0) + 1);
    assert.equal(types.get('attack-flow'), 1);
    assert.equal(types.get('attack-action'), rep.scenarios[0]!.steps.length);
    assert.ok((types.get('attack-asset') ?? 0) >= 1);
    assert.ok((types.get('attack-pattern') ?? 0) >= 4);
    assert.equal(types.get('note'), rep.alerts.length);
    assert.ok(bundle.objects.some((o) => o.id === ATTACK_FLOW_EXTENSION_ID));
    // the actions are chained in step order from the flow's start
    const byId = new Map(bundle.objects.map((o) => [o.id, o as Record<string, unknown>]));
    const flow = bundle.objects.find((o) => o.type === 'attack-flow') as Record<string, unknown>;
    let action = byId.get((flow.start_refs as string[])[0]!)!;
    const seen: string[] = [];
    for (;;) {
      seen.push(action.technique_id as string);
      const next = action.effect_refs as string[] | undefined;
      if (!next) break;
      action = byId.get(next[0]!)!;
    }
    assert.deepEqual(seen, rep.scenarios[0]!.steps.map((s) => s.technique));
    // each action names its ATT&CK technique through an attack-pattern of the bundle, and a tactic id
    for (const a of bundle.objects.filter((o) => o.type === 'attack-action') as Record<string, unknown>[]) {
      const pattern = byId.get(a.technique_ref as string) as { type: string; external_references: { source_name: string; external_id: string }[] } | undefined;
      assert.equal(pattern?.type, 'attack-pattern', `${String(a.name)}: technique_ref`);
      assert.ok(pattern.external_references.some((e) => e.source_name === 'mitre-attack' && e.external_id === a.technique_id));
      assert.match(a.tactic_id as string, /^TA\d{4}$/);
      for (const ref of a.asset_refs as string[]) assert.equal(byId.get(ref)?.type, 'attack-asset');
    }
  }
  assert.deepEqual(reportToStix(r), reportToStix(r), 'same report, same bundle');
});

test('STIX: the validation the bundle passes does catch broken bundles (dangling ref, duplicate id, missing property)', async () => {
  const r = await report();
  const bundle = reportToStix(r);
  const errors = (b: unknown) => validateBundle(b as typeof bundle).filter((i) => i.severity === 'error');
  const dangling = structuredClone(bundle);
  const action = dangling.objects.find((o) => o.type === 'attack-action') as Record<string, unknown>;
  action.effect_refs = ['attack-action--00000000-0000-5000-8000-000000000000'];
  assert.ok(errors(dangling).some((i) => /attack-action--00000000/.test(i.message)), JSON.stringify(errors(dangling)));
  const duplicate = structuredClone(bundle);
  duplicate.objects.push(structuredClone(duplicate.objects.find((o) => o.type === 'note')!));
  assert.ok(errors(duplicate).length > 0, 'duplicate id');
  const missing = structuredClone(bundle);
  delete (missing.objects.find((o) => o.type === 'attack-flow') as Record<string, unknown>).start_refs;
  assert.ok(errors(missing).length > 0, 'attack-flow without start_refs');
});

test('Navigator: a layer 4.5 with versions stamped, scores 0–100 and evidence in comments', async () => {
  const r = await report();
  const layer = reportToNavigator(hostile(r));
  const parsed = NavigatorLayerSchema.parse(JSON.parse(JSON.stringify(layer)));
  assert.equal(parsed.versions.layer, '4.5');
  assert.equal(parsed.versions.attack, r.generator.attackVersion);
  assert.equal(parsed.domain, 'enterprise-attack');
  const ids = new Set(r.alerts.flatMap((a) => a.techniques.map((t) => t.id)));
  assert.equal(parsed.techniques.length, ids.size);
  const kb = await sharedKb();
  for (const t of parsed.techniques) {
    assert.ok(kb.technique(t.techniqueID), `${t.techniqueID} is an ATT&CK technique`);
    // the score is the best calibrated alert score of the technique, ×100
    const best = Math.max(...r.alerts.flatMap((a) => a.techniques.filter((x) => x.id === t.techniqueID).map((x) => x.score)));
    assert.equal(t.score, Math.round(100 * best));
    assert.match(t.comment!, /alert\(s\) on .*best score/);
    assert.match(t.comment!, /evidence: .*attack-with-noise\.jsonl:\d+/);
  }
  assert.match(parsed.versions.navigator, /^\d+\.\d+/);
  assert.ok(parsed.gradient && parsed.gradient.maxValue > parsed.gradient.minValue);
  assert.ok(parsed.metadata?.some((m) => 'name' in m && m.name === 'generator'));
  // the schema does reject what the Navigator would not load
  assert.equal(NavigatorLayerSchema.safeParse({ ...layer, versions: { ...layer.versions, layer: '4.4' } }).success, false);
  assert.equal(NavigatorLayerSchema.safeParse({ ...layer, techniques: [{ techniqueID: 'lsass dump', score: 1 }] }).success, false);
});

test('DOT: Graphviz parses the scenario graph, hostile names included', { skip: existsSync('/usr/bin/dot') ? false : 'Graphviz dot not installed' }, async () => {
  const r = await report();
  for (const rep of [r, hostile(r), { ...r, scenarios: [] }]) {
    const dot = reportToDot(rep);
    const res = spawnSync('/usr/bin/dot', ['-Tjson'], { input: dot, encoding: 'utf8' });
    assert.equal(res.status, 0, res.stderr);
    const graph = JSON.parse(res.stdout) as { objects?: { name: string; label?: string }[]; edges?: unknown[] };
    if (rep.scenarios.length) {
      const s = rep.scenarios[0]!;
      // one cluster + every node of the scenario, every edge
      const nodes = (graph.objects ?? []).filter((o) => !o.name.startsWith('cluster_'));
      assert.equal(nodes.length, s.nodes.length);
      assert.equal((graph.edges ?? []).length, s.edges.length);
      assert.ok(!(graph.objects ?? []).some((o) => o.name === 'x' || o.name === 'a'), 'a hostile name does not open a new graph or node');
    }
  }
  // and Graphviz does refuse a broken graph, so the check above can fail
  const broken = spawnSync('/usr/bin/dot', ['-Tjson'], { input: reportToDot(r).replace(/}\s*$/, ''), encoding: 'utf8' });
  assert.notEqual(broken.status, 0);
});

test('Markdown: narrative in kill-chain language with evidence references; hostile text stays inert', async () => {
  const r = await report();
  const md = reportToMarkdown(r);
  assert.match(md, /^# Detection report/m);
  assert.match(md, /## Scenario 1 on WS\\-ACME\\-12\\\.corp\\\.example/);
  assert.match(md, /^Execution of .* → persistence through Registry Run Keys/m);
  assert.match(md, /credential access through LSASS Memory/);
  assert.match(md, /`attack-with-noise\.jsonl:\d+`/);
  const bad = reportToMarkdown(hostile(r));
  // outside code spans (where Markdown shows text literally) nothing hostile survives
  const prose = withoutCodeSpans(bad);
  assert.ok(!prose.includes('<img'), 'no raw HTML');
  assert.ok(!prose.includes('](http'), 'no live link');
  assert.ok(!/[\u202e\u0007]/.test(bad), 'no control or bidi characters');
  for (const line of bad.split('\n').filter((l) => l.startsWith('|'))) {
    const unescaped = line.replace(/\\\|/g, '').split('|').length;
    const header = bad.split('\n').find((l) => l.startsWith('| #') || l.startsWith('| time'))!;
    assert.ok(unescaped <= header.replace(/\\\|/g, '').split('|').length, `table row keeps its columns: ${line.slice(0, 80)}`);
  }
});
