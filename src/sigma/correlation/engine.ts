/**
 * Correlation rules over the time-ordered stream of rule matches, with
 * bounded state: windows expire by event time (`timespan`), each correlation
 * keeps at most `maxCorrelationGroups` groups (least recently updated dropped
 * first) and at most MAX_EVENTS_PER_GROUP remembered matches per group.
 * A correlation that fires resets its group, so one burst gives one
 * detection. Correlations can reference other correlations (chains).
 */
import type { CompiledRule, CompiledRuleSet, DetectedEvent, Detection, RuleRef } from '../compile/types.js';
import type { Issue } from '../../common/errors.js';
import type { CorrelationCondition, SigmaCorrelation } from '../rule/types.js';
import { EventView, scalarText } from '../compile/event.js';

const MAX_EVENTS_PER_GROUP = 10_000;
/** Events attached to a correlation detection (the newest are kept). */
const MAX_REPORTED_EVENTS = 50;

interface Entry {
  ts: number;
  source: number; // index into the correlation's rule list
  event: DetectedEvent;
  value?: unknown;
}

interface Group {
  entries: Entry[];
  /** temporal_ordered: start time of the earliest ordered chain reaching rule i (NaN = none). */
  chain?: Float64Array;
  key: Record<string, unknown>;
}

export function checkCondition(c: CorrelationCondition | undefined, n: number, fallbackGte: number): boolean {
  if (!c || ['gt', 'gte', 'lt', 'lte', 'eq', 'neq'].every((k) => c[k as keyof CorrelationCondition] === undefined)) return n >= fallbackGte;
  if (c.gt !== undefined && !(n > c.gt)) return false;
  if (c.gte !== undefined && !(n >= c.gte)) return false;
  if (c.lt !== undefined && !(n < c.lt)) return false;
  if (c.lte !== undefined && !(n <= c.lte)) return false;
  if (c.eq !== undefined && !(n === c.eq)) return false;
  if (c.neq !== undefined && !(n !== c.neq)) return false;
  return true;
}

class CorrelationState {
  readonly groups = new Map<string, Group>();
  readonly ref: RuleRef;
  constructor(readonly corr: SigmaCorrelation, readonly sources: string[], private readonly maxGroups: number) {
    this.ref = { id: corr.id ?? corr.name ?? corr.title, title: corr.title, level: corr.level ?? 'high', tags: corr.tags, file: corr.source.file };
    if (corr.status !== undefined) this.ref.status = corr.status;
    if (corr.name !== undefined) this.ref.name = corr.name;
  }

  private readonly view = new EventView();

  /** Field for a group-by name, through aliases (keyed by rule name or id). */
  private fieldFor(groupField: string, sourceIdx: number): string {
    const alias = this.corr.aliases[groupField];
    if (!alias) return groupField;
    const src = this.sources[sourceIdx]!;
    return alias[src] ?? alias[this.corr.rules[sourceIdx]!] ?? groupField;
  }

  push(sourceIdx: number, event: DetectedEvent, ts: number): Detection | undefined {
    const c = this.corr;
    const v = this.view.reset(event.fields);
    const key: Record<string, unknown> = {};
    for (const g of c.groupBy) {
      const raw = v.get(this.fieldFor(g, sourceIdx));
      key[g] = raw === undefined ? null : raw;
    }
    const keyText = JSON.stringify(c.groupBy.map((g) => scalarText(key[g]) ?? null));
    let group = this.groups.get(keyText);
    if (group) this.groups.delete(keyText); // re-insert: Map order = least recently updated first
    else group = { entries: [], key };
    this.groups.set(keyText, group);
    if (this.groups.size > this.maxGroups) {
      const oldest = this.groups.keys().next().value as string;
      this.groups.delete(oldest);
    }
    // Expire.
    const horizon = ts - c.timespanMs;
    let drop = 0;
    while (drop < group.entries.length && group.entries[drop]!.ts < horizon) drop++;
    if (drop > 0) group.entries.splice(0, drop);
    const entry: Entry = { ts, source: sourceIdx, event };
    if (c.condition?.field !== undefined) entry.value = v.get(c.condition.field);
    group.entries.push(entry);
    if (group.entries.length > MAX_EVENTS_PER_GROUP) group.entries.splice(0, group.entries.length - MAX_EVENTS_PER_GROUP);

    let value: number | undefined;
    switch (c.type) {
      case 'event_count':
        value = group.entries.length;
        if (!checkCondition(c.condition, value, 1)) value = undefined;
        break;
      case 'value_count': {
        const distinct = new Set<string>();
        for (const e of group.entries) {
          const t = scalarText(e.value);
          if (t !== undefined) distinct.add(t.toLowerCase());
        }
        value = distinct.size;
        if (!checkCondition(c.condition, value, 1)) value = undefined;
        break;
      }
      case 'value_sum':
      case 'value_avg': {
        let sum = 0;
        let n = 0;
        for (const e of group.entries) {
          const x = typeof e.value === 'number' ? e.value : Number(scalarText(e.value));
          if (Number.isFinite(x)) { sum += x; n++; }
        }
        value = c.type === 'value_sum' ? sum : n > 0 ? sum / n : 0;
        if (n === 0 || !checkCondition(c.condition, value, 1)) value = undefined;
        break;
      }
      case 'temporal': {
        const seen = new Set<number>();
        for (const e of group.entries) seen.add(e.source);
        value = seen.size;
        if (!checkCondition(c.condition, value, this.sources.length)) value = undefined;
        break;
      }
      case 'temporal_ordered': {
        // chain[i] = start time of an in-order chain covering rules 0..i within the window.
        const n = this.sources.length;
        const chain = (group.chain ??= new Float64Array(n).fill(NaN));
        for (let i = 0; i < n; i++) if (!Number.isNaN(chain[i]!) && chain[i]! < horizon) chain[i] = NaN;
        if (sourceIdx === 0) chain[0] = Number.isNaN(chain[0]!) ? ts : Math.max(chain[0]!, ts);
        else if (!Number.isNaN(chain[sourceIdx - 1]!)) chain[sourceIdx] = chain[sourceIdx - 1]!;
        let reached = 0;
        while (reached < n && !Number.isNaN(chain[reached]!)) reached++;
        value = sourceIdx === n - 1 && !Number.isNaN(chain[n - 1]!) ? n : undefined;
        if (value !== undefined && !checkCondition(c.condition, reached, n)) value = undefined;
        break;
      }
      case 'value_percentile':
        value = undefined; // rejected at construction
        break;
    }
    if (value === undefined) return undefined;
    const events = group.entries.slice(-MAX_REPORTED_EVENTS).map((e) => e.event);
    this.groups.delete(keyText);
    return {
      kind: 'correlation',
      rule: this.ref,
      timestamp: new Date(ts).toISOString(),
      selections: [],
      correlation: { type: c.type, group: group.key, events, rules: [...new Set(group.entries.map((e) => this.sources[e.source]!))], value },
    };
  }
}

export class CorrelationEngine {
  readonly issues: Issue[] = [];
  /** rule id or name → (state, source index) pairs fed by it. */
  private readonly feeds = new Map<string, Array<{ state: CorrelationState; idx: number }>>();
  private readonly suppressed = new Set<string>();
  private lastTs = 0;

  constructor(set: CompiledRuleSet) {
    const max = set.options.maxCorrelationGroups ?? 100_000;
    const names = new Map<string, string>(); // name → id
    for (const r of set.rules) if (r.rule.name !== undefined) names.set(r.rule.name, r.ref.id);
    for (const c of set.correlations) if (c.name !== undefined) names.set(c.name, c.id ?? c.name);
    const known = new Set<string>([...set.rules.map((r) => r.ref.id), ...set.correlations.map((c) => c.id ?? c.name ?? c.title)]);
    for (const c of set.correlations) {
      const place = { file: c.source.file, ...(c.id !== undefined ? { ruleId: c.id } : {}), path: 'correlation.rules' };
      if (c.type === 'value_percentile') {
        this.issues.push({ severity: 'error', code: 'unsupported', message: 'value_percentile needs the whole population of values; not evaluated on a stream', place });
        continue;
      }
      const sources = c.rules.map((r) => names.get(r) ?? r);
      const missing = sources.filter((s) => !known.has(s));
      if (missing.length > 0) {
        this.issues.push({ severity: 'error', code: 'unknown-rule', message: `correlation refers to unknown rule(s): ${missing.join(', ')}`, place });
        continue;
      }
      const state = new CorrelationState(c, sources, max);
      sources.forEach((s, idx) => {
        let l = this.feeds.get(s);
        if (!l) this.feeds.set(s, (l = []));
        l.push({ state, idx });
        if (!c.generate) this.suppressed.add(s);
      });
    }
  }

  /** Rules referenced by a correlation without `generate: true` are not reported on their own. */
  suppressesStandalone(rule: CompiledRule): boolean {
    return this.suppressed.has(rule.ref.id);
  }

  /** Feed one rule match; returns correlation detections it completes (chains included). */
  push(rule: CompiledRule, event: DetectedEvent, ts: number | undefined): Detection[] {
    return this.feed(rule.ref.id, { ...event, ruleId: rule.ref.id }, ts, 0);
  }

  private feed(id: string, event: DetectedEvent, ts: number | undefined, depth: number): Detection[] {
    const targets = this.feeds.get(id);
    if (!targets || depth > 16) return [];
    const t = ts ?? this.lastTs;
    if (t > this.lastTs) this.lastTs = t;
    const out: Detection[] = [];
    for (const { state, idx } of targets) {
      const d = state.push(idx, event, t);
      if (!d) continue;
      if (!this.suppressed.has(state.ref.id)) out.push(d);
      // A correlation can feed another one: its last event stands for it, carrying the group values.
      const last = d.correlation!.events[d.correlation!.events.length - 1]!;
      const fields = { ...last.fields, ...d.correlation!.group };
      out.push(...this.feed(state.ref.id, { fields, ruleId: state.ref.id, ...(last.source ? { source: last.source } : {}) }, t, depth + 1));
    }
    return out;
  }
}
