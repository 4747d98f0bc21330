/**
 * Paragraphs and sentences with character offsets. Code blocks and command
 * lines are one sentence each (kept whole, up to a size cap); prose is split
 * at sentence ends that are not abbreviations, initials, or inside inline
 * code. A linear scan, no regex backtracking over the text.
 */
import type { Paragraph, Range, Sentence, SentenceKind, StructuredText, TextBlock } from './types.js';

/** Longest sentence kept in one piece; longer prose is cut at `;`, `,` or a space near the limit. */
export const MAX_SENTENCE = 1200;
/** Longest code sentence; longer code blocks are cut at line ends. */
export const MAX_CODE_SENTENCE = 4000;

const ABBREVIATIONS = new Set(
  'e.g i.e etc vs inc ltd co corp al fig figs no nos mr mrs ms dr st jr sr approx ca cf resp dept est ver vol pp op u.s u.k a.m p.m jan feb mar apr jun jul aug sep sept oct nov dec'.split(' '),
);

function isUpper(c: string): boolean {
  return c >= 'A' && c <= 'Z';
}

function isSpace(c: string | undefined): boolean {
  return c === ' ' || c === '\n';
}

/** Is the `.` at `i` the end of an abbreviation or an initial? */
function abbreviationAt(text: string, i: number, floor: number): boolean {
  let a = i;
  while (a > floor && /[A-Za-z.]/.test(text[a - 1]!)) a--;
  const word = text.slice(a, i).toLowerCase();
  if (!word) return false;
  if (ABBREVIATIONS.has(word)) return true;
  // A single capital initial ("J. Smith") or dotted initials ("U.S.").
  if (/^[a-z]$/.test(word) && isUpper(text[i - 1]!)) return true;
  return /^(?:[a-z]\.)+[a-z]$/.test(word);
}

function insideCode(pos: number, code: Range[], from: number): number {
  for (let k = from; k < code.length; k++) {
    const r = code[k]!;
    if (r.start > pos) return -1;
    if (pos < r.end) return k;
  }
  return -1;
}

/** Sentence ranges of prose `text[start, end)`, trimmed, non-empty. */
export function splitSentences(text: string, start: number, end: number, inlineCode: Range[] = []): Range[] {
  const out: Range[] = [];
  let codeFrom = lowerBoundRange(inlineCode, start);
  let s = start;
  const push = (a: number, b: number) => {
    while (a < b && isSpace(text[a])) a++;
    while (b > a && isSpace(text[b - 1])) b--;
    if (b <= a) return;
    // Cut over-long sentences near the limit at a clause boundary.
    while (b - a > MAX_SENTENCE) {
      let cut = -1;
      for (const sep of ['; ', ', ', ' ']) {
        const at = text.lastIndexOf(sep, a + MAX_SENTENCE);
        if (at > a + MAX_SENTENCE / 2) {
          cut = at + sep.length - 1;
          break;
        }
      }
      if (cut < 0) cut = a + MAX_SENTENCE;
      out.push({ start: a, end: cut });
      a = cut;
      while (a < b && isSpace(text[a])) a++;
    }
    if (b > a) out.push({ start: a, end: b });
  };
  for (let i = start; i < end; i++) {
    const c = text[i]!;
    if (c === '\n') {
      // A line end inside a block after a colon or a sentence end, or before a bullet, is a boundary.
      const prev = text.slice(Math.max(s, i - 1), i);
      if ((prev === ':' || prev === '.' || prev === '!' || prev === '?') && insideCode(i - 1, inlineCode, codeFrom) < 0) {
        push(s, i);
        s = i + 1;
      }
      continue;
    }
    if (c !== '.' && c !== '!' && c !== '?') continue;
    // Scraped pages glue sentences: "…in the environment.Trigona operators used…".
    if (c === '.' && i + 2 < end && isUpper(text[i + 1]!) && /[a-z]/.test(text[i + 2]!) && i - 3 >= s && /^[a-z]{3}$/.test(text.slice(i - 3, i)) && insideCode(i, inlineCode, codeFrom) < 0 && !/[\\/:]/.test(text.slice(Math.max(s, i - 40), i).split(' ').pop() ?? '')) {
      push(s, i + 1);
      s = i + 1;
      continue;
    }
    let j = i + 1;
    while (j < end && /["'”’)\]]/.test(text[j]!)) j++;
    if (j < end && !isSpace(text[j])) continue;
    let k = j;
    while (k < end && isSpace(text[k])) k++;
    if (k >= end) continue;
    const next = text[k]!;
    if (!(isUpper(next) || /[0-9"'“‘(\[•\-]/.test(next))) continue;
    if (c === '.' && abbreviationAt(text, i, s)) continue;
    const inCode = insideCode(i, inlineCode, codeFrom);
    if (inCode >= 0) {
      codeFrom = inCode;
      continue;
    }
    push(s, j);
    s = j;
    i = j - 1;
  }
  push(s, end);
  return out;
}

function lowerBoundRange(ranges: Range[], pos: number): number {
  let lo = 0;
  let hi = ranges.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ranges[mid]!.end <= pos) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function codePieces(text: string, block: TextBlock): Range[] {
  const out: Range[] = [];
  let a = block.start;
  let end = block.end;
  while (a < end && /\s/.test(text[a]!)) a++;
  while (end > a && /\s/.test(text[end - 1]!)) end--;
  while (end - a > MAX_CODE_SENTENCE) {
    let cut = text.lastIndexOf('\n', a + MAX_CODE_SENTENCE);
    if (cut <= a) cut = a + MAX_CODE_SENTENCE;
    let e = cut;
    while (e > a && /\s/.test(text[e - 1]!)) e--;
    if (e > a) out.push({ start: a, end: e });
    a = cut;
    while (a < end && /\s/.test(text[a]!)) a++;
  }
  if (end > a) out.push({ start: a, end });
  return out;
}

const KIND: Record<TextBlock['kind'], SentenceKind> = {
  heading: 'heading',
  prose: 'prose',
  'list-item': 'list-item',
  'table-row': 'table-row',
  quote: 'quote',
  code: 'code',
};

/** Paragraphs (one per block) and their sentences. */
export function segment(st: StructuredText): { paragraphs: Paragraph[]; sentences: Sentence[] } {
  const paragraphs: Paragraph[] = [];
  const sentences: Sentence[] = [];
  let heading: number | undefined;
  for (const block of st.blocks) {
    if (block.end <= block.start) continue;
    const index = paragraphs.length;
    const firstSentence = sentences.length;
    let ranges: Range[];
    let kind = KIND[block.kind];
    if (block.kind === 'code') {
      ranges = codePieces(st.text, block);
      if (ranges.length === 0) continue;
      // A one-line code block is a command line.
      if (ranges.length === 1 && !st.text.slice(block.start, block.end).includes('\n')) kind = 'command';
    } else if (block.kind === 'heading') {
      ranges = [{ start: block.start, end: block.end }];
    } else {
      ranges = splitSentences(st.text, block.start, block.end, st.inlineCode);
    }
    for (const r of ranges) sentences.push({ index: sentences.length, start: r.start, end: r.end, paragraph: index, kind });
    const p: Paragraph = { index, start: block.start, end: block.end, kind: block.kind, firstSentence, endSentence: sentences.length };
    if (heading !== undefined) p.heading = heading;
    paragraphs.push(p);
    if (block.kind === 'heading') heading = index;
  }
  return { paragraphs, sentences };
}
