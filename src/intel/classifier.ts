/**
 * The sentence-level technique classifier: vocabulary + label set + linear
 * multi-label model, trained from `LabelledSentence`s. Labels are the
 * techniques with enough examples; sub-techniques and their parents are
 * separate labels (a sub-technique example is positive for both).
 */
import { featureTerms, Vocabulary, type FeatureOptions, type SparseVector } from './features.js';
import { trainLinear, type LinearScorer, defaultLinearOptions, type LinearTrainOptions, type TrainingExample } from './linear.js';
import type { LabelledSentence, SentenceSource } from './training-data.js';

export interface ClassifierOptions {
  /** Learn only these labels (others are ignored); for experiments and tests. */
  onlyLabels?: Set<string>;
  /** Minimum document frequency of a feature. */
  minDf: number;
  features?: FeatureOptions;
  /** Minimum positive examples for a label to be learned. */
  minExamples: number;
  /** Loss weight per source of examples. */
  sourceWeights: Record<SentenceSource, number>;
  linear: LinearTrainOptions;
}

export const defaultClassifierOptions: ClassifierOptions = {
  minDf: 2,
  minExamples: 3,
  sourceWeights: { procedure: 1, technique: 0, tram: 8, 'tram-span': 3, 'tram-negative': 2, 'tram-window': 3, 'tram-extra': 3, atomic: 0.5 },
  linear: defaultLinearOptions,
};

/**
 * Sources whose examples teach only their own labels: TRAM's sentence sets
 * label each sentence with one technique (single_label.json) or a few, so a
 * sentence about an encoded PowerShell download labelled T1105 says nothing
 * against T1059.001 — as a negative it would teach the opposite.
 */
const POSITIVE_ONLY = new Set<SentenceSource>(['tram-extra']);

export class TechniqueClassifier {
  private readonly scratch: Float64Array;
  readonly labelIndex = new Map<string, number>();

  constructor(
    readonly vocabulary: Vocabulary,
    readonly labels: string[],
    readonly model: LinearScorer,
  ) {
    labels.forEach((l, i) => this.labelIndex.set(l, i));
    this.scratch = new Float64Array(labels.length);
  }

  featurize(text: string, shape: readonly string[] = []): SparseVector {
    return this.vocabulary.featurize(text, shape);
  }

  /** Probabilities of every label (in `labels` order); the returned array is reused by the next call unless `out` is given. */
  predictVector(x: SparseVector, out: Float64Array = this.scratch): Float64Array {
    return this.model.probabilities(x, out);
  }

  predict(text: string, shape: readonly string[] = [], out?: Float64Array): Float64Array {
    return this.predictVector(this.featurize(text, shape), out);
  }
}

export function trainClassifier(sentences: LabelledSentence[], opts: ClassifierOptions = defaultClassifierOptions): TechniqueClassifier {
  const termLists = sentences.map((s) => featureTerms(s.text, s.shape, opts.features));
  const vocabulary = Vocabulary.build(termLists, opts.minDf, opts.features);
  const counts = new Map<string, number>();
  for (const s of sentences) for (const l of s.labels) counts.set(l, (counts.get(l) ?? 0) + 1);
  const labels = [...counts.entries()].filter(([l, c]) => c >= opts.minExamples && (!opts.onlyLabels || opts.onlyLabels.has(l))).map(([l]) => l).sort();
  const index = new Map(labels.map((l, i) => [l, i]));
  const examples: TrainingExample[] = [];
  sentences.forEach((s, i) => {
    const x = vocabulary.vector(termLists[i]!);
    if (x.idx.length === 0) return;
    const ls = s.labels.map((l) => index.get(l)).filter((v): v is number => v !== undefined);
    examples.push({ x, labels: ls, weight: opts.sourceWeights[s.source], ...(POSITIVE_ONLY.has(s.source) ? { positiveOnly: true } : {}) });
  });
  const model = trainLinear(examples, vocabulary.size, labels.length, opts.linear);
  return new TechniqueClassifier(vocabulary, labels, model);
}
