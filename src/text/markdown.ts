/**
 * Markdown → structured text. Block structure from line shapes (ATX and
 * setext headings, fenced and indented code, lists, block quotes, tables);
 * inline syntax is removed (emphasis, links → their text, images → alt text,
 * HTML tags) except code spans, whose ranges are kept so commands stay
 * recognisable. Linear, line by line; inline parsing scans characters.
 */
import { cleanText } from './clean.js';
import { looksLikeCommand } from './commands.js';
import type { BlockKind, Range, StructuredText, TextBlock } from './types.js';

class Builder {
  parts: string[] = [];
  length = 0;
  blocks: TextBlock[] = [];
  inlineCode: Range[] = [];

  push(s: string): void {
    this.parts.push(s);
    this.length += s.length;
  }

  /** Start a new block (separated from the previous one by a blank line). */
  block(kind: BlockKind, content: string, code: Range[] = []): void {
    const text = content.trim() ? content : '';
    if (!text) return;
    if (this.length > 0) this.push('\n\n');
    const start = this.length;
    this.push(text);
    this.blocks.push({ start, end: this.length, kind });
    for (const r of code) this.inlineCode.push({ start: start + r.start, end: start + r.end });
  }
}

/** Inline Markdown → plain text, with the ranges of code spans in it. */
export function inlineToText(src: string): { text: string; code: Range[] } {
  const out: string[] = [];
  let len = 0;
  const code: Range[] = [];
  const emit = (s: string) => {
    out.push(s);
    len += s.length;
  };
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (c === '\\' && i + 1 < src.length && /[\\`*_{}[\]()#+\-.!|<>~]/.test(src[i + 1]!)) {
      emit(src[i + 1]!);
      i += 2;
      continue;
    }
    if (c === '`') {
      let n = 0;
      while (src[i + n] === '`') n++;
      const fence = '`'.repeat(n);
      const close = src.indexOf(fence, i + n);
      if (close > 0) {
        const inner = src.slice(i + n, close).replace(/^ (.*) $/s, '$1');
        const start = len;
        emit(inner);
        if (inner) code.push({ start, end: len });
        i = close + n;
        continue;
      }
      emit(fence);
      i += n;
      continue;
    }
    if (c === '!' && src[i + 1] === '[') {
      const link = parseLink(src, i + 1);
      if (link) {
        emit(link.text);
        i = link.end;
        continue;
      }
    }
    if (c === '[') {
      const link = parseLink(src, i);
      if (link) {
        const inner = inlineToText(link.text);
        const start = len;
        emit(inner.text);
        for (const r of inner.code) code.push({ start: start + r.start, end: start + r.end });
        i = link.end;
        continue;
      }
    }
    if (c === '<') {
      // Autolinks <https://…> keep their text; other tags are dropped.
      const close = src.indexOf('>', i + 1);
      if (close > 0 && close - i < 2000) {
        const inner = src.slice(i + 1, close);
        if (/^(?:https?|ftp|mailto):/i.test(inner)) {
          emit(inner);
          i = close + 1;
          continue;
        }
        if (/^\/?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?\/?$/.test(inner) || inner.startsWith('!--')) {
          i = close + 1;
          continue;
        }
      }
    }
    if (c === '*' || (c === '_' && (i === 0 || !/\w/.test(src[i - 1]!)) ) || c === '~') {
      // Emphasis and strike-through markers: runs of * or ~, or _ at a word start/end.
      let n = 0;
      while (src[i + n] === c) n++;
      const after = src[i + n];
      const before = i > 0 ? src[i - 1]! : ' ';
      const opens = after !== undefined && !/\s/.test(after);
      const closes = !/\s/.test(before);
      if ((c !== '~' || n >= 2) && (opens || closes) && !(c === '*' && n === 1 && /\s/.test(before) && /\s/.test(after ?? ' '))) {
        i += n;
        continue;
      }
      emit(src.slice(i, i + n));
      i += n;
      continue;
    }
    if (c === '_') {
      // `_` closing emphasis at a word end: "_word_" → word
      let n = 0;
      while (src[i + n] === '_') n++;
      const after = src[i + n];
      if (after === undefined || !/\w/.test(after)) {
        i += n;
        continue;
      }
      emit(src.slice(i, i + n));
      i += n;
      continue;
    }
    emit(c);
    i++;
  }
  return { text: out.join(''), code };
}

/** `[text](url)` or `[text][ref]` starting at `i`; nested brackets up to one level. */
function parseLink(src: string, i: number): { text: string; url?: string; end: number } | undefined {
  let depth = 0;
  let j = i;
  const limit = Math.min(src.length, i + 1000);
  for (; j < limit; j++) {
    const c = src[j];
    if (c === '\\') {
      j++;
      continue;
    }
    if (c === '[') depth++;
    else if (c === ']') {
      depth--;
      if (depth === 0) break;
    }
  }
  if (depth !== 0 || j >= limit) return undefined;
  const text = src.slice(i + 1, j);
  if (src[j + 1] === '(') {
    const close = src.indexOf(')', j + 2);
    if (close < 0 || close - j > 2000) return undefined;
    const url = src.slice(j + 2, close).trim().split(/\s+/, 1)[0];
    return { text, ...(url ? { url } : {}), end: close + 1 };
  }
  if (src[j + 1] === '[') {
    const close = src.indexOf(']', j + 2);
    if (close < 0 || close - j > 200) return undefined;
    return { text, end: close + 1 };
  }
  return undefined;
}

const FENCE = /^ {0,3}(`{3,}|~{3,})\s*([\w+-]*)/;
const ATX = /^ {0,3}(#{1,6})(?:\s+|$)(.*?)(?:\s+#+)?\s*$/;
const LIST = /^ {0,3}(?:[-*+]|\d{1,9}[.)])\s+/;
const TABLE_SEP = /^\s*\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?\s*$/;
const REF_DEF = /^ {0,3}\[[^\]]{1,200}\]:\s*\S/;

export function readMarkdown(raw: string): StructuredText {
  const cleaned = cleanText(raw, { keepSpaces: true, maxNewlines: 1000 });
  const lines = cleaned.text.split('\n');
  const b = new Builder();
  let para: string[] = [];
  let paraKind: BlockKind = 'prose';
  let title: string | undefined;
  const flush = () => {
    if (para.length) {
      // Soft line breaks inside a paragraph are spaces.
      const joined = para.map((l) => l.trim()).join(' ');
      const { text, code } = inlineToText(joined);
      const clean = cleanText(text);
      // A paragraph that is a single command line is code.
      const kind = paraKind === 'prose' && para.length === 1 && looksLikeCommand(clean.text) ? 'code' : paraKind;
      b.block(kind, clean.text, clean.map.identity ? code : mapRanges(code, clean.map));
    }
    para = [];
    paraKind = 'prose';
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const fence = FENCE.exec(line);
    if (fence) {
      flush();
      const marker = fence[1]!;
      const body: string[] = [];
      let j = i + 1;
      for (; j < lines.length; j++) {
        const l = lines[j]!;
        if (l.trimStart().startsWith(marker[0]!.repeat(marker.length)) && l.trim().replace(new RegExp(`^\\${marker[0]}+`), '') === '') break;
        body.push(l);
      }
      b.block('code', dedent(body).join('\n').replace(/\s+$/, ''));
      i = j;
      continue;
    }
    if (!line.trim()) {
      flush();
      continue;
    }
    if (para.length === 0 && /^( {4}|\t)/.test(line) && (i === 0 || !lines[i - 1]!.trim())) {
      const body: string[] = [];
      let j = i;
      for (; j < lines.length && (/^( {4}|\t)/.test(lines[j]!) || (!lines[j]!.trim() && /^( {4}|\t)/.test(lines[j + 1] ?? ''))); j++) body.push(lines[j]!.replace(/^( {4}|\t)/, ''));
      b.block('code', body.join('\n').replace(/\s+$/, ''));
      i = j - 1;
      continue;
    }
    const atx = ATX.exec(line);
    if (atx) {
      flush();
      const { text } = inlineToText(atx[2]!);
      const h = cleanText(text).text;
      if (title === undefined && atx[1]!.length <= 2 && h) title = h;
      b.block('heading', h);
      continue;
    }
    if (para.length === 1 && paraKind === 'prose' && /^ {0,3}(=+|-+)\s*$/.test(line)) {
      // setext heading underline
      const { text } = inlineToText(para[0]!.trim());
      const h = cleanText(text).text;
      if (title === undefined && line.trim()[0] === '=' && h) title = h;
      para = [];
      b.block('heading', h);
      continue;
    }
    if (/^ {0,3}(?:[-*_]\s*){3,}$/.test(line)) {
      flush();
      continue;
    }
    if (REF_DEF.test(line)) {
      flush();
      continue;
    }
    if (/^\s*\|/.test(line) || (line.includes('|') && TABLE_SEP.test(lines[i + 1] ?? ''))) {
      flush();
      if (TABLE_SEP.test(line)) continue;
      const cells = splitTableRow(line);
      const parts = cells.map((c) => inlineToText(c));
      let text = '';
      const code: Range[] = [];
      parts.forEach((p, k) => {
        if (k > 0) text += ' | ';
        for (const r of p.code) code.push({ start: text.length + r.start, end: text.length + r.end });
        text += p.text;
      });
      const c = cleanText(text);
      b.block('table-row', c.text, c.map.identity ? code : mapRanges(code, c.map));
      continue;
    }
    const quote = /^ {0,3}>\s?/.exec(line);
    if (quote) {
      if (paraKind !== 'quote') flush();
      paraKind = 'quote';
      para.push(line.slice(quote[0].length));
      continue;
    }
    const list = LIST.exec(line);
    if (list) {
      flush();
      paraKind = 'list-item';
      para.push(line.slice(list[0].length));
      continue;
    }
    if (paraKind === 'quote') flush();
    para.push(line);
  }
  flush();
  const text = b.parts.join('');
  const issues = cleaned.dropped > 0 ? [{ severity: 'warning' as const, message: `dropped ${cleaned.dropped} control or invisible characters`, code: 'control-characters' }] : [];
  return { text, blocks: b.blocks, inlineCode: b.inlineCode, ...(title ? { title } : {}), issues };
}

function splitTableRow(line: string): string[] {
  let s = line.trim();
  if (s.startsWith('|')) s = s.slice(1);
  if (s.endsWith('|') && !s.endsWith('\\|')) s = s.slice(0, -1);
  const cells: string[] = [];
  let cur = '';
  let inCode = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\' && s[i + 1] === '|') {
      cur += '|';
      i++;
    } else if (c === '`') {
      inCode = !inCode;
      cur += c;
    } else if (c === '|' && !inCode) {
      cells.push(cur.trim());
      cur = '';
    } else cur += c;
  }
  cells.push(cur.trim());
  return cells;
}

function dedent(lines: string[]): string[] {
  let min = Infinity;
  for (const l of lines) if (l.trim()) min = Math.min(min, l.length - l.trimStart().length);
  return min === Infinity || min === 0 ? lines : lines.map((l) => l.slice(Math.min(min, l.length - l.trimStart().length)));
}

function mapRanges(ranges: Range[], map: { fromSource(i: number): number }): Range[] {
  return ranges.map((r) => ({ start: map.fromSource(r.start), end: map.fromSource(r.end) })).filter((r) => r.end > r.start);
}
