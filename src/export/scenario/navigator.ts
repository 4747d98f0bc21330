/**
 * A detection report as an ATT&CK Navigator layer (4.5): one entry per
 * technique detected, scored by its best calibrated alert score (0–100),
 * with the evidence in the comment (how many alerts, on which hosts, the best
 * alert's process and source event, agreeing rules) and the ATT&CK release
 * and tool version stamped.
 */
import { navigatorLayer, type LayerTechnique, type NavigatorLayer } from '../navigator.js';
import type { Alert, DetectionReport } from '../../detect/types.js';

interface Agg {
  best: { alert: Alert; score: number };
  alerts: number;
  hosts: Set<string>;
  rules: Set<string>;
  scenarios: number;
}

export function reportToNavigator(report: DetectionReport): NavigatorLayer {
  const agg = new Map<string, Agg>();
  for (const a of report.alerts) {
    for (const t of a.techniques) {
      let g = agg.get(t.id);
      if (!g) agg.set(t.id, (g = { best: { alert: a, score: t.score }, alerts: 0, hosts: new Set(), rules: new Set(), scenarios: 0 }));
      g.alerts++;
      g.hosts.add(a.host);
      for (const r of a.ruleHits) if (t.rules.includes(r.ruleId)) g.rules.add(r.title);
      if (t.score > g.best.score) g.best = { alert: a, score: t.score };
    }
  }
  for (const s of report.scenarios) for (const id of new Set(s.steps.map((x) => x.technique))) {
    const g = agg.get(id);
    if (g) g.scenarios++;
  }
  const techniques: LayerTechnique[] = [...agg.entries()].map(([id, g]) => {
    const a = g.best.alert;
    const ev = a.evidence[0];
    const comment = [
      `${g.alerts} alert(s) on ${[...g.hosts].slice(0, 5).join(', ')}${g.hosts.size > 5 ? ` and ${g.hosts.size - 5} more` : ''}; best score ${g.best.score.toFixed(3)}`,
      `best: ${a.process.image || a.process.key}${a.process.commandLine ? ` — ${a.process.commandLine.slice(0, 300)}` : ''}`,
      ...(ev ? [`evidence: ${ev.file}${ev.line !== undefined ? `:${ev.line}` : ev.record !== undefined ? ` record ${ev.record}` : ''} @ ${new Date(ev.time).toISOString()}`] : []),
      ...(g.rules.size ? [`Sigma: ${[...g.rules].slice(0, 5).join('; ')}`] : []),
    ].join('\n');
    return {
      techniqueID: id,
      score: Math.round(g.best.score * 100),
      comment,
      metadata: [
        { name: 'alerts', value: String(g.alerts) },
        { name: 'hosts', value: String(g.hosts.size) },
        { name: 'scenarios', value: String(g.scenarios) },
      ],
    };
  });
  return navigatorLayer({
    name: `ttpscope detect: ${report.inputs.length} input(s)`.slice(0, 200),
    description: `Techniques detected in host logs (${report.generator.mode} semantic + Sigma detection, calibrated scores ×100). ${report.stats.alerts} alerts, ${report.stats.scenarios} scenarios.`,
    attackVersion: report.generator.attackVersion,
    techniques,
    metadata: [
      { name: 'generator', value: `${report.generator.tool} ${report.generator.version}` },
      ...(report.generator.model ? [{ name: 'model', value: report.generator.model }] : []),
      ...(report.generator.calibration ? [{ name: 'calibration', value: report.generator.calibration }] : []),
    ],
  });
}
