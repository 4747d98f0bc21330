/**
 * The detector end to end on our own logs, with real SigmaHQ rules and the
 * hand-set calibration (rules count by level; the encoder is off): windows,
 * rule hits attached to the right sequence, alerts with evidence, and
 * scenarios — one for the multi-step intrusion, none for the benign log.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readFileSync } from 'node:fs';
import { techniqueMatches } from '../../src/detect/techniques.js';
import { ATTACK_LOG, BENIGN_LOG, detectWithRules } from './helpers.js';

async function detect(file: string, windowMs?: number) {
  const { report, counts } = await detectWithRules(file, windowMs ? { windowMs } : {});
  return { alerts: report.alerts, scenarios: report.scenarios, counts };
}

/**
 * The intrusion as the fixture stages it: technique family and the process
 * that does it, in this order among the steps (other steps may sit between
 * them, e.g. the Word macro's own step).
 */
const EXPECTED: [family: string, actor: string][] = [
  ['T1059', 'powershell.exe'],
  ['T1547', 'reg.exe'],
  ['T1033', 'whoami.exe'],
  ['T1003', 'rundll32.exe'],
];

function inOrder(steps: { technique: string; actor: string }[], expected: [string, string][]): boolean {
  let i = 0;
  for (const s of steps) {
    if (i >= expected.length) break;
    const [family, actor] = expected[i]!;
    if ((techniqueMatches(s.technique, family) || s.technique.startsWith(family + '.')) && s.actor === actor) i++;
  }
  return i === expected.length;
}

const exe = (image: string) => image.split('\\').pop()!.toLowerCase();

test('the intrusion in the noisy log becomes one scenario with its steps in order; the benign log gives none', async () => {
  const attack = await detect(ATTACK_LOG);
  assert.equal(attack.counts.events, readFileSync(ATTACK_LOG, 'utf8').trim().split('\n').length);
  assert.equal(attack.scenarios.length, 1, JSON.stringify(attack.scenarios.map((s) => s.steps.map((x) => x.technique))));
  const s = attack.scenarios[0]!;
  const techniques = s.steps.map((x) => x.technique);
  const shown = s.steps.map((x) => `${x.technique} (${x.tactic}) by ${exe(x.actor.image)}`).join(' → ');
  assert.ok(inOrder(s.steps.map((x) => ({ technique: x.technique, actor: exe(x.actor.image) })), EXPECTED), `steps ${shown}`);
  // the acceptance: at least four techniques across at least three tactics
  assert.ok(new Set(techniques.map((t) => t.slice(0, 5))).size >= 4, shown);
  assert.ok(new Set(s.steps.map((x) => x.tactic)).size >= 3, shown);
  for (const t of ['execution', 'persistence', 'discovery', 'credential-access']) assert.ok(s.tactics.includes(t), `tactic ${t} in ${s.tactics.join(',')}`);
  // the phases of the staged attack, in order (runs of the same tactic taken as one phase)
  const phases = s.steps.map((x) => x.tactic).filter((t, i, all) => i === 0 || all[i - 1] !== t);
  assert.deepEqual(phases, ['execution', 'persistence', 'discovery', 'credential-access'], shown);
  // steps are ordered by time
  for (let i = 1; i < s.steps.length; i++) assert.ok(s.steps[i]!.time >= s.steps[i - 1]!.time);
  // the entry point: the mail client that saved the attachment (its own rule fired), or the document itself
  assert.match(s.entry.name, /Q1_bonus_review\.docm$|OUTLOOK\.EXE$/i);
  assert.ok(s.nodes.some((n) => n.name.endsWith('Q1_bonus_review.docm')), 'the document is on the causal path');
  // pruned: no browser, service host or Defender in the scenario; every alert node is an attack process
  const names = s.nodes.map((n) => n.name.toLowerCase());
  for (const benign of ['msedge.exe', 'chrome.exe', 'svchost.exe', 'msmpeng.exe', 'onedrive.exe', 'notepad.exe']) assert.ok(!names.some((n) => n.endsWith(benign)), `${benign} pruned`);
  const actors = new Set(s.steps.map((x) => x.actor.image.split('\\').pop()!.toLowerCase()));
  for (const a of actors) assert.ok(['outlook.exe', 'winword.exe', 'cmd.exe', 'powershell.exe', 'reg.exe', 'svcupd.exe', 'whoami.exe', 'net.exe', 'net1.exe', 'nltest.exe', 'rundll32.exe'].includes(a), `actor ${a}`);
  // size is reported and small
  assert.equal(s.size.nodes, s.nodes.length);
  assert.ok(s.size.nodes < 40, `${s.size.nodes} nodes`);
  assert.ok(s.size.events > 0 && s.size.alerts >= s.steps.length - 1);
  // alerts carry evidence and rule hits that point back at the log
  const lines = readFileSync(ATTACK_LOG, 'utf8').split('\n');
  const dump = attack.alerts.find((a) => a.process.image.toLowerCase().endsWith('rundll32.exe'))!;
  assert.ok(dump.techniques.some((t) => techniqueMatches(t.id, 'T1003')));
  assert.ok(dump.ruleHits.length > 0);
  for (const h of dump.ruleHits) assert.match(lines[h.event.line! - 1]!, /rundll32|lsass/i);

  const benign = await detect(BENIGN_LOG);
  assert.equal(benign.scenarios.length, 0, JSON.stringify(benign.scenarios.map((x) => x.steps.map((y) => y.name))));
  // similar size
  assert.ok(Math.abs(benign.counts.events - attack.counts.events) < 0.1 * attack.counts.events);
});

test('cut into short windows, the same intrusion still merges into one scenario (process identity and lineage carry across windows)', async () => {
  const whole = await detect(ATTACK_LOG);
  const cut = await detect(ATTACK_LOG, 60_000);
  assert.ok(cut.counts.windows > 5, `${cut.counts.windows} windows`);
  assert.equal(cut.scenarios.length, 1);
  const fam = (ts: string[]) => ts.map((t) => t.slice(0, 5));
  const expect = fam(whole.scenarios[0]!.steps.map((x) => x.technique));
  const got = fam(cut.scenarios[0]!.steps.map((x) => x.technique));
  for (const t of ['T1059', 'T1547', 'T1003']) assert.ok(got.includes(t) && expect.includes(t), `${t} in ${got.join(',')}`);
  assert.match(cut.scenarios[0]!.entry.name, /docm$|winword\.exe$|outlook\.exe$/i);
});
