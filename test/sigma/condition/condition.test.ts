/** Condition tokenizer/parser and evaluation of every condition form. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCondition, ConditionError, expandPattern } from '../../../src/sigma/index.js';
import { compileYaml, matches, ruleYaml, collect } from '../helpers.js';

test('precedence: not > and > or; parentheses override', () => {
  assert.deepEqual(parseCondition('a or b and not c'), {
    kind: 'or',
    args: [{ kind: 'ref', name: 'a' }, { kind: 'and', args: [{ kind: 'ref', name: 'b' }, { kind: 'not', arg: { kind: 'ref', name: 'c' } }] }],
  });
  assert.deepEqual(parseCondition('(a or b) and c'), {
    kind: 'and',
    args: [{ kind: 'or', args: [{ kind: 'ref', name: 'a' }, { kind: 'ref', name: 'b' }] }, { kind: 'ref', name: 'c' }],
  });
  assert.deepEqual(parseCondition('not 1 of filter_*'), { kind: 'not', arg: { kind: 'of', quantifier: 'one', pattern: 'filter_*' } });
  assert.deepEqual(parseCondition('all of them'), { kind: 'of', quantifier: 'all', pattern: 'them' });
  assert.deepEqual(parseCondition('NOT ((a))'), { kind: 'not', arg: { kind: 'ref', name: 'a' } });
});

test('syntax errors carry a position; legacy aggregations point to correlations', () => {
  for (const bad of ['a and', '(a or b', 'a b', '2 of x*', 'sel*', 'a and or b', '']) {
    assert.throws(() => parseCondition(bad), ConditionError, bad);
  }
  assert.throws(() => parseCondition('selection | count() by host > 5'), /correlation/);
  assert.throws(() => parseCondition('a | near b'), /correlation/);
});

test('patterns: them skips underscore-prefixed identifiers', () => {
  assert.deepEqual(expandPattern('them', ['sel', '_private', 'filter']), ['sel', 'filter']);
  assert.deepEqual(expandPattern('sel*', ['sel', 'sel_a', 'xsel']), ['sel', 'sel_a']);
  assert.deepEqual(expandPattern('sel_a', ['sel', 'sel_a']), ['sel_a']);
});

const det = `    sel_a:
        A: 'x'
    sel_b:
        B: 'y'
    filter:
        C: 'z'
`;

test('1 of / all of / them / and / or / not evaluate as the spec says', () => {
  const cases: Array<[string, Record<string, unknown>, boolean]> = [
    ['1 of sel_*', { A: 'x' }, true],
    ['1 of sel_*', { C: 'z' }, false],
    ['all of sel_*', { A: 'x' }, false],
    ['all of sel_*', { A: 'x', B: 'y' }, true],
    ['1 of them', { C: 'z' }, true],
    ['all of them', { A: 'x', B: 'y' }, false],
    ['all of them', { A: 'x', B: 'y', C: 'z' }, true],
    ['sel_a and not filter', { A: 'x', C: 'z' }, false],
    ['sel_a and not filter', { A: 'x' }, true],
    ['sel_a or sel_b and filter', { B: 'y' }, false],
    ['(sel_a or sel_b) and not filter', { B: 'y' }, true],
    ['not (sel_a or sel_b)', {}, true],
    ['not all of sel_*', { A: 'x' }, true],
  ];
  for (const [cond, ev, want] of cases) {
    const set = compileYaml(ruleYaml(`${det}    condition: ${cond}`));
    assert.equal(matches(set, ev), want, `${cond} on ${JSON.stringify(ev)}`);
  }
});

test('a list of conditions is an OR; matched selection names are reported', () => {
  const set = compileYaml(ruleYaml(`${det}    condition:\n        - sel_a and filter\n        - sel_b`));
  assert.ok(matches(set, { B: 'y' }));
  assert.ok(matches(set, { A: 'x', C: 'z' }));
  assert.ok(!matches(set, { A: 'x' }));
  assert.deepEqual(set.matchEvent({ A: 'x', C: 'z' })[0]!.selections, ['sel_a', 'filter']);
});

test('undefined identifiers and empty patterns are rule issues', () => {
  const c = collect(ruleYaml(`${det}    condition: sel_a and nothere`));
  assert.equal(c.rules.length, 0);
  assert.equal(c.issues[0]!.code, 'undefined-identifier');
  const c2 = collect(ruleYaml(`${det}    condition: 1 of none_*`));
  assert.equal(c2.issues[0]!.code, 'undefined-identifier');
  const c3 = collect(ruleYaml(`${det}    condition: sel_a |`));
  assert.equal(c3.issues[0]!.code, 'bad-condition');
  assert.equal(c3.issues[0]!.place?.path, 'detection.condition');
});
