/**
 * Procedure variants: the other ways a technique was carried out in this
 * report (its other procedures), according to ATT&CK (procedure examples,
 * those of the report's own groups and software first, then the ones whose
 * wording is closest to the report's evidence), and as Atomic Red Team tests
 * (platforms the report mentions first).
 */
import { plainText, tokenize, type KnowledgeBase } from '../kb/index.js';
import type { AtomicLibrary } from './atomics.js';
import type { Procedure, ProcedureVariant } from './schema.js';

export interface VariantOptions {
  /** ATT&CK procedure examples per technique (default 3). */
  attack?: number;
  /** Atomic tests per technique (default 3). */
  atomic?: number;
}

function overlap(a: Set<string>, b: Set<string>): number {
  let n = 0;
  for (const x of a) if (b.has(x)) n++;
  return n / Math.sqrt(Math.max(1, a.size) * Math.max(1, b.size));
}

const MAX_DESCRIPTION = 600;

interface PreparedExample {
  stixId: string;
  sourceId: string;
  sourceKind: string;
  sourceName: string;
  text: string;
  words: Set<string>;
}

/** Procedure examples of a technique with their plain text and words, computed once per knowledge base. */
const prepared = new WeakMap<KnowledgeBase, Map<string, PreparedExample[]>>();

function examplesOf(kb: KnowledgeBase, technique: string): PreparedExample[] {
  let byTechnique = prepared.get(kb);
  if (!byTechnique) prepared.set(kb, (byTechnique = new Map()));
  let list = byTechnique.get(technique);
  if (!list) {
    list = kb.proceduresFor(technique).map((p) => {
      const text = plainText(p.description);
      return { stixId: p.stixId, sourceId: p.sourceId, sourceKind: p.sourceKind, sourceName: p.sourceName, text, words: new Set(tokenize(text)) };
    });
    byTechnique.set(technique, list);
  }
  return list;
}

function cut(s: string, n = MAX_DESCRIPTION): string {
  return s.length > n ? s.slice(0, n - 1) + '…' : s;
}

export function techniqueVariants(
  kb: KnowledgeBase,
  atomics: AtomicLibrary,
  technique: string,
  procedures: Procedure[],
  context: { evidenceText: string; entityIds: Set<string>; platforms: Set<string> },
  opts: VariantOptions = {},
): ProcedureVariant[] {
  const out: ProcedureVariant[] = [];
  if (procedures.length > 1) {
    for (const p of procedures) {
      const v: ProcedureVariant = { technique, source: 'report', ref: p.id, description: cut(p.action), platforms: [] };
      if (p.tool) v.tool = p.tool.name;
      if (p.commands[0]) v.command = p.commands[0].text.slice(0, 1000);
      out.push(v);
    }
  }
  const words = new Set(tokenize(context.evidenceText));
  const examples = examplesOf(kb, technique).map((p) => ({ p, text: p.text, rank: (context.entityIds.has(p.sourceId) ? 1 : 0) * 10 + overlap(words, p.words) }));
  examples.sort((a, b) => b.rank - a.rank || (a.p.stixId < b.p.stixId ? -1 : 1));
  const t = kb.technique(technique);
  for (const e of examples.slice(0, opts.attack ?? 3)) {
    out.push({ technique, source: 'attack-procedure', ref: e.p.stixId, description: cut(e.text), tool: e.p.sourceKind === 'software' ? e.p.sourceName : undefined, platforms: t?.platforms ?? [] } as ProcedureVariant);
    if (out[out.length - 1]!.tool === undefined) delete out[out.length - 1]!.tool;
  }
  const tests = atomics.tests(technique).map((a) => {
    const plat = a.platforms.some((p) => context.platforms.has(p)) ? 1 : 0;
    return { a, rank: plat * 10 + overlap(words, new Set(tokenize(`${a.name} ${a.description} ${a.command ?? ''}`))) };
  });
  tests.sort((x, y) => y.rank - x.rank || (x.a.guid < y.a.guid ? -1 : 1));
  for (const { a } of tests.slice(0, opts.atomic ?? 3)) {
    const v: ProcedureVariant = { technique, source: 'atomic-red-team', ref: a.guid, description: cut(a.description ? `${a.name}: ${a.description}` : a.name), platforms: a.platforms };
    if (a.command) v.command = a.command.slice(0, 2000);
    out.push(v);
  }
  return out;
}

/** Platforms a report talks about (for ranking variants). */
export function reportPlatforms(text: string): Set<string> {
  const out = new Set<string>();
  if (/\bwindows\b|\.exe\b|powershell|registry|HKLM|HKCU/i.test(text)) out.add('windows');
  if (/\blinux\b|\bbash\b|\/etc\/|\/tmp\/|crontab|systemd/i.test(text)) out.add('linux');
  if (/\bmac ?os\b|\bos x\b|launchd|launchctl|osascript|\.plist\b/i.test(text)) out.add('macos');
  return out;
}
