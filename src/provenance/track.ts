/**
 * Tracking over the provenance graph, respecting time (causality): an edge
 * can carry an effect into a node only if it happened before the moment that
 * matters at the node. Backward tracking answers "how did this come to be"
 * (ancestry and every flow into it), forward tracking "what did it affect".
 *
 * Each reached node keeps a time bound: for backward tracking the latest
 * moment its state can matter (an edge into it counts only if it started by
 * then), for forward tracking the earliest moment it was affected (an edge
 * out of it counts only if it lasted until then). A node is revisited when a
 * looser bound reaches it, so the result does not depend on visiting order.
 * With merged edges the first/last times are used, which keeps every true
 * dependency (a sound over-approximation inside a merged run). Remote
 * endpoints and domains end a path (see `walk`).
 */
import { edgeFlow, edgeTypes, nodeTypes, type EdgeType } from './model.js';
import type { ProvenanceGraph } from './graph.js';

export interface Subgraph {
  /** Node ids, ascending. */
  nodes: number[];
  /** Edge ids, ascending. */
  edges: number[];
  /** The nodes the walk started from. */
  seeds: number[];
  /** The walk stopped at `maxNodes` before it was complete. */
  truncated: boolean;
}

export interface TrackOptions {
  /**
   * The moment of interest (ms since epoch). Backward: only what happened up
   * to then (default: the end of the log). Forward: only what happened from
   * then on (default: the start of the log).
   */
  at?: number;
  /** Maximum number of hops from a seed (default unlimited). */
  depth?: number;
  /** Stop after this many nodes (default 100,000). */
  maxNodes?: number;
  /** Edge types to follow (default all). */
  edgeTypes?: readonly EdgeType[];
}

const DEFAULT_MAX_NODES = 100_000;

/** How did the seeds come to be: ancestry and data flows into them, before `at`. */
export function trackBackward(graph: ProvenanceGraph, seeds: readonly number[], options: TrackOptions = {}): Subgraph {
  return walk(graph, seeds, options, true);
}

/** What did the seeds affect: descendants, writes and onward, from `at` on. */
export function trackForward(graph: ProvenanceGraph, seeds: readonly number[], options: TrackOptions = {}): Subgraph {
  return walk(graph, seeds, options, false);
}

function walk(graph: ProvenanceGraph, seeds: readonly number[], options: TrackOptions, backward: boolean): Subgraph {
  const n = graph.nodeCount;
  const maxDepth = options.depth ?? Infinity;
  const maxNodes = options.maxNodes ?? DEFAULT_MAX_NODES;
  const allowed = typeMask(options.edgeTypes);
  const { outStart, outEdges, inStart, inEdges } = graph.adjacency();
  // backward: latest time that matters (higher is looser); forward: earliest (lower is looser)
  const bound = new Float64Array(n).fill(backward ? -Infinity : Infinity);
  const depthOf = new Uint32Array(n);
  const reached = new Uint8Array(n);
  const usedEdge = new Uint8Array(graph.edgeCount);
  const queue: number[] = [];
  let reachedCount = 0;
  let truncated = false;
  const start = options.at ?? (backward ? Infinity : -Infinity);
  const validSeeds = [...new Set(seeds)].filter((s) => s >= 0 && s < n).sort((a, b) => a - b);
  for (const s of validSeeds) {
    bound[s] = start;
    reached[s] = 1;
    reachedCount++;
    queue.push(s);
  }

  const visit = (e: number, next: number, v: number, t: number): void => {
    if (!allowed[typeCode(graph, e)]) return;
    let nb: number;
    if (backward) {
      if (graph.edgeFirstTime(e) > t) return;
      nb = Math.min(t, graph.edgeLastTime(e));
      if (!(nb > bound[next]!)) {
        if (reached[next]) usedEdge[e] = 1;
        return;
      }
    } else {
      if (graph.edgeLastTime(e) < t) return;
      nb = Math.max(t, graph.edgeFirstTime(e));
      if (!(nb < bound[next]!)) {
        if (reached[next]) usedEdge[e] = 1;
        return;
      }
    }
    if (!reached[next]) {
      if (reachedCount >= maxNodes) {
        truncated = true;
        return;
      }
      reached[next] = 1;
      reachedCount++;
      depthOf[next] = depthOf[v]! + 1;
    } else if (depthOf[v]! + 1 < depthOf[next]!) depthOf[next] = depthOf[v]! + 1;
    usedEdge[e] = 1;
    bound[next] = nb;
    queue.push(next);
  };

  const seedSet = new Set(validSeeds);
  for (let qi = 0; qi < queue.length; qi++) {
    const v = queue[qi]!;
    if (depthOf[v]! >= maxDepth) continue;
    // a remote endpoint or a domain is where data came from or went to, not a path between two
    // local processes that merely talked to the same server (that would join every browser to
    // every other); it is expanded only when the walk starts there
    if (opaque[graph.nodeTypeCodeOf(v)] && !seedSet.has(v)) continue;
    const t = bound[v]!;
    // edges stored v → w
    for (let i = outStart[v]!; i < outStart[v + 1]!; i++) {
      const e = outEdges[i]!;
      const flow = flowByCode[graph.edgeTypeCodeOf(e)];
      if (backward ? flow !== 'forward' : flow !== 'backward') visit(e, graph.edgeDstOf(e), v, t);
    }
    // edges stored w → v
    for (let i = inStart[v]!; i < inStart[v + 1]!; i++) {
      const e = inEdges[i]!;
      const flow = flowByCode[graph.edgeTypeCodeOf(e)];
      if (backward ? flow !== 'backward' : flow !== 'forward') visit(e, graph.edgeSrcOf(e), v, t);
    }
    // the queue only grows; drop the consumed prefix now and then
    if (qi > 65536 && qi * 2 > queue.length) {
      queue.splice(0, qi + 1);
      qi = -1;
    }
  }
  return { nodes: indices(reached), edges: indices(usedEdge), seeds: validSeeds, truncated };
}

/** Everything within `k` hops of the seeds, in either direction, regardless of time. */
export function neighbourhood(
  graph: ProvenanceGraph,
  seeds: readonly number[],
  k: number,
  options: Pick<TrackOptions, 'maxNodes' | 'edgeTypes'> = {},
): Subgraph {
  const n = graph.nodeCount;
  const maxNodes = options.maxNodes ?? DEFAULT_MAX_NODES;
  const allowed = typeMask(options.edgeTypes);
  const { outStart, outEdges, inStart, inEdges } = graph.adjacency();
  const dist = new Int32Array(n).fill(-1);
  const usedEdge = new Uint8Array(graph.edgeCount);
  const validSeeds = [...new Set(seeds)].filter((s) => s >= 0 && s < n).sort((a, b) => a - b);
  let frontier = validSeeds;
  let count = validSeeds.length;
  let truncated = false;
  for (const s of validSeeds) dist[s] = 0;
  for (let hop = 1; hop <= k && frontier.length > 0 && !truncated; hop++) {
    const next: number[] = [];
    const step = (e: number, w: number): void => {
      if (!allowed[typeCode(graph, e)]) return;
      if (dist[w] === -1) {
        if (count >= maxNodes) {
          truncated = true;
          return;
        }
        dist[w] = hop;
        count++;
        next.push(w);
      }
      usedEdge[e] = 1;
    };
    for (const v of frontier) {
      for (let i = outStart[v]!; i < outStart[v + 1]!; i++) step(outEdges[i]!, graph.edgeDstOf(outEdges[i]!));
      for (let i = inStart[v]!; i < inStart[v + 1]!; i++) step(inEdges[i]!, graph.edgeSrcOf(inEdges[i]!));
    }
    frontier = next;
  }
  const reached = new Uint8Array(n);
  for (let i = 0; i < n; i++) if (dist[i]! >= 0) reached[i] = 1;
  return { nodes: indices(reached), edges: indices(usedEdge), seeds: validSeeds, truncated };
}

/** The whole graph as a subgraph (for export). */
export function wholeGraph(graph: ProvenanceGraph): Subgraph {
  return {
    nodes: Array.from({ length: graph.nodeCount }, (_, i) => i),
    edges: Array.from({ length: graph.edgeCount }, (_, i) => i),
    seeds: [],
    truncated: false,
  };
}

function typeMask(types: readonly EdgeType[] | undefined): Uint8Array {
  const mask = new Uint8Array(edgeTypes.length);
  if (!types) mask.fill(1);
  else for (const t of types) mask[edgeTypes.indexOf(t)] = 1;
  return mask;
}

function typeCode(graph: ProvenanceGraph, e: number): number {
  return graph.edgeTypeCodeOf(e);
}

const flowByCode = edgeTypes.map((t) => edgeFlow[t]);
const opaque = nodeTypes.map((t) => t === 'endpoint' || t === 'domain');

function indices(flags: Uint8Array): number[] {
  const out: number[] = [];
  for (let i = 0; i < flags.length; i++) if (flags[i]) out.push(i);
  return out;
}
