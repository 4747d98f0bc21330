/**
 * The encoder's projection out = W · x (d × d, row-major, float64) as a
 * WebAssembly SIMD kernel (see `builder.ts`), for `TowerEncoder.projectRows`.
 * It takes exactly the sums of the scalar loop it replaces: per output row
 * two partial sums, a0 over the even columns and a1 over the odd ones (the
 * two lanes of one f64x2), the last column of an odd d added to a0, then
 * a0 + a1 — float64 throughout, no fused multiply-add, so bit-identical.
 *
 * Memory layout (float64): W, then x (d values), then out (d values).
 */
import { addTo, buildModule, F64, I32, loopUntil, op, V128 } from './builder.js';

function projectBody(): number[] {
  const [W, X, OUT, D] = [0, 1, 2, 3];
  const [ROW, J, D2, WP, XP] = [4, 5, 6, 7, 8];
  const [ACC] = [9];
  const [TAIL] = [10];
  const columns = loopUntil(
    [...op.get(J), ...op.get(D2), ...op.i32GeU()],
    [...op.get(ACC), ...op.get(WP), ...op.v128Load(), ...op.get(XP), ...op.v128Load(), ...op.f64x2Mul(), ...op.f64x2Add(), ...op.set(ACC), ...addTo(WP, op.i32(16)), ...addTo(XP, op.i32(16)), ...addTo(J, op.i32(2))],
  );
  // an odd d: a0 += w · x for the last column (wp, xp point at it)
  const tail = [
    ...op.get(ACC), ...op.f64x2ExtractLane(0), ...op.set(TAIL),
    ...op.get(D), ...op.get(D2), ...op.i32GtU(),
    ...op.if(), ...op.get(TAIL), ...op.get(WP), ...op.f64Load(), ...op.get(XP), ...op.f64Load(), ...op.f64Mul(), ...op.f64Add(), ...op.set(TAIL), ...op.end(),
  ];
  const rows = loopUntil(
    [...op.get(ROW), ...op.get(D), ...op.i32GeU()],
    [
      ...op.v128Zero(), ...op.set(ACC),
      ...op.i32(0), ...op.set(J),
      ...op.get(X), ...op.set(XP),
      ...columns,
      ...tail,
      ...op.get(WP), ...op.get(D), ...op.get(D2), ...op.i32Sub(), ...op.i32(3), ...op.i32Shl(), ...op.i32Add(), ...op.set(WP),
      // out[row] = a0 + a1
      ...op.get(OUT), ...op.get(ROW), ...op.i32(3), ...op.i32Shl(), ...op.i32Add(),
      ...op.get(TAIL), ...op.get(ACC), ...op.f64x2ExtractLane(1), ...op.f64Add(), ...op.f64Store(),
      ...addTo(ROW, op.i32(1)),
    ],
  );
  return [
    // d2 = d rounded down to even; wp walks W row by row
    ...op.get(D), ...op.i32(-2), ...op.i32And(), ...op.set(D2),
    ...op.get(W), ...op.set(WP),
    ...op.i32(0), ...op.set(ROW),
    ...rows,
  ];
}

let compiled: WebAssembly.Module | undefined;

/** W in a kernel's memory and views for x and out: `run()` computes out = W · x. */
export class ProjectionKernel {
  readonly x: Float64Array;
  readonly out: Float64Array;
  private readonly project: (w: number, x: number, out: number, d: number) => void;

  constructor(readonly w: Float64Array, readonly d: number) {
    compiled ??= new WebAssembly.Module(buildModule([{ name: 'project', params: 4, locals: [I32, I32, I32, I32, I32, V128, F64], body: projectBody() }]));
    const bytes = 8 * (d * d + 2 * d);
    const memory = new WebAssembly.Memory({ initial: Math.max(1, Math.ceil(bytes / 65536)) });
    new Float64Array(memory.buffer, 0, d * d).set(w);
    this.x = new Float64Array(memory.buffer, 8 * d * d, d);
    this.out = new Float64Array(memory.buffer, 8 * (d * d + d), d);
    this.project = new WebAssembly.Instance(compiled, { env: { memory } }).exports.project as ProjectionKernel['project'];
  }

  run(): void {
    this.project(0, this.x.byteOffset, this.out.byteOffset, this.d);
  }
}
