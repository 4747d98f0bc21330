/**
 * The trained technique model: sentence classifier + report aggregator,
 * built deterministically from ATT&CK and the TRAM train split only.
 *
 * Build: (1) k-fold cross-validation over the train reports — a classifier
 * trained without a fold scores that fold's sentences, giving out-of-fold
 * scores for all 120 train reports; (2) the aggregator and its threshold are
 * fitted on those; (3) the final classifier is trained on everything. The
 * cross-validation classifiers learn only the TRAM labels (what the
 * aggregator is calibrated on), the final one every technique with enough
 * examples.
 */
import type { KnowledgeBase } from '../kb/index.js';
import { trainAggregator, ReportAggregator, relatedLabels, defaultAggregatorOptions, type CalibrationReport, type AggregatorSnapshot } from './aggregate.js';
import { trainClassifier, defaultClassifierOptions, type ClassifierOptions, type TechniqueClassifier } from './classifier.js';
import { defaultWindows, MAX_SCORED_SENTENCES, scoreSentences, scoringUnits, type WindowOptions } from './scoring.js';
import { TechniqueNames } from './shape.js';
import { AtomicLibrary } from './atomics.js';
import { atomicSentences, attackSentences, RELEVANCE_LABEL, segmentTramReport, tramExtraSentences, tramSentences, tramSpanExamples, tramWindowExamples, withParents, type LabelledSentence, type SegmentedTramReport } from './training-data.js';
import { scoreMultiLabel } from './metrics.js';
import { parentOf, readTram, type TramData, type TramReport } from './tram.js';

/** TRAM's sentence files as a source: read from `tramDir`, never a sentence of a `test` report. */
export interface ExtraSource {
  tramDir: string;
  test: readonly TramReport[];
}

export interface TechniqueModelOptions {
  folds: number;
  classifier: ClassifierOptions;
}

export const defaultTechniqueModelOptions: TechniqueModelOptions = {
  folds: 5,
  classifier: defaultClassifierOptions,
};

export type BuildProgress = (stage: string, done: number, total: number) => void;

/** What a model is built from (besides ATT&CK in the knowledge base). */
export interface BuildSources {
  /** TRAM folder: `tram2-annotated-reports.jsonl` and `sok-doc-split.json`. */
  tramDir: string;
  /** Atomic Red Team `atomics/` folder (optional: its tests become examples). */
  atomicsDir?: string;
}

export class TechniqueModel {
  readonly aggregator: ReportAggregator;
  private related: number[][] | undefined;

  constructor(
    readonly classifier: TechniqueClassifier,
    aggregator: AggregatorSnapshot,
    readonly meta: Record<string, unknown> = {},
  ) {
    this.aggregator = new ReportAggregator(aggregator);
  }

  /**
   * The word windows the model was calibrated with (stored in its metadata);
   * a model built before windows existed has none, and is scored without.
   */
  get windows(): WindowOptions | undefined {
    const w = this.meta.windows as Partial<WindowOptions> | undefined;
    return w && typeof w.words === 'number' && typeof w.stride === 'number' && typeof w.minWords === 'number' && w.words > 0 && w.stride > 0 ? { words: w.words, stride: w.stride, minWords: w.minWords } : undefined;
  }

  relatedLabels(): number[][] {
    return (this.related ??= relatedLabels(this.classifier.labels, new Set(this.aggregator.snapshot.calibrated)));
  }
}

/**
 * The label set calibrated on TRAM: the typed-label ids that occur in the
 * train reports (76 of TRAM's 77: T1055.009 occurs only in test reports, and
 * a learned label set must not know that) and their parents.
 */
export function calibratedLabels(tram: TramData): Set<string> {
  const ids = new Set<string>();
  for (const r of tram.train) for (const s of r.spans) if (s.kind === 'label') ids.add(s.technique);
  return new Set(withParents(ids).filter((l) => l !== RELEVANCE_LABEL));
}

/** The examples taken from TRAM train reports: their sentences, gold spans and (when weighted) word windows. */
export function tramReportExamples(reports: SegmentedTramReport[], names: TechniqueNames, opts: ClassifierOptions): LabelledSentence[] {
  return [...tramSentences(reports, names), ...tramSpanExamples(reports, names), ...(opts.sourceWeights['tram-window'] > 0 ? tramWindowExamples(reports, names) : [])];
}

export function foldOf(index: number, folds: number): number {
  return index % folds;
}

/** Out-of-fold sentence scores for every train report. */
export function crossValidate(kb: KnowledgeBase, train: SegmentedTramReport[], labels: Set<string>, opts: TechniqueModelOptions, names: TechniqueNames, progress?: BuildProgress, atomicsDir?: string, extra?: ExtraSource): CalibrationReport[] {
  const att = [...attackSentences(kb, names), ...atomicSentences(kb, new AtomicLibrary(atomicsDir), names)];
  const out: CalibrationReport[] = new Array(train.length);
  for (let f = 0; f < opts.folds; f++) {
    progress?.('cross-validation', f, opts.folds);
    const rest = train.filter((_, i) => foldOf(i, opts.folds) !== f);
    // TRAM's sentence files hold sentences of every report: drop the held-out fold's (and the test reports') here.
    const held = train.filter((_, i) => foldOf(i, opts.folds) === f).map((s) => s.report);
    const more = extra ? tramExtraSentences(kb, extra.tramDir, [...extra.test, ...held], names).sentences : [];
    const clf = trainClassifier([...att, ...tramReportExamples(rest, names, opts.classifier), ...more], { ...opts.classifier, onlyLabels: new Set([...labels, RELEVANCE_LABEL]) });
    train.forEach((seg, i) => {
      if (foldOf(i, opts.folds) !== f) return;
      out[i] = { scores: scoreSentences(clf, seg.text, names, scoringUnits(seg.text, MAX_SCORED_SENTENCES, defaultWindows)), gold: new Set(seg.spans.map((s) => s.technique)) };
    });
  }
  progress?.('cross-validation', opts.folds, opts.folds);
  return out;
}

export function buildTechniqueModel(kb: KnowledgeBase, sources: BuildSources, opts: TechniqueModelOptions = defaultTechniqueModelOptions, progress?: BuildProgress): TechniqueModel {
  const tram = readTram(kb, sources.tramDir);
  const names = new TechniqueNames(kb);
  const train = tram.train.map(segmentTramReport);
  const labels = calibratedLabels(tram);
  const extra: ExtraSource = { tramDir: sources.tramDir, test: tram.test };
  const oof = crossValidate(kb, train, labels, opts, names, progress, sources.atomicsDir, extra);
  progress?.('calibration', 0, 1);
  const aggregator = trainAggregator(oof, { ...defaultAggregatorOptions, calibrated: labels });
  const cv = crossValidationScore(oof, aggregator, tram);
  progress?.('final classifier', 0, 1);
  const att = [...attackSentences(kb, names), ...atomicSentences(kb, new AtomicLibrary(sources.atomicsDir), names)];
  const extraFinal = tramExtraSentences(kb, extra.tramDir, extra.test, names);
  const more = extraFinal.sentences;
  const classifier = trainClassifier([...att, ...tramReportExamples(train, names, opts.classifier), ...more], opts.classifier);
  progress?.('final classifier', 1, 1);
  return new TechniqueModel(classifier, aggregator, { trainReports: train.length, folds: opts.folds, labels: classifier.labels.length, features: classifier.vocabulary.size, cv, windows: defaultWindows, tramExtraSentences: more.length, tramExtraDropped: extraFinal.dropped });
}

/**
 * Report-level scores of the out-of-fold predictions (restricted to TRAM's
 * labels, parent level). The aggregator was fitted on these same reports, so
 * this is an optimistic estimate for the aggregator; the sentence scores are
 * honest out-of-fold.
 */
export function crossValidationScore(oof: CalibrationReport[], snapshot: AggregatorSnapshot, tram: TramData): { microF1: number; macroF1: number; microP: number; microR: number } {
  const agg = new ReportAggregator(snapshot);
  const related = relatedLabels(oof[0]!.scores.labels);
  const docs = oof.map((r) => {
    const s = agg.scores(r.scores, related);
    return { gold: r.gold, predicted: r.scores.labels.filter((l, k) => !l.startsWith('@') && s[k]! >= snapshot.threshold) };
  });
  const score = scoreMultiLabel(docs, { rollUp: true, restrictTo: new Set([...tram.labelIds].map(parentOf)) });
  return { microF1: score.micro.f1, macroF1: score.macro.f1, microP: score.micro.precision, microR: score.micro.recall };
}
