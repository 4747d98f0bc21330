/** Technique labels from outside (TRAM, Sigma tags, manifests) mapped onto the loaded ATT&CK version. */
import type { KnowledgeBase } from '../../kb/index.js';

/** The active technique id a label stands for (revoked ids follow their replacement), or undefined. */
export function canonicalTechnique(kb: KnowledgeBase, label: string): string | undefined {
  const id = label.trim().toUpperCase();
  if (!/^T\d{4}(\.\d{3})?$/.test(id)) return undefined;
  const r = kb.resolveId(id);
  if (!r || r.kind !== 'technique') return undefined;
  const t = r.item as { id: string; status: string };
  return t.status === 'active' ? t.id : undefined;
}

export function canonicalTechniques(kb: KnowledgeBase, labels: Iterable<string>): string[] {
  const out = new Set<string>();
  for (const l of labels) {
    const c = canonicalTechnique(kb, l);
    if (c) out.add(c);
  }
  return [...out].sort();
}
