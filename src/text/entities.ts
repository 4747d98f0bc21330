/**
 * ATT&CK groups, software and campaigns named in a report, by name and alias.
 * A phrase index over the knowledge base's names (first token → candidate
 * phrases) is matched against the report's word tokens; the longest match
 * wins. False-positive control: names that are ordinary words ("Page",
 * "Play", "Tick", "route") must match with the knowledge base's capitals and
 * not open a sentence, lower-case or very short names ("at", "ftp") only
 * count inside code (inline code, command lines, code blocks).
 */
import type { KnowledgeBase } from '../kb/index.js';
import { plainText } from '../kb/index.js';
import type { Range } from './types.js';

export type EntityKind = 'group' | 'malware' | 'tool' | 'campaign';

export interface FoundEntity {
  kind: EntityKind;
  attackId: string;
  name: string;
  /** The spelling used in the report (first occurrence). */
  matched: string;
  spans: Range[];
}

interface Candidate {
  tokens: string[];
  /** The spelling in the knowledge base (for exact-case checks). */
  exact: string[];
  kind: EntityKind;
  attackId: string;
  name: string;
  rule: 'any-case' | 'exact-case' | 'code-only';
  /** An ordinary English word: never counted at a sentence start. */
  ordinaryWord: boolean;
}

const TOKEN = /[A-Za-z0-9@$][A-Za-z0-9@$_.'’-]*/g;

function tokensOf(s: string): { text: string; start: number; end: number }[] {
  const out: { text: string; start: number; end: number }[] = [];
  TOKEN.lastIndex = 0;
  for (let m = TOKEN.exec(s); m; m = TOKEN.exec(s)) {
    let t = m[0];
    // Trailing sentence punctuation and possessives are not part of a name.
    t = t.replace(/(?:['’]s|[.'’_-])+$/, '');
    if (t) out.push({ text: t, start: m.index, end: m.index + t.length });
  }
  return out;
}

/** Lower-case words of ATT&CK's prose, with counts: a name that is one of them is an ordinary word. */
function proseWords(kb: KnowledgeBase): Map<string, number> {
  const counts = new Map<string, number>();
  const add = (text: string) => {
    for (const m of text.matchAll(/\b[a-z]{2,}\b/g)) counts.set(m[0], (counts.get(m[0]) ?? 0) + 1);
  };
  for (const t of kb.techniques) if (t.status === 'active') add(plainText(t.description));
  for (const t of kb.tactics) add(t.description);
  return counts;
}

export class EntityMatcher {
  private readonly index = new Map<string, Candidate[]>();

  constructor(kb: KnowledgeBase) {
    const words = proseWords(kb);
    const add = (name: string, kind: EntityKind, attackId: string, canonical: string) => {
      const toks = tokensOf(name).map((t) => t.text);
      if (toks.length === 0 || toks.length > 8) return;
      const lower = toks.map((t) => t.toLowerCase());
      const single = toks.length === 1 ? lower[0]! : undefined;
      let rule: Candidate['rule'] = 'any-case';
      let ordinaryWord = false;
      if (single !== undefined) {
        const ordinary = (words.get(single) ?? 0) >= 3 || (words.get(single.replace(/\.exe$/, '')) ?? 0) >= 3;
        if (single.length <= 2 || (name === name.toLowerCase() && ordinary)) rule = 'code-only';
        // A plain capitalised word ("Responder", "Inception") may be an ordinary word in lower case.
        else if (ordinary || single.length <= 3 || /^[A-Z][a-z]+$/.test(toks[0]!)) rule = 'exact-case';
        if (ordinary && rule === 'exact-case') ordinaryWord = true;
      }
      const cand: Candidate = { tokens: lower, exact: toks, kind, attackId, name: canonical, rule, ordinaryWord };
      const list = this.index.get(lower[0]!) ?? [];
      if (!list.some((c) => c.attackId === attackId && c.tokens.join(' ') === cand.tokens.join(' '))) list.push(cand);
      this.index.set(lower[0]!, list);
    };
    for (const g of kb.groups) if (g.status === 'active') for (const n of [g.name, ...g.aliases]) add(n, 'group', g.id, g.name);
    for (const s of kb.software) if (s.status === 'active') for (const n of [s.name, ...s.aliases]) add(n, s.kind, s.id, s.name);
    for (const c of kb.campaigns) if (c.status === 'active') for (const n of [c.name, ...c.aliases]) add(n, 'campaign', c.id, c.name);
    for (const list of this.index.values()) list.sort((a, b) => b.tokens.length - a.tokens.length);
  }

  /**
   * Entities in `text`. `code` ranges (inline code, command and code
   * sentences) allow code-only names; `sentenceStarts` are offsets where a
   * sentence begins (an ordinary word there is capitalised anyway).
   */
  find(text: string, opts: { code?: Range[]; sentenceStarts?: Set<number> } = {}): FoundEntity[] {
    const toks = tokensOf(text);
    const code = opts.code ?? [];
    const inCode = (s: number, e: number) => code.some((r) => r.start <= s && e <= r.end);
    const found = new Map<string, FoundEntity>();
    for (let i = 0; i < toks.length; i++) {
      const list = this.index.get(toks[i]!.text.toLowerCase());
      if (!list) continue;
      for (const c of list) {
        const n = c.tokens.length;
        if (i + n > toks.length) continue;
        let ok = true;
        for (let k = 0; k < n && ok; k++) {
          const t = toks[i + k]!;
          if (t.text.toLowerCase() !== c.tokens[k]) ok = false;
          // Tokens of a phrase are separated by spaces or hyphens only.
          else if (k > 0 && !/^[\s-]{1,3}$/.test(text.slice(toks[i + k - 1]!.end, t.start))) ok = false;
        }
        if (!ok) continue;
        const start = toks[i]!.start;
        const end = toks[i + n - 1]!.end;
        // Part of a domain, path or identifier ("evil[.]net", "a.net.b", "/net/"): not a name.
        const before = text[start - 1] ?? ' ';
        const after = text[end] ?? ' ';
        if (/[\]\[./\\@:_=]/.test(before) || /[\[\]/\\@:_=]/.test(after) || (after === '.' && /[A-Za-z0-9]/.test(text[end + 1] ?? ''))) continue;
        // Code context relaxes case only for tools ("net", "at" in a command line), never for groups.
        const codeOk = c.kind === 'tool' && inCode(start, end);
        if (c.rule === 'code-only' && !codeOk) continue;
        if (c.rule === 'exact-case' && !codeOk) {
          if (!c.exact.every((e, k) => toks[i + k]!.text === e)) continue;
          if (c.ordinaryWord && opts.sentenceStarts?.has(start)) continue;
        }
        const key = `${c.kind}:${c.attackId}`;
        let f = found.get(key);
        if (!f) found.set(key, (f = { kind: c.kind, attackId: c.attackId, name: c.name, matched: text.slice(start, end), spans: [] }));
        f.spans.push({ start, end });
        i += n - 1;
        break;
      }
    }
    return [...found.values()].sort((a, b) => a.spans[0]!.start - b.spans[0]!.start);
  }
}
