/** Retrieval metrics over ranked technique lists: recall@k (any label in the top k) and mean reciprocal rank. */

export interface RetrievalMetrics {
  n: number;
  r1: number;
  r5: number;
  r10: number;
  mrr: number;
}

export class RetrievalScorer {
  private n = 0;
  private hits1 = 0;
  private hits5 = 0;
  private hits10 = 0;
  private rr = 0;

  /** `ranked`: technique ids best first; `labels`: the right answers. */
  add(ranked: readonly string[], labels: readonly string[]): void {
    const want = new Set(labels);
    const rank = ranked.findIndex((id) => want.has(id));
    this.n++;
    if (rank < 0) return;
    if (rank < 1) this.hits1++;
    if (rank < 5) this.hits5++;
    if (rank < 10) this.hits10++;
    this.rr += 1 / (rank + 1);
  }

  result(): RetrievalMetrics {
    const d = Math.max(1, this.n);
    return { n: this.n, r1: this.hits1 / d, r5: this.hits5 / d, r10: this.hits10 / d, mrr: this.rr / d };
  }
}
