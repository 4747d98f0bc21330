/**
 * The generation report as plain data (what `generate sigma --json` prints
 * and `generation.json` holds): every rule with its provenance, checks,
 * related SigmaHQ rules and backtest outcome; every rejected rule with why;
 * everything that produced no rule; per-procedure coverage.
 */
import type { AtiDocument } from '../../intel/schema.js';
import type { BacktestComparison } from '../backtest/compare.js';
import type { RuleOutcome } from '../backtest/backtest.js';
import type { SigmaGeneration } from './generate.js';

export interface RuleSummary {
  id: string;
  title: string;
  file: string;
  level: string;
  family: string;
  pattern: string;
  logsource: Record<string, string | undefined>;
  techniques: string[];
  procedures: Array<{ id: string; order: number; technique: string }>;
  related: Array<{ id: string; title: string }>;
  warnings: string[];
  backtest?: Omit<RuleOutcome, 'id' | 'title' | 'techniques'>;
  /** Shipped in the `flagged/` folder because the backtest flagged it noisy. */
  flagged: boolean;
}

export function summarizeGeneration(doc: AtiDocument, gen: SigmaGeneration, cmp: BacktestComparison | undefined, notes: string[]): Record<string, unknown> {
  const outcomes = new Map((cmp?.perRule ?? []).map((o) => [o.id, o]));
  const rules: RuleSummary[] = gen.rules.map((r) => {
    const o = outcomes.get(r.id);
    const s: RuleSummary = {
      id: r.id,
      title: r.title,
      file: r.fileName,
      level: r.level,
      family: r.draft.family,
      pattern: r.draft.pattern,
      logsource: { ...r.draft.logsource },
      techniques: r.techniques,
      procedures: r.procedures.map((p) => ({ id: p.id, order: p.order, technique: p.technique })),
      related: r.related.map((x) => ({ id: x.id, title: x.title })),
      warnings: gen.checks.get(r.id)?.warnings ?? [],
      flagged: o?.flags.includes('noisy') ?? false,
    };
    if (o) {
      const { id: _i, title: _t, techniques: _x, ...rest } = o;
      s.backtest = rest;
    }
    return s;
  });
  const out: Record<string, unknown> = {
    report: { id: doc.report.id, title: doc.report.title, source: doc.report.source.path },
    stats: gen.stats,
    rules,
    rejected: gen.rejected.map((x) => ({ id: x.rule.id, title: x.rule.title, errors: x.check.errors })),
    skipped: gen.skipped,
    withoutArtefacts: gen.withoutArtefacts,
    procedures: gen.procedures.map((p) => ({ ...p, coveredBy: p.coveredBy.map((c) => ({ id: c.id, title: c.title })) })),
    notes,
  };
  if (cmp) {
    out['backtest'] = {
      files: cmp.files,
      events: cmp.events,
      techniques: cmp.techniques,
      generated: cmp.generated,
      baseline: { ...cmp.baseline, rules: cmp.baselineRules },
      flagged: { noHits: cmp.perRule.filter((o) => o.flags.includes('no-hits')).length, noisy: cmp.perRule.filter((o) => o.flags.includes('noisy')).length },
    };
  }
  return out;
}
