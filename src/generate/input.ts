/**
 * What `generate` reads: an ATI document (JSON, validated with the schema
 * before anything looks at it) or a report, which the extractor turns into
 * one. Every problem is a `UserError` naming the file and, for schema
 * problems, the JSON path.
 */
import { readFileSync, statSync } from 'node:fs';
import { UserError, errorMessage } from '../common/errors.js';
import { AtiDocumentSchema, ATI_SCHEMA_VERSION, type AtiDocument } from '../intel/schema.js';

/** ATI files are small; anything larger is a mistake or an attack. */
export const MAX_ATI_BYTES = 64 * 1024 * 1024;

export type ReportExtractor = (path: string) => Promise<AtiDocument>;

function zodPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out === '' ? String(p) : `.${String(p)}`;
  return out || '(top level)';
}

/** Parse and validate ATI JSON text. */
export function parseAti(text: string, file: string): AtiDocument {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new UserError(`not valid JSON (${errorMessage(e)})`, { file }, 'generate reads an ATI document (ttpscope extract --format json) or a report file');
  }
  const res = AtiDocumentSchema.safeParse(json);
  if (!res.success) {
    const first = res.error.issues[0]!;
    const more = res.error.issues.length > 1 ? ` (and ${res.error.issues.length - 1} more problem(s))` : '';
    throw new UserError(`not a valid ATI document: ${first.message}${more}`, { file, path: zodPath(first.path) }, `expected schema "${ATI_SCHEMA_VERSION}" as written by ttpscope extract --format json`);
  }
  return res.data;
}

/** Whether a file holds ATI JSON (by its start), as opposed to a report. */
export function looksLikeAti(head: string): boolean {
  const t = head.trimStart();
  return t.startsWith('{') && t.slice(0, 4096).includes('"schema"') && t.slice(0, 65536).includes(ATI_SCHEMA_VERSION);
}

/**
 * Read an input: ATI JSON as is, anything else through the extractor. A
 * report without an extractor is an error (never a silent empty document).
 */
export async function readGenerateInput(path: string, extract: ReportExtractor | undefined): Promise<{ doc: AtiDocument; from: 'ati' | 'report' }> {
  let size: number;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new UserError('not a file', { file: path });
    size = st.size;
  } catch (e) {
    if (e instanceof UserError) throw e;
    throw new UserError(`cannot read: ${errorMessage(e)}`, { file: path });
  }
  let head = '';
  if (size <= MAX_ATI_BYTES) {
    try {
      head = readFileSync(path, 'utf8');
    } catch (e) {
      throw new UserError(`cannot read: ${errorMessage(e)}`, { file: path });
    }
    if (looksLikeAti(head) || /\.ati\.json$/i.test(path)) return { doc: parseAti(head, path), from: 'ati' };
  }
  if (!extract) {
    throw new UserError('this is a report, and technique extraction is not available in this build', { file: path }, 'pass an ATI document made by: ttpscope extract --format json REPORT');
  }
  return { doc: await extract(path), from: 'report' };
}
