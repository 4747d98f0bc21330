/**
 * Value-transforming modifiers: windash, utf16le/utf16be/utf16/wide, base64,
 * base64offset. Each turns one plain text into one or more plain texts (the
 * alternatives are ORed). Wildcards cannot be encoded (a `*` inside base64
 * has no meaning), so callers pass wildcard-free text.
 */

/** The characters `windash` treats as interchangeable: - / – — ―. */
export const WINDASH_CHARS = ['-', '/', '\u2013', '\u2014', '\u2015'] as const;
const WINDASH_SET = new Set<string>(WINDASH_CHARS);

/** Every windash character other than '-' itself (a native replace is far cheaper than a JS loop over a long value). */
const WINDASH_OTHERS = new RegExp(`[${WINDASH_CHARS.filter((c) => c !== '-').map((c) => (c === '/' ? '\\/' : c)).join('')}]`, 'g');

/** Map every windash character to '-' (used on both pattern and event value: equal to expanding all permutations). */
export function windashNormalize(s: string): string {
  return s.replace(WINDASH_OTHERS, '-');
}

export function hasWindashChar(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (WINDASH_SET.has(s[i]!)) return true;
  return false;
}

/** All permutations (spec wording); only for small inputs, e.g. tests and conversion backends. */
export function windashPermutations(s: string, cap = 4096): string[] {
  let out = [''];
  for (const c of s) {
    const opts = WINDASH_SET.has(c) ? WINDASH_CHARS : [c];
    const next: string[] = [];
    for (const prefix of out) for (const o of opts) next.push(prefix + o);
    if (next.length > cap) throw new Error(`windash expansion exceeds ${cap} variants`);
    out = next;
  }
  return out;
}

export type Utf16Mode = 'utf16le' | 'utf16be' | 'utf16';

export function encodeText(s: string, mode: Utf16Mode | undefined): Uint8Array {
  if (mode === undefined) return new TextEncoder().encode(s);
  const bom = mode === 'utf16' ? 2 : 0;
  const out = new Uint8Array(bom + s.length * 2);
  if (mode === 'utf16') {
    out[0] = 0xff;
    out[1] = 0xfe;
  }
  for (let i = 0; i < s.length; i++) {
    const u = s.charCodeAt(i);
    if (mode === 'utf16be') {
      out[bom + 2 * i] = u >> 8;
      out[bom + 2 * i + 1] = u & 0xff;
    } else {
      out[bom + 2 * i] = u & 0xff;
      out[bom + 2 * i + 1] = u >> 8;
    }
  }
  return out;
}

/** Bytes as a string of code units 0-255 (how an unencoded UTF-16 value appears when matched as text). */
export function bytesAsText(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]!);
  return s;
}

export function base64(b: Uint8Array): string {
  return Buffer.from(b).toString('base64');
}

/**
 * The three base64 forms of `b` as it may sit at offset 0, 1 or 2 of a
 * longer encoded buffer: only the characters that do not depend on the
 * surrounding bytes are kept (prefix and suffix characters mixing in
 * neighbour bits are cut).
 */
export function base64Offsets(b: Uint8Array): string[] {
  const out: string[] = [];
  const startCut = [0, 2, 3];
  for (let shift = 0; shift < 3; shift++) {
    const padded = new Uint8Array(shift + b.length);
    padded.set(b, shift);
    const enc = base64(padded);
    // Characters fully determined by `b`: from ceil(shift*8/6) to floor((shift+len)*8/6).
    const end = Math.floor(((shift + b.length) * 8) / 6);
    out.push(enc.slice(startCut[shift]!, end));
  }
  return out;
}
