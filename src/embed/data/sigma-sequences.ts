/** Sigma rules → synthetic records → normalised events → behaviour sequences, labelled with the rules' technique tags. */
import type { KnowledgeBase } from '../../kb/index.js';
import { normalize } from '../../logs/normalize.js';
import { SequenceBuilder } from '../../provenance/index.js';
import { loadRules } from '../../sigma/rule/load.js';
import type { SigmaRule } from '../../sigma/rule/types.js';
import { sequenceText } from '../sequence-text.js';
import { renderRule } from './sigma-render.js';
import { canonicalTechniques } from './labels.js';

export interface LabelledSequence {
  text: string;
  labels: string[];
  /** Rule id or atomic test, for people. */
  origin: string;
}

export function ruleTechniques(kb: KnowledgeBase, rule: SigmaRule): string[] {
  const ids: string[] = [];
  for (const tag of rule.tags) {
    const m = /^attack\.(t\d{4}(?:\.\d{3})?)$/i.exec(tag.trim());
    if (m) ids.push(m[1]!);
  }
  return canonicalTechniques(kb, ids);
}

/** Render every technique-tagged rule `variants` times; returns the actor's sequence per rendering. */
export async function sigmaSequences(kb: KnowledgeBase, ruleDirs: readonly string[], opts: { variants?: number; seed?: number } = {}): Promise<{ sequences: LabelledSequence[]; rules: number; tagged: number }> {
  const variants = opts.variants ?? 3;
  const seed = opts.seed ?? 1;
  const collection = await loadRules(ruleDirs);
  const rules = [...collection.rules].sort((a, b) => (a.source.file < b.source.file ? -1 : a.source.file > b.source.file ? 1 : a.source.document - b.source.document));
  const out: LabelledSequence[] = [];
  let serial = 0;
  let tagged = 0;
  for (const rule of rules) {
    const labels = ruleTechniques(kb, rule);
    if (labels.length === 0) continue;
    tagged++;
    const seen = new Set<string>();
    for (let v = 0; v < variants; v++) {
      const rendered = renderRule(rule, v, seed, serial++);
      if (!rendered) break;
      const builder = new SequenceBuilder();
      for (const r of rendered.records) {
        const ev = normalize(r);
        if (ev) builder.add(ev);
      }
      const seq = builder.finish().find((s) => s.process.key.includes(rendered.actorGuid));
      if (!seq) continue;
      const text = sequenceText(seq);
      if (seen.has(text)) continue;
      seen.add(text);
      out.push({ text, labels, origin: `sigma:${rule.id ?? rule.title}` });
    }
  }
  return { sequences: out, rules: rules.length, tagged };
}
