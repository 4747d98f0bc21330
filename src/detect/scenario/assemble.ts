/**
 * Scenarios from fragments: fragments of one host that share a process (the
 * same process seen in two windows, or one window's alert whose creator was
 * another's) are merged; then the steps are named and ordered — by time, and
 * by kill-chain position between steps at the same moment — and the
 * scenario's size is counted. A group with fewer than `minSteps` steps is
 * not a scenario: a lone alert stays an alert.
 */
import { hashString } from '../../embed/hash.js';
import type { TechniqueInfo } from '../techniques.js';
import type { Alert, Scenario, ScenarioEdge, ScenarioNode, ScenarioStep } from '../types.js';
import type { FragmentOptions, ScenarioFragment } from './fragment.js';
import { imageName } from './causal.js';

export interface ScenarioOptions extends FragmentOptions {
  /**
   * Steps a scenario needs at least (default 2): one process alerted again
   * and again for the same technique (its later windows) is one step, and a
   * lone step stays an alert.
   */
  minSteps?: number;
}

const ROLE_RANK = { alert: 0, entry: 1, impact: 2, path: 3 } as const;

function mergeInto(a: ScenarioFragment, b: ScenarioFragment): void {
  const ids = new Set(a.alerts.map((x) => x.id));
  for (const al of b.alerts) if (!ids.has(al.id)) a.alerts.push(al);
  for (const [k, n] of b.nodes) {
    const known = a.nodes.get(k);
    if (!known) a.nodes.set(k, { ...n, alerts: [...n.alerts] });
    else {
      if (ROLE_RANK[n.role] < ROLE_RANK[known.role]) known.role = n.role;
      for (const id of n.alerts) if (!known.alerts.includes(id)) known.alerts.push(id);
    }
  }
  for (const [k, e] of b.edges) {
    const known = a.edges.get(k);
    if (!known) a.edges.set(k, { ...e });
    else {
      known.firstTime = Math.min(known.firstTime, e.firstTime);
      known.lastTime = Math.max(known.lastTime, e.lastTime);
      known.count = Math.max(known.count, e.count);
    }
  }
  for (const [k, v] of b.objects) if (!a.objects.has(k)) a.objects.set(k, v);
  if (b.entry.time < a.entry.time) a.entry = b.entry;
}

/** Merge fragments (of every window) that share a process, per host. */
export function mergeFragments(fragments: readonly ScenarioFragment[]): ScenarioFragment[] {
  const merged: ScenarioFragment[] = [];
  const owner = new Map<string, ScenarioFragment>();
  for (const f of fragments) {
    const procKeys = [...f.nodes.values()].filter((n) => n.type === 'process' && n.role !== 'impact').map((n) => `${f.host}\0${n.key}`);
    const hits = new Set<ScenarioFragment>();
    for (const k of procKeys) {
      const o = owner.get(k);
      if (o) hits.add(o);
    }
    let target: ScenarioFragment;
    if (hits.size === 0) {
      target = { ...f, alerts: [...f.alerts], nodes: new Map(), edges: new Map(), objects: new Map() };
      mergeInto(target, f);
      target.entry = f.entry;
      merged.push(target);
    } else {
      const [first, ...rest] = [...hits];
      target = first!;
      for (const r of rest) {
        mergeInto(target, r);
        merged.splice(merged.indexOf(r), 1);
        for (const [k, v] of owner) if (v === r) owner.set(k, target);
      }
      mergeInto(target, f);
    }
    for (const k of procKeys) owner.set(k, target);
  }
  return merged;
}

function chooseTactic(info: TechniqueInfo, tactics: readonly string[], previous: number): string {
  const sorted = [...tactics].sort((a, b) => info.order(a) - info.order(b));
  return sorted.find((t) => info.order(t) >= previous) ?? sorted[0] ?? 'unknown';
}

function short(s: string, n = 80): string {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length > n ? one.slice(0, n - 1) + '…' : one;
}

function stepsOf(frag: ScenarioFragment, info: TechniqueInfo): ScenarioStep[] {
  const minOrder = (a: Alert) => Math.min(99, ...a.techniques[0]!.tactics.map((t) => info.order(t)));
  const alerts = [...frag.alerts].sort((x, y) => x.start - y.start || minOrder(x) - minOrder(y) || (x.id < y.id ? -1 : 1));
  const steps: ScenarioStep[] = [];
  let previous = -1;
  for (const a of alerts) {
    const t = a.techniques[0]!;
    // the same technique by the same process again (a later window) is the same step
    const same = steps.find((x) => x.technique === t.id && x.actor.key === a.process.key);
    if (same) {
      same.score = Math.max(same.score, t.score);
      if (same.evidence.length < 16) same.evidence.push(...a.evidence.slice(0, 4));
      continue;
    }
    const tactic = chooseTactic(info, t.tactics, previous);
    previous = Math.max(previous, info.order(tactic));
    const actorName = imageName(a.process.image) || a.process.key;
    const target = frag.objects.get(a.id);
    const object = target?.name ?? (a.process.commandLine ? short(a.process.commandLine) : actorName);
    steps.push({
      order: 0,
      time: a.start,
      technique: t.id,
      techniqueName: t.name,
      tactic,
      ...(info.tacticId(tactic) ? { tacticId: info.tacticId(tactic)! } : {}),
      also: a.techniques.slice(1).map((x) => x.id),
      actor: { key: a.process.key, image: a.process.image, ...(a.process.commandLine ? { commandLine: a.process.commandLine } : {}) },
      object,
      ...(target ? { objectKey: target.key } : {}),
      name: `${t.name}: ${actorName} → ${short(object, 60)}`,
      score: t.score,
      alert: a.id,
      evidence: a.evidence.slice(0, 8),
    });
  }
  steps.forEach((s, i) => (s.order = i + 1));
  return steps;
}

export function assembleScenarios(fragments: readonly ScenarioFragment[], info: TechniqueInfo, opts: ScenarioOptions = {}): Scenario[] {
  const minSteps = Math.max(1, opts.minSteps ?? 2);
  const out: Scenario[] = [];
  for (const f of mergeFragments(fragments)) {
    const steps = stepsOf(f, info);
    if (steps.length < minSteps) continue;
    const nodes: ScenarioNode[] = [...f.nodes.values()].sort((a, b) => ROLE_RANK[a.role] - ROLE_RANK[b.role] || (a.key < b.key ? -1 : 1));
    const edges: ScenarioEdge[] = [...f.edges.values()].sort((a, b) => a.firstTime - b.firstTime || (a.src < b.src ? -1 : a.src > b.src ? 1 : 0));
    const tactics = [...new Set(steps.map((s) => s.tactic))].sort((a, b) => info.order(a) - info.order(b));
    const start = Math.min(...f.alerts.map((a) => a.start));
    const end = Math.max(...f.alerts.map((a) => a.end));
    const first = steps[0]!;
    out.push({
      id: `scenario-${hashString(`${f.host}\0${f.entry.key}\0${first.alert}`, 0x5ce7).toString(16).padStart(8, '0')}`,
      host: f.host,
      start,
      end,
      score: Math.max(...steps.map((s) => s.score)),
      entry: { key: f.entry.key, name: f.entry.name, type: f.entry.type, ...(f.entry.via ? { via: f.entry.via } : {}) },
      steps,
      nodes,
      edges,
      alerts: f.alerts.map((a) => a.id).sort(),
      size: { nodes: nodes.length, edges: edges.length, events: f.alerts.reduce((s, a) => s + a.eventCount, 0), alerts: f.alerts.length },
      tactics,
    });
  }
  return out.sort((a, b) => a.start - b.start || (a.id < b.id ? -1 : 1));
}
