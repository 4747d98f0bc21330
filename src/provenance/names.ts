/**
 * Is this name random-looking? Droppers, temp files and C2 paths use
 * generated names; the encoder should see "a random name" rather than one
 * string it will never see again. Heuristics on character classes (no
 * dictionary): GUIDs, numbers and hex runs are recognised exactly; other
 * names are random when letters and digits alternate a lot, when a long
 * letters-only name has implausible consonant runs, or when a long name has
 * high per-character entropy with digits or mixed case.
 */

import { classifyAddress } from './address.js';

export type NameClass = '<guid>' | '<num>' | '<hex>' | '<rand>';

const guidRe = /^\{?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\}?$/i;
const vowels = new Set('aeiouy');

/** The class of a whole token (no separators inside), or undefined when it looks like a word. */
export function classifyToken(token: string): NameClass | undefined {
  const t = token;
  const len = t.length;
  if (len === 0) return undefined;
  if (len >= 32 && len <= 38 && guidRe.test(t)) return '<guid>';
  if (len > 256) return '<rand>';
  let digits = 0;
  let letters = 0;
  let hexLetters = 0;
  let other = 0;
  let transitions = 0;
  let prev = 0; // 1 letter, 2 digit
  let consonantRun = 0;
  let maxConsonantRun = 0;
  let vowelCount = 0;
  for (let i = 0; i < len; i++) {
    const c = t.charCodeAt(i);
    let cls = 0;
    if (c >= 48 && c <= 57) {
      digits++;
      cls = 2;
      consonantRun = 0;
    } else if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122)) {
      letters++;
      cls = 1;
      const lc = c | 0x20;
      if (lc <= 102) hexLetters++;
      if (vowels.has(String.fromCharCode(lc))) {
        vowelCount++;
        consonantRun = 0;
      } else if (++consonantRun > maxConsonantRun) maxConsonantRun = consonantRun;
    } else {
      other++;
      consonantRun = 0;
    }
    if (cls !== 0 && prev !== 0 && cls !== prev) transitions++;
    if (cls !== 0) prev = cls;
  }
  if (other > 0) return undefined;
  if (digits === len) return len >= 2 ? '<num>' : undefined;
  if (hexLetters === letters && len >= 16 && digits >= 2) return '<hex>';
  if (letters > 0 && digits > 0) {
    if (len >= 5 && transitions >= 3) return '<rand>';
    if (len >= 8 && transitions >= 2) return '<rand>';
  }
  if (digits === 0) {
    if (len >= 7 && maxConsonantRun >= 6) return '<rand>';
    if (len >= 7 && vowelCount / len < 0.1) return '<rand>';
  }
  // long base64-like runs: many distinct characters, digits or case flipping back and forth
  if (len >= 16 && entropy(t) >= 3.7 && (digits >= 2 || caseFlips(t) >= 6)) return '<rand>';
  return undefined;
}

/** Abstract the random-looking parts of a name: segments between `-_.~ ` separators are classified one by one. */
export function abstractName(name: string): string {
  if (name.length === 0) return name;
  const whole = classifyToken(name);
  if (whole) return whole;
  // IPv4 literals inside a name (`0.0.0.0/8080`, `10.1.1.1_backup`) become their class
  const n = /\d\.\d/.test(name) ? name.replace(/(?<![\d.])\d{1,3}(?:\.\d{1,3}){3}(?![\d.])/g, (ip) => classifyAddress(ip)) : name;
  return n.replace(/[A-Za-z0-9]+/g, (seg) => (seg === 'public' || seg === 'private' || seg === 'loopback' ? seg : (classifyToken(seg) ?? seg)));
}

/** A file name: the stem abstracted, a short extension kept. */
export function abstractFileName(name: string): string {
  const dot = name.lastIndexOf('.');
  if (dot > 0 && dot >= name.length - 9 && /^[A-Za-z0-9]{1,8}$/.test(name.slice(dot + 1))) {
    return abstractName(name.slice(0, dot)) + name.slice(dot);
  }
  return abstractName(name);
}

function caseFlips(t: string): number {
  let flips = 0;
  let prevUpper: boolean | undefined;
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    const isUpper = c >= 65 && c <= 90;
    const isLower = c >= 97 && c <= 122;
    if (!isUpper && !isLower) continue;
    if (prevUpper !== undefined && prevUpper !== isUpper) flips++;
    prevUpper = isUpper;
  }
  return flips;
}

/** Shannon entropy in bits per character. */
export function entropy(t: string): number {
  const counts = new Map<number, number>();
  for (let i = 0; i < t.length; i++) counts.set(t.charCodeAt(i), (counts.get(t.charCodeAt(i)) ?? 0) + 1);
  let h = 0;
  for (const n of counts.values()) {
    const p = n / t.length;
    h -= p * Math.log2(p);
  }
  return h;
}
