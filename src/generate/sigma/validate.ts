/**
 * Every generated rule is checked before it ships, with our own tools:
 *
 * 1. its YAML parses back into exactly one rule with no issue;
 * 2. every detection value round-trips (what the parser reads is the literal
 *    the draft meant: escaping worked, report text stayed text);
 * 3. the linter `ttpscope sigma check` runs (all default validators, the
 *    pipeline's field lists, ATT&CK tags against the knowledge base) reports
 *    no error;
 * 4. it compiles in the engine with no issue;
 * 5. it fires on the synthetic events of the report's own artefact, and not
 *    on its near misses (a near miss that fires is a warning: too broad).
 */
import { attackTagChecker, lintCollection, type AttackTagChecker } from '../../sigma/lint/index.js';
import { compileRules, loadRuleText, plainText, type EventFields, type RuleCollection, type SigmaRule } from '../../sigma/index.js';
import type { Pipeline } from '../../sigma/pipeline/index.js';
import type { KnowledgeBase } from '../../kb/index.js';
import type { GeneratedRule } from './build.js';

export interface RuleCheck {
  ok: boolean;
  errors: string[];
  warnings: string[];
  positives: number;
  positivesMatched: number;
  nearMisses: number;
  nearMissesMatched: number;
  /** The parsed rule (when it parsed). */
  parsed?: SigmaRule;
}

export interface CheckOptions {
  pipeline: Pipeline;
  attack?: AttackTagChecker;
}

/** The linter's ATT&CK tag checker over a knowledge base (as `sigma check` builds it). */
export function attackCheckerOf(kb: KnowledgeBase): AttackTagChecker {
  return attackTagChecker(kb);
}

function sameValue(parsed: unknown, want: string | number): boolean {
  const v = parsed as { type: string; value?: unknown };
  if (typeof want === 'number') return v.type === 'number' && v.value === want;
  if (v.type !== 'string') return false;
  return plainText(parsed as Parameters<typeof plainText>[0]) === want;
}

function roundTrip(rule: GeneratedRule, parsed: SigmaRule): string[] {
  const errors: string[] = [];
  for (const [name, sel] of rule.draft.selections) {
    const s = parsed.detection.searches.get(name);
    if (!s) {
      errors.push(`selection ${name} is missing after parsing`);
      continue;
    }
    const maps = Array.isArray(sel) ? sel : [sel];
    if (s.alternatives.length !== maps.length) {
      errors.push(`selection ${name}: ${maps.length} alternative(s) written, ${s.alternatives.length} parsed`);
      continue;
    }
    maps.forEach((m, i) => {
      const items = s.alternatives[i]!;
      for (const [key, val] of Object.entries(m)) {
        const [field, ...mods] = key.split('|');
        const it = items.find((x) => x.field === field && x.modifiers.join('|') === mods.join('|'));
        if (!it) {
          errors.push(`selection ${name}: ${key} is missing after parsing`);
          continue;
        }
        const want = Array.isArray(val) ? val : [val];
        if (it.values.length !== want.length || !want.every((w, k) => sameValue(it.values[k], w))) errors.push(`selection ${name}: ${key} does not round-trip`);
      }
    });
  }
  return errors;
}

function collectionOf(rules: SigmaRule[]): RuleCollection {
  return { rules, correlations: [], filters: [], issues: [], files: rules.length };
}

export function checkRules(rules: readonly GeneratedRule[], opts: CheckOptions): Map<string, RuleCheck> {
  const out = new Map<string, RuleCheck>();
  const parsedAll: SigmaRule[] = [];
  for (const r of rules) {
    const c: RuleCheck = { ok: false, errors: [], warnings: [], positives: r.draft.positives.length, positivesMatched: 0, nearMisses: r.draft.nearMisses.length, nearMissesMatched: 0 };
    out.set(r.id, c);
    const loaded = loadRuleText(r.yaml, r.fileName);
    for (const i of loaded.issues) (i.severity === 'error' ? c.errors : c.warnings).push(`parse: ${i.message}`);
    if (loaded.rules.length !== 1 || loaded.correlations.length + loaded.filters.length > 0) {
      c.errors.push(`parse: expected one detection rule, got ${loaded.rules.length}`);
      continue;
    }
    const parsed = loaded.rules[0]!;
    c.parsed = parsed;
    parsedAll.push(parsed);
    c.errors.push(...roundTrip(r, parsed));
    const set = compileRules(collectionOf([parsed]), { pipeline: opts.pipeline });
    for (const i of set.issues) c.errors.push(`compile: ${i.message}`);
    if (set.rules.length !== 1) {
      c.errors.push('compile: the rule did not compile');
      continue;
    }
    const fires = (e: EventFields): boolean => set.matchEvent(e).length > 0;
    for (const e of r.draft.positives) if (fires(e)) c.positivesMatched++;
    for (const e of r.draft.nearMisses) if (fires(e)) c.nearMissesMatched++;
    if (c.positivesMatched < c.positives) c.errors.push(`self-test: fires on ${c.positivesMatched} of ${c.positives} events of the report's own artefact`);
    if (c.nearMissesMatched > 0) c.warnings.push(`self-test: also fires on ${c.nearMissesMatched} near-miss event(s) (broad pattern)`);
  }
  const lint = lintCollection(collectionOf(parsedAll), {
    context: {
      knownFields: (ls) => opts.pipeline.knownFields(ls),
      coversLogsource: (ls) => opts.pipeline.coversLogsource(ls),
      ...(opts.attack ? { attack: opts.attack } : {}),
    },
  });
  for (const f of lint.findings) {
    const c = f.place.ruleId ? out.get(f.place.ruleId) : undefined;
    if (!c) continue;
    const msg = `sigma check [${f.validator}]: ${f.message}${f.place.path ? ` (${f.place.path})` : ''}`;
    if (f.severity === 'error') c.errors.push(msg);
    else if (f.severity === 'warning') c.warnings.push(msg);
  }
  for (const c of out.values()) c.ok = c.errors.length === 0;
  return out;
}
