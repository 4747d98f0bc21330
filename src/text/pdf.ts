/**
 * PDF → structured text through unpdf (a packaged pdf.js), page by page.
 * Lines repeated on most pages (running headers and footers) and page
 * numbers are dropped; the rest goes through the plain-text structurer.
 * pdf.js runs with `isEvalSupported: false` (no code generation from font
 * data) and quiet logging. A damaged, encrypted or empty PDF is a
 * `UserError` naming the file.
 */
import { UserError } from '../common/errors.js';
import { cleanText } from './clean.js';
import { plainBlocks } from './plain.js';
import type { StructuredText } from './types.js';

export interface PdfOptions {
  /** Most pages read (default 2000); the rest is reported as an issue. */
  maxPages?: number;
}

/** A pdf.js error message as one short line (it is printed after "not a readable PDF"). */
function oneLine(message: string | undefined, fallback: string): string {
  const m = (message ?? '').replace(/[\s\u0000-\u001f]+/g, ' ').trim().slice(0, 200);
  return m || fallback;
}

const PAGE_NUMBER = /^\s*(?:page\s*)?\d{1,4}(?:\s*(?:of|\/)\s*\d{1,4})?\s*$/i;

export async function readPdf(bytes: Uint8Array, file: string, opts: PdfOptions = {}): Promise<StructuredText> {
  const maxPages = opts.maxPages ?? 2000;
  const { getDocumentProxy, extractText, getMeta } = await import('unpdf');
  let pdf: Awaited<ReturnType<typeof getDocumentProxy>>;
  try {
    // pdf.js takes ownership of the buffer it is given: pass a copy.
    pdf = await getDocumentProxy(new Uint8Array(bytes), { verbosity: 0, isEvalSupported: false, disableFontFace: true, useSystemFonts: false, stopAtErrors: false });
  } catch (e) {
    const err = e as { name?: string; message?: string };
    if (err.name === 'PasswordException') throw new UserError('the PDF is encrypted (password protected)', { file }, 'decrypt it first, e.g. qpdf --decrypt in.pdf out.pdf');
    throw new UserError(`not a readable PDF (${oneLine(err.message, 'invalid structure')})`, { file });
  }
  const issues: StructuredText['issues'] = [];
  let pages: string[];
  let title: string | undefined;
  try {
    const total = pdf.numPages;
    if (total > maxPages) issues.push({ severity: 'warning', message: `read the first ${maxPages} of ${total} pages`, place: { file }, code: 'pdf-pages' });
    const res = await extractText(pdf, { mergePages: false });
    pages = (res.text as string[]).slice(0, maxPages);
    try {
      const meta = await getMeta(pdf);
      const t = (meta.info as { Title?: unknown }).Title;
      if (typeof t === 'string' && t.trim()) title = t.trim();
    } catch {
      // metadata is optional
    }
  } catch (e) {
    throw new UserError(`cannot extract text from the PDF (${oneLine((e as Error).message, 'unknown error')})`, { file });
  } finally {
    await pdf.destroy().catch(() => undefined);
  }
  const empty = pages.filter((p) => !p.trim()).length;
  if (empty > 0) issues.push({ severity: 'warning', message: `${empty} of ${pages.length} pages have no text layer (scanned images are not read)`, place: { file }, code: 'pdf-no-text' });
  const text = dropRunningLines(pages).join('\n\n');
  const c = cleanText(text);
  if (c.dropped > 0) issues.push({ severity: 'warning', message: `dropped ${c.dropped} control or invisible characters`, place: { file }, code: 'control-characters' });
  if (!c.text.trim()) throw new UserError('the PDF has no extractable text (scanned images only?)', { file });
  return { text: c.text, blocks: plainBlocks(c.text), inlineCode: [], ...(title ? { title: cleanText(title).text } : {}), issues };
}

/** Remove lines that repeat on at least half of the pages (3 or more pages), and bare page numbers. */
export function dropRunningLines(pages: string[]): string[] {
  const split = pages.map((p) => p.split('\n'));
  const counts = new Map<string, number>();
  if (pages.length >= 3) {
    for (const lines of split) {
      for (const l of new Set(lines.map((x) => x.trim()).filter((x) => x && x.length <= 120))) counts.set(l, (counts.get(l) ?? 0) + 1);
    }
  }
  const limit = Math.max(3, Math.ceil(pages.length / 2));
  return split.map((lines) => lines.filter((l) => {
    const t = l.trim();
    if (PAGE_NUMBER.test(t)) return false;
    return !(pages.length >= 3 && (counts.get(t) ?? 0) >= limit);
  }).join('\n'));
}
