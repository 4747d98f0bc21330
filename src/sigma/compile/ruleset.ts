/**
 * Compile a rule collection into a CompiledRuleSet.
 *
 * Dispatch: each rule is compiled once per logsource branch the pipeline
 * gives it (a "unit": event conditions + detection with that branch's field
 * names). Units are indexed by the value of one condition field (EventID if
 * present, else Channel, else the first key), so an event meets only the
 * units of its own logsource, plus the units without event conditions.
 *
 * Prefilter: a unit whose condition needs one of a set of literals gets one
 * 3-gram per literal (the rarest among all literals); per event, the
 * lowercased values are scanned once for those grams, and a unit is tried only
 * if one of its grams occurs. A unit that cannot name required literals is
 * always tried.
 */
import type { Issue } from '../../common/errors.js';
import type { LogsourceBranch, RuleCollection, SigmaCorrelation, SigmaFilter, SigmaRule } from '../rule/types.js';
import { compileDetection, mapField, matchedSearches, type CompiledDetection } from './detection.js';
import { EventView, scalarText } from './event.js';
import { applyFilters, filtersFor } from './filters.js';
import { CompileError } from './item.js';
import type { CompiledRule, CompiledRuleSet, CompileOptions, EventFields, RuleMatch, RuleRef } from './types.js';

interface Cond {
  field: string;
  /** Lowercased string forms of the allowed values. */
  values: Set<string>;
}

interface Unit {
  id: number;
  rule: number;
  conds: Cond[];
  det: CompiledDetection;
  /** Literal prefilter applies (the unit names required literals). */
  gated: boolean;
  /** Event fields the unit's items read (after field mapping); null = a keyword search (any field). */
  fields: Array<string | null>;
}

/**
 * Gram codes stay small integers (no heap numbers in the hot loop): each
 * character folds to 7 bits, three of them make a 21-bit code. Different
 * grams may share a code; every hit is verified against the whole literal.
 */
const GRAM_SPACE = 1 << 21;

function fold(c: number): number {
  return c < 128 ? c : (c ^ (c >> 7) ^ (c >> 14)) & 0x7f;
}

function gramCode(s: string, i: number): number {
  return (fold(s.charCodeAt(i)) << 14) | (fold(s.charCodeAt(i + 1)) << 7) | fold(s.charCodeAt(i + 2));
}

function gram2Code(s: string, i: number): number {
  return (fold(s.charCodeAt(i)) << 7) | fold(s.charCodeAt(i + 1));
}

function condValueText(v: string | number): string {
  return String(v).toLowerCase();
}

function refOf(rule: SigmaRule): RuleRef {
  const ref: RuleRef = { id: rule.id ?? rule.name ?? rule.title, title: rule.title, level: rule.level ?? 'medium', tags: rule.tags, file: rule.source.file };
  if (rule.status !== undefined) ref.status = rule.status;
  if (rule.name !== undefined) ref.name = rule.name;
  return ref;
}

/** Placeholder names used under `expand` that the map does not define. */
function missingPlaceholders(rule: SigmaRule, map: Record<string, readonly string[]>): string[] {
  const out = new Set<string>();
  for (const s of rule.detection.searches.values()) {
    for (const alt of s.alternatives) {
      for (const it of alt) {
        if (!it.modifiers.includes('expand')) continue;
        for (const v of it.values) {
          if (v.type !== 'string') continue;
          for (const p of v.parts) if (p.kind === 'placeholder' && !(map[p.name]?.length)) out.add(p.name);
        }
      }
    }
  }
  return [...out];
}

function checkConds(v: EventView, conds: Cond[], skip: string | undefined): boolean {
  for (let i = 0; i < conds.length; i++) {
    const c = conds[i]!;
    if (c.field === skip) continue;
    const t = v.lowerText(c.field);
    if (t === undefined || !c.values.has(t)) return false;
  }
  return true;
}

export function compileRules(input: RuleCollection | readonly SigmaRule[], options: CompileOptions = {}): CompiledRuleSet {
  const src = Array.isArray(input) ? { rules: input as SigmaRule[], correlations: [] as SigmaCorrelation[], filters: [] as SigmaFilter[] } : (input as RuleCollection);
  const filters = [...(options.filters ?? []), ...(Array.isArray(input) ? [] : (input as RuleCollection).filters)];
  const correlations = [...(options.correlations ?? []), ...src.correlations];
  const pipeline = options.pipeline;
  const placeholders = { ...(pipeline?.placeholders ?? {}), ...(options.placeholders ?? {}) };
  const issues: Issue[] = [];
  const rules: CompiledRule[] = [];
  const units: Unit[] = [];
  const view = new EventView();

  for (const original of src.rules) {
    const place = { file: original.source.file, ...(original.id !== undefined ? { ruleId: original.id } : {}) };
    let rule = original;
    try {
      if (pipeline?.transformRule) rule = pipeline.transformRule(rule);
      rule = applyFilters(rule, filtersFor(rule, filters));
    } catch (e) {
      issues.push({ severity: 'error', code: 'pipeline', message: `pipeline ${pipeline?.name ?? ''} failed on the rule: ${e instanceof Error ? e.message : String(e)}`, place });
      continue;
    }
    const missing = missingPlaceholders(rule, placeholders);
    if (missing.length > 0) {
      issues.push({ severity: 'error', code: 'unresolved-placeholder', message: `placeholder${missing.length > 1 ? 's' : ''} ${missing.map((m) => `%${m}%`).join(', ')} ha${missing.length > 1 ? 've' : 's'} no values (give them in the placeholder map or a pipeline)`, place });
      continue;
    }
    let branches: LogsourceBranch[] | undefined;
    try {
      branches = pipeline?.logsourceBranches?.(rule.logsource);
    } catch (e) {
      issues.push({ severity: 'error', code: 'pipeline', message: `pipeline ${pipeline?.name ?? ''} failed on the logsource: ${e instanceof Error ? e.message : String(e)}`, place });
      continue;
    }
    const index = rules.length;
    const myUnits: Unit[] = [];
    const byMap = new Map<string, CompiledDetection>();
    try {
      const list: Array<LogsourceBranch | undefined> = branches === undefined ? [undefined] : branches;
      for (const b of list) {
        const key = JSON.stringify(b?.fieldMap ?? null);
        let det = byMap.get(key);
        if (!det) {
          det = compileDetection(rule.detection, b?.fieldMap, { placeholders });
          byMap.set(key, det);
        }
        const conds: Cond[] = b ? Object.entries(b.conditions).map(([field, vals]) => ({ field, values: new Set(vals.map(condValueText)) })) : [];
        const unitFields: Array<string | null> = [];
        for (const srch of rule.detection.searches.values()) for (const alt of srch.alternatives) for (const it of alt) {
          if (it.field === null) unitFields.push(null);
          else unitFields.push(...mapField(it.field, b?.fieldMap));
          // fieldref reads a second field, but fieldref items name no literals, so they never gate.
        }
        myUnits.push({ id: -1, rule: index, conds, det, gated: false, fields: unitFields });
      }
    } catch (e) {
      const code = e instanceof CompileError ? e.code : 'compile';
      issues.push({ severity: 'error', code, message: e instanceof Error ? e.message : String(e), place });
      continue;
    }
    const primary = byMap.values().next().value as CompiledDetection | undefined;
    const fields = new Set<string>();
    for (const s of rule.detection.searches.values()) for (const alt of s.alternatives) for (const it of alt) if (it.field !== null) fields.add(it.field);
    const ruleUnits = myUnits;
    const compiled: CompiledRule = {
      index,
      ref: refOf(original),
      rule,
      fields: [...fields],
      match(event: EventFields): string[] | undefined {
        view.reset(event);
        for (const u of ruleUnits) {
          if (checkConds(view, u.conds, undefined) && u.det.test(view)) return matchedSearches(u.det, view);
        }
        return undefined;
      },
    };
    void primary;
    rules.push(compiled);
    for (const u of myUnits) {
      u.id = units.length;
      units.push(u);
    }
  }

  // ---- prefilter: each unit needs every clause of its CNF to have a literal in
  // some event value. Units are grouped by their dispatch key (EventID/Channel
  // value), each group with its own literal index, so an event scans only the
  // fields and literals of its own logsource. Each literal is anchored on its
  // rarest gram; a gram hit is verified against the whole literal at that spot.
  interface Anchor { unit: number; clause: number }
  /** One distinct literal anchored at one gram position; verified once per event, then all its clauses count. */
  interface LitNode { id: number; lit: string; at: number; anchors: Anchor[] }
  /** Literal nodes of one 3-gram: those whose literal continues with another 3-gram are bucketed by it. */
  interface Bucket { short: LitNode[]; byNext: Map<number, LitNode[]> }
  /** The literal index of one dispatch group (e.g. all units for EventID 1). */
  interface LiteralIndex {
    anchors3: Map<number, Bucket>;
    anchors2: Map<number, LitNode[]>;
    anchors1: Map<number, LitNode[]>;
    bits3: Uint8Array;
    nodeHit: Uint32Array;
    /** Top-level keys to scan (first segment of dotted names), or null = every value. */
    scanKeys: Set<string> | null;
  }

  // Clause ids are global (a unit keeps its ids in every group it belongs to).
  const unitClauses = new Uint8Array(units.length);
  const unitClauseBase = new Int32Array(units.length);
  let clauseIds = 0;
  for (const u of units) {
    // Keyword searches look at every value; gating them would force scanning every value of every event.
    if (u.det.needs.length === 0 || u.fields.includes(null)) continue;
    u.gated = true;
    unitClauses[u.id] = u.det.needs.length;
    unitClauseBase[u.id] = clauseIds;
    clauseIds += u.det.needs.length;
  }

  function buildIndex(group: Unit[]): LiteralIndex {
    const idx: LiteralIndex = { anchors3: new Map(), anchors2: new Map(), anchors1: new Map(), bits3: new Uint8Array(GRAM_SPACE >> 3), nodeHit: new Uint32Array(0), scanKeys: new Set() };
    const nodes = new Map<string, LitNode>();
    const nodeFor = (lit: string, at: number, place: () => LitNode[]): LitNode => {
      const key = at + ':' + lit;
      let n = nodes.get(key);
      if (!n) {
        n = { id: nodes.size, lit, at, anchors: [] };
        nodes.set(key, n);
        place().push(n);
      }
      return n;
    };
    const listIn = <K>(m: Map<K, LitNode[]>, k: K): LitNode[] => {
      let l = m.get(k);
      if (!l) m.set(k, (l = []));
      return l;
    };
    const gramCount = new Map<number, number>();
    for (const u of group) {
      const seen = new Set<number>();
      for (const clause of u.det.needs) for (const lit of clause) for (let i = 0; i + 3 <= lit.length; i++) seen.add(gramCode(lit, i));
      for (const g of seen) gramCount.set(g, (gramCount.get(g) ?? 0) + 1);
    }
    for (const u of group) {
      u.det.needs.forEach((clause, k) => {
        const a: Anchor = { unit: u.id, clause: unitClauseBase[u.id]! + k };
        for (const lit of clause) {
          if (lit.length === 1) nodeFor(lit, 0, () => listIn(idx.anchors1, fold(lit.charCodeAt(0)))).anchors.push(a);
          else if (lit.length === 2) nodeFor(lit, 0, () => listIn(idx.anchors2, gram2Code(lit, 0))).anchors.push(a);
          else {
            // Rarest gram among the positions that leave room for a second gram (when the literal is long enough).
            let best = 0;
            let bestCount = Infinity;
            const last = lit.length >= 6 ? lit.length - 6 : lit.length - 3;
            for (let i = 0; i <= last; i++) {
              const c = gramCount.get(gramCode(lit, i)) ?? 0;
              if (c < bestCount) { bestCount = c; best = i; }
            }
            const g = gramCode(lit, best);
            let b = idx.anchors3.get(g);
            if (!b) idx.anchors3.set(g, (b = { short: [], byNext: new Map() }));
            idx.bits3[g >> 3]! |= 1 << (g & 7);
            const bucket = b;
            const at = best;
            const place = at + 6 <= lit.length ? () => listIn(bucket.byNext, gramCode(lit, at + 3)) : () => bucket.short;
            nodeFor(lit, at, place).anchors.push(a);
          }
        }
      });
      for (const f of u.fields) {
        if (f === null) idx.scanKeys = null;
        else if (idx.scanKeys) {
          idx.scanKeys.add(f);
          const dot = f.indexOf('.');
          if (dot > 0) idx.scanKeys.add(f.slice(0, dot));
        }
      }
    }
    idx.nodeHit = new Uint32Array(nodes.size);
    return idx;
  }

  const clauseHit = new Uint32Array(clauseIds);
  const unitCount = new Uint8Array(units.length);
  const unitCountEpoch = new Uint32Array(units.length);
  const ruleSeen = new Uint32Array(rules.length);
  let epoch = 0;

  function probe(nodeHit: Uint32Array, l: LitNode[], s: string, i: number, stamp: number): void {
    for (let k = 0; k < l.length; k++) {
      const node = l[k]!;
      if (nodeHit[node.id] === stamp) continue;
      const start = i - node.at;
      if (start < 0 || !s.startsWith(node.lit, start)) continue;
      nodeHit[node.id] = stamp;
      const as = node.anchors;
      for (let j = 0; j < as.length; j++) {
        const a = as[j]!;
        if (clauseHit[a.clause] === stamp) continue;
        clauseHit[a.clause] = stamp;
        const u = a.unit;
        if (unitCountEpoch[u] !== stamp) { unitCountEpoch[u] = stamp; unitCount[u] = 0; }
        if (++unitCount[u]! === unitClauses[u]) hits.push(u);
      }
    }
  }

  let codes = new Int32Array(4096);
  function scanGrams(idx: LiteralIndex, v: EventView, stamp: number): void {
    const texts = idx.scanKeys === null ? v.allLowerTexts() : v.scanTexts(idx.scanKeys);
    const { bits3, anchors3, anchors2, anchors1, nodeHit } = idx;
    for (let t = 0; t < texts.length; t++) {
      const s = texts[t]!;
      const n = s.length;
      if (n > codes.length) codes = new Int32Array(Math.max(n, codes.length * 2));
      // Pass 1: the 3-gram code starting at each position.
      let g = 0;
      let nonAscii = false;
      for (let i = 0; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c > 127) nonAscii = true;
        g = ((g << 7) | (c < 128 ? c : fold(c))) & 0x1fffff;
        if (i >= 2) codes[i - 2] = g;
      }
      // Pass 2: probe the anchors of grams some literal uses.
      for (let i = 0; i + 2 < n; i++) {
        const gi = codes[i]!;
        if ((bits3[gi >> 3]! & (1 << (gi & 7))) === 0) continue;
        const b = anchors3.get(gi);
        if (!b) continue;
        if (b.short.length > 0) probe(nodeHit, b.short, s, i, stamp);
        if (i + 5 < n && b.byNext.size > 0) {
          const l = b.byNext.get(codes[i + 3]!);
          if (l) probe(nodeHit, l, s, i, stamp);
        }
      }
      if (nonAscii && (anchors1.size > 0 || anchors2.size > 0)) {
        for (let i = 0; i < n; i++) {
          const c = s.charCodeAt(i);
          if (c <= 127) continue;
          const l1 = anchors1.get(fold(c));
          if (l1) probe(nodeHit, l1, s, i, stamp);
          if (i > 0) { const l2 = anchors2.get(gram2Code(s, i - 1)); if (l2) probe(nodeHit, l2, s, i - 1, stamp); }
          if (i + 1 < n) { const l2 = anchors2.get(gram2Code(s, i)); if (l2) probe(nodeHit, l2, s, i, stamp); }
        }
      }
    }
  }

  // ---- dispatch: field → value → group (units without literals + literal index of gated units)
  interface Group { plain: Unit[]; gated: Unit[]; index?: LiteralIndex }
  const index = new Map<string, Map<string, Group>>();
  const global: Group = { plain: [], gated: [] };
  const indexField = new Map<Unit, string>();
  for (const u of units) {
    if (u.conds.length === 0) {
      (u.gated ? global.gated : global.plain).push(u);
      continue;
    }
    const key = u.conds.find((c) => c.field === 'EventID') ?? u.conds.find((c) => c.field === 'Channel') ?? u.conds[0]!;
    indexField.set(u, key.field);
    let m = index.get(key.field);
    if (!m) index.set(key.field, (m = new Map()));
    for (const val of key.values) {
      let g = m.get(val);
      if (!g) m.set(val, (g = { plain: [], gated: [] }));
      (u.gated ? g.gated : g.plain).push(u);
    }
  }
  for (const m of index.values()) for (const g of m.values()) if (g.gated.length > 0) g.index = buildIndex(g.gated);
  if (global.gated.length > 0) global.index = buildIndex(global.gated);
  const indexFields = [...index.keys()];
  const unitSkip: Array<string | undefined> = units.map((u) => indexField.get(u));
  const allIndexes: LiteralIndex[] = [...[...index.values()].flatMap((m) => [...m.values()]).flatMap((g) => (g.index ? [g.index] : [])), ...(global.index ? [global.index] : [])];

  const candidates: Unit[] = [];
  const hits: number[] = [];
  function matchEvent(event: EventFields): RuleMatch[] {
    const out: RuleMatch[] = [];
    view.reset(event);
    epoch = (epoch + 1) >>> 0;
    if (epoch === 0) { clauseHit.fill(0); unitCountEpoch.fill(0); ruleSeen.fill(0); for (const ix of allIndexes) ix.nodeHit.fill(0); epoch = 1; }
    candidates.length = 0;
    hits.length = 0;
    for (let f = 0; f < indexFields.length; f++) {
      const field = indexFields[f]!;
      const raw = view.get(field);
      const t = raw === undefined ? undefined : scalarText(raw);
      if (t === undefined) continue;
      const g = index.get(field)!.get(t.toLowerCase());
      if (!g) continue;
      for (let k = 0; k < g.plain.length; k++) candidates.push(g.plain[k]!);
      if (g.index) scanGrams(g.index, view, epoch);
    }
    for (let k = 0; k < global.plain.length; k++) candidates.push(global.plain[k]!);
    if (global.index) scanGrams(global.index, view, epoch);
    for (let k = 0; k < candidates.length; k++) {
      const u = candidates[k]!;
      if (ruleSeen[u.rule] === epoch) continue;
      if (!checkConds(view, u.conds, unitSkip[u.id])) continue;
      if (!u.det.test(view)) continue;
      ruleSeen[u.rule] = epoch;
      out.push({ rule: rules[u.rule]!, selections: matchedSearches(u.det, view) });
    }
    for (let k = 0; k < hits.length; k++) {
      const u = units[hits[k]!]!;
      if (ruleSeen[u.rule] === epoch) continue;
      if (!checkConds(view, u.conds, undefined)) continue;
      if (!u.det.test(view)) continue;
      ruleSeen[u.rule] = epoch;
      out.push({ rule: rules[u.rule]!, selections: matchedSearches(u.det, view) });
    }
    return out;
  }

  // Raw-line prefilter: true unless the set can prove no unit applies. Units without
  // literals (or any unconditional unit) make every line a candidate.
  // Grams with `"`, `\\` or non-ASCII may be escaped in JSON text: then the raw line cannot decide.
  let rawUnsafe = false;
  for (const u of units) for (const c of u.det.needs) for (const l of c) if (/["\\]|[^\x20-\x7e]/.test(l)) rawUnsafe = true;
  const alwaysTried = rawUnsafe || units.some((u) => !u.gated);
  function mayMatchRaw(line: string): boolean {
    if (alwaysTried || units.length === 0) return units.length > 0;
    const s = line.toLowerCase();
    let g = 0;
    for (let i = 0; i < s.length; i++) {
      g = ((g << 7) | fold(s.charCodeAt(i))) & 0x1fffff;
      if (i >= 2) for (const ix of allIndexes) if ((ix.bits3[g >> 3]! & (1 << (g & 7))) !== 0) return true;
    }
    // (Non-ASCII literals make the set raw-unsafe above, so 1- and 2-grams need no check here.)
    return false;
  }

  return { rules, correlations, issues, matchEvent, mayMatchRaw, options };
}
