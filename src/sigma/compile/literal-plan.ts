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
 * many units). Substring clauses on fields the gram scanner scans anyway
 * (more forced literals than `NEEDLE_MAX`) are indexed too (the scan finds
 * them at the cost of a few more anchors); on a field with few forced
 * literals (native `includes` each) they are not: there extra literals would
 * cost a search each, or turn the field into a gram scan, on every event
 * (e.g. Sysmon 10's 600-character `CallTrace`: 2 forced literals, 20 more
 * from units that an exact `TargetImage` test rules out first). Every clause
 * not indexed is verified with native string tests once the indexed ones
 * have all hit.
 * Since every clause is a necessary condition, any split is sound: the
 * split only moves work between the scan and the verification.
 */
import type { NeedLiteral } from './item.js';

type Clause = readonly NeedLiteral[];

/**
 * A field's substring literals are searched with native `includes` when there
 * are at most this many (cheaper than a scan in JS), else by the gram scanner.
 */
export const NEEDLE_MAX = 6;

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
 * one, or no clauses); the fields the group's index therefore scans; and
 * those of them the gram scanner scans (`gramScanned`: more than
 * `NEEDLE_MAX` distinct forced literals), where other substring clauses join.
 */
export function planSubstringClauses(units: ReadonlyArray<readonly Clause[]>): { chosen: number[]; scanned: Set<string>; gramScanned: Set<string> } {
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
  const forced = new Map<string, Set<string>>();
  chosen.forEach((k, i) => {
    if (k < 0) return;
    for (const l of units[i]![k]!) {
      if (l.kind !== 'contains' || l.fields === null) continue;
      for (const f of l.fields) {
        let set = forced.get(f);
        if (!set) forced.set(f, (set = new Set()));
        set.add(l.text);
      }
    }
  });
  const gramScanned = new Set([...forced].filter(([, lits]) => lits.size > NEEDLE_MAX).map(([f]) => f));
  return { chosen, scanned, gramScanned };
}

/**
 * Split a unit's clauses: `indexed` (exact-position clauses, the chosen
 * substring clause, and substring clauses on fields `joinable` says the
 * group scans anyway: for those the scan finds hits at little extra cost)
 * and `verify` (the rest).
 */
export function splitClauses(clauses: readonly Clause[], chosen: number, joinable: (field: string) => boolean): { indexed: Clause[]; verify: Clause[] } {
  const indexed: Clause[] = [];
  const verify: Clause[] = [];
  clauses.forEach((c, k) => (k === chosen || scanFieldsOf(c).every(joinable) ? indexed : verify).push(c));
  return { indexed, verify };
}
