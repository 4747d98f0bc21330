import assert from 'node:assert/strict';
import { test } from 'node:test';
import { scoreMultiLabel } from '../../src/intel/metrics.js';
import { isGold } from '../../src/intel/aggregate.js';

test('micro and macro F1 with roll-up and restriction', () => {
  const docs = [
    { gold: ['T1059.001', 'T1027'], predicted: ['T1059.003', 'T1105'] },
    { gold: ['T1105'], predicted: ['T1105', 'T1027'] },
  ];
  const exact = scoreMultiLabel(docs);
  // tp: T1105 (doc 2); fp: T1059.003, T1105 (doc 1), T1027 (doc 2); fn: T1059.001, T1027 (doc 1)
  assert.equal(exact.micro.precision, 1 / 4);
  assert.equal(exact.micro.recall, 1 / 3);
  const parent = scoreMultiLabel(docs, { rollUp: true });
  // doc 1: gold {T1059, T1027}, pred {T1059, T1105}: tp 1 fp 1 fn 1; doc 2: gold {T1105}, pred {T1105, T1027}: tp 1 fp 1
  assert.equal(parent.micro.precision, 2 / 4);
  assert.equal(parent.micro.recall, 2 / 3);
  assert.ok(Math.abs(parent.micro.f1 - (2 * 0.5 * (2 / 3)) / (0.5 + 2 / 3)) < 1e-12);
  // macro over T1059 (f1 1), T1027 (tp0: 0), T1105 (tp1 fp1: 2/3)
  assert.equal(parent.macro.labels, 3);
  assert.ok(Math.abs(parent.macro.f1 - (1 + 0 + 2 / 3) / 3) < 1e-12);
  const restricted = scoreMultiLabel(docs, { rollUp: true, restrictTo: new Set(['T1105']) });
  assert.equal(restricted.micro.f1, 2 / 3);
  assert.equal(restricted.macro.labels, 1);
});

test('a parent is gold when a sub-technique is', () => {
  const gold = new Set(['T1059.001']);
  assert.ok(isGold('T1059', gold));
  assert.ok(isGold('T1059.001', gold));
  assert.ok(!isGold('T1059.003', gold));
});
