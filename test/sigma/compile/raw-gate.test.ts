/**
 * Keyword searches ruled out on the event's JSON text (`raw-gate.ts`): the
 * gate may only ever skip work, so every case compares `matchEvent` with and
 * without the text, including the spellings that make a text undecidable
 * (`\uXXXX`, `\/`), the characters `toLowerCase` folds onto ASCII (U+0130,
 * the Kelvin sign) and numbers whose text differs from their value.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hasOptionalEscape, keywordRawGate } from '../../../src/sigma/compile/raw-gate.js';
import type { NeedLiteral } from '../../../src/sigma/compile/item.js';
import type { CompiledRuleSet } from '../../../src/sigma/index.js';
import { compileYaml } from '../helpers.js';

const kw = (...texts: string[]): NeedLiteral[] => texts.map((text) => ({ text, kind: 'contains', fields: null }));

/** One keyword rule per value (a value list would be one clause of all of them, too many to gate). */
function keywordRules(values: string[]): CompiledRuleSet {
  const doc = (v: string, i: number): string =>
    `title: kw ${i}\nid: 00000000-0000-4000-8000-${String(i).padStart(12, '0')}\nlogsource: {product: windows}\ndetection:\n    keywords:\n        - '${v.replace(/'/g, "''")}'\n    condition: keywords\n`;
  return compileYaml(values.map(doc).join('---\n'));
}

/** The set's answer with the JSON text given, after checking it equals the answer without it. */
function withText(set: CompiledRuleSet, text: string): boolean {
  const event = JSON.parse(text) as Record<string, unknown>;
  const plain = set.matchEvent(event).length > 0;
  const gated = set.matchEvent(event, text).length > 0;
  assert.equal(gated, plain, `with and without the text differ on ${text}`);
  return gated;
}

test('optional escapes are found by walking escapes in order (an escaped backslash before u is not one)', () => {
  assert.equal(hasOptionalEscape('{"a":"C:\\\\users\\\\x"}'), false);
  assert.equal(hasOptionalEscape('{"a":"say \\"hi\\"\\n"}'), false);
  assert.equal(hasOptionalEscape('{"a":"\\u0070erfc"}'), true);
  assert.equal(hasOptionalEscape('{"a":"a\\/b"}'), true);
  assert.equal(hasOptionalEscape('{"a":"\\\\\\u0041"}'), true);
  assert.equal(hasOptionalEscape('{"a":"x\\\\"}'), false);
});

test('gates are built only for literals whose JSON spelling decides them', () => {
  assert.ok(keywordRawGate([kw('\\perfc.dat')]));
  assert.equal(keywordRawGate([kw('1000')]), undefined, 'digits: a number is matched as String(n), not as written');
  assert.equal(keywordRawGate([kw('1e+21')]), undefined);
  assert.equal(keywordRawGate([kw('caf\u00e9')]), undefined, 'non-ASCII');
  assert.equal(keywordRawGate([kw('a\u0000b')]), undefined, 'control character');
  assert.equal(keywordRawGate([kw('a', 'b', 'c', 'd', 'e')]), undefined, 'too many alternatives to pay off');
  // one undecidable literal leaves its clause out; another clause still gates
  const g = keywordRawGate([kw('perfc', '42'), kw('dllhost')])!;
  assert.equal(g.rulesOut('{"a":"dllhost.dat"}'), false);
  assert.equal(g.rulesOut('{"a":"perfc.dat"}'), true);
});

test('a gate matches the JSON spelling in any letter case and rules out the rest', () => {
  const g = keywordRawGate([kw('\\perfc.dat', 'say "hi"')])!;
  assert.equal(g.rulesOut(JSON.stringify({ a: 'C:\\Windows\\PERFC.DAT' })), false);
  assert.equal(g.rulesOut(JSON.stringify({ a: 'they SAY "Hi" there' })), false);
  assert.equal(g.rulesOut(JSON.stringify({ a: 'C:\\Windows\\perfc_dat' })), true);
  assert.equal(g.rulesOut(JSON.stringify({ a: 'perfc.dat' })), true, 'the backslash is part of the literal');
  // regex metacharacters in a literal are literal
  const dot = keywordRawGate([kw('a.b|c')])!;
  assert.equal(dot.rulesOut('{"x":"aXb|c"}'), true);
  assert.equal(dot.rulesOut('{"x":"A.B|C"}'), false);
});

test('matchEvent with the JSON text agrees with matchEvent without it', () => {
  const set = keywordRules(['\\perfc.dat', 'mimikatz', 'wmi', 'a/b', '1000']);
  assert.equal(withText(set, JSON.stringify({ EventID: 1, CommandLine: 'rundll32 C:\\Windows\\perfc.dat,#1' })), true);
  assert.equal(withText(set, JSON.stringify({ EventID: 1, CommandLine: 'notepad.exe' })), false);
  // undecidable texts fall back to the values
  assert.equal(withText(set, '{"EventID": 1, "CommandLine": "C:\\\\Windows\\\\\\u0070erfc.dat"}'), true);
  assert.equal(withText(set, '{"EventID": 1, "Path": "x a\\/b y"}'), true);
  // characters toLowerCase folds onto ASCII: the Kelvin sign and dotted capital I
  assert.equal(withText(set, JSON.stringify({ EventID: 1, CommandLine: 'MIMI\u212AATZ' })), true);
  assert.equal(withText(set, JSON.stringify({ EventID: 1, CommandLine: 'W M \u0130 WM\u0130' })), true);
  // a number is searched as String(n): 1e3 is "1000", which its text does not spell
  assert.equal(withText(set, '{"EventID": 1, "Size": 1e3}'), true);
  assert.equal(withText(set, '{"EventID": 1, "Size": 999}'), false);
});
