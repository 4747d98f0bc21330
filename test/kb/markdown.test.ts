import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpuMs } from './cpu.js';
import { citationNames, plainText, sentences, withFootnotes } from '../../src/kb/markdown.js';

const md =
  'Adversaries may use [Mimikatz](https://attack.mitre.org/software/S0002) to read <code>lsass.exe</code> memory.(Citation: Report A) ' +
  'They also use **procdump** (Citation: Report B)(Citation: Report A).\n\n* first item\n* second &amp; last';

test('plainText: links become their text, code tags and citations go, lists and entities are readable', () => {
  assert.equal(
    plainText(md),
    'Adversaries may use Mimikatz to read lsass.exe memory. They also use procdump.\n\n- first item\n- second & last',
  );
});

test('withFootnotes numbers each cited source once and resolves it from the citations', () => {
  const { text, footnotes } = withFootnotes(md, [{ source: 'Report A', description: 'A. (2020). Report A.', url: 'https://a.example' }]);
  assert.match(text, /memory\.\[1\] They also use procdump\[2\]\[1\]\./);
  assert.deepEqual(footnotes, [
    { n: 1, source: 'Report A', description: 'A. (2020). Report A.', url: 'https://a.example' },
    { n: 2, source: 'Report B' },
  ]);
  assert.deepEqual(citationNames(md), ['Report A', 'Report B']);
});

test('sentences split on sentence ends, not on e.g. or file names', () => {
  assert.deepEqual(sentences('It runs cmd.exe with flags, e.g. /c. Then it exits! Next (maybe) comes more.'), [
    'It runs cmd.exe with flags, e.g. /c.',
    'Then it exits!',
    'Next (maybe) comes more.',
  ]);
});

test('hostile markdown: unbalanced brackets and huge input stay linear', () => {
  const ms = cpuMs(() => {
    plainText('['.repeat(100_000) + '(Citation: '.repeat(10_000) + '<'.repeat(100_000) + '[x]('.repeat(20_000));
    withFootnotes('(Citation: x'.repeat(50_000), []);
  });
  assert.ok(ms < 500, `${ms} ms CPU`);
});
