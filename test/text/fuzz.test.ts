import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cleanText, extractIocs, readHtml, readMarkdown, refang, reportFromPlainText, reportFromStructured } from '../../src/text/index.js';

/** Deterministic pseudo-random generator (LCG) so failures reproduce. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 0x100000000);
}

const PIECES = ['The', 'actor', 'ran', 'cmd.exe', '/c', 'whoami', '.', '. ', '! ', '? ', '\n', '\n\n', 'e.g.', 'U.S.', ' ', '  ', '\t', '`', '``', '```', '[.]', 'hxxp://', 'evil', '(dot)', 'com', '1.2.3.4', '<b>', '</p>', '<script>', '&amp;', '&#x202e;', '\u0000', '\u202e', '\u200b', '\ud800', '😀', '|', '- ', '# ', '> ', '*', '_', 'C:\\Windows\\x.dll', 'HKLM\\Soft Ware\\Run', ':', 'Figure 1', '\r\n', '\r'];

function randomText(r: () => number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += PIECES[Math.floor(r() * PIECES.length)]!;
  return s;
}

test('segmentation invariants hold on random text in every format', () => {
  const r = rng(42);
  for (let i = 0; i < 300; i++) {
    const raw = randomText(r, 20 + Math.floor(r() * 200));
    for (const st of [readMarkdown(raw), readHtml(raw)]) {
      if (!st.text.trim()) continue;
      const rep = reportFromStructured(st, { path: 'x', format: 'text' });
      checkReport(rep);
    }
    if (cleanText(raw).text.trim()) checkReport(reportFromPlainText(raw));
  }
});

function checkReport(rep: ReturnType<typeof reportFromPlainText>): void {
  let prevEnd = 0;
  for (const s of rep.sentences) {
    assert.ok(s.start >= prevEnd && s.end > s.start && s.end <= rep.text.length, `sentence ${s.start}-${s.end} after ${prevEnd}`);
    const q = rep.text.slice(s.start, s.end);
    assert.equal(q, q.trim());
    const p = rep.paragraphs[s.paragraph]!;
    assert.ok(p.start <= s.start && s.end <= p.end);
    prevEnd = s.end;
  }
  assert.ok(!/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u202a-\u202e\u200b]/.test(rep.text), 'no control characters survive');
  for (const c of rep.inlineCode) assert.ok(c.start >= 0 && c.end <= rep.text.length && c.end > c.start);
}

test('refang offsets always lead back to the defanged text', () => {
  const r = rng(7);
  for (let i = 0; i < 300; i++) {
    const raw = randomText(r, 40);
    const rf = refang(raw);
    let prev = -1;
    for (let k = 0; k <= rf.text.length; k++) {
      const src = rf.map.toSource(k);
      assert.ok(src >= prev && src <= raw.length, 'monotone and in range');
      prev = src;
    }
    for (const ioc of extractIocs(raw)) for (const sp of ioc.spans) assert.ok(sp.start >= 0 && sp.end <= raw.length && sp.end > sp.start);
  }
});
