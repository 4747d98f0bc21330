/**
 * Sigma-style ATT&CK tags (`attack.t1059.001`, `attack.execution`,
 * `attack.g0016`, `attack.s0002`) resolved against the loaded ATT&CK version.
 * Tags the loaded version does not know (SigmaHQ already uses newer ATT&CK,
 * e.g. `attack.stealth`, `attack.t1685`) come back as `unknown` with a reason:
 * never dropped, never an exception.
 */
import type { Campaign, Group, Mitigation, Software, Tactic, Technique } from './model.js';

interface Redirect {
  /** Set when the tag named a revoked id and this is its replacement. */
  redirectedFrom?: string;
  /** e.g. `T1086 was revoked by T1059.001` or `T1064 is deprecated in ATT&CK 18.1`. */
  note?: string;
}

export type AttackTagResolution =
  | ({ kind: 'technique'; tag: string; id: string; technique: Technique } & Redirect)
  | { kind: 'tactic'; tag: string; id: string; tactic: Tactic }
  | ({ kind: 'group'; tag: string; id: string; group: Group } & Redirect)
  | ({ kind: 'software'; tag: string; id: string; software: Software } & Redirect)
  | ({ kind: 'campaign'; tag: string; id: string; campaign: Campaign } & Redirect)
  | { kind: 'mitigation'; tag: string; id: string; mitigation: Mitigation }
  /** An ATT&CK tag this version does not know (newer or wrong id or tactic). */
  | { kind: 'unknown'; tag: string; id: string; reason: string }
  /** Not an `attack.*` tag (e.g. `cve.2021-44228`, `detection.threat-hunting`). */
  | { kind: 'not-attack'; tag: string };

/** What a knowledge base must answer for tags (KnowledgeBase implements it). */
export interface TagResolver {
  readonly info: { attackVersion: string };
  resolveId(id: string): { kind: string; item: unknown; redirectedFrom?: string; note?: string } | undefined;
  tactic(shortnameOrId: string): Tactic | undefined;
}

const TECHNIQUE = /^t\d{4}(?:\.\d{3})?$/;
const OBJECT = /^(ta|g|s|c|m)\d{4}$/;
const SHORTNAME = /^[a-z][a-z0-9-]{0,60}$/;

export function resolveAttackTag(kb: TagResolver, tag: string): AttackTagResolution {
  const norm = tag.trim().toLowerCase();
  if (!norm.startsWith('attack.')) return { kind: 'not-attack', tag };
  const rest = norm.slice('attack.'.length);
  const version = kb.info.attackVersion;
  if (TECHNIQUE.test(rest) || OBJECT.test(rest)) {
    const id = rest.toUpperCase();
    const hit = kb.resolveId(id);
    if (!hit) return { kind: 'unknown', tag, id, reason: `${id} is not in ATT&CK ${version}` };
    const extra: Redirect = {
      ...(hit.redirectedFrom ? { redirectedFrom: hit.redirectedFrom } : {}),
      ...(hit.note ? { note: hit.note } : {}),
    };
    switch (hit.kind) {
      case 'technique': {
        const t = hit.item as Technique;
        return { kind: 'technique', tag, id: t.id, technique: t, ...extra };
      }
      case 'tactic': {
        const t = hit.item as Tactic;
        return { kind: 'tactic', tag, id: t.id, tactic: t };
      }
      case 'group': {
        const g = hit.item as Group;
        return { kind: 'group', tag, id: g.id, group: g, ...extra };
      }
      case 'software': {
        const s = hit.item as Software;
        return { kind: 'software', tag, id: s.id, software: s, ...extra };
      }
      case 'campaign': {
        const c = hit.item as Campaign;
        return { kind: 'campaign', tag, id: c.id, campaign: c, ...extra };
      }
      case 'mitigation': {
        const m = hit.item as Mitigation;
        return { kind: 'mitigation', tag, id: m.id, mitigation: m };
      }
      default:
        return { kind: 'unknown', tag, id, reason: `${id} is a ${hit.kind}, not a tag target` };
    }
  }
  // Old Sigma rules wrote tactics with underscores (attack.command_and_control).
  const shortname = rest.replace(/_/g, '-');
  if (SHORTNAME.test(shortname)) {
    const tactic = kb.tactic(shortname);
    if (tactic) return { kind: 'tactic', tag, id: tactic.id, tactic };
    return { kind: 'unknown', tag, id: shortname, reason: `no tactic "${shortname}" in ATT&CK ${version}` };
  }
  return { kind: 'unknown', tag, id: rest, reason: `not an ATT&CK id or tactic name` };
}
