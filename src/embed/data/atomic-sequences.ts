/** Atomic Red Team tests → process-creation records → behaviour sequences labelled with the test's technique. */
import type { KnowledgeBase } from '../../kb/index.js';
import { normalize } from '../../logs/normalize.js';
import { SequenceBuilder } from '../../provenance/index.js';
import { sequenceText } from '../sequence-text.js';
import { readAtomicTests, renderAtomic } from './atomic-render.js';
import { canonicalTechnique } from './labels.js';
import type { LabelledSequence } from './sigma-sequences.js';

/** Per test: the executor's sequence (its command and the programs it spawned) and each child's. */
export function atomicSequences(kb: KnowledgeBase, atomicsDir: string): { sequences: LabelledSequence[]; tests: number } {
  const tests = readAtomicTests(atomicsDir);
  const out: LabelledSequence[] = [];
  tests.forEach((test, serial) => {
    const technique = canonicalTechnique(kb, test.technique);
    if (!technique) return;
    const builder = new SequenceBuilder();
    for (const r of renderAtomic(test, serial)) {
      const ev = normalize(r);
      if (ev) builder.add(ev);
    }
    const seen = new Set<string>();
    for (const seq of builder.finish()) {
      if (seq.host !== 'atomic' || !seq.process.commandLine) continue; // skip the synthetic parent (no command line)
      const text = sequenceText(seq);
      if (seen.has(text)) continue;
      seen.add(text);
      out.push({ text, labels: [technique], origin: `atomic:${test.technique}:${test.name}` });
    }
  });
  return { sequences: out, tests: tests.length };
}
