/**
 * Reading a STIX bundle from disk: JSON parse errors and shape errors become a
 * UserError naming the file (and line/column of a syntax error); malformed
 * objects inside a valid bundle are skipped and reported as issues.
 */
import { readFileSync, statSync } from 'node:fs';
import { z } from 'zod';
import { UserError, errorMessage, type Place } from '../common/errors.js';
import { bundleSchema, schemasByType, type ExternalReference, type StixType } from './stix-schema.js';

/** Bundles bigger than this are refused (the real one is 34 MB). */
export const MAX_BUNDLE_BYTES = 1024 * 1024 * 1024;

export interface ReadIssue {
  message: string;
  path?: string;
  code?: string;
}

/** Validated objects of the types we use, grouped by type. */
export type ObjectsByType = { [K in StixType]: z.infer<(typeof schemasByType)[K]>[] };

export interface ReadBundle {
  specVersion: string;
  objects: ObjectsByType;
  issues: ReadIssue[];
  byteLength: number;
}

export function readJsonFile(path: string, what: string, maxBytes = MAX_BUNDLE_BYTES): { value: unknown; text: string } {
  let text: string;
  try {
    const st = statSync(path);
    if (st.isDirectory()) throw new UserError(`${what} is a directory, not a file`, { file: path });
    if (st.size > maxBytes) throw new UserError(`${what} is too large (${st.size} bytes, limit ${maxBytes})`, { file: path });
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if (err instanceof UserError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'not found' : code === 'EACCES' ? 'permission denied' : errorMessage(err);
    throw new UserError(`cannot read ${what}: ${why}`, { file: path }, undefined, { cause: err });
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  try {
    return { value: JSON.parse(text), text };
  } catch (err) {
    throw new UserError(`${what} is not valid JSON (${jsonErrorSummary(text, err)})`, jsonErrorPlace(path, text, err), undefined, { cause: err });
  }
}

function jsonErrorSummary(text: string, err: unknown): string {
  const msg = errorMessage(err);
  const m = /position (\d+)/.exec(msg);
  // An error at the very end of the input means the file stops early.
  if (!m || Number(m[1]) >= text.trimEnd().length - 1) return 'truncated or incomplete';
  // V8 messages quote a slice of the input: keep only the reason.
  return msg.replace(/, "[\s\S]*$/, '').replace(/ in JSON at position \d+.*$/, '').replace(/\s+/g, ' ').slice(0, 120);
}

/** Line and column of a JSON syntax error (V8 reports a character position, or none at end of input). */
function jsonErrorPlace(file: string, text: string, err: unknown): Place {
  const m = /position (\d+)/.exec(errorMessage(err));
  const pos = m ? Number(m[1]) : text.length;
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < pos; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { file, line, column: pos - lineStart + 1 };
}

export function readStixBundle(path: string): ReadBundle {
  const { value, text } = readJsonFile(path, 'ATT&CK bundle');
  return parseStixBundle(value, path, text.length);
}

/** Validate an already parsed bundle. `file` is only used to name the place of errors. */
export function parseStixBundle(value: unknown, file: string, byteLength = 0): ReadBundle {
  const envelope = bundleSchema.safeParse(value);
  if (!envelope.success) {
    const first = envelope.error.issues[0];
    const where = first && first.path.length > 0 ? first.path.join('.') : undefined;
    throw new UserError(
      'not a STIX bundle (expected a JSON object with "type": "bundle" and an "objects" array)',
      { file, ...(where ? { path: where } : {}) },
      'pass the ATT&CK Enterprise STIX bundle (enterprise-attack.json)',
    );
  }
  const objects = Object.fromEntries(Object.keys(schemasByType).map((k) => [k, []])) as unknown as ObjectsByType;
  const issues: ReadIssue[] = [];
  const specVersions = new Set<string>();
  const list = envelope.data.objects;
  for (let i = 0; i < list.length; i++) {
    const raw = list[i] as { type?: unknown; spec_version?: unknown; id?: unknown } | null;
    if (raw === null || typeof raw !== 'object' || typeof raw.type !== 'string') {
      if (issues.length < 1000) issues.push({ message: 'object without a "type"', path: `objects[${i}]`, code: 'stix-object' });
      continue;
    }
    if (typeof raw.spec_version === 'string') specVersions.add(raw.spec_version);
    const schema = (schemasByType as Record<string, z.ZodType>)[raw.type];
    if (!schema) continue;
    // Relationships are 80% of the bundle: a hand-written check of the same shape first, zod for anything it rejects (and its message).
    if (raw.type === 'relationship') {
      const rel = fastRelationship(raw as Record<string, unknown>);
      if (rel) {
        objects.relationship.push(rel);
        continue;
      }
    }
    const parsed = schema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const id = typeof raw.id === 'string' ? ` ${raw.id}` : '';
      if (issues.length < 1000)
        issues.push({
          message: `skipped malformed ${raw.type}${id}: ${issue?.message ?? 'invalid'}${issue?.path.length ? ' at ' + issue.path.join('.') : ''}`,
          path: `objects[${i}]`,
          code: 'stix-object',
        });
      continue;
    }
    (objects as unknown as Record<string, unknown[]>)[raw.type]!.push(parsed.data);
  }
  const specVersion = envelope.data.spec_version ?? (specVersions.has('2.1') ? '2.1' : specVersions.values().next().value ?? '2.1');
  return { specVersion, objects, issues, byteLength };
}

const optString = (v: unknown) => v === undefined || typeof v === 'string';
const optBool = (v: unknown) => v === undefined || typeof v === 'boolean';

/** The relationshipSchema shape, checked by hand; undefined when anything differs (zod then reports it). */
function fastRelationship(r: Record<string, unknown>): ObjectsByType['relationship'][number] | undefined {
  if (typeof r.id !== 'string' || !r.id || typeof r.relationship_type !== 'string') return undefined;
  if (typeof r.source_ref !== 'string' || typeof r.target_ref !== 'string') return undefined;
  if (!optString(r.description) || !optString(r.created) || !optString(r.modified) || !optString(r.spec_version) || !optString(r.x_mitre_version)) return undefined;
  if (!optBool(r.revoked) || !optBool(r.x_mitre_deprecated)) return undefined;
  const refs = r.external_references;
  if (refs !== undefined) {
    if (!Array.isArray(refs)) return undefined;
    for (const e of refs as unknown[]) {
      if (e === null || typeof e !== 'object') return undefined;
      const x = e as Record<string, unknown>;
      if (typeof x.source_name !== 'string' || !optString(x.external_id) || !optString(x.url) || !optString(x.description)) return undefined;
    }
  }
  return {
    type: 'relationship',
    id: r.id,
    relationship_type: r.relationship_type,
    source_ref: r.source_ref,
    target_ref: r.target_ref,
    ...(r.description !== undefined ? { description: r.description as string } : {}),
    ...(r.created !== undefined ? { created: r.created as string } : {}),
    ...(r.modified !== undefined ? { modified: r.modified as string } : {}),
    ...(r.revoked !== undefined ? { revoked: r.revoked as boolean } : {}),
    ...(r.x_mitre_deprecated !== undefined ? { x_mitre_deprecated: r.x_mitre_deprecated as boolean } : {}),
    ...(refs !== undefined ? { external_references: refs as ExternalReference[] } : {}),
  };
}
