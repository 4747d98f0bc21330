import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { repoRoot, runCli } from '../helpers.js';
import type { BehaviourSequence } from '../../src/provenance/index.js';

const scenario = join(repoRoot, 'test', 'fixtures', 'provenance', 'office-macro-scenario.jsonl');

test('sequences --json through the real readers: abstracted tokens and evidence, byte-identical on a rerun', () => {
  const r = runCli(['sequences', scenario, '--json']);
  assert.equal(r.status, 0, r.stderr);
  const seqs = JSON.parse(r.stdout) as BehaviourSequence[];
  const ps = seqs.find((s) => /powershell\.exe$/i.test(s.process.image))!;
  for (const t of ['proc:powershell.exe', 'parent:wscript.exe', 'cmd:-enc', 'cmd:<b64>', 'connect:public:443', 'create:%TEMP%\\<rand>.exe', 'spawn:<rand>.exe']) {
    assert.ok(ps.tokens.includes(t), `${t} in ${ps.tokens.join(' ')}`);
  }
  assert.ok(ps.events.every((e) => e.file === scenario));
  const dropped = seqs.find((s) => /x7f3kq9\.exe$/i.test(s.process.image))!;
  assert.ok(dropped.tokens.includes('regset:HKU\\<sid>\\software\\microsoft\\windows\\currentversion\\run\\<rand>'));
  assert.equal(runCli(['sequences', scenario, '--json']).stdout, r.stdout);
});

test('sequences: one readable line per sequence, or tokens; windows follow the options', () => {
  const text = runCli(['sequences', scenario]);
  assert.equal(text.status, 0, text.stderr);
  assert.match(text.stdout, /^2024-03-05T09:02:12\.123Z {2}WS01\.corp\.example {2}powershell\.exe ← wscript\.exe: .* \| dns <rand>\.example; connect public:443 ×3; /m);
  assert.match(text.stdout, /\n12 sequence\(s\) from 31 event\(s\)\n$/);
  const tokens = runCli(['sequences', scenario, '--tokens', '--max-actions', '1']);
  assert.equal(tokens.status, 0, tokens.stderr);
  assert.match(tokens.stdout, /proc:powershell\.exe parent:wscript\.exe .* cmd:<b64> connect:public:443\n/);
  const bad = runCli(['sequences', scenario, '--max-actions', '0']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /^ttpscope: --window-minutes and --max-actions must be at least 1/);
});
