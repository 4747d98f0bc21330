/**
 * An ATI document as an ATT&CK Navigator layer: one entry per technique and
 * tactic, score = report-level confidence × 100, the evidence quotes in the
 * comment and metadata, procedure count and the report in the layer
 * metadata; ATT&CK release stamped.
 */
import { navigatorLayer, stripControls, type LayerTechnique, type NavigatorLayer } from '../index.js';
import type { AtiDocument } from '../../intel/schema.js';

function one(s: string, max: number): string {
  const t = stripControls(s).replace(/\s+/g, ' ').trim();
  return t.length > max ? t.slice(0, max - 1) + '…' : t;
}

export function atiToNavigator(doc: AtiDocument): NavigatorLayer {
  const techniques: LayerTechnique[] = [];
  for (const t of doc.techniques) {
    const quotes = t.evidence.slice(0, 3).map((e) => one(e.quote, 300));
    const base = {
      techniqueID: t.id,
      score: Math.round(t.score * 100),
      comment: quotes.map((q) => `“${q}”`).join('\n'),
      enabled: true,
      metadata: [
        { name: 'score', value: t.score.toFixed(3) },
        { name: 'procedures', value: String(t.procedures.length) },
        ...quotes.map((q, i) => ({ name: `evidence ${i + 1}`, value: q })),
      ],
      links: [{ label: `ATT&CK ${t.id}`, url: `https://attack.mitre.org/techniques/${t.id.replace('.', '/')}/` }],
    };
    if (t.tactics.length === 0) techniques.push(base);
    for (const tactic of t.tactics) techniques.push({ ...base, tactic });
  }
  return navigatorLayer({
    name: one(doc.report.title || doc.report.source.path, 200) || 'ttpscope extract',
    description: one(`Techniques ttpscope ${doc.generator.version} extracted from ${doc.report.source.path} (sha256 ${doc.report.source.sha256.slice(0, 16)}…)`, 1000),
    attackVersion: doc.generator.attackVersion,
    techniques,
    metadata: [
      { name: 'generator', value: `ttpscope ${doc.generator.version}` },
      { name: 'report', value: one(doc.report.source.path, 300) },
      { name: 'report sha256', value: doc.report.source.sha256 },
      ...(doc.generator.model ? [{ name: 'model', value: doc.generator.model }] : []),
      ...(doc.generator.llm ? [{ name: 'llm', value: one(doc.generator.llm, 300) }] : []),
    ],
  });
}
