import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { UserError } from '../../src/common/errors.js';
import { readHtml, readMarkdown, readReportFile, reportFromBytes, detectFormat, expandReportPaths, readReportStream } from '../../src/text/index.js';
import { repoRoot, tempDir } from '../helpers.js';
import { makePdf } from './pdf-writer.js';
import { Readable } from 'node:stream';

const fixtures = join(repoRoot, 'test', 'fixtures', 'text');
const example = join(repoRoot, 'examples', 'reports', 'operation-paper-lantern.md');

function sentencesOf(r: { text: string; sentences: { start: number; end: number; kind: string }[] }) {
  return r.sentences.map((s) => ({ text: r.text.slice(s.start, s.end), kind: s.kind }));
}

test('Markdown: headings, code fences kept whole, inline code ranges, links and emphasis removed, tables as rows', async () => {
  const r = await readReportFile(example);
  assert.equal(r.source.format, 'markdown');
  assert.equal(r.title, 'Operation Paper Lantern: invoice lures deliver a PowerShell loader');
  const s = sentencesOf(r);
  assert.ok(s.some((x) => x.kind === 'heading' && x.text === 'Persistence'));
  const cmd = s.find((x) => x.text.startsWith('schtasks /create'));
  assert.equal(cmd?.kind, 'command');
  assert.ok(cmd!.text.endsWith('/ru SYSTEM'));
  assert.ok(s.some((x) => x.kind === 'table-row' && x.text === 'IPv4 | 198.51.100[.]23'));
  assert.ok(!r.text.includes('**'), 'emphasis markers are removed');
  assert.ok(!r.text.includes('`'), 'code span backticks are removed');
  const code = r.inlineCode.map((c) => r.text.slice(c.start, c.end));
  assert.ok(code.includes('whoami /all'));
  assert.ok(code.includes('net group "Domain Admins" /domain'));
  // Inline code with a colon at a line end does not split the sentence.
  assert.ok(s.some((x) => x.text.startsWith('Operators ran whoami /all') && x.text.endsWith('comsvcs.dll:')));
});

test('Markdown inline syntax: links, images, autolinks, escapes, HTML tags', () => {
  const st = readMarkdown('See [the report](https://x.example/r) and ![diagram](d.png) <https://a.example/b>. \\*not emphasis\\* <b>bold</b> _em_ file_name_here.\n');
  assert.equal(st.text, 'See the report and diagram https://a.example/b. *not emphasis* bold em file_name_here.');
});

test('HTML: main content only, boilerplate, scripts and hidden text dropped, pre as code, entities decoded', async () => {
  const r = await readReportFile(join(fixtures, 'report.html'));
  assert.equal(r.source.format, 'html');
  assert.equal(r.title, 'Paper Lantern & friends | Example Threat Blog');
  for (const junk of ['Home', 'Research', 'cookies', 'injected', 'not text', 'Related posts', 'Privacy', 'hidden text', 'Tweet', 'About']) {
    assert.ok(!r.text.includes(junk), `dropped: ${junk}`);
  }
  const s = sentencesOf(r);
  assert.ok(s.some((x) => x.kind === 'heading' && x.text === 'Paper Lantern: an invoice lure campaign'));
  const code = s.find((x) => x.kind === 'code');
  assert.ok(code?.text.startsWith('powershell.exe -nop') && code.text.includes('\nschtasks /create'));
  assert.ok(s.some((x) => x.kind === 'list-item' && x.text === 'Discovery with whoami /all'));
  assert.ok(s.some((x) => x.kind === 'table-row' && x.text === 'IPv4 | 198.51.100[.]23'));
  assert.ok(r.text.includes('<script>alert(1)</script> stays text'), 'escaped markup stays literal text');
  assert.ok(!/[\u0000-\u0008\u202e]/.test(r.text), 'control and bidi characters dropped');
  assert.ok(r.issues.some((i) => i.code === 'control-characters'));
  assert.deepEqual(r.inlineCode.map((c) => r.text.slice(c.start, c.end)), ['invoice_0423.docm', 'wscript.exe', 'whoami /all']);
});

test('HTML without <main>/<article> keeps the body; deep nesting and unterminated tags do not break it', () => {
  const deep = '<div>'.repeat(5000) + 'deep text here' + '</div>'.repeat(5000);
  const st = readHtml(`<html><body><p>First paragraph of a page.</p>${deep}<p>Last one <b unterminated`);
  assert.ok(st.text.includes('First paragraph of a page.'));
  assert.ok(st.text.includes('deep text here'));
});

test('a 50 MB HTML page is read in bounded time', { timeout: 120_000 }, async () => {
  const para = '<p>The actor used <a href="/x">PowerShell</a> to download tools &amp; payloads from hxxp://evil[.]example/x.</p>\n';
  const html = `<html><head><title>Big</title></head><body><article>${para.repeat(Math.ceil((50 * 1024 * 1024) / para.length))}</article></body></html>`;
  const t0 = Date.now();
  const r = await reportFromBytes(new Uint8Array(Buffer.from(html)), 'big.html');
  const secs = (Date.now() - t0) / 1000;
  assert.ok(r.sentences.length > 100_000);
  assert.ok(secs < 90, `${secs}s`);
});

test('PDF: text per page, running headers and page numbers dropped, title from metadata', async () => {
  const pdf = makePdf(
    [
      ['ACME Threat Intel - TLP:CLEAR', 'The actor used PowerShell to download a payload.', 'It created a scheduled task for persistence.', '1'],
      ['ACME Threat Intel - TLP:CLEAR', 'Credentials were dumped from LSASS memory.', '2'],
      ['ACME Threat Intel - TLP:CLEAR', 'Data was exfiltrated over the C2 channel.', '3'],
    ],
    { title: 'Paper Lantern (PDF)' },
  );
  const r = await reportFromBytes(pdf, 'r.pdf');
  assert.equal(r.source.format, 'pdf');
  assert.equal(r.title, 'Paper Lantern (PDF)');
  assert.ok(!r.text.includes('TLP:CLEAR'), 'running header removed');
  const s = sentencesOf(r).map((x) => x.text);
  assert.ok(s.includes('The actor used PowerShell to download a payload.'));
  assert.ok(s.includes('Data was exfiltrated over the C2 channel.'));
  assert.ok(!s.includes('2'));
});

test('bad input: corrupt PDF, empty file, binary junk, too large → UserError naming the file', async () => {
  const dir = tempDir();
  try {
    const corrupt = join(dir.path, 'corrupt.pdf');
    writeFileSync(corrupt, Buffer.from(makePdf([['hello']])).subarray(0, 120));
    await assert.rejects(readReportFile(corrupt), (e: unknown) => e instanceof UserError && /not a readable PDF/.test(e.message) && e.place?.file === corrupt);
    const empty = join(dir.path, 'empty.txt');
    writeFileSync(empty, '');
    await assert.rejects(readReportFile(empty), (e: unknown) => e instanceof UserError && /empty report/.test(e.message));
    const blank = join(dir.path, 'blank.md');
    writeFileSync(blank, '  \n\n\t\n');
    await assert.rejects(readReportFile(blank), (e: unknown) => e instanceof UserError && /empty report/.test(e.message));
    const junk = join(dir.path, 'junk.txt');
    const bytes = Buffer.alloc(4096);
    let x = 12345;
    for (let i = 0; i < bytes.length; i++) bytes[i] = (x = (x * 1103515245 + 12345) >>> 0) >>> 24;
    writeFileSync(junk, bytes);
    await assert.rejects(readReportFile(junk), (e: unknown) => e instanceof UserError && /binary data/.test(e.message) && e.place?.file === junk);
    const big = join(dir.path, 'big.txt');
    writeFileSync(big, 'a'.repeat(2048));
    await assert.rejects(readReportFile(big, { maxBytes: 1024 }), (e: unknown) => e instanceof UserError && /too large/.test(e.message) && e.hint !== undefined);
    await assert.rejects(readReportFile(join(dir.path, 'missing.txt')), (e: unknown) => e instanceof UserError && /no such file/.test(e.message));
    const htmlNoText = join(dir.path, 'empty.html');
    writeFileSync(htmlNoText, '<html><script>var a=1</script><nav>menu</nav></html>');
    await assert.rejects(readReportFile(htmlNoText), (e: unknown) => e instanceof UserError && /no readable text/.test(e.message));
  } finally {
    dir.cleanup();
  }
});

test('hostile plain text: markup stays text, control characters are dropped, UTF-16 with BOM is decoded', async () => {
  const hostile = 'Title\n\n<script>alert(1)</script> the actor ran \x1b[31mred\x1b[0m and \u202egnp.exe\u202c here.';
  const r = await reportFromBytes(new Uint8Array(Buffer.from(hostile)), 'h.txt');
  assert.ok(r.text.includes('<script>alert(1)</script>'));
  assert.ok(!/[\x1b\u202e\u202c]/.test(r.text));
  const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('Report in UTF-16.\nThe actor used Mimikatz.', 'utf16le')]);
  const r2 = await reportFromBytes(new Uint8Array(utf16), 'u.txt');
  assert.ok(r2.text.includes('The actor used Mimikatz.'));
});

test('format detection by content and extension; directory expansion; stdin', async () => {
  assert.equal(detectFormat(new Uint8Array(Buffer.from('%PDF-1.7')), 'x.bin'), 'pdf');
  assert.equal(detectFormat(new Uint8Array(Buffer.from('<!DOCTYPE html><html>')), 'report'), 'html');
  assert.equal(detectFormat(new Uint8Array(Buffer.from('# Title')), 'r.md'), 'markdown');
  assert.equal(detectFormat(new Uint8Array(Buffer.from('plain')), 'r'), 'text');
  const files = expandReportPaths([fixtures]);
  assert.ok(files.some((f) => f.endsWith('report.html')));
  assert.ok(files.some((f) => f.endsWith('report.txt')));
  assert.deepEqual(files, [...files].sort());
  const r = await readReportStream(Readable.from([Buffer.from('From stdin.\nThe actor used PowerShell.')]), '-');
  assert.equal(r.source.path, '-');
  assert.equal(r.sentences.length, 2);
  assert.equal(readFileSync(join(fixtures, 'report.txt'), 'utf8').length > 0, true);
});
