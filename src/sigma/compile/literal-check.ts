/**
 * Prefilter clauses verified directly on a candidate event (those the literal
 * index does not check, `literal-plan.ts`): native string tests on the
 * lowercased field values the event view caches, cheaper than the detection
 * itself and enough to drop most candidates before it runs.
 */
import { fieldSlot, type EventView } from './event.js';
import type { LiteralKind, NeedLiteral } from './item.js';
import { testString, type StringTest } from './strings.js';

/** A literal test (`LiteralKind` is the glob-free part of `StringTest`) and the fields it may sit in. */
type Check = Extract<StringTest, { kind: LiteralKind }> & { names: string[]; slots: number[] };

/** A predicate true when every clause has a literal in one of its fields (as `scanTextsOf` sees them). */
export function compileClauseCheck(clauses: ReadonlyArray<readonly NeedLiteral[]>): (v: EventView) => boolean {
  // exact-position clauses first: they are the cheapest to rule an event out
  const ordered = [...clauses].sort((a, b) => Number(a.some((l) => l.kind === 'contains')) - Number(b.some((l) => l.kind === 'contains')));
  const checks: Check[][] = ordered.map((c) =>
    c.map((l) => {
      if (l.fields === null) throw new Error('a keyword literal reached the clause check');
      return { text: l.text, kind: l.kind, names: [...l.fields], slots: l.fields.map(fieldSlot) };
    }),
  );
  const texts: string[] = [];
  return (v) => {
    for (let k = 0; k < checks.length; k++) {
      const clause = checks[k]!;
      let hit = false;
      for (let i = 0; i < clause.length && !hit; i++) {
        const c = clause[i]!;
        for (let f = 0; f < c.slots.length && !hit; f++) {
          const n = v.scanTextsOf(c.slots[f]!, c.names[f]!, texts);
          for (let t = 0; t < n; t++) {
            if (testString(texts[t]!, c)) {
              hit = true;
              break;
            }
          }
        }
      }
      if (!hit) return false;
    }
    return true;
  };
}
