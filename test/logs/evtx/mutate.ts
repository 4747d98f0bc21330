/**
 * Seeded mutations of EVTX images for fuzzing (the test suite and
 * scripts/fuzz-evtx.ts share this): bit flips, byte smears, "interesting"
 * 16/32-bit values (0, -1, offsets just past the data), truncation, and
 * inserted or deleted bytes. Mutations aim mostly at the chunk bodies, where
 * the parser has the most structure to get wrong.
 */

/** mulberry32: small, fast, seedable. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const INTERESTING_32 = [0, 1, 0xffffffff, 0x7fffffff, 0x80000000, 0x10000, 0xffff, 512, 4096, 65535, 65536, 24, 28];
const INTERESTING_16 = [0, 1, 0xffff, 0x7fff, 0x8000, 0x100, 0x200];

export type MutationKind = 'flip' | 'smear' | 'int' | 'truncate' | 'splice' | 'token';

export interface Mutation {
  kind: MutationKind;
  bytes: Buffer;
  detail: string;
}

/** Pick a position, biased towards chunk bodies (records, templates, strings). */
function position(rand: () => number, len: number): number {
  if (len <= 4096 || rand() < 0.1) return Math.floor(rand() * len);
  const chunks = Math.max(1, Math.floor((len - 4096) / 65536));
  const base = 4096 + Math.floor(rand() * chunks) * 65536;
  const span = Math.min(65536, len - base);
  // Most records sit in the first few KiB of each chunk.
  const within = rand() < 0.7 ? Math.floor(rand() * Math.min(span, 8192)) : Math.floor(rand() * span);
  return Math.min(len - 1, base + within);
}

export function mutate(src: Buffer, rand: () => number): Mutation {
  const r = rand();
  const out = Buffer.from(src);
  const len = out.length;
  if (r < 0.3) {
    const n = 1 + Math.floor(rand() * 8);
    const at: number[] = [];
    for (let i = 0; i < n; i++) {
      const p = position(rand, len);
      out[p]! ^= 1 << Math.floor(rand() * 8);
      at.push(p);
    }
    return { kind: 'flip', bytes: out, detail: `bits at ${at.join(',')}` };
  }
  if (r < 0.45) {
    const p = position(rand, len);
    const n = 1 + Math.floor(rand() * 64);
    const fill = rand() < 0.5 ? -1 : Math.floor(rand() * 256);
    for (let i = p; i < Math.min(len, p + n); i++) out[i] = fill < 0 ? Math.floor(rand() * 256) : fill;
    return { kind: 'smear', bytes: out, detail: `${n} bytes at ${p}` };
  }
  if (r < 0.7) {
    const p = position(rand, len);
    if (rand() < 0.6 && p + 4 <= len) {
      const v = INTERESTING_32[Math.floor(rand() * INTERESTING_32.length)]!;
      out.writeUInt32LE(v >>> 0, p);
      return { kind: 'int', bytes: out, detail: `u32 ${v} at ${p}` };
    }
    if (p + 2 <= len) {
      const v = INTERESTING_16[Math.floor(rand() * INTERESTING_16.length)]!;
      out.writeUInt16LE(v, p);
      return { kind: 'int', bytes: out, detail: `u16 ${v} at ${p}` };
    }
    return { kind: 'int', bytes: out, detail: 'none' };
  }
  if (r < 0.8) {
    // Binary-XML tokens in the wrong places.
    const p = position(rand, len);
    const tokens = [0x00, 0x01, 0x41, 0x02, 0x03, 0x04, 0x05, 0x06, 0x0c, 0x0d, 0x0e, 0x0f, 0x21, 0x81];
    out[p] = tokens[Math.floor(rand() * tokens.length)]!;
    return { kind: 'token', bytes: out, detail: `token at ${p}` };
  }
  if (r < 0.9) {
    const cut = Math.floor(rand() * len);
    return { kind: 'truncate', bytes: out.subarray(0, cut), detail: `cut at ${cut}` };
  }
  const p = position(rand, len);
  const n = 1 + Math.floor(rand() * 16);
  if (rand() < 0.5) {
    const ins = Buffer.alloc(n);
    for (let i = 0; i < n; i++) ins[i] = Math.floor(rand() * 256);
    return { kind: 'splice', bytes: Buffer.concat([out.subarray(0, p), ins, out.subarray(p)]), detail: `insert ${n} at ${p}` };
  }
  return { kind: 'splice', bytes: Buffer.concat([out.subarray(0, p), out.subarray(Math.min(len, p + n))]), detail: `delete ${n} at ${p}` };
}
