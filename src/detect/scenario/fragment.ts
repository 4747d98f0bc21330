/**
 * Scenario fragments: within one host's graph of one time window, alerts
 * that are causally connected — one reaches the other forward along
 * information flow, or they share a creator below the ordinary roots, or
 * they are the same process — are grouped, and each group keeps only the
 * subgraph that explains it: every alert's ancestry up to the entry point,
 * the forward paths that connect alerts (shortest, as the walk found them),
 * and a few direct effects per alert (its impact). That union of shortest
 * paths is the usual approximation of the smallest connecting subgraph (a
 * Steiner tree, NP-hard to find exactly; within a factor of two of it).
 * Nodes and edges are stored by graph key, so fragments of later windows of
 * the same host merge by key.
 */
import type { ProvenanceGraph } from '../../provenance/index.js';
import type { Alert, ScenarioEdge, ScenarioNode, ScenarioNodeRole } from '../types.js';
import { ancestry, DEFAULT_ROOTS, forwardPaths, imageName, pathTo, type CausalOptions } from './causal.js';

export interface ScenarioFragment {
  host: string;
  alerts: Alert[];
  nodes: Map<string, ScenarioNode>;
  edges: Map<string, ScenarioEdge>;
  /** Entry of the earliest alert's ancestry (a document, or the first process below a root). */
  entry: { key: string; name: string; type: string; time: number; via?: string };
  /** Per alert id: the most telling thing it acted on (for step names). */
  objects: Map<string, { key: string; name: string }>;
}

export interface FragmentOptions extends CausalOptions {
  /** Direct effects kept per alert. Default 3. */
  impactPerAlert?: number;
}

/** Effects worth showing, most telling first. */
const IMPACT_PRIORITY: Record<string, number> = { set_value: 0, inject: 1, access: 2, create: 3, write: 4, rename: 5, delete: 6, connect: 7, spawn: 8 };

class UnionFind {
  private readonly parent: number[];
  constructor(n: number) {
    this.parent = Array.from({ length: n }, (_, i) => i);
  }
  find(i: number): number {
    while (this.parent[i] !== i) {
      this.parent[i] = this.parent[this.parent[i]!]!;
      i = this.parent[i]!;
    }
    return i;
  }
  union(a: number, b: number): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra !== rb) this.parent[Math.max(ra, rb)] = Math.min(ra, rb);
  }
}

export function buildFragments(graph: ProvenanceGraph, alerts: readonly Alert[], opts: FragmentOptions = {}): ScenarioFragment[] {
  // an alert on an ordinary root (the desktop shell, a service host) stays an alert: it joins nothing it
  // started, since everything the user or the system runs descends from those, and alone it is no chain
  const roots = opts.roots ?? new Set(DEFAULT_ROOTS);
  const isRoot = (n: number) => roots.has(imageName(graph.processInfo(n).image ?? graph.nameOf(n)));
  const located: { alert: Alert; node: number }[] = [];
  for (const a of alerts) {
    if (a.unit !== 'sequence') continue;
    const node = graph.nodeByKey(a.process.key);
    if (node !== undefined && !isRoot(node)) located.push({ alert: a, node });
  }
  if (located.length === 0) return [];
  located.sort((x, y) => x.alert.start - y.alert.start || (x.alert.id < y.alert.id ? -1 : 1));
  const uf = new UnionFind(located.length);
  const byNode = new Map<number, number[]>();
  located.forEach((l, i) => {
    const list = byNode.get(l.node);
    if (list) {
      uf.union(list[0]!, i);
      list.push(i);
    } else byNode.set(l.node, [i]);
  });
  const targets = new Set(byNode.keys());

  // ancestry: shared creators below the roots join alerts
  const chains = located.map((l) => ancestry(graph, l.node, opts));
  const chainOwner = new Map<number, number>();
  chains.forEach((c, i) => {
    for (const n of c.chain) {
      const owner = chainOwner.get(n);
      if (owner === undefined) chainOwner.set(n, i);
      else uf.union(owner, i);
    }
  });

  // forward paths between alerts
  const links: { from: number; to: number; edges: number[]; nodes: number[] }[] = [];
  located.forEach((l, i) => {
    if (!targets.has(l.node)) return;
    const paths = forwardPaths(graph, l.node, l.alert.start, targets, opts);
    for (const [node, idxs] of byNode) {
      if (node === l.node || !targets.has(node) || !paths.via.has(node)) continue;
      const p = pathTo(paths, node);
      for (const j of idxs) {
        uf.union(i, j);
        links.push({ from: i, to: j, ...p });
      }
    }
  });

  const groups = new Map<number, number[]>();
  located.forEach((_, i) => {
    const r = uf.find(i);
    const g = groups.get(r);
    if (g) g.push(i);
    else groups.set(r, [i]);
  });

  const out: ScenarioFragment[] = [];
  for (const members of groups.values()) {
    const set = new Set(members);
    const frag: ScenarioFragment = {
      host: graph.host,
      alerts: members.map((i) => located[i]!.alert),
      nodes: new Map(),
      edges: new Map(),
      entry: { key: '', name: '', type: 'process', time: located[members[0]!]!.alert.start },
      objects: new Map(),
    };
    const addNode = (n: number, role: ScenarioNodeRole): void => {
      const key = graph.keyOf(n);
      const known = frag.nodes.get(key);
      const rank = (r: ScenarioNodeRole) => ['alert', 'entry', 'impact', 'path'].indexOf(r);
      if (known) {
        if (rank(role) < rank(known.role)) known.role = role;
        return;
      }
      frag.nodes.set(key, { key, type: graph.typeOf(n), name: graph.nameOf(n), role, alerts: [] });
    };
    const addEdge = (e: number): void => {
      const ge = graph.edge(e);
      const key = `${graph.keyOf(ge.src)}\0${ge.type}\0${graph.keyOf(ge.dst)}`;
      const known = frag.edges.get(key);
      if (known) {
        known.firstTime = Math.min(known.firstTime, ge.firstTime);
        known.lastTime = Math.max(known.lastTime, ge.lastTime);
        return;
      }
      frag.edges.set(key, { src: graph.keyOf(ge.src), dst: graph.keyOf(ge.dst), type: ge.type, firstTime: ge.firstTime, lastTime: ge.lastTime, count: ge.count, event: ge.firstEvent });
    };

    for (const i of members) {
      const { alert, node } = located[i]!;
      addNode(node, 'alert');
      frag.nodes.get(graph.keyOf(node))!.alerts.push(alert.id);
      const c = chains[i]!;
      c.chain.forEach((n, k) => addNode(n, k === c.chain.length - 1 && !c.document ? 'entry' : 'path'));
      for (const e of c.edges) addEdge(e);
      if (c.document) {
        addNode(c.document.node, 'entry');
        addEdge(c.document.edge);
      }
    }
    for (const l of links) {
      if (!set.has(l.from) || !set.has(l.to)) continue;
      for (const n of l.nodes) addNode(n, 'path');
      for (const e of l.edges) addEdge(e);
    }
    const impact = opts.impactPerAlert ?? 3;
    for (const i of members) {
      const { alert, node } = located[i]!;
      const effects = [...graph.outEdgesOf(node)]
        .filter((e) => IMPACT_PRIORITY[graph.edgeTypeOf(e)] !== undefined && graph.edgeLastTime(e) >= alert.start - 1000 && graph.edgeFirstTime(e) <= alert.end + 1000)
        .sort((a, b) => IMPACT_PRIORITY[graph.edgeTypeOf(a)]! - IMPACT_PRIORITY[graph.edgeTypeOf(b)]! || graph.edgeFirstTime(a) - graph.edgeFirstTime(b) || a - b);
      const shown = effects.filter((e) => graph.edgeTypeOf(e) !== 'spawn' || !targets.has(graph.edgeDstOf(e)));
      if (shown.length) {
        const dst = graph.edgeDstOf(shown[0]!);
        frag.objects.set(alert.id, { key: graph.keyOf(dst), name: graph.nameOf(dst) });
      }
      for (const e of shown.slice(0, impact)) {
        const dst = graph.edgeDstOf(e);
        if (!frag.nodes.has(graph.keyOf(dst))) addNode(dst, 'impact');
        addEdge(e);
      }
    }
    // the entry of the earliest alert's ancestry
    const first = chains[members[0]!]!;
    const entryNode = first.document?.node ?? first.chain[first.chain.length - 1]!;
    frag.entry = {
      key: graph.keyOf(entryNode),
      name: graph.nameOf(entryNode),
      type: graph.typeOf(entryNode),
      time: Math.min(graph.node(entryNode).firstSeen, frag.entry.time),
      ...(first.root !== undefined ? { via: graph.nameOf(first.root) } : {}),
    };
    out.push(frag);
  }
  return out;
}
