/**
 * The attack chain and the tactic layer. Each procedure gets one tactic of
 * its technique: the one its section heading or sentence names, else the
 * technique's first in matrix order. The chain orders procedures by tactic
 * (ATT&CK matrix order, which follows an intrusion's progress) and, within a
 * tactic, by where the report tells them.
 */
import type { KnowledgeBase } from '../kb/index.js';
import type { ReportText } from '../text/index.js';
import type { Procedure, TacticLayer, TechniqueFinding } from './schema.js';

/** Words that name each tactic in headings and sentences. */
function tacticWords(kb: KnowledgeBase): Map<string, RegExp> {
  const out = new Map<string, RegExp>();
  for (const t of kb.tactics) {
    const extra: Record<string, string> = {
      'initial-access': 'initial access|delivery|infection vector',
      execution: 'execution|executes?|execute',
      persistence: 'persistence|persist|survive reboots?|autostart',
      'privilege-escalation': 'privilege escalation|escalat|elevat',
      'defense-evasion': 'defen[cs]e evasion|evasion|evade|anti-analysis',
      'credential-access': 'credential|password|lsass',
      discovery: 'discovery|reconnaissance on the host|enumerat',
      'lateral-movement': 'lateral movement|laterally|spread',
      collection: 'collection|collect',
      'command-and-control': 'command and control|command-and-control|\\bc2\\b|\\bc&c\\b|beacon',
      exfiltration: 'exfiltrat',
      impact: 'impact|ransom|encrypt files|wipe',
      reconnaissance: 'reconnaissance|recon\\b',
      'resource-development': 'resource development|infrastructure',
    };
    out.set(t.shortname, new RegExp(`\\b(?:${extra[t.shortname] ?? t.name.toLowerCase()})`, 'i'));
  }
  return out;
}

export class TacticChooser {
  private readonly words: Map<string, RegExp>;
  private readonly order: Map<string, number>;

  constructor(private readonly kb: KnowledgeBase) {
    this.words = tacticWords(kb);
    this.order = new Map(kb.tactics.map((t) => [t.shortname, t.order]));
  }

  orderOf(tactic: string | undefined): number {
    return tactic === undefined ? 99 : (this.order.get(tactic) ?? 99);
  }

  /** The tactic of technique `id` for the procedure told in sentence `j`. */
  choose(id: string, report: ReportText, j: number): string | undefined {
    const tactics = this.kb.technique(id)?.tactics ?? [];
    if (tactics.length <= 1) return tactics[0];
    const s = report.sentences[j]!;
    const p = report.paragraphs[s.paragraph];
    const heading = p?.heading !== undefined ? report.text.slice(report.paragraphs[p.heading]!.start, report.paragraphs[p.heading]!.end) : '';
    for (const source of [heading, report.text.slice(s.start, s.end)]) {
      if (!source) continue;
      const hit = tactics.find((t) => this.words.get(t)?.test(source));
      if (hit) return hit;
    }
    return tactics[0];
  }
}

/** Order procedures into the chain (sets `order`), returned sorted. */
export function orderChain(procedures: Procedure[], chooser: TacticChooser): Procedure[] {
  const pos = (p: Procedure) => Math.min(...p.evidence.map((e) => e.start));
  const sorted = [...procedures].sort((a, b) => chooser.orderOf(a.tactic) - chooser.orderOf(b.tactic) || pos(a) - pos(b) || (a.id < b.id ? -1 : 1));
  sorted.forEach((p, i) => (p.order = i + 1));
  return sorted;
}

export function tacticLayers(kb: KnowledgeBase, techniques: TechniqueFinding[]): TacticLayer[] {
  const out: TacticLayer[] = [];
  for (const t of kb.tactics) {
    const ids = techniques.filter((f) => f.tactics.includes(t.shortname)).sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1)).map((f) => f.id);
    if (ids.length) out.push({ shortname: t.shortname, id: t.id, name: t.name, techniques: ids });
  }
  return out;
}
