/**
 * Labelled sentences the technique classifier learns from: ATT&CK procedure
 * examples and technique texts, and the sentences of TRAM train reports as
 * our own segmenter cuts them (so training sees what inference sees), each
 * labelled with the techniques whose gold spans it overlaps. Sub-technique
 * labels also count for their parent.
 */
import { plainText, sentences as kbSentences, type KnowledgeBase } from '../kb/index.js';
import { structurePlain, reportFromStructured } from '../text/report.js';
import type { ReportText } from '../text/types.js';
import { sentenceContext, sentenceShape, textShape, type TechniqueNames } from './shape.js';
import type { AtomicLibrary } from './atomics.js';
import { parentOf, type TramReport, type TramSpan } from './tram.js';
import { canonicalTechnique } from '../embed/data/labels.js';
import { LeakGuard, normalizeForMatch } from '../embed/data/tram.js';
import { existsSync, readFileSync } from 'node:fs';
import { UserError } from '../common/errors.js';
import { join } from 'node:path';
import { defaultWindows, windowedKind, windowShape, wordWindows, type WindowOptions } from './scoring.js';

export type SentenceSource = 'procedure' | 'technique' | 'tram' | 'tram-span' | 'tram-negative' | 'tram-window' | 'tram-extra' | 'atomic';

export interface LabelledSentence {
  text: string;
  /** Technique ids, parents included. */
  labels: string[];
  source: SentenceSource;
  /** Grouping key for cross-validation (report file for TRAM). */
  group?: string;
  /** Sentence-shape terms (see shape.ts). */
  shape?: string[];
}

/**
 * A pseudo-label on every example that carries some technique: the
 * classifier's score for it says "this sentence describes adversary
 * behaviour at all" (TRAM annotators skip advice, tables and background),
 * which the aggregator combines with each technique's score.
 */
export const RELEVANCE_LABEL = '@any';

export function withParents(ids: Iterable<string>): string[] {
  const out = new Set<string>();
  for (const id of ids) {
    out.add(id);
    out.add(parentOf(id));
  }
  if (out.size) out.add(RELEVANCE_LABEL);
  return [...out].sort();
}

/** Procedure examples and technique names/descriptions of active techniques. */
export function attackSentences(kb: KnowledgeBase, names?: TechniqueNames): LabelledSentence[] {
  const out: LabelledSentence[] = [];
  for (const p of kb.procedures) {
    const t = kb.technique(p.techniqueId);
    if (!t || t.status !== 'active') continue;
    const text = plainText(p.description).trim();
    if (text) out.push({ text, labels: withParents([t.id]), source: 'procedure', shape: textShape(text, names) });
  }
  for (const t of kb.techniques) {
    if (t.status !== 'active') continue;
    const labels = withParents([t.id]);
    out.push({ text: t.name, labels, source: 'technique', shape: textShape(t.name, names) });
    for (const s of kbSentences(plainText(t.description)).slice(0, 4)) out.push({ text: s, labels, source: 'technique', shape: textShape(s, names) });
  }
  return out;
}

/** A TRAM report as our text layer reads it, with gold spans mapped into its text. */
export interface SegmentedTramReport {
  report: TramReport;
  text: ReportText;
  spans: TramSpan[];
}

export function segmentTramReport(report: TramReport): SegmentedTramReport {
  const st = structurePlain(report.text);
  const text = reportFromStructured(st, { path: report.file, format: 'text', bytes: Buffer.from(report.text, 'utf8') });
  const spans = report.spans.map((s) => ({ ...s, start: st.map.fromSource(s.start), end: st.map.fromSource(s.end) })).filter((s) => s.end > s.start);
  return { report, text, spans };
}

/** How much of a gold span must fall in a sentence for the sentence to carry its label. */
export function spanInSentence(span: { start: number; end: number }, sentence: { start: number; end: number }): boolean {
  const overlap = Math.min(span.end, sentence.end) - Math.max(span.start, sentence.start);
  if (overlap <= 0) return false;
  return overlap >= Math.min(12, span.end - span.start) || overlap >= 0.5 * (sentence.end - sentence.start);
}

/** Gold technique ids per sentence of a segmented report. */
export function sentenceLabels(seg: SegmentedTramReport): string[][] {
  const labels: Set<string>[] = seg.text.sentences.map(() => new Set<string>());
  const spans = [...seg.spans].sort((a, b) => a.start - b.start);
  const sents = seg.text.sentences;
  let from = 0;
  for (const sp of spans) {
    while (from < sents.length && sents[from]!.end <= sp.start) from++;
    for (let i = from; i < sents.length && sents[i]!.start < sp.end; i++) {
      if (spanInSentence(sp, sents[i]!)) labels[i]!.add(sp.technique);
    }
  }
  return labels.map((s) => [...s].sort());
}

export function tramSentences(reports: SegmentedTramReport[], names?: TechniqueNames, context: { heading?: boolean; previous?: boolean } = {}): LabelledSentence[] {
  const out: LabelledSentence[] = [];
  for (const seg of reports) {
    const labels = sentenceLabels(seg);
    seg.text.sentences.forEach((s, i) => {
      const text = seg.text.text.slice(s.start, s.end);
      const l = labels[i]!;
      out.push({ text, labels: withParents(l), source: l.length ? 'tram' : 'tram-negative', group: seg.report.file, shape: [...sentenceShape(seg.text, s, names), ...sentenceContext(seg.text, s, context)] });
    });
  }
  return out;
}

/** The gold spans themselves (short phrases such as "exploiting vulnerable web-facing devices") as focused examples. */
export function tramSpanExamples(reports: SegmentedTramReport[], names?: TechniqueNames): LabelledSentence[] {
  const out: LabelledSentence[] = [];
  for (const seg of reports) {
    for (const sp of seg.spans) {
      const text = seg.text.text.slice(sp.start, sp.end).trim();
      if (text.length >= 8) out.push({ text, labels: withParents([sp.technique]), source: 'tram-span', group: seg.report.file, shape: textShape(text, names) });
    }
  }
  return out;
}

/**
 * The word windows of the train reports' long prose sentences (as
 * `scoringUnits` cuts them), each labelled by the gold spans it holds
 * (`spanInSentence`, with the window as the sentence) or a negative. At
 * inference a window's score counts for its sentence; without these the
 * classifier has seen windows only as gold-span phrases (positives) and
 * scores fragments such as "a network instead of using a single IP address"
 * as if they were one.
 */
export function tramWindowExamples(reports: SegmentedTramReport[], names?: TechniqueNames, windows: WindowOptions = defaultWindows): LabelledSentence[] {
  const out: LabelledSentence[] = [];
  for (const seg of reports) {
    const spans = [...seg.spans].sort((a, b) => a.start - b.start);
    for (const s of seg.text.sentences) {
      if (!windowedKind(s)) continue;
      for (const w of wordWindows(seg.text.text, s, windows)) {
        const text = seg.text.text.slice(w.start, w.end);
        const labels = new Set<string>();
        for (const sp of spans) {
          if (sp.start >= w.end) break;
          if (spanInSentence(sp, w)) labels.add(sp.technique);
        }
        out.push({ text, labels: withParents(labels), source: 'tram-window', group: seg.report.file, shape: windowShape(seg.text, s, text, names) });
      }
    }
  }
  return out;
}

/**
 * Atomic Red Team tests as examples: the test's name and description, and
 * its command as a code sentence (commands in reports look like these).
 */
export function atomicSentences(kb: KnowledgeBase, atomics: AtomicLibrary, names?: TechniqueNames): LabelledSentence[] {
  const out: LabelledSentence[] = [];
  for (const t of kb.techniques) {
    if (t.status !== 'active') continue;
    const labels = withParents([t.id]);
    for (const a of atomics.tests(t.id)) {
      const text = a.description ? `${a.name}. ${a.description}` : a.name;
      out.push({ text: text.slice(0, 1200), labels, source: 'atomic', shape: textShape(text, names) });
      if (a.command) {
        const cmd = a.command.slice(0, 1200);
        out.push({ text: cmd, labels, source: 'atomic', shape: [...textShape(cmd, names), cmd.includes('\n') ? '@kind:code' : '@kind:command'] });
      }
    }
  }
  return out;
}

/** Normalised title for matching `single_label.json`'s `doc_title` against report titles. */
function titleKey(title: string): string {
  return normalizeForMatch(title).replace(/ /g, '');
}

/** An optional input file: absent is fine (a TRAM copy without the sentence sets), damaged is an error. */
function readOptionalJson(path: string): unknown {
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as unknown;
  } catch (e) {
    throw new UserError(`cannot read TRAM sentences (${(e as Error).message.slice(0, 120)})`, { file: path });
  }
}

/**
 * TRAM's sentence sets beside the annotated reports — `single_label.json`
 * and `bootstrap-training-data.json` — as extra labelled examples, minus
 * every sentence that comes from an `excluded` report. Both files hold
 * sentences of the test reports (and of every train report), so the caller
 * excludes the test reports always and, in cross-validation, the held-out
 * fold too: a sentence is dropped when its `doc_title` is an excluded
 * report's title or when any 6 consecutive words of it occur in an excluded
 * report's text (`LeakGuard`, shared with the encoder's training data).
 * Identical texts are merged, their labels united.
 */
export function tramExtraSentences(kb: KnowledgeBase, tramDir: string, excluded: readonly TramReport[], names?: TechniqueNames): { sentences: LabelledSentence[]; dropped: number } {
  const guard = new LeakGuard(excluded.map((r) => r.text));
  const titles = new Set<string>();
  for (const r of excluded) {
    titles.add(titleKey(r.title));
    const first = r.text.split('\n', 1)[0] ?? '';
    if (first.startsWith('title:')) titles.add(titleKey(first.slice(6)));
  }
  const merged = new Map<string, { text: string; labels: Set<string> }>();
  let dropped = 0;
  const offer = (text: unknown, labels: unknown[], title?: unknown) => {
    if (typeof text !== 'string' || text.trim().length < 8) return;
    if ((typeof title === 'string' && titles.has(titleKey(title))) || guard.leaks(text)) {
      dropped++;
      return;
    }
    const key = normalizeForMatch(text);
    let m = merged.get(key);
    if (!m) merged.set(key, (m = { text: text.trim().slice(0, 1200), labels: new Set() }));
    for (const l of labels) {
      const id = typeof l === 'string' ? canonicalTechnique(kb, l) : undefined;
      if (id) m.labels.add(id);
    }
  };
  const single = readOptionalJson(join(tramDir, 'single_label.json'));
  if (Array.isArray(single)) for (const r of single as { text?: unknown; label?: unknown; doc_title?: unknown }[]) offer(r?.text, [r?.label], r?.doc_title);
  const boot = readOptionalJson(join(tramDir, 'bootstrap-training-data.json')) as { sentences?: { text?: unknown; mappings?: { attack_id?: unknown }[] }[] } | undefined;
  for (const r of boot?.sentences ?? []) offer(r?.text, (r?.mappings ?? []).map((m) => m?.attack_id));
  const sentences: LabelledSentence[] = [];
  for (const m of merged.values()) {
    if (!m.labels.size) continue;
    sentences.push({ text: m.text, labels: withParents(m.labels), source: 'tram-extra', shape: textShape(m.text, names) });
  }
  return { sentences, dropped };
}
