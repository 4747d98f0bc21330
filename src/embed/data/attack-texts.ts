/**
 * Text side from ATT&CK: one text per technique (what queries are matched
 * against), the procedure examples and description sentences as further texts
 * of their technique, and the hard negatives: sibling sub-techniques and
 * techniques that the same software uses.
 */
import { plainText, sentences, type KnowledgeBase } from '../../kb/index.js';
import { TEXT_TOWER } from '../model.js';
import type { TrainingQuery } from '../train.js';

/** Longest technique text kept (characters): the start of a description carries its meaning. */
const MAX_TECHNIQUE_CHARS = 1600;
const MAX_DESCRIPTION_SENTENCES = 6;
const MAX_TOOL_NEIGHBOURS = 8;

/** The text that stands for a technique: name, parent name, tactics, platforms, description. */
export function techniqueText(kb: KnowledgeBase, id: string): string | undefined {
  const t = kb.technique(id);
  if (!t) return undefined;
  const parent = t.parent ? kb.technique(t.parent) : undefined;
  const head = parent ? `${parent.name}: ${t.name}` : t.name;
  const body = plainText(t.description);
  return `${head}. ${t.id}. Tactics: ${t.tactics.join(', ')}. ${body}`.slice(0, MAX_TECHNIQUE_CHARS);
}

export function techniqueTexts(kb: KnowledgeBase): Map<string, string> {
  const out = new Map<string, string>();
  for (const t of kb.techniques) {
    const text = techniqueText(kb, t.id);
    if (text) out.set(t.id, text);
  }
  return out;
}

/** Procedure examples (16k in ATT&CK 18.1) and the first description sentences, each a query for its technique. */
export function attackQueries(kb: KnowledgeBase): TrainingQuery[] {
  const out: TrainingQuery[] = [];
  for (const p of kb.procedures) {
    const text = plainText(p.description);
    if (text.length >= 8) out.push({ text, tower: TEXT_TOWER, labels: [p.techniqueId], source: 'attack-procedure' });
  }
  for (const t of kb.techniques) {
    out.push({ text: t.name, tower: TEXT_TOWER, labels: [t.id], source: 'attack-name' });
    for (const text of sentences(plainText(t.description)).slice(0, MAX_DESCRIPTION_SENTENCES)) {
      if (text.length >= 20) out.push({ text, tower: TEXT_TOWER, labels: [t.id], source: 'attack-description' });
    }
  }
  return out;
}

/**
 * Confusable techniques: parent ↔ sub-techniques and siblings, and the
 * techniques most often used by the same software as this one.
 */
export function hardNegatives(kb: KnowledgeBase): Map<string, string[]> {
  const out = new Map<string, Set<string>>();
  const add = (a: string, b: string) => {
    if (a === b) return;
    let s = out.get(a);
    if (!s) out.set(a, (s = new Set()));
    s.add(b);
  };
  for (const t of kb.techniques) {
    const family = t.parent ?? t.id;
    const parent = kb.technique(family);
    if (!parent) continue;
    for (const sib of [family, ...parent.subtechniques]) add(t.id, sib);
  }
  // software → techniques it uses; count technique pairs sharing software
  const bySoftware = new Map<string, Set<string>>();
  for (const p of kb.procedures) {
    if (p.sourceKind !== 'software') continue;
    let s = bySoftware.get(p.sourceId);
    if (!s) bySoftware.set(p.sourceId, (s = new Set()));
    s.add(p.techniqueId);
  }
  const shared = new Map<string, Map<string, number>>();
  for (const techs of bySoftware.values()) {
    if (techs.size > 60) continue; // very broad tools link everything to everything
    const list = [...techs];
    for (const a of list)
      for (const b of list) {
        if (a === b) continue;
        let m = shared.get(a);
        if (!m) shared.set(a, (m = new Map()));
        m.set(b, (m.get(b) ?? 0) + 1);
      }
  }
  for (const [a, m] of shared) {
    const top = [...m.entries()].sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1)).slice(0, MAX_TOOL_NEIGHBOURS);
    for (const [b] of top) add(a, b);
  }
  return new Map([...out.entries()].map(([k, v]) => [k, [...v].sort()]));
}
