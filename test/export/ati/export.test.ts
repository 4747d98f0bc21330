import assert from 'node:assert/strict';
import { test } from 'node:test';
import { atiToAttackFlow, atiToMarkdown, atiToNavigator, atiToStix } from '../../../src/export/ati/index.js';
import { NavigatorLayerSchema, StixBundleSchema, validateBundle, type StixObject } from '../../../src/export/index.js';
import { hostileDoc } from './hostile-doc.js';

const created = '2024-01-02T03:04:05.000Z';

function byType(objects: StixObject[], type: string): Record<string, unknown>[] {
  return objects.filter((o) => o.type === type) as unknown as Record<string, unknown>[];
}

test('STIX: the bundle validates, every ref resolves, and re-read it carries the document', () => {
  const doc = hostileDoc();
  const bundle = atiToStix(doc, { created, tacticId: (s) => ({ execution: 'TA0002', persistence: 'TA0003' })[s] });
  assert.deepEqual(validateBundle(bundle).filter((i) => i.severity === 'error'), []);
  // Round trip: serialise, parse, validate again, and read the content back.
  const reread = JSON.parse(JSON.stringify(bundle)) as unknown;
  assert.ok(StixBundleSchema.safeParse(reread).success);
  assert.deepEqual(validateBundle(reread).filter((i) => i.severity === 'error'), []);
  const objects = (reread as { objects: StixObject[] }).objects;
  const patterns = byType(objects, 'attack-pattern');
  const ids = patterns.map((p) => (p.external_references as { external_id: string }[])[0]!.external_id).sort();
  assert.deepEqual(ids, ['T1053.005', 'T1059.001']);
  const indicators = byType(objects, 'indicator');
  // The hostile domain is one quoted STIX string literal, not an injected comparison.
  const dom = indicators.find((i) => String(i.pattern).startsWith('[domain-name:value'))!;
  assert.equal(dom.pattern, "[domain-name:value = 'evil.example\\'] OR [x:y = \\'z']");
  assert.ok(indicators.some((i) => String(i.pattern).includes("file:hashes.'SHA-256' = '" + 'b'.repeat(64))));
  assert.equal(indicators.length, 3, 'CVE has no STIX pattern, so no indicator');
  assert.equal(byType(objects, 'intrusion-set').length, 1);
  assert.equal(byType(objects, 'tool').length, 1);
  assert.equal(byType(objects, 'malware').length, 1);
  const rels = byType(objects, 'relationship');
  assert.ok(rels.some((r) => r.relationship_type === 'uses'));
  assert.ok(rels.some((r) => r.relationship_type === 'indicates'));
  const report = byType(objects, 'report')[0]!;
  assert.equal((report.object_refs as string[]).length, objects.length - 2, 'the report references everything but itself and our identity');
  // Attack Flow: one action per procedure, chained in order, command as a process.
  const actions = byType(objects, 'attack-action');
  assert.equal(actions.length, 2);
  const first = actions.find((a) => a.technique_id === 'T1059.001')!;
  const second = actions.find((a) => a.technique_id === 'T1053.005')!;
  assert.deepEqual(first.effect_refs, [second.id]);
  assert.equal(first.tactic_id, 'TA0002');
  const flow = byType(objects, 'attack-flow')[0]!;
  assert.deepEqual(flow.start_refs, [first.id]);
  const proc = objects.find((o) => o.id === first.command_ref) as unknown as { command_line: string };
  assert.match(proc.command_line, /^powershell -enc AAAA/);
  // No control or bidi characters anywhere in the bundle.
  assert.ok(!/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u202e]/.test(JSON.stringify(bundle)));
});

test('STIX output is deterministic for a fixed created time', () => {
  const a = JSON.stringify(atiToStix(hostileDoc(), { created }));
  const b = JSON.stringify(atiToStix(hostileDoc(), { created }));
  assert.equal(a, b);
});

test('Attack Flow bundle: only the flow and what it references, valid on its own', () => {
  const bundle = atiToAttackFlow(hostileDoc(), { created });
  assert.deepEqual(validateBundle(bundle).filter((i) => i.severity === 'error'), []);
  const types = new Set(bundle.objects.map((o) => o.type));
  for (const t of types) assert.ok(['attack-flow', 'attack-action', 'attack-asset', 'process', 'attack-pattern', 'extension-definition', 'identity'].includes(t), t);
  assert.ok(types.has('attack-flow') && types.has('extension-definition'));
});

test('Navigator layer: documented fields, scores, evidence comments, version stamps', () => {
  const layer = atiToNavigator(hostileDoc());
  assert.ok(NavigatorLayerSchema.safeParse(layer).success);
  assert.equal(layer.versions.layer, '4.5');
  assert.equal(layer.versions.attack, '18.1');
  assert.equal(layer.domain, 'enterprise-attack');
  const ps = layer.techniques.find((t) => t.techniqueID === 'T1059.001')!;
  assert.equal(ps.tactic, 'execution');
  assert.equal(ps.score, 93);
  assert.match(ps.comment!, /ran powershell/);
  assert.ok(!/[\u0000\u001b\u202e]/.test(JSON.stringify(layer)));
  assert.ok(layer.metadata?.some((m) => 'name' in m && m.name === 'report sha256'));
  assert.deepEqual(layer.gradient, { colors: ['#ffffff', '#ff6666'], minValue: 0, maxValue: 100 });
});

/** Markdown with fenced blocks and code spans removed: what a renderer would interpret. */
function outsideCode(md: string): string {
  const noFences = md.replace(/^( *)(`{3,})[^\n]*\n[\s\S]*?\n\1\2\s*$/gm, '');
  return noFences.replace(/(`+)(?!`)[\s\S]*?(?<!`)\1(?!`)/g, '');
}

test('Markdown: hostile text stays inert (no HTML, links, images, headings or table breaks from the report)', () => {
  const md = atiToMarkdown(hostileDoc());
  const live = outsideCode(md);
  assert.ok(md.includes('<script>'), 'the hostile text is there, inside code');
  assert.ok(!live.includes('<script>'), 'no raw HTML outside code');
  assert.ok(!/\]\(javascript:/.test(live), 'no links');
  assert.ok(!/!\[img\]\(/.test(live), 'no images');
  assert.ok(!/[\u0000\u001b\u202e]/.test(md), 'no control characters');
  // Only our own headings start lines with '#'.
  for (const line of md.split('\n').filter((l) => l.startsWith('#'))) assert.match(line, /^#{1,3} (?:Report|Tactics|Techniques|Attack chain|Procedure variants|T\d{4}|Indicators|Groups)/);
  // Table rows keep their column count (pipes in cells are escaped).
  const rows = md.split('\n').filter((l) => l.startsWith('| '));
  const iocHeader = rows.findIndex((r) => r.startsWith('| type | value | as written |'));
  for (const r of rows.slice(iocHeader + 2, iocHeader + 6)) assert.equal(r.split(/(?<!\\)\|/).length - 2, 3, r);
  // Commands are fenced with a fence longer than any backtick run inside.
  assert.match(md, /````powershell\n/);
  assert.match(md, /## Attack chain/);
  assert.match(md, /1\. \*\*execution\*\*/);
});
