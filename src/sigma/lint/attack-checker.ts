/**
 * The linter's ATT&CK tag checker over a knowledge base. Typed structurally,
 * so the Sigma module does not depend on src/kb: its `KnowledgeBase` fits.
 */
import type { AttackTagChecker } from './types.js';

/** What a checker needs from a knowledge base. */
export interface AttackTagSource {
  info: { attackVersion: string };
  resolveAttackTag(tag: string): { kind: string; reason?: string; note?: unknown };
}

export function attackTagChecker(kb: AttackTagSource): AttackTagChecker {
  return {
    version: kb.info.attackVersion,
    check(tag) {
      const r = kb.resolveAttackTag(tag);
      if (r.kind === 'unknown') return { known: false, reason: r.reason ?? 'not in this ATT&CK version' };
      if (typeof r.note === 'string') return { known: true, note: r.note };
      return { known: true };
    },
  };
}
