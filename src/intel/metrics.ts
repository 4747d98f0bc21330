/**
 * Multi-label scoring for technique extraction: per-document predicted and
 * gold id sets → micro F1 (pooled counts), macro F1 (mean over techniques
 * present in the gold or the predictions; a technique that is in neither is
 * undefined and left out), per-technique precision/recall.
 */
import { parentOf } from './tram.js';

export interface LabelCounts {
  tp: number;
  fp: number;
  fn: number;
}

export interface MultiLabelScore {
  micro: { precision: number; recall: number; f1: number };
  macro: { precision: number; recall: number; f1: number; labels: number };
  perLabel: Map<string, LabelCounts & { precision: number; recall: number; f1: number }>;
  documents: number;
}

function prf(c: LabelCounts): { precision: number; recall: number; f1: number } {
  const precision = c.tp + c.fp > 0 ? c.tp / (c.tp + c.fp) : 0;
  const recall = c.tp + c.fn > 0 ? c.tp / (c.tp + c.fn) : 0;
  const f1 = c.tp > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  return { precision, recall, f1 };
}

export interface ScoreOptions {
  /** Roll sub-techniques up to their parent before scoring. */
  rollUp?: boolean;
  /** Keep only these ids (after roll-up) in both gold and predictions. */
  restrictTo?: Set<string>;
}

export function normaliseIds(ids: Iterable<string>, opts: ScoreOptions): Set<string> {
  const out = new Set<string>();
  for (const id of ids) {
    const x = opts.rollUp ? parentOf(id) : id;
    if (!opts.restrictTo || opts.restrictTo.has(x)) out.add(x);
  }
  return out;
}

export function scoreMultiLabel(docs: { gold: Iterable<string>; predicted: Iterable<string> }[], opts: ScoreOptions = {}): MultiLabelScore {
  const counts = new Map<string, LabelCounts>();
  const get = (l: string) => {
    let c = counts.get(l);
    if (!c) counts.set(l, (c = { tp: 0, fp: 0, fn: 0 }));
    return c;
  };
  const total: LabelCounts = { tp: 0, fp: 0, fn: 0 };
  for (const d of docs) {
    const gold = normaliseIds(d.gold, opts);
    const pred = normaliseIds(d.predicted, opts);
    for (const p of pred) {
      if (gold.has(p)) {
        get(p).tp++;
        total.tp++;
      } else {
        get(p).fp++;
        total.fp++;
      }
    }
    for (const g of gold) {
      if (!pred.has(g)) {
        get(g).fn++;
        total.fn++;
      }
    }
  }
  const perLabel = new Map<string, LabelCounts & { precision: number; recall: number; f1: number }>();
  let sp = 0;
  let sr = 0;
  let sf = 0;
  for (const [l, c] of [...counts.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const s = prf(c);
    perLabel.set(l, { ...c, ...s });
    sp += s.precision;
    sr += s.recall;
    sf += s.f1;
  }
  const n = counts.size;
  return {
    micro: prf(total),
    macro: { precision: n ? sp / n : 0, recall: n ? sr / n : 0, f1: n ? sf / n : 0, labels: n },
    perLabel,
    documents: docs.length,
  };
}
