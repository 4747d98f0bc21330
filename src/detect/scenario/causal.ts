/**
 * The causal walks scenarios are built from, over one host's provenance
 * graph:
 *  - `ancestry`: a process's creators up to the first ordinary root (the
 *    shell, the service manager, a WMI host…): the entry point is the last
 *    process below that root, or the document or script it was started with;
 *  - `forwardPaths`: what a process affected, following information flow
 *    forward in time (spawned children, files written and then run or read,
 *    code injected), remembering the edge each node was first reached by, so
 *    the path to any reached node can be read back.
 * Unlike plain forward tracking, these walks do not pass through hubs
 * (nodes with very many edges, such as a busy service host) or ordinary
 * roots, and treat opening another process (`access`, e.g. reading LSASS)
 * as an effect that ends the path: otherwise every process that touched the
 * same system process would join one scenario.
 */
import { edgeFlow, type ProvenanceGraph } from '../../provenance/index.js';

export interface CausalOptions {
  /** Hops at most from the alert. Default 8. */
  maxDepth?: number;
  /** Nodes visited at most per walk. Default 5,000. */
  maxVisit?: number;
  /** Nodes with more edges than this are reached but not passed through. Default 400. */
  hubDegree?: number;
  /** Process image names (lower case) where ancestry stops: ordinary roots. */
  roots?: ReadonlySet<string>;
}

/**
 * Processes whose children are ordinary starting points, not causes:
 * the desktop shell, session and service managers, schedulers, WMI and
 * remote-management hosts, init systems and login daemons. Ancestry stops
 * below them; the process they started is where a scenario enters.
 */
export const DEFAULT_ROOTS: readonly string[] = [
  'explorer.exe',
  'services.exe',
  'svchost.exe',
  'wininit.exe',
  'winlogon.exe',
  'userinit.exe',
  'smss.exe',
  'csrss.exe',
  'lsass.exe',
  'system',
  'taskeng.exe',
  'taskhostw.exe',
  'wmiprvse.exe',
  'wsmprovhost.exe',
  'dllhost.exe',
  'runtimebroker.exe',
  'sihost.exe',
  'systemd',
  'init',
  'sshd',
  'cron',
  'crond',
  'login',
  'gdm-session-worker',
];

export function imageName(path: string | undefined): string {
  if (!path) return '';
  const i = Math.max(path.lastIndexOf('\\'), path.lastIndexOf('/'));
  return (i >= 0 ? path.slice(i + 1) : path).toLowerCase();
}

export interface Ancestry {
  /** The process and its creators, nearest first, ending at the entry process. */
  chain: number[];
  /** The spawn edge into each chain node but the last (chain[i] ← chain[i+1]). */
  edges: number[];
  /** The ordinary root above the entry process, when there is one. */
  root?: number;
  /** A file the entry process was started on (a document, a script), with its edge. */
  document?: { node: number; edge: number };
}

function spawnEdgeInto(graph: ProvenanceGraph, child: number, parent: number): number | undefined {
  for (const e of graph.inEdgesOf(child)) if (graph.edgeSrcOf(e) === parent && graph.edgeTypeOf(e) === 'spawn') return e;
  return undefined;
}

export function ancestry(graph: ProvenanceGraph, node: number, opts: CausalOptions = {}): Ancestry {
  const roots = opts.roots ?? new Set(DEFAULT_ROOTS);
  const maxDepth = opts.maxDepth ?? 8;
  const chain = [node];
  const edges: number[] = [];
  let root: number | undefined;
  const seen = new Set([node]);
  let cur = node;
  for (let d = 0; d < maxDepth * 2; d++) {
    const parent = graph.processInfo(cur).parent;
    if (parent === undefined || seen.has(parent)) break;
    const name = imageName(graph.processInfo(parent).image ?? graph.nameOf(parent));
    if (!name || roots.has(name)) {
      root = parent;
      break;
    }
    const e = spawnEdgeInto(graph, cur, parent);
    if (e === undefined) break; // known only from a parent reference: no event to show for it
    seen.add(parent);
    edges.push(e);
    chain.push(parent);
    cur = parent;
  }
  const out: Ancestry = { chain, edges };
  if (root !== undefined) out.root = root;
  // the document or script the entry process was started on: a read at its creation
  const entry = chain[chain.length - 1]!;
  const started = graph.processInfo(entry).startTime;
  for (const e of graph.outEdgesOf(entry)) {
    if (graph.edgeTypeOf(e) !== 'read') continue;
    if (started !== undefined && Math.abs(graph.edgeFirstTime(e) - started) > 2000) continue;
    out.document = { node: graph.edgeDstOf(e), edge: e };
    break;
  }
  return out;
}

export interface ForwardPaths {
  /** Reached node → the edge it was first reached by (seeds map to -1). */
  via: Map<number, number>;
  /** Reached node → the node it was reached from. */
  from: Map<number, number>;
}

/** Follow information flow forward in time from `seed` (at `time`), avoiding hubs and roots. */
export function forwardPaths(graph: ProvenanceGraph, seed: number, time: number, targets: ReadonlySet<number>, opts: CausalOptions = {}): ForwardPaths {
  const roots = opts.roots ?? new Set(DEFAULT_ROOTS);
  const maxDepth = opts.maxDepth ?? 8;
  const maxVisit = opts.maxVisit ?? 5000;
  const hubDegree = opts.hubDegree ?? 400;
  const via = new Map<number, number>([[seed, -1]]);
  const from = new Map<number, number>();
  const bound = new Map<number, number>([[seed, time]]);
  const depth = new Map<number, number>([[seed, 0]]);
  const queue = [seed];
  for (let qi = 0; qi < queue.length && via.size < maxVisit; qi++) {
    const v = queue[qi]!;
    const d = depth.get(v)!;
    if (d >= maxDepth) continue;
    if (v !== seed && !passable(graph, v, via.get(v)!, targets, roots, hubDegree)) continue;
    const t = bound.get(v)!;
    const step = (e: number, w: number): void => {
      if (graph.edgeLastTime(e) < t) return;
      const nb = Math.max(t, graph.edgeFirstTime(e));
      const known = bound.get(w);
      if (known !== undefined && known <= nb) return;
      if (known === undefined) {
        via.set(w, e);
        from.set(w, v);
        depth.set(w, d + 1);
      }
      bound.set(w, nb);
      queue.push(w);
    };
    for (const e of graph.outEdgesOf(v)) {
      const type = graph.edgeTypeOf(e);
      const flow = edgeFlow[type];
      if (flow === 'backward') continue;
      step(e, graph.edgeDstOf(e));
    }
    for (const e of graph.inEdgesOf(v)) {
      const type = graph.edgeTypeOf(e);
      // opening or injecting into a process acts on the target; the target does not act back
      if (type === 'access' || type === 'inject') continue;
      const flow = edgeFlow[type];
      if (flow === 'forward') continue;
      step(e, graph.edgeSrcOf(e));
    }
  }
  return { via, from };
}

function passable(graph: ProvenanceGraph, v: number, reachedBy: number, targets: ReadonlySet<number>, roots: ReadonlySet<string>, hubDegree: number): boolean {
  if (targets.has(v)) return true;
  const type = graph.typeOf(v);
  if (type === 'endpoint' || type === 'domain' || type === 'registry') return false;
  // a process reached by being opened (its memory read): an effect, not a new actor
  if (reachedBy >= 0 && graph.edgeTypeOf(reachedBy) === 'access') return false;
  if (type === 'process' && roots.has(imageName(graph.processInfo(v).image ?? graph.nameOf(v)))) return false;
  return graph.outEdgesOf(v).length + graph.inEdgesOf(v).length <= hubDegree;
}

/** The edges from the seed to `node` (in walk order), read back from `forwardPaths`. */
export function pathTo(paths: ForwardPaths, node: number): { nodes: number[]; edges: number[] } {
  const nodes: number[] = [];
  const edges: number[] = [];
  let cur: number | undefined = node;
  for (let guard = 0; cur !== undefined && guard < 10_000; guard++) {
    nodes.push(cur);
    const e = paths.via.get(cur);
    if (e === undefined || e < 0) break;
    edges.push(e);
    cur = paths.from.get(cur);
  }
  return { nodes: nodes.reverse(), edges: edges.reverse() };
}
