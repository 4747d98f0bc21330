/**
 * Attack scenarios as one Graphviz digraph: a cluster per scenario, its
 * pruned causal subgraph with the entry point, the alerted processes (step
 * numbers and techniques in their labels), path nodes and impact objects, and
 * edges labelled with their type and time. Every label is escaped and cut
 * (names come from attacker-controlled logs).
 */
import { dotEscape, isoTime } from '../../provenance/index.js';
import type { DetectionReport, Scenario } from '../../detect/types.js';

const ROLE_STYLE: Record<string, string> = {
  entry: 'shape=box style="rounded,filled" fillcolor="#ffe9a8"',
  alert: 'shape=box style="rounded,filled,bold" fillcolor="#ffb3b3"',
  path: 'shape=box style=rounded',
  impact: 'shape=note style=filled fillcolor="#e6e6e6"',
};

const TYPE_SHAPE: Record<string, string> = { file: 'note', registry: 'folder', endpoint: 'ellipse', domain: 'ellipse', pipe: 'cds', task: 'component', service: 'component' };

function scenarioDot(s: Scenario, n: number, lines: string[]): void {
  const id = (key: string) => `"s${n}:${dotEscape(key, 400)}"`;
  const stepsOf = new Map<string, string[]>();
  for (const st of s.steps) {
    const list = stepsOf.get(st.actor.key) ?? [];
    list.push(`${st.order}. ${st.technique} ${st.techniqueName}`);
    stepsOf.set(st.actor.key, list);
  }
  lines.push(`  subgraph "cluster_${n}" {`);
  lines.push(`    label="${dotEscape(`${s.id} on ${s.host}: ${s.tactics.join(' → ')} (${s.size.nodes} nodes, ${s.size.events} events)`, 200)}";`);
  for (const node of s.nodes) {
    const steps = stepsOf.get(node.key) ?? [];
    const label = [node.name || node.key, ...steps].map((x) => dotEscape(x, 80)).join('\\n');
    let style = ROLE_STYLE[node.role] ?? '';
    const shape = TYPE_SHAPE[node.type];
    if (shape && node.role !== 'alert') style = style.replace(/shape=\w+/, `shape=${shape}`);
    lines.push(`    ${id(node.key)} [label="${label}" ${style}];`);
  }
  for (const e of s.edges) lines.push(`    ${id(e.src)} -> ${id(e.dst)} [label="${dotEscape(`${e.type}${e.count > 1 ? ` ×${e.count}` : ''} ${isoTime(e.firstTime).slice(11, 19)}`, 60)}"];`);
  lines.push('  }');
}

export function reportToDot(report: DetectionReport): string {
  const lines = ['digraph attack_scenarios {', '  rankdir=LR;', '  node [fontname="Helvetica" fontsize=10];', '  edge [fontname="Helvetica" fontsize=9];'];
  report.scenarios.forEach((s, i) => scenarioDot(s, i, lines));
  if (report.scenarios.length === 0) lines.push(`  empty [label="no attack scenario (${report.stats.alerts} alert(s))" shape=plaintext];`);
  lines.push('}');
  return lines.join('\n') + '\n';
}
