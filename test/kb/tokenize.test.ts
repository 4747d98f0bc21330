import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpuMs } from './cpu.js';
import { tokenize } from '../../src/kb/tokenize.js';
import { porterStem } from '../../src/kb/porter-stemmer.js';

test('plain words are lowercased, stop-worded and stemmed', () => {
  assert.deepEqual(tokenize('Dumping the Credentials from Memory'), ['dump', 'credenti', 'memori']);
  assert.deepEqual(tokenize('scheduled tasks'), tokenize('schedule task'));
});

test('security tokens keep their shape: file names, flags, ATT&CK ids, paths, API names', () => {
  const t = tokenize('powershell.exe -enc SQBFAFgA; schtasks /create; T1059.001; lsass.exe; CreateRemoteThread');
  for (const want of ['powershell.exe', '-enc', 'enc', 'schtask', '/create', 't1059.001', 't1059', 'lsass.exe', 'lsass', 'createremotethread', 'remot', 'thread']) {
    assert.ok(t.includes(want), `${want} in ${t.join(' ')}`);
  }
  assert.ok(!t.includes('fg'), 'base64 is not split as CamelCase');
  const p = tokenize('HKLM\\Software\\Microsoft\\Windows\\CurrentVersion\\Run and /etc/cron.d/job');
  for (const want of ['hklm', 'run', 'cron.d', 'cron', 'job']) assert.ok(p.includes(want), `${want} in ${p.join(' ')}`);
  assert.ok(tokenize('pass-the-hash').includes('pass-the-hash'));
  assert.ok(tokenize('sekurlsa::logonpasswords').includes('sekurlsa::logonpasswords'));
});

test('hostile input: long runs, control characters, unicode — linear time, bounded tokens', () => {
  let out: string[] = [];
  const ms = cpuMs(() => (out = tokenize('a'.repeat(1_000_000) + ' ' + '-.'.repeat(100_000) + ' \u0000\u202e\ud83d\ude00 word')));
  assert.ok(ms < 1000, `${ms} ms CPU`);
  assert.ok(out.every((x) => x.length <= 64));
  assert.ok(out.includes('word'));
  assert.deepEqual(tokenize(''), []);
});

test('Porter stemmer matches the published examples', () => {
  const cases: Record<string, string> = {
    caresses: 'caress', ponies: 'poni', cats: 'cat', agreed: 'agre', plastered: 'plaster', motoring: 'motor', hopping: 'hop',
    filing: 'file', happy: 'happi', relational: 'relat', conditional: 'condit', digitizer: 'digit', hopefulness: 'hope',
    formaliti: 'formal', triplicate: 'triplic', electrical: 'electr', revival: 'reviv', adjustment: 'adjust', adoption: 'adopt',
    effective: 'effect', controll: 'control', roll: 'roll', generalizations: 'gener', oscillators: 'oscil',
  };
  for (const [w, s] of Object.entries(cases)) assert.equal(porterStem(w), s, w);
});
