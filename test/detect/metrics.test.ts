import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileMetrics, summarize } from '../../src/detect/metrics.js';
import { techniqueMatches } from '../../src/detect/techniques.js';

test('a detection counts for its label, the label\'s parent or a sub-technique — not a sibling', () => {
  assert.ok(techniqueMatches('T1003.001', 'T1003.001'));
  assert.ok(techniqueMatches('T1003', 'T1003.001'));
  assert.ok(techniqueMatches('T1003.001', 'T1003'));
  assert.ok(!techniqueMatches('T1003.002', 'T1003.001'));
  assert.ok(!techniqueMatches('T1059', 'T1003'));
});

test('file metrics: recall, hit@k by score, precision over detections, tactic level, alerts', () => {
  const labels = { techniques: ['T1003.001'], tactics: ['credential-access'] };
  const m = fileMetrics(labels, [
    { unit: 'a', technique: 'T1059.001', tactics: ['execution'], score: 0.9 },
    { unit: 'a', technique: 'T1027', tactics: ['defense-evasion'], score: 0.8 },
    { unit: 'b', technique: 'T1071', tactics: ['command-and-control'], score: 0.7 },
    { unit: 'c', technique: 'T1003', tactics: ['credential-access'], score: 0.6 },
    { unit: 'c', technique: '', tactics: ['credential-access'], score: 0.5 },
  ]);
  assert.equal(m.recall, true);
  assert.equal(m.hit1, false);
  assert.equal(m.hit3, false);
  assert.equal(m.detections, 4);
  assert.equal(m.correct, 1);
  assert.equal(m.tacticRecall, true);
  assert.equal(m.tacticDetections, 5);
  assert.equal(m.tacticCorrect, 2);
  assert.equal(m.alerts, 3);

  const none = fileMetrics(labels, []);
  assert.equal(none.recall, false);
  const tacticOnly = fileMetrics({ techniques: [], tactics: ['execution'] }, [{ unit: 'x', technique: 'T1059', tactics: ['execution'], score: 1 }]);
  assert.equal(tacticOnly.recall, undefined);
  assert.equal(tacticOnly.detections, 0, 'no technique labels: detections say nothing at technique level');
  assert.equal(tacticOnly.tacticRecall, true);

  const s = summarize([m, none, tacticOnly]);
  assert.equal(s.files, 2);
  assert.equal(s.recall, 0.5);
  assert.equal(s.precision, 0.25);
  assert.equal(s.tacticFiles, 3);
  assert.ok(Math.abs(s.tacticRecall - 2 / 3) < 1e-9);
});
