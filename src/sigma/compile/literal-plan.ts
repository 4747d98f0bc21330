/**
 * Which of a unit's prefilter clauses the literal index checks, and which
 * are verified afterwards on the few candidates.
 *
 * Exact-position clauses (every literal `eq`, `prefix` or `suffix`) are
 * always indexed: checking them costs a short trie walk per field, however
 * many rules share the field, and one such test usually rules a unit out
 * (`Image|endswith: '\\x.exe'`). A substring clause needs its fields' values
 * scanned, at a cost per character: a group scans only the fields its units
 * cannot do without (a unit with no exact-position clause must index one
 * substring clause, chosen greedily on fields already scanned or wanted by
 * many units). Substring clauses on scanned fields are indexed too (the
 * scan finds them at the cost of a few more anchors); every other clause is
 * verified with native string tests once the indexed ones have all hit.
 * Since every clause is a necessary condition, any split is sound: the
 * split only moves work between the scan and the verification.
 */
import type { NeedLiteral } from './item.js';

type Clause = readonly NeedLiteral[];

/** Fields whose values a clause needs scanned (those of its substring literals). */
export function scanFieldsOf(clause: Clause): string[] {
  const out = new Set<string>();
  for (const l of clause) if (l.kind === 'contains' && l.fields !== null) for (const f of l.fields) out.add(f);
  return [...out];
}

/** A clause checked without scanning: every literal at an exact position. */
export function exactClause(clause: Clause): boolean {
  return clause.every((l) => l.kind !== 'contains');
}

/** Longer shortest literal = rarer; more alternatives = more chances to hit. */
function clauseScore(c: Clause): number {
  let min = Infinity;
  for (const l of c) min = Math.min(min, l.text.length);
  return min * 4 - Math.log2(c.length + 1);
}

/**
 * For each unit of a group (its clauses): the substring clause its index
 * must check because the unit has no exact-position clause (-1 when it has
 * one, or no clauses); and the fields the group's index therefore scans.
 */
export function planSubstringClauses(units: ReadonlyArray<readonly Clause[]>): { chosen: number[]; scanned: Set<string> } {
  const chosen = units.map(() => -1);
  const needy = units.map((cl, i) => i).filter((i) => units[i]!.length > 0 && !units[i]!.some(exactClause));
  // how many units could be served by scanning each field
  const wanted = new Map<string, number>();
  for (const i of needy) {
    const fields = new Set<string>();
    for (const c of units[i]!) for (const f of scanFieldsOf(c)) fields.add(f);
    for (const f of fields) wanted.set(f, (wanted.get(f) ?? 0) + 1);
  }
  const scanned = new Set<string>();
  // units with the fewest options first: they force their fields, the others then reuse them
  needy.sort((a, b) => units[a]!.length - units[b]!.length);
  for (const i of needy) {
    let best = -1;
    let bestKey = [-Infinity, -Infinity, -Infinity];
    units[i]!.forEach((c, k) => {
      const fs = scanFieldsOf(c);
      const fresh = fs.filter((f) => !scanned.has(f));
      const popularity = Math.min(...fs.map((f) => wanted.get(f) ?? 0));
      const key = [fresh.length === 0 ? 1 : 0, popularity, clauseScore(c)];
      if (key[0]! > bestKey[0]! || (key[0] === bestKey[0] && (key[1]! > bestKey[1]! || (key[1] === bestKey[1] && key[2]! > bestKey[2]!)))) {
        best = k;
        bestKey = key;
      }
    });
    chosen[i] = best;
    for (const f of scanFieldsOf(units[i]![best]!)) scanned.add(f);
  }
  return { chosen, scanned };
}

/**
 * Split a unit's clauses: `indexed` (exact-position clauses, the chosen
 * substring clause, and substring clauses on fields the group scans anyway:
 * for those the scan finds hits at little extra cost) and `verify` (the rest).
 */
export function splitClauses(clauses: readonly Clause[], chosen: number, scanned: (field: string) => boolean): { indexed: Clause[]; verify: Clause[] } {
  const indexed: Clause[] = [];
  const verify: Clause[] = [];
  clauses.forEach((c, k) => (k === chosen || scanFieldsOf(c).every(scanned) ? indexed : verify).push(c));
  return { indexed, verify };
}
