/**
 * ATI document → validated Sigma rules. Artefacts per procedure, drafts per
 * artefact, equal drafts merged, SigmaHQ coverage looked up on the drafts'
 * synthetic events (→ `related`), rules built and checked (parse, round
 * trip, lint, compile, self-test). Only rules that pass ship; the others are
 * returned with their reasons, and so is everything that produced no rule.
 */
import type { AtiDocument, Procedure } from '../../intel/schema.js';
import type { KnowledgeBase } from '../../kb/index.js';
import type { RuleRef } from '../../sigma/index.js';
import { loadPipeline, type Pipeline } from '../../sigma/pipeline/index.js';
import type { Platform } from '../command/analyze.js';
import { BinaryCatalog } from '../knowledge/catalog.js';
import { ArtefactCollector, type Skipped } from './artefacts.js';
import { buildRule, mergeDrafts, type GeneratedRule, type RelatedRef } from './build.js';
import type { RuleSetCoverage } from './coverage.js';
import { techniquesOfTags } from './coverage.js';
import { draftsFor } from './families/index.js';
import { attackCheckerOf, checkRules, type RuleCheck } from './validate.js';

export interface GenerateSigmaOptions {
  kb?: KnowledgeBase;
  /** The existing rule set to deduplicate against (SigmaHQ in the data dir). */
  existing?: RuleSetCoverage;
  catalog?: BinaryCatalog;
  pipeline?: Pipeline;
  /** Platform of procedures whose artefacts do not say (default windows). */
  platform?: Platform;
  /** `YYYY-MM-DD` (default today, UTC). */
  date?: string;
  author?: string;
  /** Related rules linked per generated rule (default 5). */
  maxRelated?: number;
}

export interface ProcedureCoverage {
  procedure: string;
  order: number;
  technique: string;
  /** Generated rules (shipped) for this procedure. */
  rules: string[];
  /** Existing rules that fire on this procedure's artefacts. */
  coveredBy: RelatedRef[];
}

export interface SigmaGeneration {
  /** Rules that passed every check. */
  rules: GeneratedRule[];
  /** Rules that failed a check, with the check. */
  rejected: Array<{ rule: GeneratedRule; check: RuleCheck }>;
  checks: Map<string, RuleCheck>;
  skipped: Skipped[];
  procedures: ProcedureCoverage[];
  /** Procedures that yielded no artefact at all. */
  withoutArtefacts: string[];
  stats: { procedures: number; artefacts: number; drafts: number; built: number; shipped: number; rejected: number; warnings: number };
}

function today(): string {
  return new Date().toISOString().slice(0, 10);
}

function relatedOf(refs: RuleRef[], techniques: string[], max: number): RelatedRef[] {
  const wanted = new Set(techniques.flatMap((t) => [t, t.split('.')[0]!]));
  const levelRank: Record<string, number> = { critical: 4, high: 3, medium: 2, low: 1, informational: 0 };
  return refs
    .map((r) => ({ r, t: techniquesOfTags(r.tags) }))
    .sort((a, b) => {
      const sa = a.t.some((t) => wanted.has(t) || wanted.has(t.split('.')[0]!)) ? 1 : 0;
      const sb = b.t.some((t) => wanted.has(t) || wanted.has(t.split('.')[0]!)) ? 1 : 0;
      return sb - sa || (levelRank[b.r.level] ?? 0) - (levelRank[a.r.level] ?? 0) || a.r.title.localeCompare(b.r.title);
    })
    .slice(0, max)
    .map(({ r, t }) => ({ id: r.id, title: r.title, level: r.level, techniques: t }));
}

export function generateSigma(doc: AtiDocument, opts: GenerateSigmaOptions = {}): SigmaGeneration {
  const pipeline = opts.pipeline ?? loadPipeline(['default']);
  const catalog = opts.catalog ?? new BinaryCatalog();
  catalog.addReportTools(doc.entities.filter((e) => e.kind === 'tool').map((e) => e.name));
  const collector = new ArtefactCollector(doc, opts.platform ?? 'windows').collect();
  const skipped = [...collector.skipped];
  const ctx = { catalog };
  const drafts = collector.artefacts.flatMap((a) => draftsFor(a, ctx, skipped));
  const groups = mergeDrafts(drafts);
  const maxRelated = opts.maxRelated ?? 5;
  const build = { doc, ...(opts.kb ? { kb: opts.kb } : {}), date: opts.date ?? today(), author: opts.author ?? 'ttpscope generate' };
  const titles = new Set<string>();
  const built: GeneratedRule[] = [];
  const coverageByProcedure = new Map<string, Map<string, RelatedRef>>();
  for (const g of groups) {
    const hits = opts.existing ? opts.existing.hits(g.flatMap((d) => d.positives)) : [];
    const techniques = [...new Set(g.map((d) => d.artefact.procedure.technique))];
    const related = relatedOf(hits, techniques, maxRelated);
    for (const d of g) {
      let m = coverageByProcedure.get(d.artefact.procedure.id);
      if (!m) coverageByProcedure.set(d.artefact.procedure.id, (m = new Map()));
      for (const r of relatedOf(hits, techniques, Number.MAX_SAFE_INTEGER)) m.set(r.id, r);
    }
    built.push(buildRule(g, related, build, titles));
  }
  const checks = checkRules(built, { pipeline, ...(opts.kb ? { attack: attackCheckerOf(opts.kb) } : {}) });
  const rules = built.filter((r) => checks.get(r.id)!.ok);
  const rejected = built.filter((r) => !checks.get(r.id)!.ok).map((rule) => ({ rule, check: checks.get(rule.id)! }));
  const withArtefacts = new Set(collector.artefacts.map((a) => a.procedure.id));
  const procedures: ProcedureCoverage[] = doc.procedures.map((p: Procedure) => ({
    procedure: p.id,
    order: p.order,
    technique: p.technique,
    rules: rules.filter((r) => r.procedures.includes(p)).map((r) => r.id),
    coveredBy: [...(coverageByProcedure.get(p.id)?.values() ?? [])],
  }));
  let warnings = 0;
  for (const r of rules) warnings += checks.get(r.id)!.warnings.length;
  return {
    rules,
    rejected,
    checks,
    skipped,
    procedures,
    withoutArtefacts: doc.procedures.filter((p) => !withArtefacts.has(p.id)).map((p) => p.id),
    stats: { procedures: doc.procedures.length, artefacts: collector.artefacts.length, drafts: drafts.length, built: built.length, shipped: rules.length, rejected: rejected.length, warnings },
  };
}
