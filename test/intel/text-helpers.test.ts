import assert from 'node:assert/strict';
import { test } from 'node:test';
import { actionPhrase } from '../../src/intel/action.js';
import { textShape, sectionClass } from '../../src/intel/shape.js';
import { interpreterOf, looksLikeCommand } from '../../src/text/index.js';

test('action phrases start at the adversary verb and stop at the clause end', () => {
  assert.equal(actionPhrase('Between March and May, an intrusion set we track as LANTERN SPIDER sent spear-phishing e-mails to staff.'), 'sent spear-phishing e-mails to staff');
  assert.equal(actionPhrase('The loader created a Run key value, which starts the DLL.'), 'created a Run key value');
  assert.equal(actionPhrase('Once found, the “ffmpeg.dll” loads the second DLL into memory.'), 'loads the second DLL into memory');
  assert.ok(actionPhrase('Nothing to see here').length > 0);
});

test('sentence shape marks fragments, captions, advice and ATT&CK ids', () => {
  assert.ok(textShape('Files').includes('@len:1-3'));
  assert.ok(textShape('Figure 3: the loader').includes('@caption'));
  assert.ok(textShape('Consider disabling NTLM.').includes('@imperative'));
  assert.ok(textShape('Scheduled Task [T1053.005]').includes('@has-id'));
  assert.equal(sectionClass('Mitigations'), 'mitigation');
  assert.equal(sectionClass('Indicators of Compromise'), 'ioc');
});

test('command lines and interpreters', () => {
  assert.ok(looksLikeCommand('schtasks /create /tn "x" /tr "y" /sc onlogon'));
  assert.ok(looksLikeCommand('net group "Domain Admins" /domain'));
  assert.ok(looksLikeCommand('C:\\Users\\bob> whoami /all'));
  assert.ok(looksLikeCommand('whoami'));
  assert.ok(!looksLikeCommand('Net income rose sharply in the quarter.'));
  assert.ok(!looksLikeCommand('Ping the team when you are done with the report.'));
  assert.equal(interpreterOf('powershell.exe -enc AAAA'), 'powershell');
  assert.equal(interpreterOf('Get-Process | Stop-Process'), 'powershell');
  assert.equal(interpreterOf('schtasks /query'), 'cmd');
  assert.equal(interpreterOf('curl -s http://x | sh'), 'sh');
});

test('scoring units: sentences, word windows of long prose sentences, inline commands; giant reports are capped', async () => {
  const { scoringUnits, wordWindows } = await import('../../src/intel/scoring.js');
  const { reportFromPlainText } = await import('../../src/text/index.js');
  const long = 'After gaining access the operators used a renamed copy of the legitimate remote administration tool to move laterally between the finance servers and then dumped credentials from memory.';
  const rep = reportFromPlainText(`Title line\n\n${long}\nShort one here.`, { path: 'w.txt' });
  const s = rep.sentences.findIndex((x) => rep.text.slice(x.start, x.end) === long);
  const w = wordWindows(rep.text, rep.sentences[s]!, { words: 12, stride: 6, minWords: 18 });
  assert.ok(w.length >= 3);
  assert.equal(rep.text.slice(w[0]!.start, w[0]!.end).split(' ').length, 12);
  assert.equal(w.at(-1)!.end, rep.sentences[s]!.end, 'the last window reaches the sentence end');
  for (const r of w) assert.equal(rep.text.slice(r.start, r.end), rep.text.slice(r.start, r.end).trim());
  const units = scoringUnits(rep, 20_000, { words: 12, stride: 6, minWords: 18 });
  assert.deepEqual(units.slice(0, rep.sentences.length).map((u) => u.kind), rep.sentences.map(() => 'sentence'));
  assert.ok(units.filter((u) => u.kind === 'window').every((u) => u.sentence === s));
  assert.equal(scoringUnits(rep, 20_000, false).length, rep.sentences.length, 'no windows without the option');
  assert.equal(scoringUnits(rep, 1, false).length, 1, 'capped at the first sentences');
  assert.deepEqual(wordWindows(rep.text, rep.sentences.at(-1)!, { words: 12, stride: 6, minWords: 18 }), [], 'short sentences have none');
});

test('window examples: the train reports\' word windows, labelled by the gold spans they hold, else negatives', async () => {
  const { tramWindowExamples, segmentTramReport } = await import('../../src/intel/training-data.js');
  const { scoringUnits } = await import('../../src/intel/scoring.js');
  const long = 'After gaining access the operators used a renamed copy of the legitimate remote administration tool to move laterally between the finance servers and then dumped credentials from LSASS memory with a custom tool.';
  const text = `Title line\n\n${long}\nShort one here.`;
  const phrase = 'dumped credentials from LSASS memory';
  const start = text.indexOf(phrase);
  const seg = segmentTramReport({ file: 'w.json', title: 'w', text, spans: [{ start, end: start + phrase.length, technique: 'T1003.001', kind: 'label' }] });
  const ex = tramWindowExamples([seg]);
  const windows = scoringUnits(seg.text).filter((u) => u.kind === 'window');
  assert.deepEqual(ex.map((e) => e.text), windows.map((w) => seg.text.text.slice(w.start, w.end)), 'the same windows inference scores');
  assert.ok(ex.every((e) => e.source === 'tram-window'));
  const holding = ex.filter((e) => e.text.includes(phrase));
  assert.ok(holding.length > 0 && holding.every((e) => e.labels.includes('T1003.001') && e.labels.includes('T1003')));
  assert.ok(ex.some((e) => e.labels.length === 0 && !e.text.includes('LSASS')), 'windows without a span are negatives');
});
