/**
 * The inner loops of the two-pass k-NN (`projected-search.ts`) as
 * WebAssembly, emitted at run time by `src/embed/wasm/builder.ts`: the first
 * pass (SIMD), the candidate filter and the exact rescoring (below). The
 * first pass computes exactly the sums of the scalar loop it replaces: per
 * entry i and query b, acc = 0, then for each group of four directions c..c+3
 *   acc = acc + (((y[c]·q[c] + y[c+1]·q[c+1]) + y[c+2]·q[c+2]) + y[c+3]·q[c+3]),
 * then acc = acc + y[c]·q[c] for the directions left over, all in float64
 * (WebAssembly has no fused multiply-add in these instructions, and its
 * float64 operations round as JavaScript's do), so the results are
 * bit-identical (test/detect/projected-kernel.test.ts); two entries per
 * f64x2, four per step. The memory (one per `ProjectedSearch`) is laid out by
 * the caller; the first pass reads (float64) projected entries column by column,
 * each column padded to `n4` (a multiple of 4) entries; the projected
 * queries row by row (r per query); the output row by row (n4 per query).
 */
import { addTo, buildModule, F64, I32, loopUntil, op, V128 } from '../embed/wasm/builder.js';

// parameters
const Y = 0;
const N4 = 1;
const R = 2;
const QP = 3;
const NQ = 4;
const ACC = 5;
const BLOCK = 6;
// locals
const I0 = 7;
const I1 = 8;
const B = 9;
const I = 10;
const C = 11;
const P = 12;
const QB = 13;
const QC = 14;
const COL_STRIDE = 15;
const R4 = 16;
const ACC_ROW = 17;
const LO = 18;
const HI = 19;
const GLO = 20;
const GHI = 21;
const QS = 22;

const add = addTo;

/** glo/ghi (=|+=) y[p], y[p+2] · qs; then p moves to the next column. */
function term(first: boolean): number[] {
  const lane = (g: number, offset: number) =>
    first ? [...op.get(P), ...op.v128Load(offset), ...op.get(QS), ...op.f64x2Mul(), ...op.set(g)] : [...op.get(g), ...op.get(P), ...op.v128Load(offset), ...op.get(QS), ...op.f64x2Mul(), ...op.f64x2Add(), ...op.set(g)];
  return [...lane(GLO, 0), ...lane(GHI, 16), ...add(P, op.get(COL_STRIDE))];
}

function firstPassBody(): number[] {
  const group: number[] = [];
  for (let k = 0; k < 4; k++) group.push(...op.get(QC), ...op.v128Load64Splat(8 * k), ...op.set(QS), ...term(k === 0));
  const groups = loopUntil(
    [...op.get(C), ...op.get(R4), ...op.i32GeU()],
    [
      ...group,
      ...op.get(LO), ...op.get(GLO), ...op.f64x2Add(), ...op.set(LO),
      ...op.get(HI), ...op.get(GHI), ...op.f64x2Add(), ...op.set(HI),
      ...add(C, op.i32(4)),
      ...add(QC, op.i32(32)),
    ],
  );
  // a direction left over: lo/hi += y · q, one column at a time
  const single = (acc: number, offset: number) => [...op.get(acc), ...op.get(P), ...op.v128Load(offset), ...op.get(QS), ...op.f64x2Mul(), ...op.f64x2Add(), ...op.set(acc)];
  const rest = loopUntil(
    [...op.get(C), ...op.get(R), ...op.i32GeU()],
    [...op.get(QC), ...op.v128Load64Splat(0), ...op.set(QS), ...single(LO, 0), ...single(HI, 16), ...add(P, op.get(COL_STRIDE)), ...add(C, op.i32(1)), ...add(QC, op.i32(8))],
  );
  const entries = loopUntil(
    [...op.get(I), ...op.get(I1), ...op.i32GeU()],
    [
      ...op.v128Zero(), ...op.set(LO),
      ...op.v128Zero(), ...op.set(HI),
      ...op.i32(0), ...op.set(C),
      ...op.get(QB), ...op.set(QC),
      ...op.get(Y), ...op.get(I), ...op.i32(3), ...op.i32Shl(), ...op.i32Add(), ...op.set(P),
      ...groups,
      ...rest,
      ...op.get(ACC_ROW), ...op.get(I), ...op.i32(3), ...op.i32Shl(), ...op.i32Add(), ...op.tee(P),
      ...op.get(LO), ...op.v128Store(0),
      ...op.get(P), ...op.get(HI), ...op.v128Store(16),
      ...add(I, op.i32(4)),
    ],
  );
  const queries = loopUntil(
    [...op.get(B), ...op.get(NQ), ...op.i32GeU()],
    [
      ...op.get(QP), ...op.get(B), ...op.get(R), ...op.i32Mul(), ...op.i32(3), ...op.i32Shl(), ...op.i32Add(), ...op.set(QB),
      ...op.get(ACC), ...op.get(B), ...op.get(COL_STRIDE), ...op.i32Mul(), ...op.i32Add(), ...op.set(ACC_ROW),
      ...op.get(I0), ...op.set(I),
      ...entries,
      ...add(B, op.i32(1)),
    ],
  );
  const blocks = loopUntil(
    [...op.get(I0), ...op.get(N4), ...op.i32GeU()],
    [
      // i1 = min(n4, i0 + block)
      ...op.get(N4), ...op.get(I0), ...op.get(BLOCK), ...op.i32Add(), ...op.tee(I1),
      ...op.get(I1), ...op.get(N4), ...op.i32GtU(), ...op.select(), ...op.set(I1),
      ...op.i32(0), ...op.set(B),
      ...queries,
      ...op.get(I1), ...op.set(I0),
    ],
  );
  return [
    ...op.get(N4), ...op.i32(3), ...op.i32Shl(), ...op.set(COL_STRIDE),
    ...op.get(R), ...op.i32(-4), ...op.i32And(), ...op.set(R4),
    ...op.i32(0), ...op.set(I0),
    ...blocks,
  ];
}

/**
 * The entries that may be shortlisted (see `ProjectedSearch.shortlistOf`):
 * gm[j] = max of acc[j], acc[j+k], acc[j+2k], … (k disjoint groups), floor =
 * the smallest gm[j], and every entry with acc[i] ≥ floor in row order,
 * its row into rows[] (int32) and its score into cand[] (float64), without a
 * branch per entry; returns how many.
 */
function candidatesBody(): number[] {
  const [ACC, N, K, GM, ROWS, CAND] = [0, 1, 2, 3, 4, 5];
  const [BASE, J, M, I, P, LIM, ADDR] = [6, 7, 8, 9, 10, 11, 12];
  const [FLOOR, V] = [13, 14];
  const at8 = (base: number, index: number) => [...op.get(base), ...op.get(index), ...op.i32(3), ...op.i32Shl(), ...op.i32Add()];
  const clear = loopUntil([...op.get(J), ...op.get(K), ...op.i32GeU()], [...at8(GM, J), ...op.f64Const(-Infinity), ...op.f64Store(), ...add(J, op.i32(1))]);
  const group = loopUntil(
    [...op.get(J), ...op.get(LIM), ...op.i32GeU()],
    [...at8(GM, J), ...op.tee(ADDR), ...op.get(ADDR), ...op.f64Load(), ...op.get(P), ...op.f64Load(), ...op.f64Max(), ...op.f64Store(), ...add(J, op.i32(1)), ...add(P, op.i32(8))],
  );
  const groups = loopUntil(
    [...op.get(BASE), ...op.get(N), ...op.i32GeU()],
    [
      // lim = min(k, n − base)
      ...op.get(K), ...op.get(N), ...op.get(BASE), ...op.i32Sub(), ...op.tee(LIM),
      ...op.get(LIM), ...op.get(K), ...op.i32GtU(), ...op.select(), ...op.set(LIM),
      ...op.i32(0), ...op.set(J),
      ...at8(ACC, BASE), ...op.set(P),
      ...group,
      ...add(BASE, op.get(K)),
    ],
  );
  const floor = loopUntil([...op.get(J), ...op.get(K), ...op.i32GeU()], [...op.get(FLOOR), ...at8(GM, J), ...op.f64Load(), ...op.f64Min(), ...op.set(FLOOR), ...add(J, op.i32(1))]);
  const keep = loopUntil(
    [...op.get(I), ...op.get(N), ...op.i32GeU()],
    [
      ...at8(ACC, I), ...op.f64Load(), ...op.set(V),
      ...op.get(ROWS), ...op.get(M), ...op.i32(2), ...op.i32Shl(), ...op.i32Add(), ...op.get(I), ...op.i32Store(),
      ...at8(CAND, M), ...op.get(V), ...op.f64Store(),
      ...op.get(M), ...op.get(V), ...op.get(FLOOR), ...op.f64Ge(), ...op.i32Add(), ...op.set(M),
      ...add(I, op.i32(1)),
    ],
  );
  return [
    ...op.i32(0), ...op.set(J), ...clear,
    ...op.i32(0), ...op.set(BASE), ...groups,
    ...op.f64Const(Infinity), ...op.set(FLOOR), ...op.i32(0), ...op.set(J), ...floor,
    ...op.i32(0), ...op.set(M), ...op.i32(0), ...op.set(I), ...keep,
    ...op.get(M),
  ];
}

/**
 * The exact rescoring: scores[p] = Σ_a x[row·d + a] · q[b·d + a], summed in
 * order a = 0, 1, …, d − 1 in float64 (x float32, q float64), where
 * pairs[p] = row · 2^shift + b; four pairs at a time (four independent sums),
 * then one at a time, as the scalar loop it replaces.
 */
function rescoreBody(): number[] {
  const [X, D, Q, PAIRS, COUNT, SCORES, SHIFT] = [0, 1, 2, 3, 4, 5, 6];
  const [P, A, PAIR] = [7, 8, 9];
  const xAt = (k: number) => 10 + k; // 4 locals: x address of lane k
  const qAt = (k: number) => 14 + k; // 4 locals: q address of lane k
  const sum = (k: number) => 18 + k; // 4 f64 locals
  const lanes = (count: number): number[] => {
    const setup: number[] = [];
    for (let k = 0; k < count; k++) {
      setup.push(
        ...op.get(PAIRS), ...op.get(P), ...op.i32(k), ...op.i32Add(), ...op.i32(2), ...op.i32Shl(), ...op.i32Add(), ...op.i32Load(), ...op.set(PAIR),
        // x address: x + (pair >> shift) · d · 4; q address: q + (pair & (2^shift − 1)) · d · 8
        ...op.get(X), ...op.get(PAIR), ...op.get(SHIFT), ...op.i32ShrU(), ...op.get(D), ...op.i32Mul(), ...op.i32(2), ...op.i32Shl(), ...op.i32Add(), ...op.set(xAt(k)),
        ...op.get(Q), ...op.get(PAIR), ...op.i32(1), ...op.get(SHIFT), ...op.i32Shl(), ...op.i32(1), ...op.i32Sub(), ...op.i32And(), ...op.get(D), ...op.i32Mul(), ...op.i32(3), ...op.i32Shl(), ...op.i32Add(), ...op.set(qAt(k)),
        ...op.f64Const(0), ...op.set(sum(k)),
      );
    }
    const step: number[] = [];
    for (let k = 0; k < count; k++) {
      step.push(
        ...op.get(sum(k)), ...op.get(xAt(k)), ...op.f32Load(), ...op.f64PromoteF32(), ...op.get(qAt(k)), ...op.f64Load(), ...op.f64Mul(), ...op.f64Add(), ...op.set(sum(k)),
        ...add(xAt(k), op.i32(4)), ...add(qAt(k), op.i32(8)),
      );
    }
    const store: number[] = [];
    for (let k = 0; k < count; k++) store.push(...op.get(SCORES), ...op.get(P), ...op.i32(k), ...op.i32Add(), ...op.i32(3), ...op.i32Shl(), ...op.i32Add(), ...op.get(sum(k)), ...op.f64Store());
    return [...setup, ...op.i32(0), ...op.set(A), ...loopUntil([...op.get(A), ...op.get(D), ...op.i32GeU()], [...step, ...add(A, op.i32(1))]), ...store, ...add(P, op.i32(count))];
  };
  return [
    ...op.i32(0), ...op.set(P),
    // while p + 4 ≤ count
    ...loopUntil([...op.get(P), ...op.i32(4), ...op.i32Add(), ...op.get(COUNT), ...op.i32GtU()], lanes(4)),
    ...loopUntil([...op.get(P), ...op.get(COUNT), ...op.i32GeU()], lanes(1)),
  ];
}

export interface KnnKernels {
  memory: WebAssembly.Memory;
  /** acc[b·n4 + i] for queries b < nq (byte offsets into `memory`), entries handled `block` at a time for every query. */
  firstPass(y: number, n4: number, r: number, qp: number, nq: number, acc: number, block: number): void;
  /** See `candidatesBody` (byte offsets into `memory`). */
  candidates(acc: number, n: number, k: number, gm: number, rows: number, cand: number): number;
  /** See `rescoreBody` (byte offsets into `memory`). */
  rescore(x: number, d: number, q: number, pairs: number, count: number, scores: number, shift: number): void;
}

let compiled: WebAssembly.Module | undefined;

function kernelModule(): WebAssembly.Module {
  compiled ??= new WebAssembly.Module(
    buildModule([
      { name: 'firstPass', params: 7, locals: [I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, V128, V128, V128, V128, V128], body: firstPassBody() },
      { name: 'candidates', params: 6, returnsI32: true, locals: [I32, I32, I32, I32, I32, I32, I32, F64, F64], body: candidatesBody() },
      { name: 'rescore', params: 7, locals: [...new Array<typeof I32>(11).fill(I32), F64, F64, F64, F64], body: rescoreBody() },
    ]),
  );
  return compiled;
}

/** An instance over a fresh memory of at least `bytes` bytes. */
export function knnKernels(bytes: number): KnnKernels {
  const memory = new WebAssembly.Memory({ initial: Math.max(1, Math.ceil(bytes / 65536)) });
  const instance = new WebAssembly.Instance(kernelModule(), { env: { memory } });
  return { memory, firstPass: instance.exports.firstPass as KnnKernels['firstPass'], candidates: instance.exports.candidates as KnnKernels['candidates'], rescore: instance.exports.rescore as KnnKernels['rescore'] };
}
