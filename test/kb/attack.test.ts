/** The knowledge base on the real ATT&CK Enterprise 18.1 bundle (../shared/data). */
import { before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadKnowledgeBaseFromFile, lastLoad, type KnowledgeBase } from '../../src/kb/index.js';
import { tempDir } from '../helpers.js';
import { realBundle, realIndex, skipReal } from './fixture.js';

let kb: KnowledgeBase;
const dir = tempDir();
before(async () => {
  if (skipReal) return;
  kb = await loadKnowledgeBaseFromFile(realBundle, { indexPath: realIndex, cacheDir: join(dir.path, 'cache') });
});
after(() => dir.cleanup());

test('ATT&CK 18.1 and the active counts of the acceptance criteria', { skip: skipReal }, () => {
  assert.equal(kb.info.attackVersion, '18.1');
  assert.equal(kb.info.stixVersion, '2.0');
  const c = kb.counts();
  assert.equal(c.techniques, 216);
  assert.equal(c.subtechniques, 475);
  assert.equal(c.tactics, 14);
  assert.equal(c.groups, 172);
  assert.equal(c.software, 784);
  assert.equal(c.campaigns, 52);
  assert.equal(c.procedures, 16017);
  assert.equal(c.detectionStrategies, 691);
  assert.equal(c.analytics, 1739);
  assert.equal(kb.issues.length, 0);
});

test('counts agree with an independent pass over the raw bundle', { skip: skipReal }, () => {
  const objects = (JSON.parse(readFileSync(realBundle, 'utf8')) as { objects: Record<string, unknown>[] }).objects;
  const active = (o: Record<string, unknown>) => o.revoked !== true && o.x_mitre_deprecated !== true;
  const byStix = new Map(objects.map((o) => [o.id as string, o]));
  const aps = objects.filter((o) => o.type === 'attack-pattern' && active(o));
  assert.equal(kb.techniques.length, aps.length);
  assert.equal(kb.counts().subtechniques, aps.filter((o) => o.x_mitre_is_subtechnique === true).length);
  assert.equal(kb.counts().software, objects.filter((o) => (o.type === 'malware' || o.type === 'tool') && active(o)).length);
  const procs = objects.filter((o) => {
    if (o.type !== 'relationship' || o.relationship_type !== 'uses' || !active(o) || !(o.description as string | undefined)?.trim()) return false;
    const s = byStix.get(o.source_ref as string);
    const t = byStix.get(o.target_ref as string);
    return !!s && !!t && t.type === 'attack-pattern' && active(s) && active(t) && ['intrusion-set', 'malware', 'tool', 'campaign'].includes(s.type as string);
  });
  assert.equal(kb.procedures.length, procs.length);
});

test('tactics in matrix order', { skip: skipReal }, () => {
  assert.deepEqual(kb.tactics.map((t) => t.id), [
    'TA0043', 'TA0042', 'TA0001', 'TA0002', 'TA0003', 'TA0004', 'TA0005', 'TA0006', 'TA0007', 'TA0008', 'TA0009', 'TA0011', 'TA0010', 'TA0040',
  ]);
  assert.equal(kb.tactic('credential-access')!.name, 'Credential Access');
});

test('T1003.001: name, tactic, parent, platforms, procedures, detection analytics with log sources', { skip: skipReal }, () => {
  const t = kb.technique('T1003.001')!;
  assert.equal(t.name, 'LSASS Memory');
  assert.deepEqual(t.tactics, ['credential-access']);
  assert.equal(t.parent, 'T1003');
  assert.ok(t.platforms.includes('Windows'));
  assert.ok(kb.technique('T1003')!.subtechniques.includes('T1003.001'));
  assert.ok(kb.proceduresFor('T1003.001').length > 20);
  assert.ok(kb.proceduresFor('T1003.001').every((p) => p.description.length > 0));
  assert.ok(kb.proceduresFor('T1003.001').some((p) => p.citations.some((c) => c.url)));
  const chains = kb.detectionsFor('T1003.001');
  assert.ok(chains.length >= 1);
  const sources = chains.flatMap((c) => c.analytics.flatMap((a) => a.logSources.map((l) => l.name)));
  assert.ok(sources.some((s) => /WinEventLog|sysmon/i.test(s)), `log sources: ${sources.join(', ')}`);
  assert.ok(t.mitigations.length > 0);
});

test('every active sub-technique has an active parent that lists it; every procedure points at an active technique', { skip: skipReal }, () => {
  for (const t of kb.techniques.filter((x) => x.isSubtechnique)) {
    const p = kb.technique(t.parent!);
    assert.ok(p && p.status === 'active' && p.subtechniques.includes(t.id), t.id);
  }
  const ids = new Set(kb.techniques.map((t) => t.id));
  assert.ok(kb.procedures.every((p) => ids.has(p.techniqueId)));
});

test('lookups by name and alias, groups, software, campaigns', { skip: skipReal }, () => {
  assert.equal(kb.lookup('mimikatz')[0]!.entity.item.id, 'S0002');
  assert.equal(kb.lookup('OS Credential Dumping')[0]!.entity.item.id, 'T1003');
  assert.equal(kb.lookup('G0016')[0]!.entity.item.name, 'APT29');
  assert.equal(kb.lookup('cozy bear')[0]!.entity.item.id, 'G0016');
  assert.ok(kb.lookup('Domain Account').length >= 2, 'a shared sub-technique name gives several results');
  assert.ok(kb.proceduresBy('S0002').length > 5);
});

test('revoked ids redirect with a note', { skip: skipReal }, () => {
  const revoked = kb.data.techniques.find((t) => t.status === 'revoked' && t.revokedBy)!;
  const r = kb.lookup(revoked.id)[0]!;
  assert.equal(r.redirectedFrom, revoked.id);
  assert.notEqual(r.entity.item.id, revoked.id);
  assert.match(r.note!, /revoked/);
});

test('Sigma tags: techniques, tactics, groups, software; newer ATT&CK ids are unknown, not dropped', { skip: skipReal }, () => {
  const t = kb.resolveAttackTag('attack.t1059.001');
  assert.equal(t.kind, 'technique');
  assert.equal(t.kind === 'technique' && t.technique.name, 'PowerShell');
  assert.equal(kb.resolveAttackTag('attack.execution').kind, 'tactic');
  assert.equal(kb.resolveAttackTag('attack.command_and_control').kind, 'tactic');
  assert.equal(kb.resolveAttackTag('attack.g0016').kind, 'group');
  assert.equal(kb.resolveAttackTag('attack.s0002').kind, 'software');
  for (const tag of ['attack.stealth', 'attack.defense-impairment', 'attack.t1685', 'attack.t9999.999', 'attack.g9999']) {
    const r = kb.resolveAttackTag(tag);
    assert.equal(r.kind, 'unknown', tag);
    assert.match(r.kind === 'unknown' ? r.reason : '', /18\.1/);
  }
  assert.equal(kb.resolveAttackTag('cve.2021-44228').kind, 'not-attack');
});

test('the second load of the real bundle comes from the cache and is equal', { skip: skipReal }, async () => {
  const again = await loadKnowledgeBaseFromFile(realBundle, { indexPath: realIndex, cacheDir: join(dir.path, 'cache') });
  assert.equal(lastLoad.stats!.from, 'cache');
  assert.deepEqual(again.counts(), kb.counts());
  assert.deepEqual(again.technique('T1003.001'), kb.technique('T1003.001'));
});
