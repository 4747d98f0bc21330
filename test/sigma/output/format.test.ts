import { test } from 'node:test';
import assert from 'node:assert/strict';
import { csvCell, escapeControls, eventRow, compareRows, summarize } from '../../../src/sigma/output/index.js';

test('CSV cells: formulas neutralised, quotes doubled, control characters escaped', () => {
  assert.equal(csvCell('=1+1'), "'=1+1");
  assert.equal(csvCell('+x'), "'+x");
  assert.equal(csvCell('-x'), "'-x");
  assert.equal(csvCell('@x'), "'@x");
  assert.equal(csvCell('a,b'), '"a,b"');
  assert.equal(csvCell('say "hi"'), '"say ""hi"""');
  assert.equal(csvCell('\t=cmd'), '\\x09=cmd');
  assert.equal(csvCell('line1\nline2'), 'line1\\x0aline2');
  assert.equal(escapeControls('\u001b[2J\u009b'), '\\x1b[2J\\x9b');
  assert.equal(csvCell(undefined), '');
  assert.equal(csvCell(42), '42');
});

test('rows: key fields from the rule, computer/channel/event id, time order, summary counts', () => {
  const ev = { EventID: 1, Channel: 'Microsoft-Windows-Sysmon/Operational', Computer: 'H1', TimeCreated: '2026-01-02T03:04:05.123456Z', Image: 'C:\\a.exe', CommandLine: 'x'.repeat(1000) };
  const a = eventRow(0, ['Image', 'CommandLine', 'Missing'], ev, ['selection'], { file: 'f', line: 2 });
  assert.equal(a.computer, 'H1');
  assert.equal(a.eventId, '1');
  assert.equal(a.timeMs, Date.parse('2026-01-02T03:04:05.123Z'));
  assert.deepEqual(a.keyFields.map(([k]) => k), ['Image', 'CommandLine']);
  assert.ok(a.keyFields[1]![1].length <= 300);
  const b = eventRow(1, [], { ...ev, TimeCreated: '2026-01-01T00:00:00Z', Computer: 'H2' }, [], { file: 'f', line: 1 });
  const c = eventRow(1, [], { Image: 'no time' }, [], undefined);
  assert.deepEqual([a, c, b].sort(compareRows), [b, a, c]);
  const s = summarize([a, b, c], [
    { id: 'r0', title: 'R0', level: 'high', tags: ['attack.t1059.001', 'attack.execution'] },
    { id: 'r1', title: 'R1', level: 'low', tags: ['attack.t1059.001'] },
  ]);
  assert.equal(s.detections, 3);
  assert.deepEqual(s.byRule.map((r) => [r.id, r.hits]), [['r0', 1], ['r1', 2]]);
  assert.deepEqual(s.byTechnique, [{ key: 'T1059.001', hits: 3 }]);
  assert.deepEqual(s.byLevel.map((l) => l.key), ['high', 'low']);
  assert.deepEqual(s.byComputer.map((l) => l.key).sort(), ['(unknown)', 'H1', 'H2']);
});
