/** Evidence spans: sentence lookup by offset and explicit ATT&CK id mentions. */
import type { KnowledgeBase } from '../kb/index.js';
import type { Range, ReportText } from '../text/index.js';
import { quoteOf } from './procedures.js';
import type { EvidenceSpan } from './schema.js';

/** Index of the sentence containing `[start, end)`, if one does. */
export function sentenceAt(report: ReportText, r: Range): number | undefined {
  const ss = report.sentences;
  let lo = 0;
  let hi = ss.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ss[mid]!.end <= r.start) lo = mid + 1;
    else hi = mid;
  }
  const s = ss[lo];
  return s && s.start <= r.start && r.end <= s.end ? lo : undefined;
}

export function spanEvidence(report: ReportText, r: Range, method: EvidenceSpan['method'], score?: number): EvidenceSpan {
  const e: EvidenceSpan = { start: r.start, end: r.end, quote: quoteOf(report.text, r) };
  const j = sentenceAt(report, r);
  if (j !== undefined) e.sentence = j;
  if (method) e.method = method;
  if (score !== undefined) e.score = Math.round(score * 10000) / 10000;
  return e;
}

/** ATT&CK technique ids the report writes out (`T1059.001`), resolved on the loaded ATT&CK, with their places. */
export function statedTechniques(kb: KnowledgeBase, report: ReportText): Map<string, Range[]> {
  const out = new Map<string, Range[]>();
  for (const m of report.text.matchAll(/\bT\d{4}(?:\.\d{3})?\b/g)) {
    const r = kb.resolveId(m[0]);
    if (!r || r.kind !== 'technique') continue;
    const t = r.item as { id: string; status: string };
    if (t.status !== 'active') continue;
    const list = out.get(t.id) ?? [];
    if (list.length < 20) list.push({ start: m.index!, end: m.index! + m[0].length });
    out.set(t.id, list);
  }
  return out;
}
