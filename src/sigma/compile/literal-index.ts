/**
 * The literal prefilter of one dispatch group (e.g. every unit for Sysmon
 * EventID 1). Each gated unit names clauses of literals (`literal-plan.ts`
 * picks which); a clause is hit when one of its literals sits in one of its
 * fields as the literal's kind says. Per field the group keeps:
 *  - whole-value, prefix and suffix literals (`literal-trie.ts`): map lookups
 *    of the value and of its last path component, trie walks from its ends;
 *  - substring literals: native `includes` when the field has few, else the
 *    gram scanner (`literal-grams.ts`).
 * Per event each field's lowercased value is checked once; a unit becomes a
 * candidate when every one of its indexed clauses has a hit. What a value's
 * check found is remembered per value (`literal-memo.ts`); a long value with
 * newlines, on a field with substring literals only, is checked and
 * remembered line by line (`scanLines`), since its lines repeat where the
 * value as a whole may not.
 */
import { Buffer } from 'node:buffer';
import { fieldSlot, type EventView } from './event.js';
import type { NeedLiteral } from './item.js';
import { HitState, markAnchors } from './literal-hits.js';
import { AffixIndex } from './literal-trie.js';
import { chooseStep, fold, gramCode, GramScanner } from './literal-grams.js';
import type { MemoBudget, ScanMemo } from './literal-memo.js';
import { NEEDLE_MAX } from './literal-plan.js';

export { HitState, fold, gramCode };

/** What the index needs to know about a gated unit. */
export interface GatedUnit {
  id: number;
  /** Global id of the unit's first clause (clause k is `clauseBase + k`). */
  clauseBase: number;
  /** The clauses the index checks (every one must have a hit for the unit to be a candidate). */
  needs: readonly (readonly NeedLiteral[])[];
}


/** A field's substring literals when there are few: searched natively, one `includes` each. */
class Needles {
  private readonly byLit = new Map<string, Array<[number, number]>>();
  lits: string[] = [];
  anchorUnit: Int32Array = new Int32Array(0);
  anchorClause: Int32Array = new Int32Array(0);
  a0: Int32Array = new Int32Array(0);
  a1: Int32Array = new Int32Array(0);

  get size(): number {
    return this.byLit.size;
  }

  add(lit: string, unit: number, clause: number): void {
    let l = this.byLit.get(lit);
    if (!l) this.byLit.set(lit, (l = []));
    l.push([unit, clause]);
  }

  finish(): void {
    this.lits = [...this.byLit.keys()];
    const units: number[] = [];
    const clauses: number[] = [];
    this.a0 = new Int32Array(this.lits.length);
    this.a1 = new Int32Array(this.lits.length);
    this.lits.forEach((lit, i) => {
      this.a0[i] = units.length;
      for (const [u, c] of this.byLit.get(lit)!) {
        units.push(u);
        clauses.push(c);
      }
      this.a1[i] = units.length;
    });
    this.anchorUnit = Int32Array.from(units);
    this.anchorClause = Int32Array.from(clauses);
    this.byLit.clear();
  }

  check(s: string, stamp: number, st: HitState): void {
    const lits = this.lits;
    for (let i = 0; i < lits.length; i++) if (s.includes(lits[i]!)) markAnchors(st, stamp, this.anchorUnit, this.anchorClause, this.a0[i]!, this.a1[i]!);
  }
}

/** Everything one field contributes: exact-position literals, and substring literals (gram scan or needles). */
interface FieldEntry {
  name: string;
  slot: number;
  affix: AffixIndex | undefined;
  grams: GramScanner | undefined;
  needles: Needles | undefined;
  /** Scan results per string value (`literal-memo.ts`); absent when the rule set compiles without memos. */
  memo: ScanMemo | undefined;
  /** Whether long values may be scanned line by line (`scanLines`): substring literals only, none with a newline. */
  byLine: boolean;
}

/**
 * Values at least this long that hold a newline are scanned (and remembered) line by line. PowerShell 4103's
 * `ContextInfo` (5,000 characters on Security-Datasets) is never repeated as a whole, because its
 * `Sequence Number` line counts up, while its other lines repeat from event to event of a session.
 */
export const LINE_SCAN_MIN_CHARS = 512;

export class LiteralIndex {
  private readonly fields: FieldEntry[] = [];
  private readonly texts: string[] = [];
  /** Whether some literal is shorter than 3 characters (the raw-line prefilter cannot see those). */
  readonly hasShortLiterals: boolean;
  /** One 3-gram of every literal (for the raw-line prefilter). */
  private readonly rawGrams = new Set<number>();

  constructor(units: readonly GatedUnit[], memos?: MemoBudget) {
    const gramCount = new Map<number, number>();
    for (const u of units) {
      const seen = new Set<number>();
      for (const clause of u.needs) for (const l of clause) if (l.kind === 'contains') for (const g of GramScanner.grams4(l.text)) seen.add(g);
      for (const g of seen) gramCount.set(g, (gramCount.get(g) ?? 0) + 1);
    }
    // substring literals per field first: how many decides between needles and the gram scan
    const substrings = new Map<string, Map<string, Array<[number, number]>>>();
    const byName = new Map<string, FieldEntry>();
    let short = false;
    const entry = (f: string): FieldEntry => {
      let e = byName.get(f);
      if (!e) byName.set(f, (e = { name: f, slot: fieldSlot(f), affix: undefined, grams: undefined, needles: undefined, memo: memos?.scanMemo(), byLine: false }));
      return e;
    };
    for (const u of units) {
      u.needs.forEach((clause, k) => {
        for (const l of clause) {
          if (l.text.length < 3) short = true;
          else this.rawGrams.add(gramCode(l.text, 0));
          // keyword literals (any field) are not indexed: the compiler leaves such clauses out
          if (l.fields === null) throw new Error('a keyword literal reached the literal index');
          const c = u.clauseBase + k;
          for (const f of l.fields) {
            const e = entry(f);
            if (l.kind !== 'contains') {
              (e.affix ??= new AffixIndex()).add(l.text, l.kind, u.id, c);
              continue;
            }
            let m = substrings.get(f);
            if (!m) substrings.set(f, (m = new Map()));
            let list = m.get(l.text);
            if (!list) m.set(l.text, (list = []));
            list.push([u.id, c]);
          }
        }
      });
    }
    for (const [f, lits] of substrings) {
      const e = entry(f);
      if (lits.size <= NEEDLE_MAX) {
        e.needles = new Needles();
        for (const [lit, anchors] of lits) for (const [u, c] of anchors) e.needles.add(lit, u, c);
        e.needles.finish();
      } else {
        e.grams = new GramScanner(chooseStep([...lits.keys()].map((l) => l.length)));
        for (const [lit, anchors] of lits) for (const [u, c] of anchors) e.grams.add(lit, u, c, gramCount);
        e.grams.finish();
      }
    }
    for (const e of byName.values()) {
      e.affix?.finish();
      // exact-position literals need the whole value; a substring literal without a newline is in a value
      // exactly when it is in one of its lines
      e.byLine = e.memo !== undefined && e.affix === undefined && ![...(substrings.get(e.name)?.keys() ?? [])].some((l) => l.includes('\n'));
      this.fields.push(e);
    }
    this.hasShortLiterals = short;
  }

  /** A 3-gram of every literal of 3+ characters (for the raw-line prefilter). */
  gramCodes(): number[] {
    return [...this.rawGrams];
  }

  /** Check the event's values of this group's fields; candidates go to `st.hits`. */
  scan(view: EventView, stamp: number, st: HitState): void {
    const texts = this.texts;
    for (let f = 0; f < this.fields.length; f++) {
      const e = this.fields[f]!;
      if (e.memo !== undefined) {
        const raw = view.getSlot(e.slot, e.name);
        if (typeof raw === 'string') {
          if (e.byLine && raw.length >= LINE_SCAN_MIN_CHARS && raw.includes('\n')) {
            scanLines(e, e.memo, raw, stamp, st);
            continue;
          }
          if (e.memo.admits(raw)) {
            if (!e.memo.replay(raw, stamp, st)) scanRemembering(e, e.memo, view.lowerSlot(e.slot, e.name)!, raw, stamp, st);
            continue;
          }
        }
      }
      const count = view.scanTextsOf(e.slot, e.name, texts);
      for (let t = 0; t < count; t++) scanText(e, texts[t]!, stamp, st);
    }
  }
}

/** Scan `lower` (a new value's lowercase form) and remember the anchors found under `key` (the value). */
function scanRemembering(e: FieldEntry, memo: ScanMemo, lower: string, key: string, stamp: number, st: HitState): void {
  let completed = false;
  memo.record(st);
  try {
    scanText(e, lower, stamp, st);
    completed = true;
  } finally {
    memo.remember(key, st, completed);
  }
}

/**
 * A long value with newlines, line by line, each line through the memo. Lowercasing line by line equals
 * lowercasing the value: the one context-dependent mapping (final sigma) does not look across a newline.
 */
function scanLines(e: FieldEntry, memo: ScanMemo, raw: string, stamp: number, st: HitState): void {
  const n = raw.length;
  let start = 0;
  while (start < n) {
    let end = raw.indexOf('\n', start);
    if (end === -1) end = n;
    if (end > start) {
      const line = raw.slice(start, end);
      if (!memo.admits(line, detached)) scanText(e, line.toLowerCase(), stamp, st);
      else if (!memo.replay(line, stamp, st)) scanRemembering(e, memo, line.toLowerCase(), detached(line), stamp, st);
    }
    start = end + 1;
  }
}

/**
 * A copy of `s` that does not keep the string it was sliced from alive: V8 represents a slice of 13 or more
 * characters as a view into its parent, so a remembered line would hold the whole 5,000-character value.
 * The UTF-16LE round trip is exact for every code unit, lone surrogates included.
 */
function detached(s: string): string {
  return s.length < 13 ? s : Buffer.from(s, 'utf16le').toString('utf16le');
}

function scanText(e: FieldEntry, s: string, stamp: number, st: HitState): void {
  if (e.affix !== undefined) e.affix.check(s, stamp, st);
  if (e.needles !== undefined) e.needles.check(s, stamp, st);
  if (e.grams !== undefined) e.grams.scan(s, stamp, st);
}
