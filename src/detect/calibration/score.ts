/**
 * Scoring a detection unit with a calibration: semantic candidates →
 * calibrated probabilities (logistic model over `candidateFeatures`); Sigma
 * hits → each rule's reliability (its precision on training files, smoothed
 * toward its level's); fusion per technique family by noisy-OR,
 * 1 − (1 − p_semantic)(1 − r_rule), as two independent pieces of evidence;
 * then the per-technique threshold decides. Pure: the same unit and
 * calibration give the same result.
 */
import { parentOf, techniqueMatches, type TechniqueInfo } from '../techniques.js';
import type { RuleInfo } from '../rules.js';
import type { DetectionUnit } from '../unit.js';
import type { AlertTechnique, RuleAgreement, RuleHit } from '../types.js';
import { baselineOf, candidateFeatures, FEATURE_COUNT, type Baseline } from './features.js';
import { predict } from './logistic.js';
import type { Calibration } from './model.js';
import { thresholdFor, type ThresholdSet } from './thresholds.js';

/** `fused`: semantic and rule evidence; `semantic`: the encoder alone (rules still shown as evidence). */
export type ScoreMode = 'fused' | 'semantic';

export interface ScoreOptions {
  mode?: ScoreMode;
  /** Semantic candidates considered per sequence. Default: the calibration's. */
  topK?: number;
  /** One threshold for every technique instead of the learned ones. */
  minScore?: number;
}

export interface ScoredTechnique extends AlertTechnique {
  pass: boolean;
}

export interface UnitScore {
  techniques: ScoredTechnique[];
  hits: RuleHit[];
}

export interface SemanticScore {
  technique: string;
  p: number;
  rank: number;
}

export class UnitScorer {
  readonly baseline: Baseline;
  readonly mode: ScoreMode;
  readonly topK: number;
  private readonly minScore: number | undefined;
  private readonly x = new Float64Array(FEATURE_COUNT);

  constructor(
    readonly calibration: Calibration,
    private readonly info: TechniqueInfo,
    private readonly rules: readonly RuleInfo[],
    opts: ScoreOptions = {},
  ) {
    this.baseline = baselineOf(calibration.baseline);
    this.mode = opts.mode ?? 'fused';
    this.topK = Math.max(1, opts.topK ?? calibration.topK);
    this.minScore = opts.minScore;
  }

  /** Smoothed precision of a rule on the training files (its level's precision when unseen). */
  reliability(rule: RuleInfo): number {
    const r = this.calibration.rules;
    const prior = r.levelPrior[rule.level] ?? r.levelPrior.unknown ?? 0.1;
    const [correct, total] = r.stats[rule.id] ?? [0, 0];
    return (correct + r.alpha * prior) / (total + r.alpha);
  }

  /**
   * Calibrated probabilities of the unit's first `topK` semantic candidates.
   * The logistic model's probability is then divided by the number of cells
   * (host × 10-minute stretch) the unit's exact pattern was seen in: an
   * intrusion does not repeat identical behaviour on many hosts or hour after
   * hour, so of n such occurrences at most one is taken to be it. The
   * training recordings are a few minutes on a few hosts each, too short to
   * learn this from (the `patternCells` weight stays near zero there), so it
   * is applied as this rule, not learned.
   */
  semantic(unit: DetectionUnit, own: 0 | 1 = 0): SemanticScore[] {
    const out: SemanticScore[] = [];
    const n = Math.min(this.topK, unit.candidates.length);
    const spread = Math.max(1, unit.patternCells);
    for (let i = 0; i < n; i++) {
      candidateFeatures(unit, i, this.baseline, own, this.x);
      out.push({ technique: unit.candidates[i]!.technique, p: predict(this.calibration.semanticModel, this.x) / spread, rank: i });
    }
    return out;
  }

  private thresholds(): ThresholdSet {
    return this.mode === 'fused' ? this.calibration.fused : this.calibration.semantic;
  }

  score(unit: DetectionUnit, own: 0 | 1 = 0): UnitScore {
    const sem = this.semantic(unit, own);
    interface Group {
      technique: string;
      semantic: number;
      rank?: number;
      rules: Set<string>;
      rule: number;
    }
    const groups: Group[] = sem.map((s) => ({ technique: s.technique, semantic: s.p, rank: s.rank, rules: new Set<string>(), rule: 0 }));
    const semanticTechniques = sem.map((s) => s.technique);
    const topTactics = new Set(sem.length ? this.info.tactics(sem[0]!.technique) : []);
    const hits: RuleHit[] = [];
    const seenRule = new Set<number>();
    for (const h of unit.hits) {
      const rule = this.rules[h.rule];
      if (!rule) continue;
      const reliability = this.reliability(rule);
      hits.push({
        ruleId: rule.id,
        title: rule.title,
        level: rule.level,
        techniques: rule.techniques,
        tactics: rule.tactics,
        agreement: agreement(rule, semanticTechniques, topTactics),
        reliability: +reliability.toFixed(4),
        event: h.event,
      });
      if (seenRule.has(h.rule)) continue;
      seenRule.add(h.rule);
      for (const t of rule.techniques) {
        let g = groups.find((x) => techniqueMatches(t, x.technique));
        if (!g) {
          g = { technique: t, semantic: 0, rules: new Set(), rule: 0 };
          groups.push(g);
        }
        g.rules.add(rule.id);
        g.rule = Math.max(g.rule, reliability);
      }
    }
    const set = this.thresholds();
    const techniques: ScoredTechnique[] = [];
    for (const g of groups) {
      const fromRules = this.mode === 'fused' ? g.rule : 0;
      if (g.semantic === 0 && fromRules === 0) continue;
      const score = 1 - (1 - g.semantic) * (1 - fromRules);
      const threshold = this.minScore ?? thresholdFor(set, g.technique);
      const cand = g.rank !== undefined ? unit.candidates[g.rank] : undefined;
      techniques.push({
        id: g.technique,
        name: this.info.name(g.technique),
        tactics: this.info.tactics(g.technique),
        score: +score.toFixed(4),
        threshold,
        semantic: +g.semantic.toFixed(4),
        ...(cand ? { cosine: +cand.cosine.toFixed(4), rank: g.rank!, match: cand.evidence } : {}),
        rules: [...g.rules].sort(),
        origin: g.semantic > 0 && g.rules.size > 0 ? 'both' : g.semantic > 0 ? 'semantic' : 'sigma',
        pass: score >= threshold,
      });
    }
    // ties (one rule naming several techniques): more supporting rules, then the better semantic rank
    techniques.sort((a, b) => b.score - a.score || b.rules.length - a.rules.length || (a.rank ?? 99) - (b.rank ?? 99) || (a.id < b.id ? -1 : 1));
    return { techniques, hits };
  }
}

/** How a rule relates to the unit's semantic candidates. */
function agreement(rule: RuleInfo, semantic: readonly string[], topTactics: ReadonlySet<string>): RuleAgreement {
  if (rule.techniques.length === 0 && rule.tactics.length === 0) return 'untagged';
  if (rule.techniques.some((t) => semantic.some((s) => techniqueMatches(t, s) || parentOf(t) === parentOf(s)))) return 'agree';
  if (rule.tactics.some((t) => topTactics.has(t))) return 'tactic';
  return 'disagree';
}
