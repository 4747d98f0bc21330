/**
 * Assembling a `ReportText` from a format reader's structured text: the
 * segmenter adds paragraphs and sentences, the title falls back to the first
 * heading or line.
 */
import { createHash } from 'node:crypto';
import { cleanText } from './clean.js';
import { plainBlocks } from './plain.js';
import { segment } from './segment.js';
import type { ReportFormat, ReportText, StructuredText } from './types.js';

export interface SourceInfo {
  path: string;
  format: ReportFormat;
  /** Bytes of the original input (for the hash and size); defaults to the UTF-8 text. */
  bytes?: Uint8Array;
}

const MAX_TITLE = 200;

function firstLine(text: string): string {
  const nl = text.indexOf('\n');
  return (nl < 0 ? text : text.slice(0, nl)).trim();
}

export function reportFromStructured(st: StructuredText, source: SourceInfo): ReportText {
  const { paragraphs, sentences } = segment(st);
  const bytes = source.bytes ?? Buffer.from(st.text, 'utf8');
  const headingTitle = paragraphs.find((p) => p.kind === 'heading');
  let title = st.title?.trim() || (headingTitle ? st.text.slice(headingTitle.start, headingTitle.end) : firstLine(st.text));
  title = title.replace(/\s+/g, ' ').replace(/^#+\s*/, '');
  if (title.length > MAX_TITLE) title = title.slice(0, MAX_TITLE - 1) + '…';
  return {
    title,
    text: st.text,
    source: { path: source.path, format: source.format, sha256: createHash('sha256').update(bytes).digest('hex'), bytes: bytes.length },
    paragraphs,
    sentences,
    inlineCode: st.inlineCode,
    issues: st.issues,
  };
}

/** Plain text (already decoded) → structured text: cleaned, blocks from line shapes. */
export function structurePlain(raw: string): StructuredText & { map: ReturnType<typeof cleanText>['map'] } {
  const c = cleanText(raw);
  const issues = c.dropped > 0 ? [{ severity: 'warning' as const, message: `dropped ${c.dropped} control or invisible characters`, code: 'control-characters' }] : [];
  return { text: c.text, blocks: plainBlocks(c.text), inlineCode: [], issues, map: c.map };
}

/** A `ReportText` from plain text in memory. */
export function reportFromPlainText(raw: string, source: Omit<SourceInfo, 'format'> & { format?: ReportFormat } = { path: '-' }): ReportText {
  const st = structurePlain(raw);
  return reportFromStructured(st, { format: 'text', ...source, bytes: source.bytes ?? Buffer.from(raw, 'utf8') });
}
