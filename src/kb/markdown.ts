/**
 * ATT&CK descriptions are markdown with links to attack.mitre.org, a little
 * HTML (`<code>`), and `(Citation: Source Name)` markers that point into the
 * object's external_references. These helpers make them readable as plain
 * text, for display and for indexing. All patterns are linear (no nested
 * quantifiers) and bounded, because bundle text is input too.
 */
import type { Citation } from './model.js';

const LINK = /\[([^[\]\n]{0,500})\]\([^()\s]{0,2000}\)/g;
const CITATION = /[ \t]*\(Citation:[ \t]*([^()\n]{1,300})\)/g;
const TAG = /<\/?[a-zA-Z][a-zA-Z0-9]{0,15}(?:\s[^<>]{0,200})?\/?>/g;
const ENTITIES: Record<string, string> = { '&lt;': '<', '&gt;': '>', '&amp;': '&', '&quot;': '"', '&#39;': "'", '&nbsp;': ' ' };

function common(md: string): string {
  return md
    .replace(LINK, '$1')
    .replace(TAG, '')
    .replace(/&(?:lt|gt|amp|quot|#39|nbsp);/g, (e) => ENTITIES[e] ?? e)
    .replace(/\*\*([^*\n]{1,500})\*\*/g, '$1')
    .replace(/^[ \t]*[*+][ \t]+/gm, '- ');
}

function tidy(text: string): string {
  return text
    .replace(/[ \t]+([.,;:])/g, '$1')
    .replace(/[ \t]{2,}/g, ' ')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** Markdown → plain text without citation markers. */
export function plainText(md: string): string {
  return tidy(common(md).replace(CITATION, ''));
}

/** Citation source names in order of first appearance. */
export function citationNames(md: string): string[] {
  const seen = new Set<string>();
  for (const m of md.matchAll(CITATION)) seen.add(m[1]!.trim());
  return [...seen];
}

export interface Footnote {
  n: number;
  source: string;
  description?: string;
  url?: string;
}

/**
 * Markdown → plain text with citations as numbered footnotes `[1]`, and the
 * references they point to (from the object's external_references).
 */
export function withFootnotes(md: string, citations: readonly Citation[], start = 1): { text: string; footnotes: Footnote[] } {
  const bySource = new Map(citations.map((c) => [c.source, c]));
  const numbers = new Map<string, number>();
  const footnotes: Footnote[] = [];
  const text = common(md).replace(CITATION, (_all, name: string) => {
    const key = name.trim();
    let n = numbers.get(key);
    if (n === undefined) {
      n = start + footnotes.length;
      numbers.set(key, n);
      const c = bySource.get(key);
      footnotes.push({ n, source: key, ...(c?.description ? { description: c.description } : {}), ...(c?.url ? { url: c.url } : {}) });
    }
    return `[${n}]`;
  });
  return { text: tidy(text), footnotes };
}

/** Split plain text into sentences (for snippets). Conservative about abbreviations and file names. */
export function sentences(text: string): string[] {
  const out: string[] = [];
  for (const para of text.split(/\n+/)) {
    let start = 0;
    const re = /[.!?](?=\s+[A-Z(\["'])/g;
    for (let m = re.exec(para); m; m = re.exec(para)) {
      const before = para.slice(Math.max(start, m.index - 4), m.index);
      // "e.g." / "i.e." / "etc." / "vs." are not sentence ends.
      if (/(?:^|\W)(?:e\.g|i\.e|etc|vs|Inc|Ltd|al)$/.test(before)) continue;
      const s = para.slice(start, m.index + 1).trim();
      if (s) out.push(s);
      start = m.index + 1;
    }
    const rest = para.slice(start).trim();
    if (rest) out.push(rest);
  }
  return out;
}
