/**
 * Keyword searches ruled out on the event's JSON text. A keyword (field-less)
 * item searches every value of the event, which costs a join and a lowercase
 * of all of them per event (Object.values + join + toLowerCase: ~2 µs on a
 * 1 KB Sysmon event, and NotPetya's `\perfc.dat` keyword is tried on every
 * process creation). When the event was read from one JSON text with its
 * values unchanged (`EventView.decidableRawText`), a value holding a keyword literal
 * means the text holds the literal's JSON spelling, so a native search of the
 * text for that spelling, in any letter case, rules most events out without
 * building anything.
 *
 * Sound only where the spelling is unique and case folding cannot bring in
 * other characters:
 *  - JSON has exactly one spelling of each printable ASCII character except
 *    through the optional escapes `\uXXXX` (any character) and `\/`; a text
 *    with either is not decided here (`hasOptionalEscape`);
 *  - the engine folds case with `toLowerCase`, which maps exactly three kinds
 *    of characters onto ASCII: A–Z, U+0130 (to `i` + U+0307) and the Kelvin
 *    sign U+212A (to `k`); the classes below accept all of them;
 *  - a number's value is matched in its `String(n)` form, which need not be
 *    the text's (`1e3` is "1000"): a literal made only of characters such a
 *    form can hold (digits, `.+-e`, "Infinity") is not used.
 * A literal with a control or non-ASCII character is not used either; an item
 * none of whose clauses can be used gets no gate.
 */
import type { NeedLiteral } from './item.js';
import { escapeRegex } from './strings.js';

/** Characters `String(n)` can produce for a number (digits, sign, point, exponent, "Infinity"), lowercased. */
const NUMBER_CHARS = new Set('0123456789.+-einfty');

/** The characters `toLowerCase` maps onto an ASCII letter, per lowercase letter. */
const FOLDS_TO: Record<string, string> = { i: 'iI\u0130', k: 'kK\u212A' };

function letterClass(lower: string): string {
  return `[${FOLDS_TO[lower] ?? lower + lower.toUpperCase()}]`;
}

/** The regex source matching the literal's JSON spelling in any case, or undefined when it cannot decide. */
function spellingSource(text: string): string | undefined {
  if (text.length === 0) return undefined;
  const lower = text.toLowerCase();
  let numeric = true;
  let out = '';
  for (const ch of lower) {
    const c = ch.charCodeAt(0);
    if (c < 0x20 || c > 0x7e) return undefined;
    if (!NUMBER_CHARS.has(ch)) numeric = false;
    if (ch >= 'a' && ch <= 'z') out += letterClass(ch);
    else if (ch === '\\') out += '\\\\\\\\'; // JSON `\\`
    else if (ch === '"') out += '\\\\"'; // JSON `\"`
    else out += escapeRegex(ch);
  }
  return numeric ? undefined : out;
}

/**
 * Whether the JSON text has an escape that spells a character another way
 * (`\uXXXX`, `\/`). Walks the escapes in order, so `\\u` (an escaped
 * backslash, then `u`) is not one.
 */
export function hasOptionalEscape(text: string): boolean {
  // two native searches settle most lines (Windows paths are full of `\\`); a hit may be `\\` + `u`, so then walk
  if (!text.includes('\\u') && !text.includes('\\/')) return false;
  let i = text.indexOf('\\');
  while (i !== -1) {
    const c = text.charCodeAt(i + 1);
    if (c === 0x75 || c === 0x2f) return true;
    i = text.indexOf('\\', i + 2);
  }
  return false;
}

/** Necessary conditions of a keyword item on the JSON text: every clause's pattern must match. */
export class RawGate {
  constructor(private readonly clauses: readonly RegExp[]) {}

  /** True when the text proves the item false (the caller checked the text is decidable). */
  rulesOut(text: string): boolean {
    for (let i = 0; i < this.clauses.length; i++) if (!this.clauses[i]!.test(text)) return true;
    return false;
  }
}

/**
 * Literals per clause beyond which the gate costs more than it saves: the case classes keep V8 from its
 * fast literal search, and on a 1 KB Sysmon line one class pattern costs ~0.5 µs where 70 alternatives
 * (the anti-virus keyword rule) cost ~20 µs, several times the join they would spare.
 */
const MAX_GATE_LITERALS = 4;

/** The gate of a keyword item from its prefilter clauses (AND of ORs of literals), or undefined. */
export function keywordRawGate(needs: readonly (readonly NeedLiteral[])[]): RawGate | undefined {
  const clauses: RegExp[] = [];
  for (const clause of needs) {
    if (clause.length > MAX_GATE_LITERALS) continue;
    const sources: string[] = [];
    for (const l of clause) {
      const s = spellingSource(l.text);
      if (s === undefined) break;
      sources.push(s);
    }
    // a literal without a decidable spelling leaves the whole clause undecided
    if (sources.length === clause.length && sources.length > 0) clauses.push(new RegExp(sources.join('|')));
  }
  return clauses.length > 0 ? new RawGate(clauses) : undefined;
}
