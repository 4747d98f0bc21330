/**
 * Sentence shape: what kind of text a sentence is, beyond its words. Report
 * annotators (and readers) treat a technique named in an ATT&CK table row, a
 * heading, a figure caption, a mitigation or a detection query differently
 * from a sentence that describes what the adversary did; these synthetic
 * terms (`@kind:heading`, `@len:short`, `@name-line`, `@section:mitigation`…)
 * let the classifier learn that per technique.
 */
import { tokenize, type KnowledgeBase } from '../kb/index.js';
import type { ReportText, Sentence } from '../text/index.js';

const IMPERATIVE = new Set(
  'consider ensure monitor enable disable restrict implement review audit apply patch update block limit configure prevent prohibit require remove use deploy check verify look search hunt alert create establish maintain train educate keep avoid set'.split(' '),
);

const SECTION_CLASSES: [RegExp, string][] = [
  [/mitigat|recommend|remediat|best practice|protect|defen[cs]e|hardening|prevent/i, 'mitigation'],
  [/detect|hunting|hunt|sigma|yara|query|queries|monitor/i, 'detection'],
  [/indicator|\biocs?\b|hashes|observables/i, 'ioc'],
  [/reference|resources|appendix|further reading|acknowledg|about the author|disclaimer|contact/i, 'reference'],
  [/att&ck|mitre|ttps?\b|technique/i, 'attack-table'],
];

/** Normalised technique names and "tactic: technique" forms, to spot lines that only name a technique. */
export class TechniqueNames {
  private readonly names = new Set<string>();

  constructor(kb: KnowledgeBase) {
    for (const t of kb.techniques) {
      if (t.status !== 'active') continue;
      this.names.add(norm(t.name));
      if (t.parent) {
        const p = kb.technique(t.parent);
        if (p) this.names.add(norm(`${p.name} ${t.name}`));
      }
    }
    for (const t of kb.tactics) this.names.add(norm(t.name));
  }

  /** Is `text` (ids, numbering and punctuation aside) nothing but technique or tactic names? */
  isNameLine(text: string): boolean {
    if (text.length > 200) return false;
    const stripped = norm(text.replace(/\b(?:T|TA)\d{4}(?:\.\d{3})?\b/g, ' '));
    if (!stripped) return /\bT\d{4}\b/.test(text);
    if (this.names.has(stripped)) return true;
    // "Command and Scripting Interpreter: PowerShell", "Discovery – File and Directory Discovery"
    const parts = text.replace(/\b(?:T|TA)\d{4}(?:\.\d{3})?\b/g, ' ').split(/[:–—|/()[\]]|\s-\s/).map(norm).filter(Boolean);
    return parts.length > 0 && parts.every((p) => this.names.has(p));
  }
}

function norm(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, ' ').trim();
}

export function sectionClass(heading: string): string | undefined {
  for (const [re, cls] of SECTION_CLASSES) if (re.test(heading)) return cls;
  return undefined;
}

/** Shape terms of a free-standing text (procedure examples and other training texts). */
export function textShape(text: string, names?: TechniqueNames): string[] {
  const out: string[] = [];
  const words = text.match(/[A-Za-z][A-Za-z'-]*/g) ?? [];
  const n = words.length;
  out.push(n <= 3 ? '@len:1-3' : n <= 6 ? '@len:4-6' : n <= 40 ? '@len:7-40' : '@len:41+');
  if (/\bT\d{4}(?:\.\d{3})?\b/.test(text)) out.push('@has-id');
  if (names?.isNameLine(text)) out.push('@name-line');
  if (/^(?:figure|fig\.?|table|image|screenshot|exhibit)\s*\d*/i.test(text.trim())) out.push('@caption');
  const first = (words[0] ?? '').toLowerCase();
  if (IMPERATIVE.has(first)) out.push('@imperative');
  const codeChars = (text.match(/[{}();=<>$\\|[\]"]/g) ?? []).length;
  if (codeChars >= 4 && codeChars / Math.max(1, text.length) > 0.05) out.push('@code-syntax');
  if (!/[.!?:]["')\]]?$/.test(text.trim())) out.push('@no-final-punct');
  return out;
}

/** Shape terms of sentence `s` of a report: its text shape, kind and section. */
export function sentenceShape(report: ReportText, s: Sentence, names?: TechniqueNames): string[] {
  const out = textShape(report.text.slice(s.start, s.end), names);
  if (s.kind !== 'prose') out.push(`@kind:${s.kind}`);
  const p = report.paragraphs[s.paragraph];
  if (p?.heading !== undefined) {
    const h = report.paragraphs[p.heading]!;
    const cls = sectionClass(report.text.slice(h.start, h.end));
    if (cls) out.push(`@section:${cls}`);
  }
  return out;
}

/**
 * Context terms of sentence `s`: the words of its section heading (`h:`) and,
 * optionally, of the sentence before it in the same paragraph (`p:`), so
 * "It then enumerates running processes" under "Discovery" reads as such.
 */
export function sentenceContext(report: ReportText, s: Sentence, opts: { heading?: boolean; previous?: boolean } = { heading: true }): string[] {
  const out: string[] = [];
  const p = report.paragraphs[s.paragraph];
  if (opts.heading && p?.heading !== undefined && s.kind !== 'heading') {
    const h = report.paragraphs[p.heading]!;
    for (const t of new Set(tokenize(report.text.slice(h.start, Math.min(h.end, h.start + 200))))) out.push(`h:${t}`);
  }
  if (opts.previous && s.index > 0) {
    const prev = report.sentences[s.index - 1]!;
    if (prev.paragraph === s.paragraph) for (const t of new Set(tokenize(report.text.slice(prev.start, Math.min(prev.end, prev.start + 600))))) out.push(`p:${t}`);
  }
  return out;
}
