/**
 * Compile a rule collection into a CompiledRuleSet.
 *
 * Units: each rule is compiled once per logsource branch the pipeline gives
 * it (a "unit": event conditions + detection with that branch's field names).
 *
 * Dispatch: a unit's conditions are the branch's (Channel, EventID, …) plus
 * those its detection implies (`EventID: 4624` AND-ed into every match;
 * `compile/dispatch.ts`). Units are indexed by the values of all their
 * condition fields together (Sysmon EventID 1 is one key, Linux-Sysmon
 * EventID 1 another), so an event meets only the units of its own kind,
 * plus those without conditions.
 *
 * Prefilter: within a dispatch group, a unit whose detection names required
 * literals is tried only when every clause the literal index checks for it
 * has a hit in the fields it reads (`compile/literal-index.ts`), and the
 * clauses the index leaves out hold (`compile/literal-check.ts`; the split
 * is `compile/literal-plan.ts`); a unit that cannot name literals is always
 * tried.
 */
import type { Issue } from '../../common/errors.js';
import type { LogsourceBranch, RuleCollection, SigmaCorrelation, SigmaFilter, SigmaRule } from '../rule/types.js';
import { compileDetection, mapField, matchedSearches, type CompiledDetection } from './detection.js';
import { derivedRequirement } from './dispatch.js';
import { EventView, fieldSlot, keyText, scalarText } from './event.js';
import { applyFilters, filtersFor } from './filters.js';
import { CompileError } from './item.js';
import { compileClauseCheck } from './literal-check.js';
import { fold, HitState, LiteralIndex, type GatedUnit } from './literal-index.js';
import { MemoBudget } from './literal-memo.js';
import { planSubstringClauses, splitClauses } from './literal-plan.js';
import type { NeedLiteral } from './item.js';
import type { CompiledRule, CompiledRuleSet, CompileOptions, EventFields, RuleMatch, RuleRef } from './types.js';

interface Cond {
  field: string;
  /** Dispatch keys (`keyText`) of the allowed values. */
  values: Set<string>;
}

interface Unit {
  id: number;
  rule: number;
  /** Every condition (brute-force `match` checks them all). */
  conds: Cond[];
  /** Conditions the dispatch key does not already guarantee. */
  residual: Cond[];
  det: CompiledDetection;
  /** Literal prefilter applies (the unit names required literals). */
  gated: boolean;
  /** Event fields the unit's items read (after field mapping); null = a keyword search (any field). */
  fields: Array<string | null>;
  /** Prefilter clauses the literal index leaves to the candidate (`literal-check.ts`). */
  verify?: (v: EventView) => boolean;
}

/** Fields always worth dispatching on; the pipeline's condition fields are added. */
const BASE_DISPATCH_FIELDS = ['EventID', 'Channel'];
/** A unit with more value combinations than this is keyed on its most selective field alone. */
const MAX_KEYS_PER_UNIT = 256;
const KEY_SEP = '\u0001';

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

function checkConds(v: EventView, conds: readonly Cond[]): boolean {
  for (let i = 0; i < conds.length; i++) {
    const c = conds[i]!;
    const keys = v.dispatchKeys(c.field);
    if (keys === undefined) return false;
    if (keys.length === 1) {
      if (!c.values.has(keys[0]!)) return false;
    } else if (!keys.some((k) => c.values.has(k))) return false;
  }
  return true;
}

/** Branch conditions as dispatch conds, with the conditions the detection implies folded in. */
function unitConds(branch: LogsourceBranch | undefined, det: SigmaRule['detection'], dispatchFields: ReadonlySet<string>): Cond[] {
  const conds = new Map<string, Set<string>>();
  for (const [field, vals] of Object.entries(branch?.conditions ?? {})) conds.set(field, new Set(vals.map((x) => keyText(String(x)))));
  for (const [field, vals] of derivedRequirement(det, branch?.fieldMap, dispatchFields)) {
    const have = conds.get(field);
    if (!have) conds.set(field, vals);
    else for (const x of [...have]) if (!vals.has(x)) have.delete(x);
  }
  return [...conds].map(([field, values]) => ({ field, values }));
}

/** Dispatch keys of a unit: every combination of its condition values (fields in `fields` order). */
function combinations(conds: readonly Cond[], fields: readonly string[]): string[] {
  let keys = [''];
  fields.forEach((f, i) => {
    const vals = conds.find((c) => c.field === f)!.values;
    const next: string[] = [];
    for (const k of keys) for (const v of vals) next.push(i === 0 ? v : k + KEY_SEP + v);
    keys = next;
  });
  return keys;
}

interface Group {
  plain: Unit[];
  gated: Unit[];
  index?: LiteralIndex;
}

/** Units keyed on one list of fields (a "signature"), e.g. [Channel, EventID]. */
interface Signature {
  fields: string[];
  groups: Map<string, Group>;
}

/**
 * The dispatch table in its run-time form: each dispatch field's values are
 * interned to small ids, a signature's key is the mixed-radix number of its
 * fields' ids, so finding an event's groups costs a few map lookups on the
 * event's own strings and numbers, no string building.
 */
class Dispatcher {
  private readonly names: string[] = [];
  private readonly slots: number[] = [];
  private readonly valueIds: Array<Map<string, number>> = [];
  /** Per field: the event's own spellings already resolved (bounded), so `keyText` runs once per distinct spelling. */
  private readonly seenStrings: Array<Map<string, number>> = [];
  private readonly seenNumbers: Array<Map<number, number>> = [];
  private readonly sigs: Array<{ fields: Int32Array; radix: Int32Array; groups: Map<number, Group> }> = [];
  /** Per field for the current event: its value id, -1 (absent or unknown) or -2 (array: see `multi`). */
  private readonly ids: Int32Array;
  private readonly multi: Array<number[] | undefined>;

  constructor(signatures: Iterable<Signature>) {
    const fieldIndex = new Map<string, number>();
    const sigs = [...signatures];
    for (const sig of sigs) {
      for (const f of sig.fields) {
        if (fieldIndex.has(f)) continue;
        fieldIndex.set(f, this.names.length);
        this.names.push(f);
        this.slots.push(fieldSlot(f));
        this.valueIds.push(new Map());
        this.seenStrings.push(new Map());
        this.seenNumbers.push(new Map());
      }
    }
    // intern every value a unit's key names
    for (const sig of sigs) {
      for (const key of sig.groups.keys()) {
        key.split(KEY_SEP).forEach((v, k) => {
          const ids = this.valueIds[fieldIndex.get(sig.fields[k]!)!]!;
          if (!ids.has(v)) ids.set(v, ids.size);
        });
      }
    }
    for (const sig of sigs) {
      const fields = Int32Array.from(sig.fields, (f) => fieldIndex.get(f)!);
      const radix = Int32Array.from(fields, (fi) => this.valueIds[fi]!.size);
      let space = 1;
      for (const r of radix) space *= r;
      if (space > 2 ** 31) throw new Error(`dispatch key space too large (${sig.fields.join(', ')})`);
      const groups = new Map<number, Group>();
      for (const [key, g] of sig.groups) {
        let k = 0;
        key.split(KEY_SEP).forEach((v, j) => {
          k = k * radix[j]! + this.valueIds[fields[j]!]!.get(v)!;
        });
        groups.set(k, g);
      }
      this.sigs.push({ fields, radix, groups });
    }
    this.ids = new Int32Array(this.names.length);
    this.multi = new Array<number[] | undefined>(this.names.length);
  }

  private idOfText(f: number, t: string): number {
    return this.valueIds[f]!.get(keyText(t)) ?? -1;
  }

  private idOf(view: EventView, f: number): number {
    const raw = view.getSlot(this.slots[f]!, this.names[f]!);
    if (typeof raw === 'number') {
      const seen = this.seenNumbers[f]!;
      let id = seen.get(raw);
      if (id === undefined) {
        id = this.idOfText(f, String(raw));
        if (seen.size < 4096) seen.set(raw, id);
      }
      return id;
    }
    if (typeof raw === 'string') {
      const seen = this.seenStrings[f]!;
      let id = seen.get(raw);
      if (id === undefined) {
        id = this.idOfText(f, raw);
        if (seen.size < 4096) seen.set(raw, id);
      }
      return id;
    }
    if (Array.isArray(raw)) {
      const list: number[] = [];
      for (const x of raw) {
        const t = scalarText(x);
        if (t === undefined) continue;
        const id = this.idOfText(f, t);
        if (id >= 0) list.push(id);
      }
      if (list.length === 0) return -1;
      this.multi[f] = list;
      return -2;
    }
    const t = scalarText(raw);
    return t === undefined ? -1 : this.idOfText(f, t);
  }

  /** Calls `visit` with every group the event belongs to. */
  forEachGroup(view: EventView, visit: (g: Group) => void): void {
    const ids = this.ids;
    for (let f = 0; f < ids.length; f++) ids[f] = this.idOf(view, f);
    for (let s = 0; s < this.sigs.length; s++) {
      const sig = this.sigs[s]!;
      const fs = sig.fields;
      let k = 0;
      let multi = false;
      let missing = false;
      for (let j = 0; j < fs.length; j++) {
        const id = ids[fs[j]!]!;
        if (id === -1) {
          missing = true;
          break;
        }
        if (id === -2) multi = true;
        else k = k * sig.radix[j]! + id;
      }
      if (missing) continue;
      if (!multi) {
        const g = sig.groups.get(k);
        if (g !== undefined) visit(g);
        continue;
      }
      // an array-valued field: every combination of its elements
      let keys = [0];
      for (let j = 0; j < fs.length; j++) {
        const id = ids[fs[j]!]!;
        const opts = id === -2 ? this.multi[fs[j]!]! : [id];
        const next: number[] = [];
        for (const a of keys) for (const b of opts) next.push(a * sig.radix[j]! + b);
        keys = next;
      }
      for (const key of new Set(keys)) {
        const g = sig.groups.get(key);
        if (g !== undefined) visit(g);
      }
    }
  }
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
  const unitsOfRule: Unit[][] = [];
  const memos = options.scanMemo === false ? undefined : new MemoBudget(options.scanMemoBudget);
  const itemContext = { placeholders, ...(memos ? { memos, compiled: new Map() } : {}) };

  // Pass 1: transform, branch and compile every rule; remember what dispatch needs.
  interface Pending { rule: number; branch: LogsourceBranch | undefined; det: CompiledDetection; fields: Array<string | null>; section: SigmaRule['detection'] }
  const pending: Pending[] = [];
  const dispatchFields = new Set<string>(BASE_DISPATCH_FIELDS);
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
    const mine: Pending[] = [];
    const byMap = new Map<string, CompiledDetection>();
    try {
      const list: Array<LogsourceBranch | undefined> = branches === undefined ? [undefined] : branches;
      for (const b of list) {
        const key = JSON.stringify(b?.fieldMap ?? null);
        let det = byMap.get(key);
        if (!det) {
          det = compileDetection(rule.detection, b?.fieldMap, itemContext);
          byMap.set(key, det);
        }
        const unitFields: Array<string | null> = [];
        for (const srch of rule.detection.searches.values()) for (const alt of srch.alternatives) for (const it of alt) {
          if (it.field === null) unitFields.push(null);
          else unitFields.push(...mapField(it.field, b?.fieldMap));
        }
        mine.push({ rule: index, branch: b, det, fields: unitFields, section: rule.detection });
      }
    } catch (e) {
      const code = e instanceof CompileError ? e.code : 'compile';
      issues.push({ severity: 'error', code, message: e instanceof Error ? e.message : String(e), place });
      continue;
    }
    for (const p of mine) for (const f of Object.keys(p.branch?.conditions ?? {})) dispatchFields.add(f);
    pending.push(...mine);
    const fields = new Set<string>();
    for (const srch of rule.detection.searches.values()) for (const alt of srch.alternatives) for (const it of alt) if (it.field !== null) fields.add(it.field);
    const ruleUnits: Unit[] = [];
    rules.push({
      index,
      ref: refOf(original),
      rule,
      fields: [...fields],
      match(event: EventFields): string[] | undefined {
        view.reset(event);
        for (const u of ruleUnits) {
          if (checkConds(view, u.conds) && u.det.test(view)) return matchedSearches(u.det, view);
        }
        return undefined;
      },
    });
    // filled in pass 2 (the closure reads the array then)
    unitsOfRule.push(ruleUnits);
  }

  // Pass 2: conditions (branch + derived), gating, dispatch keys.
  for (const p of pending) {
    const conds = unitConds(p.branch, p.section, dispatchFields);
    const u: Unit = { id: units.length, rule: p.rule, conds, residual: conds, det: p.det, gated: false, fields: p.fields };
    units.push(u);
    unitsOfRule[p.rule]!.push(u);
  }

  // Clauses with a keyword literal would need every value of every event scanned in JS, which costs more than
  // the keyword test itself (native `includes` per value): those clauses are not used for gating.
  const usable: NeedLiteral[][][] = units.map((u) => u.det.needs.filter((c) => c.every((l) => l.fields !== null)));
  for (const u of units) u.gated = usable[u.id]!.length > 0;

  const signatures = new Map<string, Signature>();
  const global: Group = { plain: [], gated: [] };
  const place = (g: Group, u: Unit): void => void (u.gated ? g.gated : g.plain).push(u);
  for (const u of units) {
    if (u.conds.length === 0) {
      place(global, u);
      continue;
    }
    // Key on all condition fields unless the combinations explode; then on the most selective one.
    let fields = u.conds.map((c) => c.field).sort();
    let product = 1;
    for (const c of u.conds) product *= Math.max(1, c.values.size);
    if (product > MAX_KEYS_PER_UNIT) {
      const best = [...u.conds].sort((a, b) => a.values.size - b.values.size || (a.field === 'EventID' ? -1 : b.field === 'EventID' ? 1 : 0))[0]!;
      fields = [best.field];
    }
    u.residual = u.conds.filter((c) => !fields.includes(c.field));
    const sigKey = fields.join(KEY_SEP);
    let sig = signatures.get(sigKey);
    if (!sig) signatures.set(sigKey, (sig = { fields, groups: new Map() }));
    for (const key of combinations(u.conds, fields)) {
      let g = sig.groups.get(key);
      if (!g) sig.groups.set(key, (g = { plain: [], gated: [] }));
      place(g, u);
    }
  }
  const allGroups: Group[] = [];
  for (const sig of signatures.values()) allGroups.push(...sig.groups.values());
  allGroups.push(global);

  // Which clauses each group's index checks (`literal-plan.ts`); a unit in several groups takes the
  // choice of the first (any choice is sound: every clause is necessary).
  const chosen = new Int32Array(units.length).fill(-2);
  const joinableBy: Array<Set<string>> = [];
  for (const g of allGroups) {
    const plan = planSubstringClauses(g.gated.map((u) => usable[u.id]!));
    g.gated.forEach((u, i) => {
      if (chosen[u.id] !== -2) return;
      chosen[u.id] = plan.chosen[i]!;
      joinableBy[u.id] = plan.gramScanned;
    });
  }
  const unitClauses = new Uint8Array(units.length);
  const gatedInfo: GatedUnit[] = [];
  let clauseIds = 0;
  for (const u of units) {
    if (!u.gated) continue;
    const joinable = joinableBy[u.id]!;
    const { indexed, verify } = splitClauses(usable[u.id]!, chosen[u.id]!, (f) => joinable.has(f));
    if (verify.length > 0) u.verify = compileClauseCheck(verify);
    unitClauses[u.id] = indexed.length;
    gatedInfo[u.id] = { id: u.id, clauseBase: clauseIds, needs: indexed };
    clauseIds += indexed.length;
  }
  const state = new HitState(clauseIds, unitClauses);
  const allIndexes: LiteralIndex[] = [];
  for (const g of allGroups) {
    if (g.gated.length === 0) continue;
    g.index = new LiteralIndex(g.gated.map((u) => gatedInfo[u.id]!), memos);
    allIndexes.push(g.index);
  }
  const dispatcher = new Dispatcher(signatures.values());

  const ruleSeen = new Uint32Array(rules.length);
  const candidates: Unit[] = [];
  let candidateCount = 0;
  let epoch = 0;

  function visit(g: Group): void {
    for (let k = 0; k < g.plain.length; k++) candidates[candidateCount++] = g.plain[k]!;
    if (g.index) g.index.scan(view, epoch, state);
  }

  function tryUnit(u: Unit, out: RuleMatch[]): void {
    if (ruleSeen[u.rule] === epoch) return;
    if (!checkConds(view, u.residual)) return;
    if (u.verify !== undefined && !u.verify(view)) return;
    if (!u.det.test(view)) return;
    ruleSeen[u.rule] = epoch;
    out.push({ rule: rules[u.rule]!, selections: matchedSearches(u.det, view) });
  }

  function matchEvent(event: EventFields, rawText?: string): RuleMatch[] {
    const out: RuleMatch[] = [];
    view.reset(event, rawText);
    epoch = (epoch + 1) >>> 0;
    if (epoch === 0) {
      state.clear();
      ruleSeen.fill(0);
      epoch = 1;
    }
    candidateCount = 0;
    state.hitCount = 0;
    dispatcher.forEachGroup(view, visit);
    visit(global);
    for (let k = 0; k < candidateCount; k++) tryUnit(candidates[k]!, out);
    const hits = state.hits;
    for (let k = 0; k < state.hitCount; k++) tryUnit(units[hits[k]!]!, out);
    return out;
  }

  // Raw-line prefilter: true unless the set can prove no unit applies. Units without
  // literals (or any unconditional unit) make every line a candidate.
  // Grams with `"`, `\\` or non-ASCII may be escaped in JSON text: then the raw line cannot decide.
  let rawUnsafe = false;
  for (const u of units) for (const c of u.det.needs) for (const l of c) if (/["\\]|[^\x20-\x7e]/.test(l.text)) rawUnsafe = true;
  const alwaysTried = rawUnsafe || units.some((u) => !u.gated) || allIndexes.some((ix) => ix.hasShortLiterals);
  let rawBits: Uint8Array | undefined;
  if (!alwaysTried && units.length > 0) {
    rawBits = new Uint8Array(1 << 18);
    for (const ix of allIndexes) for (const g of ix.gramCodes()) rawBits[g >> 3]! |= 1 << (g & 7);
  }
  function mayMatchRaw(line: string): boolean {
    if (rawBits === undefined) return units.length > 0;
    const s = line.toLowerCase();
    let g = 0;
    for (let i = 0; i < s.length; i++) {
      g = ((g << 7) | fold(s.charCodeAt(i))) & 0x1fffff;
      if (i >= 2 && (rawBits[g >> 3]! & (1 << (g & 7))) !== 0) return true;
    }
    // (Non-ASCII literals make the set raw-unsafe above, so 1- and 2-grams need no check here.)
    return false;
  }

  return { rules, correlations, issues, matchEvent, mayMatchRaw, memoStats: () => memos?.stats(), options };
}
