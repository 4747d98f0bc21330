/** Hunt summary: hits per rule, level, ATT&CK technique and computer. */
import type { RuleRef } from '../compile/types.js';
import type { TimelineRow } from './timeline.js';

export interface Count {
  key: string;
  hits: number;
}

export interface RuleCount {
  id: string;
  title: string;
  level: string;
  hits: number;
}

export interface HuntSummary {
  detections: number;
  byRule: RuleCount[];
  byLevel: Count[];
  byTechnique: Count[];
  byComputer: Count[];
}

const LEVEL_ORDER = ['critical', 'high', 'medium', 'low', 'informational'];
const TECHNIQUE = /^attack\.(t\d{4}(?:\.\d{3})?)$/i;

export function techniquesOf(tags: readonly string[]): string[] {
  const out: string[] = [];
  for (const t of tags) {
    const m = TECHNIQUE.exec(t);
    if (m) out.push(m[1]!.toUpperCase());
  }
  return out;
}

function sorted(m: Map<string, number>): Count[] {
  return [...m].map(([key, hits]) => ({ key, hits })).sort((a, b) => b.hits - a.hits || a.key.localeCompare(b.key));
}

export function summarize(rows: readonly TimelineRow[], rules: readonly RuleRef[]): HuntSummary {
  const perRule = new Map<number, number>();
  const perLevel = new Map<string, number>();
  const perTech = new Map<string, number>();
  const perComputer = new Map<string, number>();
  for (const r of rows) {
    perRule.set(r.rule, (perRule.get(r.rule) ?? 0) + 1);
    const ref = rules[r.rule];
    const level = ref?.level ?? 'unknown';
    perLevel.set(level, (perLevel.get(level) ?? 0) + 1);
    for (const t of techniquesOf(ref?.tags ?? [])) perTech.set(t, (perTech.get(t) ?? 0) + 1);
    const c = r.computer ?? '(unknown)';
    perComputer.set(c, (perComputer.get(c) ?? 0) + 1);
  }
  const byRule: RuleCount[] = [...perRule]
    .map(([i, hits]) => {
      const ref = rules[i];
      return { id: ref?.id ?? String(i), title: ref?.title ?? '?', level: ref?.level ?? 'unknown', hits };
    })
    .sort((a, b) => levelRank(a.level) - levelRank(b.level) || b.hits - a.hits || a.title.localeCompare(b.title));
  const byLevel = sorted(perLevel).sort((a, b) => levelRank(a.key) - levelRank(b.key));
  return { detections: rows.length, byRule, byLevel, byTechnique: sorted(perTech), byComputer: sorted(perComputer) };
}

export function levelRank(level: string): number {
  const i = LEVEL_ORDER.indexOf(level);
  return i === -1 ? LEVEL_ORDER.length : i;
}
