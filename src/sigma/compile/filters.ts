/**
 * Sigma filters (spec v2.1 "global filters"): a filter names rules (by id or
 * name) and adds `and not (filter condition)` to each, when the filter's
 * logsource is compatible with the rule's (every key the filter sets is
 * equal in the rule).
 */
import type { ConditionNode, SearchIdentifier, SigmaFilter, SigmaRule } from '../rule/types.js';

export function logsourceCompatible(filter: SigmaFilter, rule: SigmaRule): boolean {
  for (const [k, v] of Object.entries(filter.logsource)) {
    if (v === undefined) continue;
    const rv = rule.logsource[k];
    if (rv === undefined || rv.toLowerCase() !== v.toLowerCase()) return false;
  }
  return true;
}

function rename(node: ConditionNode, map: Map<string, string>, prefix: string): ConditionNode {
  switch (node.kind) {
    case 'and':
    case 'or':
      return { kind: node.kind, args: node.args.map((a) => rename(a, map, prefix)) };
    case 'not':
      return { kind: 'not', arg: rename(node.arg, map, prefix) };
    case 'ref':
      return { kind: 'ref', name: map.get(node.name) ?? node.name };
    case 'of': {
      // `them` inside a filter means the filter's own identifiers only.
      if (node.pattern === 'them') return { kind: 'or', args: [...map.values()].map((n) => ({ kind: 'ref' as const, name: n })) };
      return { kind: 'of', quantifier: node.quantifier, pattern: prefix + node.pattern };
    }
  }
}

/** The filters that apply to a rule. */
export function filtersFor(rule: SigmaRule, filters: readonly SigmaFilter[]): SigmaFilter[] {
  return filters.filter((f) => f.rules.some((r) => r === rule.id || (rule.name !== undefined && r === rule.name)) && logsourceCompatible(f, rule));
}

/** A copy of `rule` whose condition excludes events matched by each filter. */
export function applyFilters(rule: SigmaRule, filters: readonly SigmaFilter[]): SigmaRule {
  if (filters.length === 0) return rule;
  const searches = new Map(rule.detection.searches);
  const clauses: ConditionNode[] = [rule.detection.condition];
  filters.forEach((f, k) => {
    const prefix = `__filter${k}_`;
    const map = new Map<string, string>();
    for (const [name, s] of f.detection.searches) {
      const renamed: SearchIdentifier = { ...s, name: prefix + name };
      searches.set(prefix + name, renamed);
      map.set(name, prefix + name);
    }
    clauses.push({ kind: 'not', arg: rename(f.detection.condition, map, prefix) });
  });
  return {
    ...rule,
    detection: {
      ...rule.detection,
      searches,
      condition: { kind: 'and', args: clauses },
      conditionText: [...rule.detection.conditionText, ...filters.map((f) => `not (${f.detection.conditionText.join(' or ')}) [filter ${f.id ?? f.title}]`)],
    },
  };
}
