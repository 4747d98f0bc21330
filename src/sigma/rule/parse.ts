/**
 * YAML → rule model. `parseRuleText` reads every document of one file
 * (handling `action: global/reset/repeat` collections) and returns the rules
 * it could build plus an `Issue` for each problem, with file, rule id, YAML
 * path and line. Nothing here throws on bad input.
 */
import { LineCounter, parseAllDocuments, type Document } from 'yaml';
import type { Issue } from '../../common/errors.js';
import { parseCondition, ConditionError, conditionRefs, expandPattern } from '../condition/parse.js';
import { parseModifierChain, typeValue } from '../modifiers/validate.js';
import type {
  CorrelationCondition, CorrelationType, DetectionItem, DetectionSection, Logsource, RuleMeta, RuleSource,
  SearchIdentifier, SigmaCorrelation, SigmaDocument, SigmaFilter, SigmaRule, SigmaValue,
} from './types.js';

export interface ParseResult {
  documents: SigmaDocument[];
  issues: Issue[];
}

const META_KEYS = new Set([
  'title', 'id', 'name', 'related', 'taxonomy', 'status', 'description', 'references', 'author', 'date', 'modified',
  'tags', 'falsepositives', 'level', 'logsource', 'detection', 'fields', 'scope', 'correlation', 'filter', 'action',
  'license', // tolerated: common in rule repos, not in the spec; kept as custom too
]);
const CORRELATION_TYPES = new Set<CorrelationType>(['event_count', 'value_count', 'temporal', 'temporal_ordered', 'value_sum', 'value_avg', 'value_percentile']);

type Obj = Record<string, unknown>;
const isObj = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x) && !(x instanceof Date);

/** Dates (YAML 1.1 timestamps) become `YYYY-MM-DD` strings; everything else is kept. */
function normalize(x: unknown): unknown {
  if (x instanceof Date) return Number.isNaN(x.getTime()) ? String(x) : x.toISOString().slice(0, 10);
  if (Array.isArray(x)) return x.map(normalize);
  if (isObj(x)) {
    const o: Obj = {};
    for (const [k, v] of Object.entries(x)) o[k] = normalize(v);
    return o;
  }
  return x;
}

/** Deep merge for `action: global` / `repeat` (maps merge; anything else is replaced). */
function merge(base: unknown, over: unknown): unknown {
  if (isObj(base) && isObj(over)) {
    const o: Obj = { ...base };
    for (const [k, v] of Object.entries(over)) o[k] = k in o ? merge(o[k], v) : v;
    return o;
  }
  return over;
}

class Ctx {
  issues: Issue[] = [];
  constructor(
    readonly file: string,
    readonly doc: Document.Parsed | undefined,
    readonly lines: LineCounter,
    readonly ruleId: string | undefined,
  ) {}

  line(path: (string | number)[]): number | undefined {
    if (!this.doc) return undefined;
    try {
      const node = this.doc.getIn(path, true) as { range?: [number, number, number] } | undefined;
      const off = node?.range?.[0];
      if (off === undefined) return undefined;
      return this.lines.linePos(off).line;
    } catch {
      return undefined;
    }
  }

  issue(severity: Issue['severity'], code: string, message: string, path: (string | number)[]): void {
    const place: Issue['place'] = { file: this.file };
    const line = this.line(path);
    if (line !== undefined) place.line = line;
    if (this.ruleId !== undefined) place.ruleId = this.ruleId;
    if (path.length > 0) place.path = pathText(path);
    this.issues.push({ severity, code, message, place });
  }
}

export function pathText(path: (string | number)[]): string {
  let s = '';
  for (const p of path) s += typeof p === 'number' ? `[${p}]` : s === '' ? p : `.${p}`;
  return s;
}

function str(x: unknown): string | undefined {
  if (typeof x === 'string') return x;
  if (typeof x === 'number' || typeof x === 'boolean') return String(x);
  return undefined;
}

function strList(ctx: Ctx, x: unknown, key: string): string[] | undefined {
  if (x === undefined || x === null) return undefined;
  if (typeof x === 'string') return [x];
  if (Array.isArray(x)) {
    const out: string[] = [];
    x.forEach((v, i) => {
      const s = str(v);
      if (s === undefined) ctx.issue('warning', 'bad-field', `'${key}' entries must be strings`, [key, i]);
      else out.push(s);
    });
    return out;
  }
  ctx.issue('warning', 'bad-field', `'${key}' must be a list of strings`, [key]);
  return undefined;
}

function parseMeta(ctx: Ctx, o: Obj, source: RuleSource): RuleMeta | undefined {
  const title = str(o.title);
  if (title === undefined || title.trim() === '') {
    ctx.issue('error', 'missing-title', "a rule needs a 'title'", o.title === undefined ? [] : ['title']);
    return undefined;
  }
  const meta: RuleMeta = { title, tags: [], custom: {}, source };
  const setStr = (k: 'id' | 'name' | 'taxonomy' | 'status' | 'description' | 'author' | 'date' | 'modified' | 'level'): void => {
    const v = o[k];
    if (v === undefined || v === null) return;
    const s = str(v);
    if (s === undefined) ctx.issue('warning', 'bad-field', `'${k}' must be a string`, [k]);
    else meta[k] = s;
  };
  for (const k of ['id', 'name', 'taxonomy', 'status', 'description', 'author', 'date', 'modified', 'level'] as const) setStr(k);
  meta.tags = strList(ctx, o.tags, 'tags') ?? [];
  const refs = strList(ctx, o.references, 'references');
  if (refs) meta.references = refs;
  const fps = strList(ctx, o.falsepositives, 'falsepositives');
  if (fps) meta.falsepositives = fps;
  if (Array.isArray(o.related)) {
    meta.related = [];
    o.related.forEach((r, i) => {
      if (isObj(r) && str(r.id) !== undefined) meta.related!.push({ id: str(r.id)!, type: str(r.type) ?? '' });
      else ctx.issue('warning', 'bad-field', "'related' entries need 'id' and 'type'", ['related', i]);
    });
  } else if (o.related !== undefined) ctx.issue('warning', 'bad-field', "'related' must be a list", ['related']);
  for (const [k, v] of Object.entries(o)) if (!META_KEYS.has(k) || k === 'license') meta.custom[k] = v;
  return meta;
}

function parseLogsource(ctx: Ctx, x: unknown, path: string[]): Logsource | undefined {
  if (!isObj(x)) {
    ctx.issue('error', 'missing-logsource', "a rule needs a 'logsource' map", x === undefined ? [] : path);
    return undefined;
  }
  const ls: Logsource = {};
  for (const [k, v] of Object.entries(x)) {
    if (v === null || v === undefined) continue;
    const s = str(v);
    if (s === undefined) ctx.issue('warning', 'bad-field', `logsource '${k}' must be a string`, [...path, k]);
    else ls[k] = s;
  }
  return ls;
}

function parseItem(ctx: Ctx, key: string, raw: unknown, path: (string | number)[]): DetectionItem | undefined {
  const pieces = key.split('|');
  const field = pieces[0]!;
  const chain = parseModifierChain(pieces.slice(1));
  if (!chain.ok) {
    ctx.issue('error', chain.code, chain.message, path);
    return undefined;
  }
  const rawValues = Array.isArray(raw) ? raw : [raw];
  if (rawValues.length === 0) {
    ctx.issue('error', 'bad-value', 'empty value list', path);
    return undefined;
  }
  const values: SigmaValue[] = [];
  for (let i = 0; i < rawValues.length; i++) {
    const t = typeValue(rawValues[i], chain.modifiers);
    if (!t.ok) {
      ctx.issue('error', t.code, t.message, Array.isArray(raw) ? [...path, i] : path);
      return undefined;
    }
    values.push(t.value);
  }
  const item: DetectionItem = { field: field === '' ? null : field, modifiers: chain.modifiers, values, path: pathText(path) };
  const line = ctx.line(path);
  if (line !== undefined) item.line = line;
  if (item.field === null && values.some((v) => v.type !== 'string' && v.type !== 'number')) {
    ctx.issue('error', 'bad-value', 'keyword searches take strings or numbers only', path);
    return undefined;
  }
  return item;
}

function parseMapAlternative(ctx: Ctx, m: Obj, path: (string | number)[]): DetectionItem[] | undefined {
  const items: DetectionItem[] = [];
  let ok = true;
  for (const [k, v] of Object.entries(m)) {
    const it = parseItem(ctx, k, v, [...path, k]);
    if (it) items.push(it);
    else ok = false;
  }
  if (items.length === 0 && ok) {
    ctx.issue('error', 'empty-search', 'empty selection map', path);
    return undefined;
  }
  return ok ? items : undefined;
}

function parseSearch(ctx: Ctx, name: string, x: unknown, path: (string | number)[]): SearchIdentifier | undefined {
  const alternatives: DetectionItem[][] = [];
  const line = ctx.line(path);
  const ident = (): SearchIdentifier => {
    const s: SearchIdentifier = { name, alternatives, path: pathText(path) };
    if (line !== undefined) s.line = line;
    return s;
  };
  if (isObj(x)) {
    const alt = parseMapAlternative(ctx, x, path);
    if (!alt) return undefined;
    alternatives.push(alt);
    return ident();
  }
  if (Array.isArray(x)) {
    if (x.length === 0) {
      ctx.issue('error', 'empty-search', 'empty search list', path);
      return undefined;
    }
    const keywords: unknown[] = [];
    let ok = true;
    x.forEach((el, i) => {
      if (isObj(el)) {
        const alt = parseMapAlternative(ctx, el, [...path, i]);
        if (alt) alternatives.push(alt);
        else ok = false;
      } else if (typeof el === 'string' || typeof el === 'number') keywords.push(el);
      else {
        ctx.issue('error', 'bad-value', 'a search list holds maps or keyword strings', [...path, i]);
        ok = false;
      }
    });
    if (keywords.length > 0) {
      const it = parseItem(ctx, '', keywords, path);
      if (it) alternatives.push([it]);
      else ok = false;
    }
    return ok ? ident() : undefined;
  }
  if (typeof x === 'string' || typeof x === 'number') {
    const it = parseItem(ctx, '', [x], path);
    if (!it) return undefined;
    alternatives.push([it]);
    return ident();
  }
  ctx.issue('error', 'bad-search', `search identifier '${name}' must be a map, a list of maps or a keyword list`, path);
  return undefined;
}

/** Parse a detection-like section (rule `detection`, filter `filter`). `skip` names keys that are not searches. */
export function parseDetectionSection(ctx: Ctx, x: unknown, base: string, skip: ReadonlySet<string>): DetectionSection | undefined {
  if (!isObj(x)) {
    ctx.issue('error', 'missing-detection', `'${base}' must be a map`, x === undefined ? [] : [base]);
    return undefined;
  }
  const searches = new Map<string, SearchIdentifier>();
  let ok = true;
  for (const [k, v] of Object.entries(x)) {
    if (k === 'condition' || k === 'timeframe' || skip.has(k)) continue;
    const s = parseSearch(ctx, k, v, [base, k]);
    if (s) searches.set(k, s);
    else ok = false;
  }
  const condRaw = x.condition;
  let conditionText: string[];
  if (typeof condRaw === 'string') conditionText = [condRaw];
  else if (Array.isArray(condRaw) && condRaw.length > 0 && condRaw.every((c) => typeof c === 'string')) conditionText = condRaw as string[];
  else {
    ctx.issue('error', 'missing-condition', `'${base}.condition' must be a string or a list of strings`, condRaw === undefined ? [base] : [base, 'condition']);
    return undefined;
  }
  const parsed = [];
  for (let i = 0; i < conditionText.length; i++) {
    try {
      parsed.push(parseCondition(conditionText[i]!));
    } catch (e) {
      const msg = e instanceof ConditionError ? `${e.message} (at column ${e.pos + 1} of '${conditionText[i]}')` : String(e);
      ctx.issue('error', 'bad-condition', msg, conditionText.length > 1 ? [base, 'condition', i] : [base, 'condition']);
      return undefined;
    }
  }
  const condition = parsed.length === 1 ? parsed[0]! : { kind: 'or' as const, args: parsed };
  if (!ok) return undefined;
  // Every reference must resolve; patterns must select something.
  const refs = conditionRefs(condition);
  for (const r of refs.refs) {
    if (!searches.has(r)) {
      ctx.issue('error', 'undefined-identifier', `condition refers to undefined search identifier '${r}'`, [base, 'condition']);
      ok = false;
    }
  }
  for (const p of refs.patterns) {
    if (expandPattern(p, searches.keys()).length === 0) {
      ctx.issue('error', 'undefined-identifier', `condition pattern '${p}' matches no search identifier`, [base, 'condition']);
      ok = false;
    }
  }
  if (!ok) return undefined;
  const section: DetectionSection = { searches, conditionText, condition };
  const tf = str(x.timeframe);
  if (tf !== undefined) section.timeframe = tf;
  return section;
}

const TIMESPAN = /^(\d+)\s*([smhdwMy])$/;
const UNIT_MS: Record<string, number> = { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3, w: 7 * 86400e3, M: 30 * 86400e3, y: 365 * 86400e3 };

export function parseTimespan(s: string): number | undefined {
  const m = TIMESPAN.exec(s.trim());
  if (!m) return undefined;
  return Number(m[1]) * UNIT_MS[m[2]!]!;
}

function parseCorrelation(ctx: Ctx, o: Obj, meta: RuleMeta): SigmaCorrelation | undefined {
  const c = o.correlation;
  if (!isObj(c)) {
    ctx.issue('error', 'bad-correlation', "'correlation' must be a map", ['correlation']);
    return undefined;
  }
  const type = str(c.type) as CorrelationType | undefined;
  if (!type || !CORRELATION_TYPES.has(type)) {
    ctx.issue('error', 'bad-correlation', `unknown correlation type ${JSON.stringify(c.type)} (event_count, value_count, temporal, temporal_ordered, value_sum, value_avg, value_percentile)`, ['correlation', 'type']);
    return undefined;
  }
  const rules = typeof c.rules === 'string' ? [c.rules] : Array.isArray(c.rules) ? c.rules.map(str).filter((s): s is string => s !== undefined) : [];
  if (rules.length === 0) {
    ctx.issue('error', 'bad-correlation', "'correlation.rules' must name at least one rule", ['correlation', 'rules']);
    return undefined;
  }
  const gb = c['group-by'];
  const groupBy = typeof gb === 'string' ? [gb] : Array.isArray(gb) ? gb.map(str).filter((s): s is string => s !== undefined) : [];
  const tsText = str(c.timespan) ?? str(c.timeframe);
  const timespanMs = tsText !== undefined ? parseTimespan(tsText) : undefined;
  if (timespanMs === undefined || timespanMs <= 0) {
    ctx.issue('error', 'bad-correlation', `'correlation.timespan' must be a number and a unit (s, m, h, d), got ${JSON.stringify(c.timespan)}`, ['correlation', 'timespan']);
    return undefined;
  }
  let condition: CorrelationCondition | undefined;
  if (c.condition !== undefined) {
    if (!isObj(c.condition)) {
      ctx.issue('error', 'bad-correlation', "'correlation.condition' must be a map such as {gte: 10}", ['correlation', 'condition']);
      return undefined;
    }
    condition = {};
    for (const [k, v] of Object.entries(c.condition)) {
      if (k === 'field') {
        const f = str(v);
        if (f !== undefined) condition.field = f;
        continue;
      }
      if (k !== 'gt' && k !== 'gte' && k !== 'lt' && k !== 'lte' && k !== 'eq' && k !== 'neq') {
        ctx.issue('error', 'bad-correlation', `unknown correlation condition operator '${k}'`, ['correlation', 'condition', k]);
        return undefined;
      }
      const n = typeof v === 'number' ? v : Number(v);
      if (!Number.isFinite(n)) {
        ctx.issue('error', 'bad-correlation', `correlation condition '${k}' needs a number`, ['correlation', 'condition', k]);
        return undefined;
      }
      condition[k] = n;
    }
  }
  const needsCondition = type !== 'temporal' && type !== 'temporal_ordered';
  if (needsCondition && (!condition || Object.keys(condition).filter((k) => k !== 'field').length === 0)) {
    ctx.issue('error', 'bad-correlation', `a ${type} correlation needs a condition such as {gte: 10}`, ['correlation']);
    return undefined;
  }
  if (type !== 'event_count' && needsCondition && !condition?.field) {
    ctx.issue('error', 'bad-correlation', `a ${type} correlation needs 'condition.field'`, ['correlation', 'condition']);
    return undefined;
  }
  const aliases: Record<string, Record<string, string>> = {};
  if (isObj(c.aliases)) {
    for (const [alias, m] of Object.entries(c.aliases)) {
      if (!isObj(m)) {
        ctx.issue('error', 'bad-correlation', `alias '${alias}' must map rule names to fields`, ['correlation', 'aliases', alias]);
        return undefined;
      }
      aliases[alias] = {};
      for (const [r, f] of Object.entries(m)) {
        const s = str(f);
        if (s !== undefined) aliases[alias]![r] = s;
      }
    }
  }
  const generate = c.generate === true || o.generate === true;
  const out: SigmaCorrelation = { ...meta, kind: 'correlation', type, rules, groupBy, timespanMs, timespanText: tsText!, aliases, generate };
  if (condition) out.condition = condition;
  return out;
}

function parseFilter(ctx: Ctx, o: Obj, meta: RuleMeta): SigmaFilter | undefined {
  const f = o.filter;
  if (!isObj(f)) {
    ctx.issue('error', 'bad-filter', "'filter' must be a map", ['filter']);
    return undefined;
  }
  const rules = typeof f.rules === 'string' ? [f.rules] : Array.isArray(f.rules) ? f.rules.map(str).filter((s): s is string => s !== undefined) : [];
  if (rules.length === 0) {
    ctx.issue('error', 'bad-filter', "'filter.rules' must name at least one rule", ['filter', 'rules']);
    return undefined;
  }
  const logsource = parseLogsource(ctx, o.logsource, ['logsource']);
  if (!logsource) return undefined;
  const detection = parseDetectionSection(ctx, f, 'filter', new Set(['rules']));
  if (!detection) return undefined;
  return { ...meta, kind: 'filter', logsource, rules, detection };
}

function parseRule(ctx: Ctx, o: Obj, meta: RuleMeta): SigmaRule | undefined {
  const logsource = parseLogsource(ctx, o.logsource, ['logsource']);
  const detection = parseDetectionSection(ctx, o.detection, 'detection', new Set());
  if (!logsource || !detection) return undefined;
  const rule: SigmaRule = { ...meta, kind: 'rule', logsource, detection };
  const fields = strList(ctx, o.fields, 'fields');
  if (fields) rule.fields = fields;
  const scope = strList(ctx, o.scope, 'scope');
  if (scope) rule.scope = scope;
  return rule;
}

/** Build one document's model from its (merged) plain object. */
export function buildDocument(o: Obj, ctx: Ctx, source: RuleSource): SigmaDocument | undefined {
  const meta = parseMeta(ctx, o, source);
  if (!meta) return undefined;
  if (o.correlation !== undefined) return parseCorrelation(ctx, o, meta);
  if (o.filter !== undefined && o.detection === undefined) return parseFilter(ctx, o, meta);
  if (o.detection === undefined) {
    ctx.issue('error', 'missing-detection', "a document needs 'detection' (rule), 'correlation' or 'filter'", []);
    return undefined;
  }
  return parseRule(ctx, o, meta);
}

/** Parse all documents of one YAML text. */
export function parseRuleText(text: string, file: string): ParseResult {
  const issues: Issue[] = [];
  const documents: SigmaDocument[] = [];
  const lines = new LineCounter();
  let docs: Document.Parsed[];
  try {
    docs = parseAllDocuments(text, { version: '1.1', lineCounter: lines, prettyErrors: false }) as Document.Parsed[];
    if (!Array.isArray(docs)) docs = [docs as unknown as Document.Parsed];
  } catch (e) {
    issues.push({ severity: 'error', code: 'yaml', message: `invalid YAML: ${String(e)}`, place: { file } });
    return { documents, issues };
  }
  let global: Obj | undefined;
  let previous: Obj | undefined;
  docs.forEach((doc, index) => {
    if (doc.errors.length > 0) {
      for (const err of doc.errors) {
        const place: Issue['place'] = { file };
        const off = err.pos?.[0];
        if (off !== undefined) place.line = lines.linePos(off).line;
        issues.push({ severity: 'error', code: 'yaml', message: `invalid YAML: ${err.message.split('\n')[0]}`, place });
      }
      return;
    }
    let value: unknown;
    try {
      value = normalize(doc.toJS({ maxAliasCount: 1000 }));
    } catch (e) {
      issues.push({ severity: 'error', code: 'yaml', message: `invalid YAML: ${String(e instanceof Error ? e.message : e)}`, place: { file } });
      return;
    }
    if (value === null || value === undefined) return; // empty document (e.g. trailing `---`)
    if (!isObj(value)) {
      issues.push({ severity: 'error', code: 'bad-document', message: 'a Sigma document must be a YAML map', place: { file, line: lines.linePos(doc.range[0]).line } });
      return;
    }
    const action = value.action;
    if (action === 'global') {
      const { action: _a, ...rest } = value;
      global = global ? (merge(global, rest) as Obj) : rest;
      return;
    }
    if (action === 'reset') {
      global = undefined;
      return;
    }
    let merged: Obj;
    if (action === 'repeat') {
      const { action: _a, ...rest } = value;
      if (!previous) {
        issues.push({ severity: 'error', code: 'bad-document', message: "'action: repeat' without a previous document", place: { file } });
        return;
      }
      merged = merge(previous, rest) as Obj;
    } else {
      if (action !== undefined) {
        issues.push({ severity: 'error', code: 'bad-document', message: `unknown action ${JSON.stringify(action)} (global, reset, repeat)`, place: { file, path: 'action' } });
        return;
      }
      merged = global ? (merge(global, value) as Obj) : value;
    }
    previous = merged;
    const id = str(merged.id);
    // Positions come from this document; keys merged from a global document report no line.
    const ctx = new Ctx(file, doc, lines, id);
    const source: RuleSource = { file, document: index };
    const first = doc.contents?.range?.[0];
    if (first !== undefined) source.line = lines.linePos(first).line;
    const built = buildDocument(merged, ctx, source);
    issues.push(...ctx.issues);
    if (built) documents.push(built);
  });
  return { documents, issues };
}

export type { Ctx as ParseContext };
