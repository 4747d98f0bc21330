/**
 * The text layer's model: a report's extracted text and its structure.
 * Everything later stages claim points into `ReportText.text` with character
 * offsets (UTF-16 code units, as JavaScript strings index), so that
 * `text.slice(start, end)` is the quoted evidence.
 */
import type { Issue } from '../common/errors.js';

export type ReportFormat = 'pdf' | 'html' | 'markdown' | 'text';

/** A half-open character range `[start, end)` of `ReportText.text`. */
export interface Range {
  start: number;
  end: number;
}

/**
 * Structure a format reader found: headings, prose, list items, table rows,
 * code blocks. Blocks do not overlap and are in text order.
 */
export type BlockKind = 'heading' | 'prose' | 'list-item' | 'table-row' | 'code' | 'quote';

export interface TextBlock extends Range {
  kind: BlockKind;
}

/** What a format reader returns before segmentation. */
export interface StructuredText {
  text: string;
  blocks: TextBlock[];
  /** Inline code spans (Markdown backticks, HTML `<code>`), inside prose blocks. */
  inlineCode: Range[];
  /** Title as the document states it (HTML `<title>`, first Markdown heading, PDF metadata). */
  title?: string;
  issues: Issue[];
}

export interface Paragraph extends Range {
  index: number;
  kind: BlockKind;
  /** Index of the nearest heading paragraph before this one, if any. */
  heading?: number;
  /** Sentence indexes `[firstSentence, endSentence)` of this paragraph. */
  firstSentence: number;
  endSentence: number;
}

/**
 * `command`: a line that is a command (prompt, shell syntax, known
 * executable with arguments); `code`: a whole code block. Both are kept whole.
 */
export type SentenceKind = 'prose' | 'heading' | 'list-item' | 'table-row' | 'quote' | 'code' | 'command';

export interface Sentence extends Range {
  index: number;
  paragraph: number;
  kind: SentenceKind;
}

export interface ReportSource {
  /** Path as given, or `-` for stdin, or a caller's label for text passed in memory. */
  path: string;
  format: ReportFormat;
  sha256: string;
  bytes: number;
}

export interface ReportText {
  title: string;
  text: string;
  source: ReportSource;
  paragraphs: Paragraph[];
  sentences: Sentence[];
  inlineCode: Range[];
  /** Problems that did not stop reading (a PDF page without text, a cut HTML page, dropped control characters). */
  issues: Issue[];
}

export function sliceOf(text: string, r: Range): string {
  return text.slice(r.start, r.end);
}
