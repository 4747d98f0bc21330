/**
 * HTML → structured text with the page's main content. A forgiving,
 * non-recursive tokenizer (tags, comments, raw-text elements, entities) feeds
 * a stack of open elements; block elements start new blocks, `<pre>` becomes
 * a code block, `<code>` an inline code span, table cells are joined per row.
 *
 * Boilerplate: scripts, styles, forms, navigation, headers, footers, asides
 * and elements whose class/id names say menu, sidebar, cookie, share,
 * comments… are skipped; when the page has an `<article>` or `<main>` with
 * enough text, only that is kept; link-dense short blocks (menus) are
 * dropped. Works in one pass over the input, memory bounded by the output.
 */
import { cleanText } from './clean.js';
import { decodeEntities } from './html-entities.js';
import type { BlockKind, Range, StructuredText, TextBlock } from './types.js';

const SKIP = new Set(['script', 'style', 'noscript', 'template', 'svg', 'math', 'iframe', 'object', 'embed', 'canvas', 'select', 'button', 'form', 'nav', 'aside', 'footer', 'head', 'dialog', 'video', 'audio', 'map']);
const RAW_TEXT = new Set(['script', 'style', 'textarea', 'title', 'xmp', 'noscript', 'template', 'svg', 'math', 'iframe', 'noembed', 'noframes', 'plaintext']);
const VOID = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'param', 'source', 'track', 'wbr']);
const BLOCK = new Set([
  'p', 'div', 'section', 'article', 'main', 'header', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'ul', 'ol', 'li', 'dl', 'dt', 'dd', 'table', 'thead',
  'tbody', 'tfoot', 'tr', 'pre', 'blockquote', 'figure', 'figcaption', 'address', 'hr', 'br', 'caption', 'details', 'summary', 'center', 'body', 'html',
]);
const BOILERPLATE_NAME = /(?:^|[\s_-])(?:nav|navbar|menu|sidebar|side-bar|footer|header|masthead|cookie|consent|banner|share|sharing|social|related|recommended|comment|comments|subscribe|newsletter|breadcrumbs?|advert|ads|promo|popup|modal|skip-link|pagination|toc-nav|author-bio|tags)(?:$|[\s_-])/i;

export interface HtmlOptions {
  /** Deepest element nesting followed; deeper markup is flattened (hostile pages). */
  maxDepth?: number;
}

interface Open {
  tag: string;
  skip: boolean;
}

interface RawBlock {
  kind: BlockKind;
  text: string;
  code: Range[];
  linkChars: number;
  inMain: boolean;
}

function attr(attrs: string, name: string): string | undefined {
  const re = new RegExp(`(?:^|\\s)${name}\\s*=\\s*(?:"([^"]{0,500})"|'([^']{0,500})'|([^\\s"'>]{1,500}))`, 'i');
  const m = re.exec(attrs.length > 4000 ? attrs.slice(0, 4000) : attrs);
  return m ? (m[1] ?? m[2] ?? m[3]) : undefined;
}

export function readHtml(html: string, opts: HtmlOptions = {}): StructuredText {
  const maxDepth = opts.maxDepth ?? 512;
  const lower = html.length < 64 * 1024 * 1024 ? html.toLowerCase() : undefined;
  const stack: Open[] = [];
  let skipDepth = 0; // how many open elements are skipped (boilerplate)
  let mainDepth = 0; // open <article>/<main>
  let preDepth = 0;
  let linkDepth = 0;
  let headingDepth = 0;
  let title: string | undefined;
  let h1: string | undefined;
  const blocks: RawBlock[] = [];
  let cur: RawBlock | undefined;
  let curKind: BlockKind = 'prose';
  let codeStart = -1;
  let cellOpen = false;
  const finish = () => {
    if (cur && cur.text.trim()) blocks.push(cur);
    cur = undefined;
  };
  const begin = (kind: BlockKind) => {
    finish();
    curKind = kind;
  };
  const append = (s: string) => {
    if (skipDepth > 0 || !s) return;
    if (!cur) cur = { kind: curKind, text: '', code: [], linkChars: 0, inMain: mainDepth > 0 };
    if (preDepth === 0) s = s.replace(/\s+/g, ' ');
    if (preDepth === 0 && cur.text.endsWith(' ') && s.startsWith(' ')) s = s.slice(1);
    if (!s) return;
    cur.text += s;
    if (linkDepth > 0) cur.linkChars += s.trim().length;
  };
  const currentBlockKind = (): BlockKind => {
    for (let k = stack.length - 1; k >= 0; k--) {
      const t = stack[k]!.tag;
      if (t === 'pre') return 'code';
      if (/^h[1-6]$/.test(t)) return 'heading';
      if (t === 'li' || t === 'dt' || t === 'dd') return 'list-item';
      if (t === 'tr') return 'table-row';
      if (t === 'blockquote') return 'quote';
    }
    return 'prose';
  };
  const closeTo = (tag: string) => {
    let k = stack.length - 1;
    while (k >= 0 && stack[k]!.tag !== tag) k--;
    if (k < 0) return false;
    while (stack.length > k) {
      const o = stack.pop()!;
      onClose(o);
    }
    return true;
  };
  const onClose = (o: Open) => {
    if (o.skip) skipDepth--;
    if (o.tag === 'article' || o.tag === 'main') mainDepth--;
    if (o.tag === 'a') linkDepth = Math.max(0, linkDepth - 1);
    if (o.tag === 'code' && codeStart >= 0 && cur && preDepth === 0) {
      if (cur.text.length > codeStart) cur.code.push({ start: codeStart, end: cur.text.length });
      codeStart = -1;
    }
    if (o.tag === 'pre') preDepth--;
    if (/^h[1-6]$/.test(o.tag)) {
      headingDepth--;
      if (o.tag === 'h1' && h1 === undefined && cur && !o.skip) h1 = cur.text.trim();
    }
    if (o.tag === 'td' || o.tag === 'th') cellOpen = false;
    if (BLOCK.has(o.tag)) begin(currentBlockKind());
  };
  let i = 0;
  const n = html.length;
  while (i < n) {
    const lt = html.indexOf('<', i);
    const textEnd = lt < 0 ? n : lt;
    if (textEnd > i) append(decodeEntities(html.slice(i, textEnd)));
    if (lt < 0) break;
    i = lt;
    if (html.startsWith('<!--', i)) {
      const end = html.indexOf('-->', i + 4);
      i = end < 0 ? n : end + 3;
      continue;
    }
    if (html[i + 1] === '!' || html[i + 1] === '?') {
      const end = html.indexOf('>', i + 2);
      i = end < 0 ? n : end + 1;
      continue;
    }
    const closing = html[i + 1] === '/';
    let j = i + (closing ? 2 : 1);
    const nameStart = j;
    while (j < n && /[A-Za-z0-9:-]/.test(html[j]!)) j++;
    if (j === nameStart) {
      append('<');
      i++;
      continue;
    }
    const tag = html.slice(nameStart, j).toLowerCase();
    // End of the tag: the next '>' outside quotes, bounded.
    let k = j;
    let quote = '';
    const limit = Math.min(n, j + 8192);
    for (; k < limit; k++) {
      const c = html[k]!;
      if (quote) {
        if (c === quote) quote = '';
      } else if (c === '"' || c === "'") quote = c;
      else if (c === '>') break;
    }
    if (k >= limit) {
      // Unterminated or absurdly long tag: treat the rest up to the next '>' as junk.
      const gt = html.indexOf('>', j);
      i = gt < 0 ? n : gt + 1;
      continue;
    }
    const attrs = html.slice(j, k);
    i = k + 1;
    if (closing) {
      closeTo(tag);
      continue;
    }
    const selfClosing = attrs.endsWith('/');
    if (RAW_TEXT.has(tag)) {
      const endTag = `</${tag}`;
      const end = lower ? lower.indexOf(endTag, i) : html.toLowerCase().indexOf(endTag, i);
      const body = html.slice(i, end < 0 ? n : end);
      if (tag === 'title' && title === undefined) title = decodeEntities(body).replace(/\s+/g, ' ').trim();
      if (tag === 'textarea' && skipDepth === 0) append(decodeEntities(body));
      const gt = end < 0 ? -1 : html.indexOf('>', end);
      i = gt < 0 ? n : gt + 1;
      continue;
    }
    if (tag === 'br') {
      if (preDepth > 0) append('\n');
      else begin(currentBlockKind());
      continue;
    }
    if (tag === 'hr' || tag === 'img' || VOID.has(tag)) {
      if (tag === 'hr') begin('prose');
      continue;
    }
    // Implied end tags: a new <p> or <li> closes an open one.
    if ((tag === 'p' || tag === 'li' || tag === 'tr' || tag === 'td' || tag === 'th' || tag === 'dt' || tag === 'dd') && stack.length) {
      const same = tag === 'td' || tag === 'th' ? ['td', 'th'] : tag === 'dt' || tag === 'dd' ? ['dt', 'dd'] : [tag];
      const top = stack[stack.length - 1]!.tag;
      if (same.includes(top)) closeTo(top);
    }
    if (stack.length >= maxDepth) continue;
    const cls = `${attr(attrs, 'class') ?? ''} ${attr(attrs, 'id') ?? ''} ${attr(attrs, 'role') ?? ''}`;
    const hidden = /(?:^|\s)hidden(?:\s|=|$)/i.test(attrs) || /display\s*:\s*none/i.test(attr(attrs, 'style') ?? '') || attr(attrs, 'aria-hidden') === 'true';
    const header = tag === 'header' && mainDepth === 0;
    const skip = SKIP.has(tag) || header || hidden || (tag !== 'body' && tag !== 'html' && tag !== 'article' && tag !== 'main' && BOILERPLATE_NAME.test(cls)) || /\b(?:navigation|banner|contentinfo|complementary|search)\b/.test(attr(attrs, 'role') ?? '');
    const o: Open = { tag, skip };
    if (skip) skipDepth++;
    if (BLOCK.has(tag)) {
      const kind: BlockKind = tag === 'pre' ? 'code' : /^h[1-6]$/.test(tag) ? 'heading' : tag === 'li' || tag === 'dt' || tag === 'dd' ? 'list-item' : tag === 'tr' ? 'table-row' : tag === 'blockquote' ? 'quote' : currentBlockKind();
      begin(kind);
    }
    if (selfClosing) {
      if (skip) skipDepth--;
      continue;
    }
    stack.push(o);
    if (tag === 'article' || tag === 'main') mainDepth++;
    if (tag === 'a') linkDepth++;
    if (tag === 'pre') preDepth++;
    if (/^h[1-6]$/.test(tag)) headingDepth++;
    if (tag === 'code' && preDepth === 0) {
      codeStart = cur ? cur.text.length : 0;
      if (!cur && skipDepth === 0) cur = { kind: curKind, text: '', code: [], linkChars: 0, inMain: mainDepth > 0 };
    }
    if ((tag === 'td' || tag === 'th') && cur && cur.text.trim()) {
      if (cellOpen || cur.text.trim()) append(' | ');
    }
    if (tag === 'td' || tag === 'th') cellOpen = true;
  }
  while (stack.length) onClose(stack.pop()!);
  finish();
  return assemble(blocks, title ?? h1);
}

function assemble(raw: RawBlock[], title: string | undefined): StructuredText {
  const mainChars = raw.filter((b) => b.inMain).reduce((s, b) => s + b.text.length, 0);
  const useMain = mainChars >= 200;
  const parts: string[] = [];
  let length = 0;
  const blocks: TextBlock[] = [];
  const inlineCode: Range[] = [];
  let dropped = 0;
  for (const b of raw) {
    if (useMain && !b.inMain) continue;
    const trimmed = b.text.trim();
    // Menus and link lists: short blocks that are mostly link text.
    if (b.kind !== 'code' && b.linkChars > 0.7 * trimmed.length && trimmed.length < 200) continue;
    const c = cleanText(b.kind === 'code' ? b.text.replace(/^\n+|\s+$/g, '') : b.text, b.kind === 'code' ? { keepSpaces: true, maxNewlines: 2 } : {});
    dropped += c.dropped;
    let text = c.text;
    if (b.kind === 'table-row') text = text.replace(/^\s*\|\s*|\s*\|\s*$/g, '');
    if (!text.trim()) continue;
    if (length > 0) {
      parts.push('\n\n');
      length += 2;
    }
    const start = length;
    parts.push(text);
    length += text.length;
    blocks.push({ start, end: length, kind: b.kind });
    for (const r of b.code) {
      const s = c.map.fromSource(r.start);
      const e = c.map.fromSource(r.end);
      if (e > s && e <= text.length) inlineCode.push({ start: start + s, end: start + e });
    }
  }
  const issues = dropped > 0 ? [{ severity: 'warning' as const, message: `dropped ${dropped} control or invisible characters`, code: 'control-characters' }] : [];
  return { text: parts.join(''), blocks, inlineCode, ...(title ? { title: cleanText(title).text } : {}), issues };
}
