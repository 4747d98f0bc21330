/**
 * Clauses of a long sentence, so a procedure can point at the part that
 * carries its technique ("Operators ran whoami…, before dumping LSASS memory
 * with comsvcs.dll" → the LSASS clause for T1003.001). Cut at `;`, and at
 * conjunctions that start a new action (", and", " before ", " after ",
 * ", then", ", which"…), never inside inline code; pieces under three words
 * join their neighbour.
 */
import type { Range } from '../text/index.js';

const CUTS = ['; ', ', and then ', ', and ', ', then ', ' and then ', ' before ', ' after ', ', which ', ', while ', ' in order to ', ', so that ', ', followed by '];

function words(s: string): number {
  return (s.match(/[A-Za-z0-9]+/g) ?? []).length;
}

export function clauses(text: string, range: Range, code: Range[] = []): Range[] {
  const s = text.slice(range.start, range.end);
  const lower = s.toLowerCase();
  const inCode = (at: number) => code.some((c) => c.start <= range.start + at && range.start + at < c.end);
  const cuts: number[] = [];
  for (const cut of CUTS) {
    for (let at = lower.indexOf(cut); at >= 0; at = lower.indexOf(cut, at + 1)) {
      if (inCode(at)) continue;
      // The next clause starts after the separator's punctuation (keep the conjunction: "before dumping…").
      const start = cut.startsWith(';') || cut.startsWith(',') ? at + 2 : at + 1;
      cuts.push(start);
    }
  }
  const points = [...new Set(cuts)].sort((a, b) => a - b);
  const out: Range[] = [];
  let from = 0;
  for (const p of points) {
    if (words(s.slice(from, p)) < 3) continue;
    out.push({ start: range.start + from, end: range.start + p });
    from = p;
  }
  if (out.length > 0 && words(s.slice(from)) < 3) out[out.length - 1]!.end = range.end;
  else out.push({ start: range.start + from, end: range.end });
  // Trim separators and spaces at the ends.
  return out
    .map((r) => {
      let a = r.start;
      let b = r.end;
      while (a < b && /[\s,;]/.test(text[a]!)) a++;
      while (b > a && /[\s,;]/.test(text[b - 1]!)) b--;
      return { start: a, end: b };
    })
    .filter((r) => r.end > r.start);
}
