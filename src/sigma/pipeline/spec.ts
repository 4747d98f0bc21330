/**
 * The processing-pipeline file format (YAML), read into a typed spec. A
 * pipeline is data: which events carry a Sigma logsource, and which field
 * names the events use. See `src/sigma/pipelines/windows.yml` for a commented
 * example. Every mistake in a file is a `UserError` naming the file and the
 * YAML path.
 */
import { parseDocument } from 'yaml';
import { UserError } from '../../common/errors.js';

/** Field rename: one target, or a list meaning "any of these fields". */
export type FieldTargets = readonly string[];

export interface BranchSpec {
  conditions: Record<string, ReadonlyArray<string | number>>;
  /** Explicit renames plus those derived from `spaced_fields`. */
  fieldmappings: Record<string, FieldTargets>;
}

export interface LogsourceEntrySpec {
  /** Keys (product/category/service/...) a rule's logsource must carry, lower-cased values. */
  logsource: Record<string, string>;
  /** `always: true`: the logsource has no event condition (every event is tried). */
  always: boolean;
  branches: BranchSpec[];
  /** Field names events of this logsource carry (for the linter); undefined = not known. */
  fields?: string[];
  /** YAML path of the entry, for messages. */
  path: string;
}

export type Unmatched = 'never' | 'always' | 'ignore';

export interface PipelineSpec {
  name: string;
  description: string;
  file: string;
  include: string[];
  unmatched: Unmatched;
  fieldmappings: Record<string, FieldTargets>;
  /** Prefix tried for rule fields without an explicit mapping (ECS: `winlog.event_data.`). */
  fieldPrefix?: string;
  commonFields: string[];
  logsources: LogsourceEntrySpec[];
  placeholders: Record<string, string[]>;
}

const TOP_KEYS = new Set(['name', 'description', 'include', 'unmatched', 'fieldmappings', 'field_prefix', 'common_fields', 'logsources', 'placeholders']);

/**
 * The names a rule may use for an event field spelled with spaces (Windows
 * Defender's "Threat Name"): the words run together (`ThreatName`, as SigmaHQ
 * rules write them) or joined by underscores (`Feature_Name`). A field name
 * with a space cannot be written in most query languages, so rule authors use
 * these forms and the pipeline maps them back.
 */
export function spacedFieldAliases(name: string): string[] {
  const words = name.trim().split(/\s+/);
  return [...new Set([words.join(''), words.join('_')])];
}

function isMap(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

class SpecReader {
  constructor(readonly file: string) {}

  fail(path: string, message: string, hint?: string): never {
    throw new UserError(`invalid pipeline: ${message}`, { file: this.file, path }, hint);
  }

  string(x: unknown, path: string): string {
    if (typeof x === 'string' && x.length > 0) return x;
    if (typeof x === 'number') return String(x);
    return this.fail(path, 'expected a non-empty string');
  }

  stringList(x: unknown, path: string): string[] {
    if (x === undefined || x === null) return [];
    const list = Array.isArray(x) ? x : [x];
    return list.map((v, i) => this.string(v, Array.isArray(x) ? `${path}[${i}]` : path));
  }

  targets(x: unknown, path: string): FieldTargets {
    const list = this.stringList(x, path);
    if (list.length === 0) this.fail(path, 'a field mapping needs at least one target field');
    return list;
  }

  mappings(x: unknown, path: string): Record<string, FieldTargets> {
    if (x === undefined || x === null) return {};
    if (!isMap(x)) return this.fail(path, 'expected a map of field → field (or list of fields)');
    const out: Record<string, FieldTargets> = Object.create(null) as Record<string, FieldTargets>;
    for (const [k, v] of Object.entries(x)) out[k] = this.targets(v, `${path}.${k}`);
    return out;
  }

  conditions(x: unknown, path: string): Record<string, Array<string | number>> {
    if (!isMap(x)) return this.fail(path, 'expected a map of field → value (or list of values)');
    const out: Record<string, Array<string | number>> = Object.create(null) as Record<string, Array<string | number>>;
    for (const [k, v] of Object.entries(x)) {
      const list = Array.isArray(v) ? v : [v];
      if (list.length === 0) this.fail(`${path}.${k}`, 'a condition needs at least one value');
      out[k] = list.map((item, i) => {
        if (typeof item === 'number' && Number.isFinite(item)) return item;
        if (typeof item === 'string') return item;
        return this.fail(`${path}.${k}${Array.isArray(v) ? `[${i}]` : ''}`, 'condition values must be strings or numbers');
      });
    }
    return out;
  }

  branch(x: unknown, path: string): BranchSpec {
    if (!isMap(x)) return this.fail(path, 'expected a map with `conditions` (and optional `fieldmappings`, `spaced_fields`)');
    for (const k of Object.keys(x)) if (k !== 'conditions' && k !== 'fieldmappings' && k !== 'spaced_fields') this.fail(`${path}.${k}`, `unknown key "${k}"`);
    const fieldmappings = this.mappings(x.fieldmappings, `${path}.fieldmappings`);
    const spaced = this.stringList(x.spaced_fields, `${path}.spaced_fields`);
    spaced.forEach((name, i) => {
      if (!/\s/.test(name)) this.fail(`${path}.spaced_fields[${i}]`, `"${name}" has no space (list only event field names spelled with spaces)`);
      for (const alias of spacedFieldAliases(name)) if (!Object.hasOwn(fieldmappings, alias)) fieldmappings[alias] = [alias, name];
    });
    return { conditions: this.conditions(x.conditions, `${path}.conditions`), fieldmappings };
  }

  entry(x: unknown, path: string): LogsourceEntrySpec {
    if (!isMap(x)) return this.fail(path, 'expected a map with `logsource` and `branches`');
    for (const k of Object.keys(x)) {
      if (!['logsource', 'branches', 'fields', 'always'].includes(k)) this.fail(`${path}.${k}`, `unknown key "${k}"`);
    }
    if (!isMap(x.logsource) || Object.keys(x.logsource).length === 0) this.fail(`${path}.logsource`, 'expected a non-empty map such as {product: windows, category: process_creation}');
    const logsource: Record<string, string> = {};
    for (const [k, v] of Object.entries(x.logsource)) logsource[k] = this.string(v, `${path}.logsource.${k}`).toLowerCase();
    const always = x.always === true;
    if (x.always !== undefined && typeof x.always !== 'boolean') this.fail(`${path}.always`, 'expected true or false');
    let branches: BranchSpec[] = [];
    if (x.branches !== undefined) {
      if (!Array.isArray(x.branches)) this.fail(`${path}.branches`, 'expected a list of branches');
      branches = x.branches.map((b, i) => this.branch(b, `${path}.branches[${i}]`));
    }
    if (!always && branches.length === 0) this.fail(path, 'an entry needs `branches` (or `always: true`)');
    const entry: LogsourceEntrySpec = { logsource, always, branches, path };
    if (x.fields !== undefined) entry.fields = this.stringList(x.fields, `${path}.fields`);
    return entry;
  }

  spec(doc: unknown): PipelineSpec {
    if (!isMap(doc)) return this.fail('', 'the file must be a YAML map with at least `name`');
    for (const k of Object.keys(doc)) if (!TOP_KEYS.has(k)) this.fail(k, `unknown key "${k}"`, `known keys: ${[...TOP_KEYS].join(', ')}`);
    const name = this.string(doc.name, 'name');
    const unmatched = doc.unmatched ?? 'ignore';
    if (unmatched !== 'never' && unmatched !== 'always' && unmatched !== 'ignore') this.fail('unmatched', 'expected never, always or ignore');
    let logsources: LogsourceEntrySpec[] = [];
    if (doc.logsources !== undefined) {
      if (!Array.isArray(doc.logsources)) this.fail('logsources', 'expected a list of entries');
      logsources = doc.logsources.map((e, i) => this.entry(e, `logsources[${i}]`));
    }
    const placeholders: Record<string, string[]> = Object.create(null) as Record<string, string[]>;
    if (doc.placeholders !== undefined) {
      if (!isMap(doc.placeholders)) this.fail('placeholders', 'expected a map of name → list of values');
      for (const [k, v] of Object.entries(doc.placeholders)) placeholders[k.replace(/^%|%$/g, '')] = this.stringList(v, `placeholders.${k}`);
    }
    const spec: PipelineSpec = {
      name,
      description: doc.description === undefined ? '' : this.string(doc.description, 'description'),
      file: this.file,
      include: this.stringList(doc.include, 'include'),
      unmatched,
      fieldmappings: this.mappings(doc.fieldmappings, 'fieldmappings'),
      commonFields: this.stringList(doc.common_fields, 'common_fields'),
      logsources,
      placeholders,
    };
    if (doc.field_prefix !== undefined) spec.fieldPrefix = this.string(doc.field_prefix, 'field_prefix');
    return spec;
  }
}

/** Parse pipeline YAML text. Throws `UserError` (file + YAML path) on any mistake. */
export function parsePipelineSpec(text: string, file: string): PipelineSpec {
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true });
  const err = doc.errors[0];
  if (err) {
    const line = err.linePos?.[0]?.line;
    throw new UserError(`invalid pipeline YAML: ${err.message.split('\n')[0]}`, line !== undefined ? { file, line } : { file });
  }
  return new SpecReader(file).spec(doc.toJS({ maxAliasCount: 1000 }));
}
