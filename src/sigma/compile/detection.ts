/**
 * A detection section → one predicate (the condition over its search
 * identifiers), the per-identifier predicates (to report matched selection
 * names), and the literals any match needs (prefilter).
 */
import { expandPattern } from '../condition/parse.js';
import type { ConditionNode, DetectionSection, LogsourceBranch } from '../rule/types.js';
import type { EventView } from './event.js';
import { compileItem, type ItemContext, type NeedLiteral, type Pred } from './item.js';

export type { NeedLiteral };

export interface CompiledDetection {
  test: Pred;
  searches: Map<string, Pred>;
  /**
   * Prefilter in conjunctive form: whenever `test` is true, each clause has a
   * literal occurring (lowercased) in one of its fields. `[]` = nothing known.
   */
  needs: NeedLiteral[][];
}

/** AND of ORs of literals; `[]` means "no constraint". */
type Cnf = NeedLiteral[][];

/** Clauses kept per prefilter (all must be satisfied, so more is stricter; the cost is bookkeeping). */
const MAX_CLAUSES = 6;
/** An OR of CNFs is distributed into at most this many clauses before the best are kept. */
const MAX_DISTRIBUTED = 64;

/** Literals the prefilter can index: any non-empty text. */
export function usableLiteral(l: string): boolean {
  return l.length > 0;
}

/**
 * Literals worth a clause when the unit has others: 3+ characters (or a
 * non-ASCII one). One- and two-character literals (`` ` ``, `^^`) gate rules
 * that have nothing better, but occur too often to be worth scanning for
 * otherwise.
 */
function strongLiteral(l: string): boolean {
  if (l.length >= 3) return true;
  for (let i = 0; i < l.length; i++) if (l.charCodeAt(i) > 127) return true;
  return false;
}

function clauseScore(c: NeedLiteral[]): number {
  // Longer shortest literal = rarer; more alternatives = more chances to hit.
  let min = Infinity;
  for (const l of c) min = Math.min(min, l.text.length);
  return min * 4 - Math.log2(c.length + 1);
}

const litKeys = new WeakMap<NeedLiteral, string>();

function litKey(l: NeedLiteral): string {
  let k = litKeys.get(l);
  if (k === undefined) {
    k = l.kind + '\u0000' + l.text + (l.fields === null ? '\u0000*' : '\u0000' + l.fields.join('\u0001'));
    litKeys.set(l, k);
  }
  return k;
}

function uniqueLits(c: NeedLiteral[]): NeedLiteral[] {
  if (c.length < 2) return c;
  const seen = new Map<string, NeedLiteral>();
  for (const l of c) {
    const k = litKey(l);
    if (!seen.has(k)) seen.set(k, l);
  }
  return seen.size === c.length ? c : [...seen.values()];
}

/** Keep usable clauses, the best MAX_CLAUSES of them. */
function tidy(cnf: Cnf): Cnf {
  const ok = cnf.filter((c) => c.length > 0 && c.every((l) => usableLiteral(l.text))).map(uniqueLits);
  if (ok.length <= MAX_CLAUSES) return ok;
  return ok.sort((a, b) => clauseScore(b) - clauseScore(a)).slice(0, MAX_CLAUSES);
}

function and(list: Cnf[]): Cnf {
  return tidy(list.flat());
}

/**
 * OR of CNFs. (A1 ∧ A2) ∨ B = (A1 ∨ B) ∧ (A2 ∨ B): distributed while the
 * clause count stays small, so `sel_img and sel_cli or sel_other` keeps a
 * clause per conjunct; beyond that, one clause: the union of each side's
 * best clause.
 */
function or(list: Cnf[]): Cnf {
  const sides = list.map(tidy);
  if (sides.some((t) => t.length === 0)) return [];
  let product = 1;
  for (const t of sides) product *= t.length;
  if (product <= MAX_DISTRIBUTED) {
    let acc: Cnf = [[]];
    for (const t of sides) {
      const next: Cnf = [];
      for (const a of acc) for (const c of t) next.push([...a, ...c]);
      acc = next;
    }
    return tidy(acc);
  }
  const out: NeedLiteral[] = [];
  for (const t of sides) {
    let best = t[0]!;
    for (const x of t) if (clauseScore(x) > clauseScore(best)) best = x;
    out.push(...best);
  }
  return tidy([out]);
}

export function mapField(field: string, fieldMap: LogsourceBranch['fieldMap'] | undefined): string[] {
  const m = fieldMap?.[field];
  if (m === undefined) return [field];
  return typeof m === 'string' ? [m] : [...m];
}

export function compileDetection(section: DetectionSection, fieldMap: LogsourceBranch['fieldMap'] | undefined, ctx: ItemContext): CompiledDetection {
  const searches = new Map<string, Pred>();
  const searchNeeds = new Map<string, Cnf>();
  for (const [name, s] of section.searches) {
    const altPreds: Pred[] = [];
    const altNeeds: Cnf[] = [];
    for (const alt of s.alternatives) {
      const items = alt.map((it) => compileItem(it, it.field === null ? null : mapField(it.field, fieldMap), ctx));
      const tests = items.map((i) => i.test);
      let pred: Pred;
      if (tests.length === 1) pred = tests[0]!;
      else if (tests.length === 2) {
        const [a, b] = tests as [Pred, Pred];
        pred = (v) => a(v) && b(v);
      } else pred = (v) => { for (let i = 0; i < tests.length; i++) if (!tests[i]!(v)) return false; return true; };
      altPreds.push(pred);
      altNeeds.push(and(items.map((i) => i.needs)));
    }
    const pred: Pred = altPreds.length === 1 ? altPreds[0]! : (v) => { for (let i = 0; i < altPreds.length; i++) if (altPreds[i]!(v)) return true; return false; };
    searches.set(name, pred);
    searchNeeds.set(name, altNeeds.length === 1 ? altNeeds[0]! : or(altNeeds));
  }
  const names = [...section.searches.keys()];

  const build = (node: ConditionNode): { pred: Pred; needs: Cnf } => {
    switch (node.kind) {
      case 'ref': {
        const p = searches.get(node.name);
        if (!p) throw new Error(`undefined search identifier ${node.name}`); // the parser already rejects this
        return { pred: p, needs: searchNeeds.get(node.name) ?? [] };
      }
      case 'not': {
        const inner = build(node.arg).pred;
        return { pred: (v) => !inner(v), needs: [] };
      }
      case 'and': {
        const parts = node.args.map(build);
        const ps = parts.map((p) => p.pred);
        return { pred: (v) => { for (let i = 0; i < ps.length; i++) if (!ps[i]!(v)) return false; return true; }, needs: and(parts.map((p) => p.needs)) };
      }
      case 'or': {
        const parts = node.args.map(build);
        const ps = parts.map((p) => p.pred);
        return { pred: (v) => { for (let i = 0; i < ps.length; i++) if (ps[i]!(v)) return true; return false; }, needs: or(parts.map((p) => p.needs)) };
      }
      case 'of': {
        const sel = expandPattern(node.pattern, names);
        const ps = sel.map((n) => searches.get(n)!);
        const subs = sel.map((n) => searchNeeds.get(n) ?? []);
        if (node.quantifier === 'one') {
          return { pred: (v) => { for (let i = 0; i < ps.length; i++) if (ps[i]!(v)) return true; return false; }, needs: or(subs) };
        }
        return { pred: (v) => { for (let i = 0; i < ps.length; i++) if (!ps[i]!(v)) return false; return true; }, needs: and(subs) };
      }
    }
  };
  const top = build(section.condition);
  const all = tidy(top.needs);
  const strong = all.filter((c) => c.every((l) => strongLiteral(l.text)));
  return { test: top.pred, searches, needs: strong.length > 0 ? strong : all };
}

/** Names of the search identifiers true for this event (called only after a match, so cost is not critical). */
export function matchedSearches(d: CompiledDetection, v: EventView): string[] {
  const out: string[] = [];
  for (const [name, p] of d.searches) if (p(v)) out.push(name);
  return out;
}
