/**
 * Intelligence extracted from reports (ATI documents, `ttpscope extract`)
 * as further entries of the TTP index: each procedure (action, tool,
 * commands, objects, quoted evidence) and each technique finding becomes a
 * text of its technique that names the report and procedure it came from,
 * so an alert can say which report it matched.
 */
import { readFileSync, statSync } from 'node:fs';
import { UserError, errorMessage } from '../common/errors.js';
import { AtiDocumentSchema, type AtiDocument } from '../intel/schema.js';

/** A report text for the index, with what an alert shows about it. */
export interface IntelEntry {
  id: string;
  technique: string;
  text: string;
  report: { id: string; title: string; path: string; procedure?: string; action?: string };
}

/** ATI files are JSON we parse whole; anything this large is not one. */
const MAX_ATI_BYTES = 64 * 1024 * 1024;
/** Per entry: enough text to carry the procedure, not a whole report. */
const MAX_ENTRY_CHARS = 2000;

/** Read and validate an ATI file; every problem is a `UserError` naming the file (and the JSON path). */
export function readAtiFile(path: string): AtiDocument {
  let text: string;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new Error('not a regular file');
    if (st.size > MAX_ATI_BYTES) throw new Error(`larger than ${MAX_ATI_BYTES / 1048576} MiB`);
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UserError(`cannot read intelligence file (${errorMessage(err)})`, { file: path });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new UserError(`intelligence file is not JSON (${errorMessage(err)})`, { file: path }, 'pass an ATI document written by `ttpscope extract --format json`');
  }
  const parsed = AtiDocumentSchema.safeParse(json);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    const where = first?.path.length ? first.path.join('.') : undefined;
    throw new UserError(`not an ATI document: ${first?.message ?? 'invalid'}`, { file: path, ...(where ? { path: where } : {}) }, 'pass an ATI document written by `ttpscope extract --format json`');
  }
  return parsed.data;
}

function cut(s: string): string {
  // eslint-disable-next-line no-control-regex
  const clean = s.replace(/[\x00-\x08\x0b-\x1f\x7f]/g, ' ');
  return clean.length > MAX_ENTRY_CHARS ? clean.slice(0, MAX_ENTRY_CHARS) : clean;
}

/** Index entries from one ATI document: its procedures, and the technique findings no procedure covers. */
export function intelEntries(doc: AtiDocument, path: string): IntelEntry[] {
  const out: IntelEntry[] = [];
  const report = { id: doc.report.id, title: doc.report.title, path };
  const covered = new Set<string>();
  for (const p of doc.procedures) {
    const parts = [p.action];
    if (p.tool) parts.push(p.tool.name);
    for (const c of p.commands) parts.push(c.text);
    for (const o of p.objects) parts.push(o.value);
    for (const e of p.evidence) parts.push(e.quote);
    out.push({ id: `report:${doc.report.id}:${p.id}`, technique: p.technique, text: cut(parts.join(' ')), report: { ...report, procedure: p.id, action: p.action } });
    covered.add(p.technique);
  }
  for (const t of doc.techniques) {
    if (covered.has(t.id)) continue;
    const text = [t.name, ...t.evidence.map((e) => e.quote)].join(' ');
    out.push({ id: `report:${doc.report.id}:technique:${t.id}`, technique: t.id, text: cut(text), report });
  }
  return out;
}

/** All entries of the given ATI files (each file validated; the first bad one stops with its name). */
export function loadIntel(paths: readonly string[]): IntelEntry[] {
  const out: IntelEntry[] = [];
  for (const p of paths) out.push(...intelEntries(readAtiFile(p), p));
  return out;
}
