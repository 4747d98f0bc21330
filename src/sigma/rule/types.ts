/**
 * The Sigma rule model (spec v2.1): detection rules, correlation rules and
 * filter rules as typed values. The model knows nothing about evaluation or
 * output; the parser (`parse.ts`) builds it, processing pipelines transform
 * it, `compile/` turns it into matchers.
 *
 * Values are typed (`SigmaValue`): a plain Sigma string carries its wildcards
 * and escapes as parts, a regex is a regex, a CIDR a network, a field
 * reference a field name — never a raw string that later code must re-parse.
 */
import type { Issue } from '../../common/errors.js';

export type Level = 'informational' | 'low' | 'medium' | 'high' | 'critical';
export const LEVELS: readonly Level[] = ['informational', 'low', 'medium', 'high', 'critical'];

export type Status = 'stable' | 'test' | 'experimental' | 'deprecated' | 'unsupported';

/** Where a rule (or part of it) came from. */
export interface RuleSource {
  file: string;
  /** 0-based index of the YAML document in a multi-document file. */
  document: number;
  /** 1-based line of the document's first key. */
  line?: number;
}

export interface Logsource {
  product?: string;
  category?: string;
  service?: string;
  definition?: string;
  /** Any other key (custom logsource attributes are allowed by the spec). */
  [key: string]: string | undefined;
}

export interface RelatedRule {
  id: string;
  type: string;
}

// ---------------------------------------------------------------- values

/** One piece of a Sigma string: literal text, `*`, `?`, or a `%placeholder%` (only with `expand`). */
export type StringPart =
  | { kind: 'text'; text: string }
  | { kind: 'any' } // `*`
  | { kind: 'one' } // `?`
  | { kind: 'placeholder'; name: string };

/** A Sigma string: unescaped text and wildcards. `raw` is the YAML scalar as written. */
export interface SigmaString {
  type: 'string';
  parts: StringPart[];
  raw: string;
}

export type SigmaValue =
  | SigmaString
  | { type: 'number'; value: number; raw: string }
  | { type: 'bool'; value: boolean }
  | { type: 'null' }
  /** `re` modifier: the pattern as written; flags from `re|i|m|s`. */
  | { type: 'regex'; pattern: string; flags: { i: boolean; m: boolean; s: boolean } }
  /** `cidr` modifier. */
  | { type: 'cidr'; raw: string; version: 4 | 6; /** network bytes */ bytes: Uint8Array; prefix: number }
  /** `fieldref` modifier: compare with another field of the same event. */
  | { type: 'fieldref'; field: string }
  /** `exists` modifier: the field must (or must not) be present. */
  | { type: 'exists'; value: boolean };

/** Every modifier of spec v2.1 (modifiers appendix). `i`, `m`, `s` are regex flags after `re`. */
export const MODIFIERS = [
  'contains', 'startswith', 'endswith', 'all', 'exists', 'cased', 'neq',
  'windash', 're', 'i', 'm', 's', 'base64', 'base64offset',
  'utf16le', 'utf16be', 'utf16', 'wide',
  'lt', 'lte', 'gt', 'gte',
  'minute', 'hour', 'day', 'week', 'month', 'year',
  'cidr', 'expand', 'fieldref',
] as const;
export type Modifier = (typeof MODIFIERS)[number];

/**
 * One `field|modifiers: values` entry, or a keyword (field-less) search when
 * `field` is null. Values are ORed unless `all` is among the modifiers.
 */
export interface DetectionItem {
  field: string | null;
  modifiers: Modifier[];
  values: SigmaValue[];
  /** YAML path, e.g. `detection.selection.Image|endswith`. */
  path: string;
  line?: number;
}

/**
 * A search identifier (`selection`, `filter_main_*`, …): an OR over
 * alternatives, each an AND of items. A map is one alternative; a list of
 * maps is one alternative per map; a keyword list is one alternative whose
 * single item has `field: null`.
 */
export interface SearchIdentifier {
  name: string;
  alternatives: DetectionItem[][];
  path: string;
  line?: number;
}

// ---------------------------------------------------------------- conditions

export type ConditionNode =
  | { kind: 'and'; args: ConditionNode[] }
  | { kind: 'or'; args: ConditionNode[] }
  | { kind: 'not'; arg: ConditionNode }
  | { kind: 'ref'; name: string }
  /** `1 of x*`, `all of x*`, `1 of them`, `all of them`, `1 of selection` (`pattern` is 'them', a name, or a prefix ending in `*`). */
  | { kind: 'of'; quantifier: 'one' | 'all'; pattern: string };

export interface DetectionSection {
  /** Search identifiers in document order. */
  searches: Map<string, SearchIdentifier>;
  /** The condition(s) as written; a list means OR. */
  conditionText: string[];
  /** Parsed condition (a list of conditions is already folded into one `or`). */
  condition: ConditionNode;
  /** Legacy `timeframe` (kept for the linter; ignored by the evaluator). */
  timeframe?: string;
}

// ---------------------------------------------------------------- rules

/** Metadata common to detection, correlation and filter rules. */
export interface RuleMeta {
  title: string;
  id?: string;
  name?: string;
  related?: RelatedRule[];
  taxonomy?: string;
  status?: Status | string;
  description?: string;
  references?: string[];
  author?: string;
  date?: string;
  modified?: string;
  tags: string[];
  falsepositives?: string[];
  level?: Level | string;
  /** Keys not defined by the spec, kept as written (e.g. `regression_tests_path`, `simulation`). */
  custom: Record<string, unknown>;
  source: RuleSource;
}

export interface SigmaRule extends RuleMeta {
  kind: 'rule';
  logsource: Logsource;
  detection: DetectionSection;
  fields?: string[];
  scope?: string[];
}

export type CorrelationType =
  | 'event_count' | 'value_count' | 'temporal' | 'temporal_ordered'
  | 'value_sum' | 'value_avg' | 'value_percentile';

/** `condition:` of a correlation: every given bound must hold (AND). */
export interface CorrelationCondition {
  gt?: number;
  gte?: number;
  lt?: number;
  lte?: number;
  eq?: number;
  neq?: number;
  /** value_count / value_sum / value_avg / value_percentile: the field aggregated. */
  field?: string;
}

export interface SigmaCorrelation extends RuleMeta {
  kind: 'correlation';
  type: CorrelationType;
  /** Referenced rules by id or name, as written. */
  rules: string[];
  groupBy: string[];
  /** Window length in milliseconds. */
  timespanMs: number;
  timespanText: string;
  /** Missing for temporal types, where it defaults to "all referenced rules". */
  condition?: CorrelationCondition;
  /** alias → (rule name or id → field). */
  aliases: Record<string, Record<string, string>>;
  /** Also emit detections for the referenced rules on their own (default false). */
  generate: boolean;
}

export interface SigmaFilter extends RuleMeta {
  kind: 'filter';
  logsource: Logsource;
  /** Ids or names of the rules this filter applies to. */
  rules: string[];
  /** `filter.selection`/other identifiers and `filter.condition`, same shape as a rule's detection. */
  detection: DetectionSection;
}

export type SigmaDocument = SigmaRule | SigmaCorrelation | SigmaFilter;

/** What `loadRules` returns: parse errors are values, never thrown. */
export interface RuleCollection {
  rules: SigmaRule[];
  correlations: SigmaCorrelation[];
  filters: SigmaFilter[];
  issues: Issue[];
  /** Number of YAML files read. */
  files: number;
}

// ---------------------------------------------------------------- pipeline hook

/**
 * One way a logsource shows up in events: every key of `conditions` must be
 * present in the event and equal one of its values (strings compared
 * case-insensitively, numbers numerically, `"1"` equals `1`). `fieldMap`
 * renames rule fields for events of this branch only (e.g. Security 4688:
 * Image → NewProcessName); a list means "any of these fields".
 */
export interface LogsourceBranch {
  conditions: Record<string, ReadonlyArray<string | number>>;
  fieldMap?: Record<string, string | readonly string[]>;
}

/**
 * The hook processing pipelines implement (src/sigma/pipeline/ builds them
 * from YAML). The compiler calls `transformRule` first (global field
 * renames, value changes), then `logsourceBranches` on the transformed
 * rule's logsource: `undefined` means "no event condition, the rule sees
 * every event"; `[]` means "this logsource never occurs in these logs" (the
 * rule is compiled but never tried).
 */
export interface ProcessingPipeline {
  name: string;
  transformRule?(rule: SigmaRule): SigmaRule;
  logsourceBranches?(logsource: Logsource): LogsourceBranch[] | undefined;
  /** Values for `%placeholder%` under `expand` (placeholder name without `%`). */
  placeholders?: Record<string, readonly string[]>;
}
