/**
 * A detection report as a STIX 2.1 bundle: one attack-pattern per technique
 * detected; per attack scenario an Attack Flow (attack-flow, one
 * attack-action per step chained by effect_refs in step order, the actor
 * processes and objects as attack-assets, the command line as a process
 * observable); per alert a note carrying its evidence (source events, rules,
 * scores) on the attack-patterns it claims, and `uses`-free: log detections
 * say what happened on a host, not who did it. Ids are deterministic, so the
 * same report gives the same bundle.
 */
import { addAttackFlow, StixBundleBuilder, type FlowAction, type FlowAsset, type StixBundle } from '../stix/index.js';
import type { Alert, DetectionReport, EvidenceEvent, Scenario } from '../../detect/types.js';

export interface ScenarioStixOptions {
  /** created/modified of every object; default: the time of the last event in the report (reproducible). */
  created?: string;
  /** ATT&CK STIX ids of techniques (so platforms merge with their ATT&CK objects). */
  techniqueStixId?: (id: string) => string | undefined;
}

function where(e: EvidenceEvent): string {
  const loc = e.line !== undefined ? `line ${e.line}` : e.record !== undefined ? `record ${e.record}` : 'offset ' + (e.offset ?? '?');
  return `${e.file} ${loc} @ ${new Date(e.time).toISOString()}`;
}

const iso = (t: number) => new Date(Number.isFinite(t) ? t : 0).toISOString();

function alertNote(a: Alert): string {
  const lines = [
    `Alert ${a.id} on ${a.host} (score ${a.score.toFixed(3)})`,
    `Process: ${a.process.image || a.process.key}${a.process.commandLine ? ` — ${a.process.commandLine.slice(0, 500)}` : ''}`,
    `Techniques: ${a.techniques.map((t) => `${t.id} ${t.name} (${t.score.toFixed(3)}, ${t.origin})`).join('; ')}`,
    `Sequence: ${a.sequence.text.slice(0, 1000)}`,
  ];
  if (a.ruleHits.length) lines.push(`Sigma: ${[...new Map(a.ruleHits.map((h) => [h.ruleId, `${h.title} [${h.level}, ${h.agreement}]`])).values()].join('; ')}`);
  lines.push(`Evidence (${a.eventCount} events): ${a.evidence.slice(0, 10).map(where).join('; ')}`);
  return lines.join('\n');
}

function flowOf(s: Scenario, techniqueRef: (id: string) => string | undefined): Parameters<typeof addAttackFlow>[1] {
  const assets = new Map<string, FlowAsset>();
  const asset = (key: string, name: string, description?: string): string => {
    if (!assets.has(key)) assets.set(key, { key, name: name.slice(0, 300) || key, ...(description ? { description } : {}) });
    return key;
  };
  const nodeByKey = new Map(s.nodes.map((n) => [n.key, n]));
  const actions: FlowAction[] = s.steps.map((step, i) => {
    const keys = [asset(step.actor.key, step.actor.image || step.actor.key, 'process')];
    const object = step.objectKey !== undefined ? nodeByKey.get(step.objectKey) : undefined;
    if (object && object.key !== step.actor.key) keys.push(asset(object.key, object.name, object.type));
    const ref = techniqueRef(step.technique);
    return {
      key: `step-${step.order}`,
      name: step.name.slice(0, 300),
      techniqueId: step.technique,
      ...(ref ? { techniqueRef: ref } : {}),
      ...(step.tacticId ? { tacticId: step.tacticId } : {}),
      description: `Step ${step.order} (${step.tactic}): ${step.techniqueName}. Evidence: ${step.evidence.slice(0, 5).map(where).join('; ')}`,
      confidence: step.score * 100,
      executionStart: iso(step.time),
      ...(step.actor.commandLine ? { command: step.actor.commandLine.slice(0, 4000) } : {}),
      assetKeys: keys,
      ...(i + 1 < s.steps.length ? { next: [`step-${s.steps[i + 1]!.order}`] } : {}),
    };
  });
  const tactics = s.tactics.join(' → ');
  return {
    key: s.id,
    name: `Attack scenario on ${s.host}: ${s.steps.map((x) => x.technique).join(' → ')}`.slice(0, 300),
    description: `Entry: ${s.entry.name}${s.entry.via ? ` (started by ${s.entry.via})` : ''}. Tactics: ${tactics}. Size: ${s.size.nodes} nodes, ${s.size.edges} edges, ${s.size.events} events, ${s.size.alerts} alerts. ${iso(s.start)} – ${iso(s.end)}.`,
    scope: 'incident',
    actions,
    assets: [...assets.values()],
    startKeys: actions.length ? [actions[0]!.key] : [],
  };
}

export function reportToStix(report: DetectionReport, opts: ScenarioStixOptions = {}): StixBundle {
  const last = Math.max(0, ...report.alerts.map((a) => a.end).filter(Number.isFinite));
  const b = new StixBundleBuilder({ created: opts.created ?? iso(last) });
  const patterns = new Map<string, string>();
  const pattern = (id: string, name: string, tactics: string[]): string => {
    let ref = patterns.get(id);
    if (!ref) {
      const sid = opts.techniqueStixId?.(id);
      ref = b.attackPattern({ id, name, tactics, ...(sid ? { stixId: sid } : {}) });
      patterns.set(id, ref);
    }
    return ref;
  };
  for (const a of report.alerts) {
    const refs = a.techniques.map((t) => pattern(t.id, t.name, t.tactics));
    if (refs.length) b.note(alertNote(a), refs, `ttpscope alert ${a.id}`.slice(0, 200));
  }
  for (const s of report.scenarios) {
    for (const step of s.steps) if (!patterns.has(step.technique)) pattern(step.technique, step.techniqueName, [step.tactic]);
    addAttackFlow(b, flowOf(s, (id) => patterns.get(id)));
  }
  return b.build();
}
