/**
 * Technique relations detection needs: the same technique family (a
 * technique, its parent, its sub-techniques), tactics of a technique, the
 * kill-chain order of tactics, and Sigma tags → techniques and tactics.
 */
import { resolveAttackTag, type KnowledgeBase } from '../kb/index.js';

export function parentOf(id: string): string {
  const dot = id.indexOf('.');
  return dot < 0 ? id : id.slice(0, dot);
}

/**
 * A detection of `detected` counts for the label `label` when it is the
 * label, its parent, or one of its sub-techniques (siblings do not count).
 */
export function techniqueMatches(detected: string, label: string): boolean {
  if (detected === label) return true;
  return parentOf(label) === detected || parentOf(detected) === label;
}

export class TechniqueInfo {
  private readonly tacticOrder = new Map<string, number>();
  private readonly tagCache = new Map<string, { techniques: string[]; tactics: string[] }>();

  constructor(readonly kb: KnowledgeBase) {
    for (const t of kb.tactics) this.tacticOrder.set(t.shortname, t.order);
  }

  name(id: string): string {
    return this.kb.technique(id)?.name ?? id;
  }

  tactics(id: string): string[] {
    const t = this.kb.technique(id) ?? this.kb.technique(parentOf(id));
    return t ? [...t.tactics] : [];
  }

  /** Kill-chain position of a tactic shortname (unknown ones last). */
  order(tactic: string): number {
    return this.tacticOrder.get(tactic) ?? 99;
  }

  /** TA id of a tactic shortname. */
  tacticId(shortname: string): string | undefined {
    return this.kb.tactic(shortname)?.id;
  }

  /** Tactic shortname for a TA id or shortname. */
  tacticShortname(key: string): string | undefined {
    return this.kb.tactic(key)?.shortname;
  }

  /** Techniques and tactics a Sigma rule's tags name (only those the loaded ATT&CK knows). */
  ruleTags(tags: readonly string[]): { techniques: string[]; tactics: string[] } {
    const key = tags.join('\n');
    const cached = this.tagCache.get(key);
    if (cached) return cached;
    const techniques = new Set<string>();
    const tactics = new Set<string>();
    for (const tag of tags) {
      const r = resolveAttackTag(this.kb, tag);
      if (r.kind === 'technique') {
        techniques.add(r.id);
        for (const t of this.tactics(r.id)) tactics.add(t);
      } else if (r.kind === 'tactic') tactics.add(r.tactic.shortname);
    }
    const out = { techniques: [...techniques].sort(), tactics: [...tactics].sort((a, b) => this.order(a) - this.order(b)) };
    this.tagCache.set(key, out);
    return out;
  }
}
