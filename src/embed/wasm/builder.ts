/**
 * A minimal WebAssembly binary writer: enough to emit the kernels of
 * `project.ts` (the encoder's projection) and `src/detect/projected-kernel.ts`
 * (the k-NN) at run time — no toolchain and no generated binary in the repo:
 * the bytes come from readable TypeScript. Functions take i32 parameters,
 * return nothing or one i32, and work on one imported memory (`env.memory`).
 * Only the instructions the kernels use are named here.
 */

export const I32 = 0x7f;
export const F64 = 0x7c;
export const V128 = 0x7b;
export type ValType = typeof I32 | typeof F64 | typeof V128;

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

function bytesOf(s: string): number[] {
  return [...new TextEncoder().encode(s)];
}

function vec(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

/** Instructions (each returns its bytes; a body is their concatenation). */
export const op = {
  block: () => [0x02, 0x40],
  /** `if` without a result (closed by `end`). */
  if: () => [0x04, 0x40],
  loop: () => [0x03, 0x40],
  end: () => [0x0b],
  br: (depth: number) => [0x0c, ...uleb(depth)],
  brIf: (depth: number) => [0x0d, ...uleb(depth)],
  get: (local: number) => [0x20, ...uleb(local)],
  set: (local: number) => [0x21, ...uleb(local)],
  tee: (local: number) => [0x22, ...uleb(local)],
  i32: (v: number) => [0x41, ...sleb(v | 0)],
  i32Add: () => [0x6a],
  i32Sub: () => [0x6b],
  i32Mul: () => [0x6c],
  i32GeU: () => [0x4f],
  i32GtU: () => [0x4b],
  i32Shl: () => [0x74],
  i32And: () => [0x71],
  i32ShrU: () => [0x76],
  select: () => [0x1b],
  /** Memory access: `align` as log2 of the byte alignment, `offset` a constant added to the address. */
  f64Load: (offset = 0) => [0x2b, 3, ...uleb(offset)],
  f64Store: (offset = 0) => [0x39, 3, ...uleb(offset)],
  f64Const: (v: number) => [0x44, ...new Uint8Array(Float64Array.of(v).buffer)],
  f64Max: () => [0xa5],
  f64Min: () => [0xa4],
  f64Ge: () => [0x66],
  i32Store: (offset = 0) => [0x36, 2, ...uleb(offset)],
  i32Load: (offset = 0) => [0x28, 2, ...uleb(offset)],
  f32Load: (offset = 0) => [0x2a, 2, ...uleb(offset)],
  f64PromoteF32: () => [0xbb],
  f64Add: () => [0xa0],
  f64Mul: () => [0xa2],
  v128Load: (offset = 0) => [0xfd, ...uleb(0x00), 3, ...uleb(offset)],
  v128Store: (offset = 0) => [0xfd, ...uleb(0x0b), 3, ...uleb(offset)],
  /** One f64 from memory in both lanes. */
  v128Load64Splat: (offset = 0) => [0xfd, ...uleb(0x0a), 3, ...uleb(offset)],
  v128Zero: () => [0xfd, ...uleb(0x0c), ...new Array<number>(16).fill(0)],
  f64x2Add: () => [0xfd, ...uleb(0xf0)],
  f64x2Mul: () => [0xfd, ...uleb(0xf2)],
  f64x2ExtractLane: (lane: number) => [0xfd, ...uleb(0x21), lane],
};

/** `while (!(exit)) { body }`, where `exitIf` pushes the exit condition. */
export function loopUntil(exitIf: number[], body: number[]): number[] {
  return [...op.block(), ...op.loop(), ...exitIf, ...op.brIf(1), ...body, ...op.br(0), ...op.end(), ...op.end()];
}

/** local += (what `n` pushes), i32. */
export function addTo(local: number, n: number[]): number[] {
  return [...op.get(local), ...n, ...op.i32Add(), ...op.set(local)];
}

export interface WasmFunction {
  name: string;
  /** i32 parameters. */
  params: number;
  /** Returns one i32 (true) or nothing. */
  returnsI32?: boolean;
  locals: ValType[];
  body: number[];
}

/** The module's bytes: the functions, all exported, memory imported as env.memory. */
export function buildModule(functions: readonly WasmFunction[]): Uint8Array {
  const types = functions.map((f) => [0x60, ...uleb(f.params), ...new Array<number>(f.params).fill(I32), ...(f.returnsI32 ? [1, I32] : [0])]);
  // one import: env.memory, a memory (kind 2) of at least one page, no maximum
  const imports = vec([[...uleb(3), ...bytesOf('env'), ...uleb(6), ...bytesOf('memory'), 0x02, 0x00, 0x01]]);
  const funcs = vec(functions.map((_, i) => uleb(i)));
  const exports = vec(functions.map((f, i) => [...uleb(bytesOf(f.name).length), ...bytesOf(f.name), 0x00, ...uleb(i)]));
  const codes = vec(
    functions.map((f) => {
      const locals = vec(f.locals.map((t) => [1, t]));
      const body = [...locals, ...f.body, ...op.end()];
      return [...uleb(body.length), ...body];
    }),
  );
  return new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, ...section(1, vec(types)), ...section(2, imports), ...section(3, funcs), ...section(7, exports), ...section(10, codes)]);
}
