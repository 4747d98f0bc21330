/**
 * Per-event bookkeeping of the literal prefilter, shared by every index of a
 * rule set (clause and unit ids are global): a clause is hit when
 * `clauseHit[c] === stamp`; a unit whose count of hit clauses reaches its
 * number of indexed clauses is added to `hits` once.
 */
export class HitState {
  readonly clauseHit: Uint32Array;
  readonly unitCount: Uint8Array;
  readonly unitEpoch: Uint32Array;
  /** Candidate units of the current event: `hits[0..hitCount)`. */
  readonly hits: Int32Array;
  hitCount = 0;
  /**
   * While a scan memo records one value's scan (`literal-memo.ts`): every (unit, clause) anchor the scan
   * finds, as pairs, before the per-event de-duplication, so replaying them in another event is exact.
   */
  recording: number[] | null = null;

  constructor(
    clauses: number,
    readonly unitClauses: Uint8Array,
  ) {
    this.clauseHit = new Uint32Array(clauses);
    this.unitCount = new Uint8Array(unitClauses.length);
    this.unitEpoch = new Uint32Array(unitClauses.length);
    this.hits = new Int32Array(unitClauses.length);
  }

  /** After the epoch counter wraps: forget every stamp. */
  clear(): void {
    this.clauseHit.fill(0);
    this.unitEpoch.fill(0);
  }
}

/** Count the (unit, clause) anchors in [a0, a1) as hit in this event. */
export function markAnchors(st: HitState, stamp: number, anchorUnit: Int32Array, anchorClause: Int32Array, a0: number, a1: number): void {
  const rec = st.recording;
  if (rec !== null) for (let a = a0; a < a1; a++) rec.push(anchorUnit[a]!, anchorClause[a]!);
  const { clauseHit, unitCount, unitEpoch, unitClauses } = st;
  for (let a = a0; a < a1; a++) {
    const c = anchorClause[a]!;
    if (clauseHit[c] === stamp) continue;
    clauseHit[c] = stamp;
    const u = anchorUnit[a]!;
    if (unitEpoch[u] !== stamp) {
      unitEpoch[u] = stamp;
      unitCount[u] = 0;
    }
    if (++unitCount[u]! === unitClauses[u]) st.hits[st.hitCount++] = u;
  }
}

/** `markAnchors` over recorded (unit, clause) pairs, in their order. */
export function markPairs(st: HitState, stamp: number, pairs: Int32Array): void {
  const { clauseHit, unitCount, unitEpoch, unitClauses } = st;
  for (let k = 0; k < pairs.length; k += 2) {
    const c = pairs[k + 1]!;
    if (clauseHit[c] === stamp) continue;
    clauseHit[c] = stamp;
    const u = pairs[k]!;
    if (unitEpoch[u] !== stamp) {
      unitEpoch[u] = stamp;
      unitCount[u] = 0;
    }
    if (++unitCount[u]! === unitClauses[u]) st.hits[st.hitCount++] = u;
  }
}
