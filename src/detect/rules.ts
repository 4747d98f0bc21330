/**
 * The Sigma side of detection: a compiled rule set (SigmaHQ rules from the
 * data dir and any given with --rules, through the engine and a processing
 * pipeline) and, per compiled rule, what it claims: techniques and tactics
 * from its ATT&CK tags.
 */
import type { Issue } from '../common/errors.js';
import { loadRules, type CompiledRuleSet, type LoadRulesOptions } from '../sigma/index.js';
import { prepareRules, serializeSpec, type RuleSetSpec } from '../sigma/hunt/compile.js';
import type { TechniqueInfo } from './techniques.js';

export interface RuleInfo {
  id: string;
  title: string;
  level: string;
  techniques: string[];
  tactics: string[];
}

export interface RuleTable {
  set: CompiledRuleSet;
  /** By compiled rule index. */
  rules: RuleInfo[];
  /** Rule files and documents that failed to load or compile. */
  issues: Issue[];
  /** What the set was compiled from (for worker threads, which compile it themselves). */
  spec?: RuleSetSpec;
}

/** The rule set as bytes for a worker (undefined when the table was built from a compiled set alone). */
export function ruleSpecBytes(t: RuleTable): Uint8Array | undefined {
  return t.spec ? serializeSpec(t.spec) : undefined;
}

export function ruleTableOf(set: CompiledRuleSet, info: TechniqueInfo, issues: Issue[] = []): RuleTable {
  const rules = set.rules.map((r): RuleInfo => {
    const tags = info.ruleTags(r.ref.tags);
    return { id: r.ref.id, title: r.ref.title, level: String(r.ref.level ?? 'unknown'), techniques: tags.techniques, tactics: tags.tactics };
  });
  return { set, rules, issues: [...issues, ...set.issues] };
}

/** Load (through the parsed-rule cache when `load.cacheDir` is given) and compile rules from files/folders with a pipeline (default: `default`). */
export async function loadRuleTable(paths: readonly string[], info: TechniqueInfo, pipeline: readonly string[] = [], load: LoadRulesOptions = {}): Promise<RuleTable> {
  const collection = await loadRules([...paths], load);
  const spec: RuleSetSpec = { collection, pipeline };
  const prepared = prepareRules(spec);
  return { ...ruleTableOf(prepared.rules, info, collection.issues), spec };
}
