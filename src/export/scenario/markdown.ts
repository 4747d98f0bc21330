/**
 * A detection report as a short Markdown narrative: per scenario one
 * sentence in kill-chain language ("initial access via … → execution of … →
 * persistence through …"), the ordered steps with their evidence references
 * (file and line or record, time), the scenario's size; then the alerts.
 * Everything from the logs is escaped (`mdText`, `mdCode`).
 */
import { mdCode, mdTable, mdText } from '../markdown.js';
import type { Alert, DetectionReport, EvidenceEvent, Scenario, ScenarioStep } from '../../detect/types.js';

const PHRASE: Record<string, string> = {
  reconnaissance: 'reconnaissance with',
  'resource-development': 'resource development with',
  'initial-access': 'initial access via',
  execution: 'execution of',
  persistence: 'persistence through',
  'privilege-escalation': 'privilege escalation by',
  'defense-evasion': 'defense evasion by',
  'credential-access': 'credential access through',
  discovery: 'discovery with',
  'lateral-movement': 'lateral movement via',
  collection: 'collection by',
  'command-and-control': 'command and control over',
  exfiltration: 'exfiltration via',
  impact: 'impact by',
};

const iso = (t: number) => (Number.isFinite(t) ? new Date(t).toISOString() : '?');
const base = (p: string) => p.split(/[\\/]/).pop() || p;

function ref(e: EvidenceEvent): string {
  const loc = e.line !== undefined ? `:${e.line}` : e.record !== undefined ? `#${e.record}` : '';
  return mdCode(`${base(e.file)}${loc}`);
}

function phrase(s: ScenarioStep): string {
  const actor = base(s.actor.image) || s.actor.key;
  return `${PHRASE[s.tactic] ?? `${s.tactic}:`} ${mdText(s.techniqueName)} (${mdCode(actor)})`;
}

/** One sentence: consecutive steps of the same tactic are joined. */
export function narrative(s: Scenario): string {
  const parts: string[] = [];
  let lastTactic = '';
  for (const st of s.steps) {
    if (st.tactic === lastTactic) parts[parts.length - 1] += ` and ${mdText(st.techniqueName)} (${mdCode(base(st.actor.image) || st.actor.key)})`;
    else parts.push(phrase(st));
    lastTactic = st.tactic;
  }
  const text = parts.join(' → ');
  return text.charAt(0).toUpperCase() + text.slice(1) + '.';
}

function scenarioSection(s: Scenario, i: number): string {
  const out: string[] = [];
  out.push(`## Scenario ${i + 1} on ${mdText(s.host)} — ${iso(s.start)} to ${iso(s.end)}`);
  out.push('');
  out.push(narrative(s));
  out.push('');
  out.push(`Entry point: ${mdCode(s.entry.name || s.entry.key)} (${mdText(s.entry.type)})${s.entry.via ? `, started by ${mdCode(s.entry.via)}` : ''}. Size: ${s.size.alerts} alerts, ${s.size.nodes} nodes, ${s.size.edges} edges, ${s.size.events} events. Score ${s.score.toFixed(2)}.`);
  out.push('');
  out.push(
    mdTable(
      ['#', 'time', 'tactic', 'technique', 'actor → object', 'score', 'evidence'],
      s.steps.map((st) => [
        String(st.order),
        iso(st.time),
        mdText(st.tactic),
        `${mdText(st.technique)} ${mdText(st.techniqueName)}`,
        `${mdCode(base(st.actor.image) || st.actor.key)} → ${mdCode(st.object.slice(0, 120))}`,
        st.score.toFixed(2),
        st.evidence.slice(0, 3).map(ref).join(', '),
      ]),
    ),
  );
  return out.join('\n');
}

function alertRow(a: Alert): string[] {
  const rules = [...new Set(a.ruleHits.map((h) => `${h.title} (${h.agreement})`))].slice(0, 3);
  return [
    iso(a.start),
    mdText(a.host),
    a.techniques.map((t) => `${mdText(t.id)} ${mdText(t.name)} ${t.score.toFixed(2)}`).join('; '),
    mdCode((base(a.process.image) || a.process.key || a.sequence.text).slice(0, 80)),
    rules.map(mdText).join('; '),
    a.evidence.slice(0, 2).map(ref).join(', '),
  ];
}

export function reportToMarkdown(report: DetectionReport): string {
  const out: string[] = [];
  out.push(`# Detection report`);
  out.push('');
  out.push(
    `${report.inputs.length} input file(s), ${report.stats.events.toLocaleString('en-US')} events, ${report.stats.sequences.toLocaleString('en-US')} behaviour sequences: ${report.stats.alerts} alert(s), ${report.stats.scenarios} attack scenario(s). ATT&CK ${mdText(report.generator.attackVersion)}, ${mdText(report.generator.mode)} detection.`,
  );
  report.scenarios.forEach((s, i) => {
    out.push('');
    out.push(scenarioSection(s, i));
  });
  if (report.alerts.length) {
    out.push('');
    out.push('## Alerts');
    out.push('');
    out.push(mdTable(['time', 'host', 'techniques', 'process', 'Sigma rules', 'evidence'], report.alerts.map(alertRow)));
  }
  return out.join('\n') + '\n';
}
