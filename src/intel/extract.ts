/**
 * `extractReport`: a report → attack-driven threat intelligence (ATI). Reads
 * and segments the report, finds IOCs and named groups/software/campaigns,
 * identifies techniques per sentence and per report, builds procedures,
 * variants, the chain and the tactic layer, and validates the document
 * against the schema before returning it. An optional LLM back end (see
 * `llm/`) can verify the classifier's techniques and propose others, under
 * the same evidence rule (a quote that is in the text).
 */
import type { Issue } from '../common/errors.js';
import type { KnowledgeBase } from '../kb/index.js';
import { EntityMatcher, extractCommands, extractIocs, readReportFile, reportFromBytes, registeredDomain, type FoundIoc, type Range, type ReportFormat, type ReportText } from '../text/index.js';
import type { AtomicLibrary } from './atomics.js';
import { orderChain, TacticChooser, tacticLayers } from './chain.js';
import { spanEvidence, sentenceAt, statedTechniques } from './evidence.js';
import { identifyTechniques, type Identification, type IdentifyOptions } from './identify.js';
import { buildProcedure, round } from './procedures.js';
import { ATI_SCHEMA_VERSION, AtiDocumentSchema, type AtiDocument, type EvidenceSpan, type Ioc, type Procedure, type TechniqueFinding } from './schema.js';
import { textShape, type TechniqueNames } from './shape.js';
import { clauses } from './clauses.js';
import type { TechniqueModel } from './technique-model.js';
import { reportPlatforms, techniqueVariants, type VariantOptions } from './variants.js';
import type { CandidateTechnique, LlmBackend, LlmReview } from './llm/backend.js';

export interface ExtractContext {
  kb: KnowledgeBase;
  model: TechniqueModel;
  names: TechniqueNames;
  entities: EntityMatcher;
  atomics: AtomicLibrary;
  /** ttpscope's version, stamped into the document. */
  version: string;
  /** Identifies the technique model (e.g. `ttp-techniques.bin@<sha256 prefix>`). */
  modelId?: string;
  llm?: LlmBackend;
  identify?: IdentifyOptions;
  variants?: VariantOptions;
}

export type ExtractInput =
  | { path: string; format?: ReportFormat; maxBytes?: number }
  | { text: string; label?: string; format?: ReportFormat }
  | { bytes: Uint8Array; label: string; format?: ReportFormat; maxBytes?: number }
  | { report: ReportText };

export interface ExtractResult {
  ati: AtiDocument;
  /** The extracted text every evidence span points into. */
  text: ReportText;
  identification: Identification;
  llm?: LlmReview;
  issues: Issue[];
}

/** Procedures kept per technique (its best evidence sentences). */
const PROCEDURES_PER_TECHNIQUE = 3;
/** Evidence spans kept per IOC. */
const IOC_SPANS = 20;

async function readInput(input: ExtractInput): Promise<ReportText> {
  if ('report' in input) return input.report;
  if ('path' in input) return readReportFile(input.path, { ...(input.format ? { format: input.format } : {}), ...(input.maxBytes ? { maxBytes: input.maxBytes } : {}) });
  if ('bytes' in input) return reportFromBytes(input.bytes, input.label, { ...(input.format ? { format: input.format } : {}), ...(input.maxBytes ? { maxBytes: input.maxBytes } : {}) });
  return reportFromBytes(new Uint8Array(Buffer.from(input.text, 'utf8')), input.label ?? '<text>', { format: input.format ?? 'text' });
}

/**
 * The clause of a long prose sentence that carries technique label `k`
 * (scored on its own), if one clause clearly carries it: at least 60 % of the
 * sentence's score.
 */
function bestClause(ctx: ExtractContext, report: ReportText, s: Range, k: number, sentenceScore: number): Range | undefined {
  const parts = clauses(report.text, s, report.inlineCode);
  if (parts.length < 2) return undefined;
  let best: Range | undefined;
  let bestScore = -1;
  for (const c of parts) {
    const text = report.text.slice(c.start, c.end);
    const p = ctx.model.classifier.predict(text, textShape(text, ctx.names))[k]!;
    if (p > bestScore) {
      bestScore = p;
      best = c;
    }
  }
  return bestScore >= 0.6 * sentenceScore ? best : undefined;
}

/** The span of `quote` inside sentence `s` (an LLM's exact quote), else the whole sentence. */
function quoteRange(report: ReportText, s: Range, quote: string | undefined): Range {
  if (!quote) return s;
  const at = report.text.slice(s.start, s.end).indexOf(quote);
  return at >= 0 ? { start: s.start + at, end: s.start + at + quote.length } : s;
}

/** The report's own site (a `url:` line at the top, as TRAM and many scrapes have) is not an IOC. */
function ownDomains(report: ReportText): string[] {
  const head = report.text.slice(0, 600);
  const m = /(?:^|\n)\s*(?:url|source|link)\s*:\s*(https?:\/\/[^\s]+)/i.exec(head);
  if (!m) return [];
  try {
    return [registeredDomain(new URL(m[1]!).hostname)];
  } catch {
    return [];
  }
}

function buildIocs(report: ReportText): { ioc: Ioc; found: FoundIoc }[] {
  const found = extractIocs(report.text, { benignDomains: ownDomains(report) });
  return found.map((f, i) => {
    const ioc: Ioc = {
      id: `ioc-${i + 1}`,
      type: f.type,
      value: f.value,
      evidence: f.spans.slice(0, IOC_SPANS).map((s) => spanEvidence(report, s, 'pattern')),
    };
    if (f.original && f.original !== f.value) ioc.original = f.original;
    return { ioc, found: f };
  });
}

/** The full result: the ATI document, the extracted text its spans point into, sentence scores, LLM review. */
export async function extractReportDetailed(input: ExtractInput, ctx: ExtractContext): Promise<ExtractResult> {
  const report = await readInput(input);
  const { kb } = ctx;
  const issues: Issue[] = [...report.issues];
  const iocs = buildIocs(report);
  const codeRanges = [...report.inlineCode, ...report.sentences.filter((s) => s.kind === 'code' || s.kind === 'command')].sort((a, b) => a.start - b.start);
  const entities = ctx.entities.find(report.text, { code: codeRanges, sentenceStarts: new Set(report.sentences.map((s) => s.start)) });
  const identification = identifyTechniques(ctx.model, report, ctx.names, ctx.identify);
  const scored = identification.scores.reportSentences ?? report.sentences.length;
  if (scored < report.sentences.length) {
    issues.push({ severity: 'warning', code: 'too-many-sentences', place: { file: report.source.path }, message: `${report.sentences.length} sentences: techniques were identified in the first ${scored} only (IOCs and entities in all)` });
  }
  let selected: CandidateTechnique[] = identification.techniques.map((t) => ({ id: t.id, score: t.score, evidence: t.evidence.map((e) => ({ sentence: e.sentence, score: e.score, method: 'classifier' as EvidenceSpan['method'] })) }));
  let review: LlmReview | undefined;
  if (ctx.llm) {
    // The LLM sees sentences: inline-command units are given as the sentence they lie in.
    const units = identification.units;
    selected = selected.map((t) => {
      const seen = new Set<number>();
      const evidence = t.evidence.map((e) => ({ ...e, sentence: units[e.sentence]?.sentence ?? e.sentence })).filter((e) => !seen.has(e.sentence) && (seen.add(e.sentence), true));
      return { ...t, evidence };
    });
    review = await ctx.llm.review(report, selected, kb);
    issues.push(...review.issues);
    selected = review.techniques;
  }
  const stated = statedTechniques(kb, report);
  const chooser = new TacticChooser(kb);
  const procedures: Procedure[] = [];
  const findings: TechniqueFinding[] = [];
  const evidenceText: string[] = [];
  let procSerial = 0;
  const procInputs: { finding: TechniqueFinding; procs: Procedure[] }[] = [];
  const units = identification.units;
  for (const t of selected) {
    const tech = kb.technique(t.id);
    if (!tech) continue;
    const procs: Procedure[] = [];
    const evidence: EvidenceSpan[] = [];
    const k = ctx.model.classifier.labelIndex.get(t.id);
    for (const e of t.evidence) {
      const unit = units[e.sentence];
      const sentenceIndex = e.method === 'llm' ? e.sentence : (unit?.sentence ?? e.sentence);
      const s = report.sentences[sentenceIndex];
      if (!s) continue;
      let focus: Range = s;
      let focusKind: 'clause' | 'inline-command' | undefined;
      if (e.method === 'llm') focus = quoteRange(report, s, e.quote);
      else if (unit?.kind === 'inline-command') {
        focus = unit;
        focusKind = 'inline-command';
      } else if (k !== undefined && s.kind === 'prose' && s.end - s.start > 100) {
        const best = bestClause(ctx, report, s, k, e.score);
        if (best) {
          focus = best;
          focusKind = 'clause';
        }
      }
      evidence.push({ ...spanEvidence(report, focus, e.method, e.score), sentence: sentenceIndex });
      evidenceText.push(report.text.slice(focus.start, focus.end));
      // A command sentence that an earlier procedure of this technique already quotes is not a new procedure.
      if ((s.kind === 'command' || s.kind === 'code') && procs.some((p) => p.commands.some((c) => c.evidence?.start === s.start))) continue;
      if (procs.length < PROCEDURES_PER_TECHNIQUE) {
        const tactic = chooser.choose(t.id, report, sentenceIndex);
        procs.push(buildProcedure(`proc-${++procSerial}`, { technique: t.id, ...(tactic ? { tactic } : {}), sentence: sentenceIndex, score: e.score, ...(focusKind ? { focus, focusKind } : {}) }, { kb, report, iocs, entities }));
      }
    }
    for (const r of stated.get(t.id) ?? []) evidence.push(spanEvidence(report, r, 'lexical', 1));
    const tactics = [...new Set(procs.map((p) => p.tactic).filter((x): x is string => !!x))];
    const finding: TechniqueFinding = {
      id: t.id,
      name: tech.name,
      tactics: tactics.length ? tactics : tech.tactics.slice(0, 1),
      score: round(t.score),
      evidence,
      procedures: procs.map((p) => p.id),
      variants: [],
    };
    findings.push(finding);
    procedures.push(...procs);
    procInputs.push({ finding, procs });
  }
  const entityIds = new Set(entities.map((e) => e.attackId));
  const platforms = reportPlatforms(report.text);
  for (const { finding, procs } of procInputs) {
    const text = finding.evidence.filter((e) => e.method !== 'lexical').map((e) => e.quote).join(' ');
    finding.variants = techniqueVariants(kb, ctx.atomics, finding.id, procs, { evidenceText: text, entityIds, platforms }, ctx.variants);
  }
  const chain = orderChain(procedures, chooser);
  const statedOnly = [...stated.entries()].filter(([id]) => !findings.some((f) => f.id === id));
  const doc = {
    schema: ATI_SCHEMA_VERSION,
    report: { id: `report-${report.source.sha256.slice(0, 16)}`, title: report.title || report.source.path, source: report.source, textLength: report.text.length },
    generator: {
      tool: 'ttpscope' as const,
      version: ctx.version,
      attackVersion: kb.info.attackVersion,
      ...(ctx.modelId ? { model: ctx.modelId } : {}),
      ...(ctx.llm ? { llm: ctx.llm.describe() } : {}),
    },
    tactics: tacticLayers(kb, findings),
    techniques: findings,
    procedures: chain,
    iocs: iocs.map((i) => i.ioc),
    entities: entities.map((e) => ({
      kind: e.kind,
      attackId: e.attackId,
      name: e.name,
      ...(e.matched !== e.name ? { matched: e.matched } : {}),
      evidence: e.spans.slice(0, IOC_SPANS).map((s) => spanEvidence(report, s, 'entity')),
    })),
    commands: extractCommands(report)
      .slice(0, 500)
      .map((c) => ({ text: c.text.length > 4000 ? c.text.slice(0, 4000) : c.text, interpreter: c.interpreter, evidence: spanEvidence(report, c, 'pattern') })),
    stated: statedOnly.map(([id, ranges]) => ({ id, name: kb.technique(id)?.name ?? id, evidence: ranges.map((r) => spanEvidence(report, r, 'lexical', 1)) })),
  };
  const parsed = AtiDocumentSchema.safeParse(doc);
  if (!parsed.success) throw new Error(`bug: extracted ATI does not match its schema: ${parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return { ati: parsed.data, text: report, identification, ...(review ? { llm: review } : {}), issues };
}

export { sentenceAt };

/** Options for `extractReport` when no ready context is given: loaded once per data dir and reused. */
export interface ExtractSetup {
  dataDir: string;
  version?: string;
  llm?: LlmBackend;
}

const contexts = new Map<string, Promise<ExtractContext>>();

function isContext(x: ExtractContext | ExtractSetup): x is ExtractContext {
  return 'model' in x && 'kb' in x;
}

/**
 * A report (a path, or `{ path | text | bytes | report }`) → its ATI document.
 * `ctx` is a context from `createExtractContext`, or `{ dataDir }` (the
 * context is then created once per data dir and cached). For the extracted
 * text and sentence scores as well, use `extractReportDetailed`.
 */
export async function extractReport(input: string | ExtractInput, ctx: ExtractContext | ExtractSetup): Promise<AtiDocument> {
  const inp: ExtractInput = typeof input === 'string' ? { path: input } : input;
  let context: ExtractContext;
  if (isContext(ctx)) context = ctx;
  else {
    const key = `${ctx.dataDir}\u0000${ctx.version ?? ''}`;
    let p = contexts.get(key);
    if (!p) {
      const { createExtractContext } = await import('./context.js');
      p = createExtractContext({ dataDir: ctx.dataDir, version: ctx.version ?? 'unknown' });
      contexts.set(key, p);
      p.catch(() => contexts.delete(key));
    }
    context = await p;
    if (ctx.llm) context = { ...context, llm: ctx.llm };
  }
  return (await extractReportDetailed(inp, context)).ati;
}
