/**
 * The linter: load problems (from the rule parser) plus every selected
 * validator over every loaded document. Findings carry file, rule id, YAML
 * path and line where known; the summary counts loaded documents, so a rule
 * that did not load is always visible as an error, never just missing.
 */
import type { Place } from '../../common/errors.js';
import type { RuleCollection, SigmaDocument } from '../rule/types.js';
import type { LintConfig } from './config.js';
import { selectValidators } from './registry.js';
import { isCollectionValidator, issueToFinding, type LintContext, type LintFinding, type LintReport, type Severity } from './types.js';

export interface LintOptions {
  config?: LintConfig;
  /** Extra selection applied after the config's (e.g. from `--disable`). */
  validators?: string[];
  context?: LintContext;
}

function placeOf(doc: SigmaDocument, path?: string, line?: number): Place {
  const p: Place = { file: doc.source.file };
  const l = line ?? (path === undefined ? doc.source.line : undefined);
  if (l !== undefined) p.line = l;
  if (doc.id !== undefined) p.ruleId = doc.id;
  if (path !== undefined) p.path = path;
  return p;
}

const ORDER: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

export function lintCollection(collection: RuleCollection, options: LintOptions = {}): LintReport {
  const selection = [...(options.config?.validators ?? []), ...(options.validators ?? [])];
  const validators = selectValidators(selection);
  const ctx = options.context ?? {};
  const exclusions = options.config?.exclusions ?? new Map<string, Set<string>>();
  const findings: LintFinding[] = [];
  let excluded = 0;

  const excludedFor = (doc: SigmaDocument, validator: string): boolean => {
    if (doc.id === undefined) return false;
    const set = exclusions.get(doc.id.toLowerCase());
    return set !== undefined && (set.has(validator) || set.has('all'));
  };
  const add = (doc: SigmaDocument, validator: string, severity: Severity, message: string, path?: string, line?: number): void => {
    if (excludedFor(doc, validator)) {
      excluded++;
      return;
    }
    findings.push({ severity, validator, message, place: placeOf(doc, path, line) });
  };

  // The loader's own duplicate-id warning is superseded by the duplicate-id validator.
  for (const issue of collection.issues) if (issue.code !== 'duplicate-id') findings.push(issueToFinding(issue));
  const loadErrors = findings.filter((f) => f.severity === 'error').length;

  const docs: SigmaDocument[] = [...collection.rules, ...collection.correlations, ...collection.filters];
  for (const v of validators) {
    if (isCollectionValidator(v)) {
      v.checkAll(collection, (doc, sev, msg, path) => add(doc, v.id, sev, msg, path), ctx);
      continue;
    }
    for (const doc of docs) {
      if (!v.appliesTo.includes(doc.kind)) continue;
      v.check(doc, (sev, msg, path, line) => add(doc, v.id, sev, msg, path, line), ctx);
    }
  }

  findings.sort(
    (a, b) =>
      (a.place.file ?? '').localeCompare(b.place.file ?? '') ||
      (a.place.line ?? 0) - (b.place.line ?? 0) ||
      ORDER[a.severity] - ORDER[b.severity] ||
      a.validator.localeCompare(b.validator),
  );

  const byValidator: Record<string, number> = {};
  const docsWithErrors = new Set<string>();
  let errors = 0;
  let warnings = 0;
  let infos = 0;
  for (const f of findings) {
    byValidator[f.validator] = (byValidator[f.validator] ?? 0) + 1;
    if (f.severity === 'error') {
      errors++;
      if (!f.validator.startsWith('structure/')) docsWithErrors.add(`${f.place.file}\0${f.place.ruleId ?? ''}`);
    } else if (f.severity === 'warning') warnings++;
    else infos++;
  }
  return {
    findings,
    validators: validators.map((v) => v.id),
    summary: {
      files: collection.files,
      loaded: docs.length,
      rules: collection.rules.length,
      correlations: collection.correlations.length,
      filters: collection.filters.length,
      documentsWithErrors: docsWithErrors.size,
      loadErrors,
      errors,
      warnings,
      infos,
      excluded,
      byValidator,
    },
  };
}
