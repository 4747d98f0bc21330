/**
 * The native regex prefilter (`compile/regex-native.ts`) must accept every
 * value re2js matches: checked construct by construct (case folding to
 * non-ASCII characters, code points outside the BMP, RE2's `\s`, line ends)
 * and on seeded random patterns and values; patterns it cannot translate
 * soundly or whose backtracking is unbounded are refused. The value-list
 * matcher (`compileAnyString`) must equal trying each test.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RE2JS } from 're2js';
import { compileRegex } from '../../../src/sigma/compile/item.js';
import { nativePrefilter } from '../../../src/sigma/compile/regex-native.js';
import { compileAnyString, compileStringTest, testString } from '../../../src/sigma/compile/strings.js';

const NO = { i: false, m: false, s: false };
const I = { i: true, m: false, s: false };

function implies(pattern: string, flags: { i: boolean; m: boolean; s: boolean }, values: readonly string[]): RegExp {
  const native = nativePrefilter(pattern, flags);
  assert.ok(native, `${pattern} should be translated`);
  const re: RE2JS = compileRegex(pattern, flags);
  for (const v of values) if (re.test(v)) assert.ok(native.test(v), `${pattern} (${JSON.stringify(flags)}): re2js matches ${JSON.stringify(v)}, the native prefilter does not (${native.source})`);
  return native;
}

test('native prefilter: case folding reaches the Kelvin sign and long s, as RE2 folds them', () => {
  implies('risk', I, ['RISK', 'ri\u017fk', 'ris\u212a', 'RI\u017f\u212a', 'risc']);
  implies('[a-z]{4}', I, ['RI\u017f\u212a', 'abcd']);
  implies('[^a-z]x', I, ['\u212ax', '1x']);
  const n = implies('(?i)Mimikatz', NO, ['MIMI\u212aATZ', 'mimikatz']);
  assert.ok(!n.test('mimi-katz'));
});

test('native prefilter: dots and negated classes take whole code points outside the BMP', () => {
  implies('a.b', NO, ['a\u{1F600}b', 'axb']);
  implies('a.{2}b', NO, ['a\u{1F600}\u{1F600}b', 'a\u{1F600}xb']);
  implies('a[^x]?b', NO, ['a\u{1F600}b', 'ab']);
  implies('a\\S\\Db', NO, ['a\u{1F600}\u{1F601}b']);
});

test('native prefilter: RE2 classes, anchors and multiline', () => {
  const s = implies('a\\sb', NO, ['a b', 'a\tb', 'a\nb']);
  assert.ok(!s.test('a\u00a0b'), 'RE2 \\s is ASCII whitespace only');
  implies('^ab$', NO, ['ab']);
  implies('^b$', { i: false, m: true, s: false }, ['a\nb\nc', 'a\r\nb\r\nc']);
  implies('a.b', { i: false, m: false, s: true }, ['a\nb']);
  implies('\\bcmd\\b', NO, ['run cmd now', 'xcmd']);
  implies('(?:x|y){1,3}-[0-9a-f]{8}', NO, ['xy-deadbeef', 'y-0123456789']);
  implies('\\\\[a-zA-Z0-9]{1,32}\\.[a-zA-Z0-9]{1,6}\\.[ "\']{1}', NO, ['c:\\x\\abc.de. ', 'c:\\x\\abc.de."']);
});

test('native prefilter: refused when the translation is not certain or backtracking is unbounded', () => {
  for (const p of ['a+b', 'a*', '.{3,}', '(a|b)\\1', 'a(?=b)', '\\pL', 'caf\u00e9', '\\Qa.b\\E', 'a(?i)b', '[[:alpha:]]', '\\x41', '\\Aab', '(a{1,40}){1,40}']) {
    assert.equal(nativePrefilter(p, NO), undefined, p);
  }
  assert.equal(nativePrefilter('\\bword\\b', I), undefined, 'word boundaries under case folding');
  assert.equal(nativePrefilter('\\Wx', I), undefined);
});

test('native prefilter: seeded random patterns never reject what re2js matches', () => {
  let seed = 7;
  const rnd = (n: number): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % n);
  const atoms = ['a', 'K', 's', 'k', '.', '\\s', '\\S', '\\d', '\\w', '[a-c]', '[^ab]', '[^\\s]', '[kS]', '\\.', '-', 'x'];
  const quants = ['', '', '', '?', '{2}', '{1,3}', '{0,2}'];
  const alphabet = ['a', 'b', 'c', 'k', 'K', '\u212a', 's', 'S', '\u017f', '.', '-', ' ', '\t', '\n', '\r', '\u00a0', '1', 'x', '_', '\u{1F600}', '\u00e9'];
  let checked = 0;
  for (let p = 0; p < 400; p++) {
    let pat = rnd(4) === 0 ? '^' : '';
    const len = 1 + rnd(5);
    for (let k = 0; k < len; k++) {
      pat += rnd(8) === 0 ? `(?:${atoms[rnd(atoms.length)]}|${atoms[rnd(atoms.length)]})` : atoms[rnd(atoms.length)]!;
      pat += quants[rnd(quants.length)]!;
    }
    if (rnd(5) === 0) pat += '$';
    const flags = { i: rnd(2) === 0, m: rnd(4) === 0, s: rnd(4) === 0 };
    const native = nativePrefilter(pat, flags);
    if (!native) continue;
    const re = compileRegex(pat, flags);
    for (let v = 0; v < 60; v++) {
      let s = '';
      const n = rnd(12);
      for (let k = 0; k < n; k++) s += alphabet[rnd(alphabet.length)];
      if (re.test(s)) {
        checked++;
        assert.ok(native.test(s), `${pat} ${JSON.stringify(flags)}: re2js matches ${JSON.stringify(s)}, native (${native.source}) does not`);
      }
    }
  }
  assert.ok(checked > 500, `only ${checked} matching values were checked`);
});

test('native prefilter: a bounded pattern on a 100 KB hostile value finishes fast', () => {
  const native = nativePrefilter('\\\\[a-zA-Z0-9]{1,32}\\.[a-zA-Z0-9]{1,6}\\.[ "\']', NO)!;
  const hostile = '\\' + 'a'.repeat(31) + '.' + 'b'.repeat(6) + '!';
  const t = performance.now();
  assert.equal(native.test(hostile.repeat(2_500)), false);
  assert.ok(performance.now() - t < 2000);
});

test('value lists: one matcher over many tests equals trying each test', () => {
  const text = (t: string) => [{ kind: 'text' as const, text: t }];
  const any = { kind: 'any' as const };
  const tests = [
    ...['a.b', 'x|y', '(z)', 'q*', 'hello'].map((t) => compileStringTest([any, ...text(t), any], true)),
    ...['c:\\', 'pre', 'p.', 'zz'].map((t) => compileStringTest([...text(t), any], true)),
    compileStringTest([any, ...text('.exe')], true),
    compileStringTest(text('exact'), true),
    compileStringTest([...text('a'), { kind: 'one' }, ...text('c')], true),
  ];
  const match = compileAnyString(tests);
  for (const s of ['', 'a.b', 'axb', 'x|y', 'xy', '(z)', 'q*', 'qq', 'c:\\temp', 'p.x', 'pxx', 'zz', 'file.exe', 'exact', 'exactly', 'abc', 'a.c', 'say hello']) {
    assert.equal(match(s), tests.some((t) => testString(s, t)), s);
  }
});
