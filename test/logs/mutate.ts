/**
 * Deterministic mutations of log text for fuzzing the readers: truncation,
 * byte flips, junk insertion, deep nesting, huge lines, invalid UTF-8,
 * structure-breaking characters. Shared by test/logs/fuzz.test.ts and
 * scripts/fuzz-logs.ts (which runs many more).
 */

/** mulberry32: small, fast, seedable. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const JUNK = ['"', '\\', '{', '}', '[', ']', ':', ',', '\0', '\x1d', '\r', '=', "'", '(', ')', '<', '>', '&', '&#xFFFFFFF;', 'msg=audit(', 'type=', '\uFFFD', '\u2028'];

export type Mutation = 'truncate' | 'flip' | 'junk' | 'nest' | 'huge' | 'utf8' | 'delete' | 'repeat' | 'swap';
export const MUTATIONS: Mutation[] = ['truncate', 'flip', 'junk', 'nest', 'huge', 'utf8', 'delete', 'repeat', 'swap'];

/** One mutated copy of `line` as bytes (may contain newlines, NULs, invalid UTF-8). */
export function mutate(line: string, rand: () => number, opts: { hugeBytes?: number } = {}): { bytes: Buffer; mutation: Mutation } {
  const m = MUTATIONS[Math.floor(rand() * MUTATIONS.length)]!;
  let b = Buffer.from(line, 'utf8');
  const at = () => Math.floor(rand() * (b.length + 1));
  switch (m) {
    case 'truncate':
      b = b.subarray(0, at());
      break;
    case 'flip': {
      b = Buffer.from(b);
      const n = 1 + Math.floor(rand() * 8);
      for (let i = 0; i < n && b.length > 0; i++) {
        const at = Math.floor(rand() * b.length);
        b[at] = b[at]! ^ (1 << Math.floor(rand() * 8));
      }
      break;
    }
    case 'junk': {
      const n = 1 + Math.floor(rand() * 5);
      for (let i = 0; i < n; i++) {
        const p = at();
        const j = Buffer.from(JUNK[Math.floor(rand() * JUNK.length)]!, 'utf8');
        b = Buffer.concat([b.subarray(0, p), j, b.subarray(p)]);
      }
      break;
    }
    case 'nest': {
      const depth = 1000 + Math.floor(rand() * 50_000);
      const open = rand() < 0.5 ? '['.repeat(depth) : '{"a":'.repeat(depth);
      const p = at();
      b = Buffer.concat([b.subarray(0, p), Buffer.from(open), b.subarray(p)]);
      break;
    }
    case 'huge': {
      const size = opts.hugeBytes ?? 70_000;
      const p = at();
      b = Buffer.concat([b.subarray(0, p), Buffer.alloc(size, rand() < 0.5 ? 'A' : '"'), b.subarray(p)]);
      break;
    }
    case 'utf8': {
      const p = at();
      b = Buffer.concat([b.subarray(0, p), Buffer.from([0xc3, 0x28, 0xff, 0xfe, 0xed, 0xa0, 0x80]), b.subarray(p)]);
      break;
    }
    case 'delete': {
      const p = at();
      b = Buffer.concat([b.subarray(0, p), b.subarray(Math.min(b.length, p + 1 + Math.floor(rand() * 40)))]);
      break;
    }
    case 'repeat': {
      const p = at();
      const q = Math.min(b.length, p + Math.floor(rand() * 200));
      const piece = b.subarray(p, q);
      b = Buffer.concat([b.subarray(0, q), piece, piece, b.subarray(q)]);
      break;
    }
    case 'swap': {
      b = Buffer.from(b);
      for (let i = 0; i < 4 && b.length > 1; i++) {
        const x = Math.floor(rand() * b.length);
        const y = Math.floor(rand() * b.length);
        const t = b[x]!;
        b[x] = b[y]!;
        b[y] = t;
      }
      break;
    }
  }
  return { bytes: b, mutation: m };
}

/** A file of `n` lines: mutated ones mixed with intact ones from the corpus. */
export function mutatedFile(corpus: string[], n: number, rand: () => number, opts: { hugeBytes?: number; intact?: number } = {}): Buffer {
  const parts: Buffer[] = [];
  for (let i = 0; i < n; i++) {
    const line = corpus[Math.floor(rand() * corpus.length)]!;
    parts.push(rand() < (opts.intact ?? 0.3) ? Buffer.from(line) : mutate(line, rand, opts).bytes);
    parts.push(Buffer.from('\n'));
  }
  return Buffer.concat(parts);
}
