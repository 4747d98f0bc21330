/**
 * Structure of plain text (and of text that came out of a PDF): blocks from
 * blank lines and line shapes. Lines wrapped inside a paragraph (a PDF's or a
 * mail's hard wraps) are joined into one block; short title-like lines become
 * headings; bullets become list items; command lines stay whole.
 */
import { looksLikeCommand } from './commands.js';
import type { BlockKind, TextBlock } from './types.js';

interface Line {
  start: number;
  end: number;
  text: string;
}

const BULLET = /^(?:[-*•▪◦‣–]\s+|\(?\d{1,3}[.)]\s+|\(?[a-z][.)]\s+)/;
const SENTENCE_END = /[.!?:;"'”’)\]]$/;

export function isHeadingLine(line: string, nextBlank: boolean): boolean {
  const s = line.trim();
  if (s.length < 3 || s.length > 90) return false;
  if (/[.,;:!?]$/.test(s) && !/^\d+(\.\d+)*\.?\s/.test(s)) return false;
  const words = s.split(/\s+/);
  if (words.length > 12) return false;
  if (!/^[A-Z0-9"“#]/.test(s)) return false;
  // Numbered section titles ("3.2 Persistence"), ALL CAPS lines, or Title Case with few small words.
  if (/^\d+(\.\d+)*\.?\s+[A-Z]/.test(s)) return true;
  if (s === s.toUpperCase() && /[A-Z]{3}/.test(s)) return true;
  const capitalised = words.filter((w) => /^[A-Z0-9(“"]/.test(w)).length;
  return capitalised / words.length >= 0.6 || (nextBlank && words.length <= 6);
}

function linesOf(text: string, start: number, end: number): Line[] {
  const out: Line[] = [];
  let a = start;
  while (a <= end) {
    let b = text.indexOf('\n', a);
    if (b < 0 || b > end) b = end;
    out.push({ start: a, end: b, text: text.slice(a, b) });
    a = b + 1;
  }
  return out;
}

/** Does `next` continue the sentence `prev` ended without punctuation (a hard wrap)? */
function continues(prev: string, next: string): boolean {
  const p = prev.trimEnd();
  const n = next.trimStart();
  if (!p || !n) return false;
  if (SENTENCE_END.test(p)) return /^[a-z]/.test(n) && !/[.!?]$/.test(p);
  if (/-$/.test(p)) return true;
  return /^[a-z(,]/.test(n) || (/[a-z,]$/.test(p) && p.length > 50);
}

/** Blocks of `text[start, end)`: every character of a non-blank line belongs to exactly one block. */
export function plainBlocks(text: string, start = 0, end = text.length, base: BlockKind = 'prose'): TextBlock[] {
  const lines = linesOf(text, start, end);
  const blocks: TextBlock[] = [];
  let open: TextBlock | undefined;
  let openLast = '';
  const close = () => {
    if (open) blocks.push(open);
    open = undefined;
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const trimmed = line.text.trim();
    if (!trimmed) {
      close();
      continue;
    }
    const lead = line.text.length - line.text.trimStart().length;
    const s = line.start + lead;
    const e = line.start + line.text.trimEnd().length;
    const nextBlank = i + 1 >= lines.length || !lines[i + 1]!.text.trim();
    if (looksLikeCommand(trimmed)) {
      close();
      blocks.push({ start: s, end: e, kind: 'code' });
      continue;
    }
    if (BULLET.test(trimmed)) {
      close();
      open = { start: s, end: e, kind: 'list-item' };
      openLast = trimmed;
      continue;
    }
    if (open && continues(openLast, trimmed)) {
      open.end = e;
      openLast = trimmed;
      continue;
    }
    close();
    const kind: BlockKind = base === 'prose' && isHeadingLine(trimmed, nextBlank) ? 'heading' : base;
    if (kind === 'heading') {
      blocks.push({ start: s, end: e, kind });
      continue;
    }
    open = { start: s, end: e, kind };
    openLast = trimmed;
  }
  close();
  return blocks;
}
