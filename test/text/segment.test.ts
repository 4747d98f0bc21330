import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { cleanText, reportFromPlainText, splitSentences, segment, plainBlocks } from '../../src/text/index.js';
import { repoRoot } from '../helpers.js';

const fixture = join(repoRoot, 'test', 'fixtures', 'text', 'report.txt');

test('cleanText drops controls, bidi overrides and zero-width characters and maps offsets back', () => {
  const raw = '\n\n  Hello   world\u00a0foo\r\nbar\x00baz  \n\n\n\n\tNext\u202eline\u200b end  ';
  const r = cleanText(raw);
  assert.equal(r.text, 'Hello world foo\nbarbaz\n\nNextline end');
  assert.equal(r.dropped, 3);
  for (const w of ['world', 'foo', 'bar', 'baz', 'Next', 'line', 'end']) {
    const at = r.text.indexOf(w);
    const src = r.map.toSource(at);
    assert.equal(raw.slice(src, src + w.length), w, w);
    assert.equal(r.map.fromSource(src), at);
  }
});

test('cleanText keeps lone surrogates out (replaced) and valid pairs in', () => {
  const r = cleanText('a\ud800b 😀 c');
  assert.equal(r.text, 'a\ufffdb 😀 c');
});

test('sentences: abbreviations, initials and decimals do not split; offsets quote exactly', () => {
  const text = 'The actor used e.g. PowerShell. Dr. Smith of the U.S. team saw v1.2 and 3.5 GB. Then it ended! Next one?';
  const rs = splitSentences(text, 0, text.length);
  assert.deepEqual(rs.map((r) => text.slice(r.start, r.end)), ['The actor used e.g. PowerShell.', 'Dr. Smith of the U.S. team saw v1.2 and 3.5 GB.', 'Then it ended!', 'Next one?']);
});

test('sentences do not split inside inline code', () => {
  const text = 'It ran `cmd /c echo. Then more` and stopped. Done.';
  const code = [{ start: text.indexOf('cmd'), end: text.indexOf('more') + 4 }];
  const rs = splitSentences(text, 0, text.length, code);
  assert.equal(rs.length, 2);
});

test('over-long sentences are cut at a clause boundary under the limit', () => {
  const text = Array.from({ length: 400 }, (_, i) => `word${i}`).join(', ') + '.';
  const rs = splitSentences(text, 0, text.length);
  assert.ok(rs.length > 1);
  for (const r of rs) assert.ok(r.end - r.start <= 1200);
});

test('plain text report: headings, wrapped lines, command lines and list items; every sentence quotes its offsets', () => {
  const raw = readFileSync(fixture, 'utf8');
  const r = reportFromPlainText(raw, { path: fixture });
  assert.equal(r.title, 'Operation Paper Lantern');
  const byText = new Map(r.sentences.map((s) => [r.text.slice(s.start, s.end), s]));
  assert.equal(byText.get('Operation Paper Lantern')?.kind, 'heading');
  assert.equal(byText.get('Execution')?.kind, 'heading');
  const cmd = [...byText.entries()].find(([t]) => t.startsWith('powershell.exe -nop'));
  assert.equal(cmd?.[1].kind, 'command', 'a command line stays whole');
  assert.ok([...byText.keys()].some((t) => t.startsWith('Between March and May') && t.includes('\nWord attachments')), 'hard-wrapped lines join');
  assert.ok([...byText.keys()].includes('The macro launched wscript.exe, e.g. with a\ndropped JScript file.'));
  assert.equal(byText.get('- whoami /all')?.kind, 'list-item');
  for (const s of r.sentences) {
    const quote = r.text.slice(s.start, s.end);
    assert.equal(quote, quote.trim(), 'sentences are trimmed');
    assert.ok(quote.length > 0);
    const p = r.paragraphs[s.paragraph]!;
    assert.ok(p.start <= s.start && s.end <= p.end, 'a sentence lies in its paragraph');
  }
  // paragraphs point at their sentences
  for (const p of r.paragraphs) for (let i = p.firstSentence; i < p.endSentence; i++) assert.equal(r.sentences[i]!.paragraph, p.index);
});

test('segment: a multi-line code block is one code sentence; long code is cut at line ends', () => {
  const code = Array.from({ length: 300 }, (_, i) => `echo line ${i} >> out.txt`).join('\n');
  const text = `Intro sentence.\n\n${code}`;
  const blocks = [{ start: 0, end: 15, kind: 'prose' as const }, { start: 17, end: text.length, kind: 'code' as const }];
  const { sentences } = segment({ text, blocks, inlineCode: [], issues: [] });
  const codeSents = sentences.filter((s) => s.kind === 'code');
  assert.ok(codeSents.length >= 2);
  for (const s of codeSents) {
    assert.ok(s.end - s.start <= 4000);
    assert.ok(!text.slice(s.start, s.end).startsWith('\n'));
  }
  assert.equal(codeSents[0]!.start, 17);
  assert.equal(codeSents.at(-1)!.end, text.length);
});

test('plainBlocks never loses text: every non-space character is in a block', () => {
  const raw = readFileSync(fixture, 'utf8');
  const text = cleanText(raw).text;
  const blocks = plainBlocks(text);
  const covered = new Uint8Array(text.length);
  for (const b of blocks) for (let i = b.start; i < b.end; i++) covered[i] = 1;
  for (let i = 0; i < text.length; i++) if (!/\s/.test(text[i]!)) assert.equal(covered[i], 1, `char ${i} ${JSON.stringify(text[i])}`);
});
