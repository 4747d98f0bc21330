/**
 * Dispatch conditions: which values of a few fields (EventID, Channel, …) an
 * event must carry for a compiled unit to apply. They come from the
 * pipeline's logsource branch and, derived here, from the detection itself
 * (`EventID: 4624` AND-ed into every way the condition can be true), so a
 * Security rule on 4624 is never tried on a 4688 event even though its
 * logsource only says `service: security`.
 *
 * Values are compared as dispatch keys (`keyText`): canonical numbers, else
 * lowercase text. That accepts everything the item itself would accept
 * (numeric Sigma values match numeric strings; plain strings compare
 * case-insensitively), so a derived condition never rules out a match.
 */
import { expandPattern } from '../condition/parse.js';
import type { ConditionNode, DetectionItem, DetectionSection, LogsourceBranch, SigmaValue } from '../rule/types.js';
import { plainText } from '../rule/values.js';
import { mapField } from './detection.js';
import { keyText } from './event.js';

/** field → the dispatch keys it must equal (one of). An empty map: no constraint. */
export type Requirement = Map<string, Set<string>>;

function valueKeys(v: SigmaValue): string[] | undefined {
  if (v.type === 'number') return [...new Set([keyText(String(v.value)), keyText(v.raw.toLowerCase())])];
  if (v.type === 'string') {
    const t = plainText(v);
    return t === undefined ? undefined : [keyText(t)];
  }
  return undefined;
}

/** A plain equality item (no modifiers) on one dispatch field. */
function itemRequirement(item: DetectionItem, fieldMap: LogsourceBranch['fieldMap'], fields: ReadonlySet<string>): Requirement {
  const out: Requirement = new Map();
  if (item.field === null || item.modifiers.length > 0 || item.values.length === 0) return out;
  const mapped = mapField(item.field, fieldMap);
  if (mapped.length !== 1 || !fields.has(mapped[0]!)) return out;
  const keys = new Set<string>();
  for (const v of item.values) {
    const k = valueKeys(v);
    if (k === undefined) return out;
    for (const x of k) keys.add(x);
  }
  out.set(mapped[0]!, keys);
  return out;
}

function andReq(list: readonly Requirement[]): Requirement {
  const out: Requirement = new Map();
  for (const r of list) {
    for (const [f, vals] of r) {
      const have = out.get(f);
      if (!have) out.set(f, new Set(vals));
      else for (const x of [...have]) if (!vals.has(x)) have.delete(x);
    }
  }
  return out;
}

function orReq(list: readonly Requirement[]): Requirement {
  const out: Requirement = new Map();
  if (list.length === 0) return out;
  for (const [f] of list[0]!) {
    if (!list.every((r) => r.has(f))) continue;
    const vals = new Set<string>();
    for (const r of list) for (const x of r.get(f)!) vals.add(x);
    out.set(f, vals);
  }
  return out;
}

/**
 * Values of `fields` that every match of the detection requires, after the
 * branch's field mapping. Negations and keyword searches constrain nothing.
 */
export function derivedRequirement(section: DetectionSection, fieldMap: LogsourceBranch['fieldMap'], fields: ReadonlySet<string>): Requirement {
  const searchReq = new Map<string, Requirement>();
  for (const [name, s] of section.searches) {
    searchReq.set(name, orReq(s.alternatives.map((alt) => andReq(alt.map((it) => itemRequirement(it, fieldMap, fields))))));
  }
  const names = [...section.searches.keys()];
  const walk = (n: ConditionNode): Requirement => {
    switch (n.kind) {
      case 'ref':
        return searchReq.get(n.name) ?? new Map();
      case 'not':
        return new Map();
      case 'and':
        return andReq(n.args.map(walk));
      case 'or':
        return orReq(n.args.map(walk));
      case 'of': {
        const reqs = expandPattern(n.pattern, names).map((x) => searchReq.get(x) ?? new Map<string, Set<string>>());
        return n.quantifier === 'one' ? orReq(reqs) : andReq(reqs);
      }
    }
  };
  return walk(section.condition);
}
