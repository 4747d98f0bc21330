/**
 * Report ingestion: a file, stdin or bytes in memory → `ReportText`. The
 * format comes from the content (PDF magic, HTML markers) and the file
 * extension; text is decoded from UTF-8 or UTF-16 (by BOM). Input is checked
 * before it is parsed: size limit, empty input, binary junk.
 */
import { readdirSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { UserError } from '../common/errors.js';
import { readHtml } from './html.js';
import { readMarkdown } from './markdown.js';
import { readPdf } from './pdf.js';
import { reportFromStructured, structurePlain } from './report.js';
import type { ReportFormat, ReportText, StructuredText } from './types.js';

export const DEFAULT_MAX_BYTES = 64 * 1024 * 1024;

export interface ReadReportOptions {
  /** Force a format instead of detecting it. */
  format?: ReportFormat;
  /** Largest input accepted (default 64 MiB). */
  maxBytes?: number;
}

const EXTENSIONS: Record<string, ReportFormat> = {
  '.pdf': 'pdf',
  '.html': 'html',
  '.htm': 'html',
  '.xhtml': 'html',
  '.md': 'markdown',
  '.markdown': 'markdown',
  '.mdown': 'markdown',
  '.txt': 'text',
  '.text': 'text',
  '.log': 'text',
};

/** Extensions a directory walk picks up. */
export const REPORT_EXTENSIONS = Object.keys(EXTENSIONS);

export function detectFormat(bytes: Uint8Array, path: string): ReportFormat {
  if (bytes.length >= 5 && bytes[0] === 0x25 && bytes[1] === 0x50 && bytes[2] === 0x44 && bytes[3] === 0x46 && bytes[4] === 0x2d) return 'pdf';
  const byExt = EXTENSIONS[extname(path).toLowerCase()];
  if (byExt === 'pdf') return 'pdf';
  const head = decodeText(bytes.subarray(0, 2048)).text.trimStart().slice(0, 1024).toLowerCase();
  if (byExt === 'html' || /^(?:<!doctype html|<html[\s>]|<head[\s>]|<body[\s>]|<\?xml[^>]*>\s*<html)/.test(head) || (/<(?:p|div|br|article)[\s>]/.test(head) && /<\/(?:p|div|a|span)>/.test(head))) return 'html';
  if (byExt) return byExt;
  return 'text';
}

/** UTF-8 (default), or UTF-16 LE/BE by byte-order mark; counts replacement characters for invalid input. */
export function decodeText(bytes: Uint8Array): { text: string; invalid: number } {
  let text: string;
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe) text = new TextDecoder('utf-16le').decode(bytes.subarray(2));
  else if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff) text = new TextDecoder('utf-16be').decode(bytes.subarray(2));
  else text = new TextDecoder('utf-8').decode(bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.subarray(3) : bytes);
  let invalid = 0;
  for (let i = text.indexOf('\ufffd'); i >= 0; i = text.indexOf('\ufffd', i + 1)) invalid++;
  return { text, invalid };
}

/** Binary data is not a report: NUL bytes or mostly undecodable bytes in the first 64 KiB. */
function checkText(bytes: Uint8Array, file: string): void {
  const head = bytes.subarray(0, 64 * 1024);
  const utf16 = head.length >= 2 && ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff));
  if (utf16) return;
  let nul = 0;
  for (const b of head) if (b === 0) nul++;
  const { text, invalid } = decodeText(head);
  let controls = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c < 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09 && c !== 0x0c) || c === 0x7f) controls++;
  }
  const n = Math.max(1, text.length);
  if (nul > 0 || invalid / n > 0.05 || controls / n > 0.1) {
    throw new UserError('not a text report: the file holds binary data', { file }, 'give a PDF, HTML, Markdown or plain-text report');
  }
}

export async function reportFromBytes(bytes: Uint8Array, path: string, opts: ReadReportOptions = {}): Promise<ReportText> {
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  if (bytes.length > maxBytes) {
    throw new UserError(`report too large (${(bytes.length / 1048576).toFixed(1)} MiB, limit ${(maxBytes / 1048576).toFixed(0)} MiB)`, { file: path }, 'raise the limit with --max-size');
  }
  if (bytes.length === 0) throw new UserError('empty report', { file: path });
  const format = opts.format ?? detectFormat(bytes, path);
  let st: StructuredText;
  if (format === 'pdf') {
    st = await readPdf(bytes, path);
  } else {
    checkText(bytes, path);
    const { text, invalid } = decodeText(bytes);
    st = format === 'html' ? readHtml(text) : format === 'markdown' ? readMarkdown(text) : structurePlain(text);
    if (invalid > 0) st.issues.push({ severity: 'warning', message: `${invalid} invalid UTF-8 sequences replaced`, place: { file: path }, code: 'encoding' });
  }
  for (const i of st.issues) if (!i.place) i.place = { file: path };
  if (!st.text.trim()) throw new UserError(format === 'html' ? 'no readable text in the HTML page' : 'empty report', { file: path });
  return reportFromStructured(st, { path, format, bytes });
}

async function readLimited(path: string, maxBytes: number): Promise<Uint8Array> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserError(code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : `cannot open (${code})`, { file: path });
  }
  try {
    const st = await fh.stat();
    if (st.isDirectory()) throw new UserError('is a directory', { file: path });
    if (st.size > maxBytes) {
      throw new UserError(`report too large (${(st.size / 1048576).toFixed(1)} MiB, limit ${(maxBytes / 1048576).toFixed(0)} MiB)`, { file: path }, 'raise the limit with --max-size');
    }
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const buf = Buffer.allocUnsafe(1 << 20);
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      total += bytesRead;
      if (total > maxBytes) throw new UserError(`report too large (over ${(maxBytes / 1048576).toFixed(0)} MiB)`, { file: path }, 'raise the limit with --max-size');
      chunks.push(buf.subarray(0, bytesRead));
    }
    return new Uint8Array(Buffer.concat(chunks, total));
  } finally {
    await fh.close();
  }
}

export async function readReportFile(path: string, opts: ReadReportOptions = {}): Promise<ReportText> {
  const bytes = await readLimited(path, opts.maxBytes ?? DEFAULT_MAX_BYTES);
  return reportFromBytes(bytes, path, opts);
}

export async function readReportStream(stream: NodeJS.ReadableStream, label: string, opts: ReadReportOptions = {}): Promise<ReportText> {
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream) {
    const b = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    total += b.length;
    if (total > maxBytes) throw new UserError(`report too large (over ${(maxBytes / 1048576).toFixed(0)} MiB)`, { file: label }, 'raise the limit with --max-size');
    chunks.push(b);
  }
  return reportFromBytes(new Uint8Array(Buffer.concat(chunks, total)), label, opts);
}

/**
 * Files named by `paths`: files as given, directories walked (sorted) for
 * report extensions; `-` stays stdin. Missing paths are errors.
 */
export function expandReportPaths(paths: string[], opts: { maxFiles?: number } = {}): string[] {
  const maxFiles = opts.maxFiles ?? 100_000;
  const out: string[] = [];
  const walk = (dir: string, depth: number) => {
    if (depth > 32) return;
    let names: string[];
    try {
      names = readdirSync(dir).sort();
    } catch {
      throw new UserError('cannot read the directory', { file: dir });
    }
    for (const name of names) {
      if (name.startsWith('.')) continue;
      const p = join(dir, name);
      let st;
      try {
        st = statSync(p);
      } catch {
        continue;
      }
      if (st.isDirectory()) walk(p, depth + 1);
      else if (st.isFile() && REPORT_EXTENSIONS.includes(extname(name).toLowerCase())) out.push(p);
      if (out.length > maxFiles) throw new UserError(`more than ${maxFiles} reports`, { file: dir });
    }
  };
  for (const p of paths) {
    if (p === '-') {
      out.push(p);
      continue;
    }
    let st;
    try {
      st = statSync(p);
    } catch {
      throw new UserError('no such file or directory', { file: p });
    }
    if (st.isDirectory()) walk(p, 0);
    else out.push(p);
  }
  return out;
}
