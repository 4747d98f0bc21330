/**
 * Linter vocabulary: findings (an `Issue` with the validator that raised it),
 * validators (one concern each, switchable by id, pySigma style) and what they
 * may consult (the pipeline's field lists, an ATT&CK tag checker).
 */
import type { Issue, Place } from '../../common/errors.js';
import type { Logsource, SigmaCorrelation, SigmaDocument, SigmaFilter, SigmaRule } from '../rule/types.js';

export type Severity = 'error' | 'warning' | 'info';

export interface LintFinding {
  severity: Severity;
  /** Validator id (e.g. `unused-selection`) or, for load problems, `structure/<code>`. */
  validator: string;
  message: string;
  place: Place;
}

/**
 * Answers whether an ATT&CK tag exists in the loaded ATT&CK version. The CLI
 * builds one from the knowledge base in the data dir (src/kb); without one,
 * only the tag syntax is checked.
 */
export interface AttackTagChecker {
  /** e.g. "18.1" — named in messages. */
  version: string;
  check(tag: string): { known: true; note?: string } | { known: false; reason: string };
}

/** What validators may consult. */
export interface LintContext {
  /** Field names events of a logsource carry, or undefined when not known. */
  knownFields?(logsource: Logsource): ReadonlySet<string> | undefined;
  /** Whether the pipeline maps the logsource to events at all. */
  coversLogsource?(logsource: Logsource): boolean;
  attack?: AttackTagChecker;
}

/** Helper validators use to report with the document's place filled in. */
export type Report = (severity: Severity, message: string, path?: string, line?: number) => void;

export interface DocumentValidator {
  id: string;
  description: string;
  /** Documents it looks at. */
  appliesTo: ReadonlyArray<SigmaDocument['kind']>;
  check(doc: SigmaDocument, report: Report, ctx: LintContext): void;
}

export interface CollectionValidator {
  id: string;
  description: string;
  checkAll(docs: { rules: SigmaRule[]; correlations: SigmaCorrelation[]; filters: SigmaFilter[] }, report: (doc: SigmaDocument, severity: Severity, message: string, path?: string) => void, ctx: LintContext): void;
}

export type Validator = DocumentValidator | CollectionValidator;

export function isCollectionValidator(v: Validator): v is CollectionValidator {
  return 'checkAll' in v;
}

export interface LintSummary {
  files: number;
  /** Documents that loaded into the model (rules + correlations + filters). */
  loaded: number;
  rules: number;
  correlations: number;
  filters: number;
  /** Loaded documents with at least one error finding. */
  documentsWithErrors: number;
  /** Files/documents that failed to load (each has a `structure/*` error finding). */
  loadErrors: number;
  errors: number;
  warnings: number;
  infos: number;
  /** Findings suppressed by exclusions. */
  excluded: number;
  byValidator: Record<string, number>;
}

export interface LintReport {
  findings: LintFinding[];
  summary: LintSummary;
  validators: string[];
}

export function issueToFinding(issue: Issue): LintFinding {
  return { severity: issue.severity, validator: `structure/${issue.code ?? 'error'}`, message: issue.message, place: issue.place ?? {} };
}
