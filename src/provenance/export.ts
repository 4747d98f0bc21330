/**
 * Export of a graph or subgraph as JSON (for programs) and Graphviz DOT (for
 * people). Node names come from the logs, that is from attackers: every DOT
 * label is escaped and cut, control characters are made visible.
 */
import type { ProvenanceGraph } from './graph.js';
import type { GraphEdge, GraphNode, NodeType, EdgeType } from './model.js';
import { baseName } from './paths.js';
import { wholeGraph, type Subgraph } from './track.js';

export interface GraphJson {
  host: string;
  nodes: Array<Omit<GraphNode, 'firstSeen' | 'lastSeen'> & { firstSeen: string; lastSeen: string; seed?: true }>;
  edges: Array<
    Omit<GraphEdge, 'firstTime' | 'lastTime' | 'firstEvent' | 'lastEvent'> & {
      firstTime: string;
      lastTime: string;
      firstEvent: GraphEdge['firstEvent'];
      lastEvent: GraphEdge['lastEvent'];
    }
  >;
  truncated?: true;
}

export function isoTime(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? String(ms) : d.toISOString();
}

export function graphToJson(graph: ProvenanceGraph, sub: Subgraph = wholeGraph(graph)): GraphJson {
  const seeds = new Set(sub.seeds);
  const out: GraphJson = {
    host: graph.host,
    nodes: sub.nodes.map((id) => {
      const n = graph.node(id);
      const { firstSeen, lastSeen, ...rest } = n;
      return { ...rest, firstSeen: isoTime(firstSeen), lastSeen: isoTime(lastSeen), ...(seeds.has(id) ? { seed: true as const } : {}) };
    }),
    edges: sub.edges.map((id) => {
      const e = graph.edge(id);
      return { ...e, firstTime: isoTime(e.firstTime), lastTime: isoTime(e.lastTime) };
    }),
  };
  if (sub.truncated) out.truncated = true;
  return out;
}

const MAX_LABEL = 80;

/** A DOT double-quoted string body: backslash and quote escaped, control characters visible, length capped. */
export function dotEscape(text: string, max = MAX_LABEL): string {
  let s = text
    // lone surrogates are not valid UTF-8 in the output file
    .replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD')
    // eslint-disable-next-line no-control-regex
    .replace(/[\x00-\x1f\x7f-\x9f\u2028\u2029]/g, (c) => `<${c.charCodeAt(0).toString(16).padStart(2, '0')}>`);
  if (s.length > max) {
    const head = Math.ceil((max - 1) / 2);
    s = s.slice(0, head) + '…' + s.slice(s.length - (max - 1 - head));
  }
  return s.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
}

const nodeShape: Record<NodeType, string> = {
  process: 'box',
  file: 'note',
  registry: 'component',
  endpoint: 'diamond',
  domain: 'oval',
  pipe: 'cds',
  task: 'house',
  service: 'house',
};

const edgeColour: Partial<Record<EdgeType, string>> = {
  spawn: 'black',
  write: 'red',
  create: 'red',
  delete: 'red',
  rename: 'red',
  set_value: 'orange',
  connect: 'blue',
  accept: 'blue',
  resolve: 'blue',
  inject: 'purple',
  access: 'purple',
};

function nodeLabel(graph: ProvenanceGraph, id: number): string {
  const type = graph.typeOf(id);
  const name = graph.nameOf(id);
  if (type === 'process') {
    const info = graph.processInfo(id);
    const image = info.image ? baseName(info.image) : name;
    return info.pid !== undefined ? `${image} (${info.pid})` : image;
  }
  return name;
}

export function graphToDot(graph: ProvenanceGraph, sub: Subgraph = wholeGraph(graph)): string {
  const seeds = new Set(sub.seeds);
  const lines: string[] = [];
  lines.push(`digraph "${dotEscape('provenance ' + graph.host)}" {`);
  lines.push('  rankdir=LR;');
  lines.push('  node [fontname="Helvetica", fontsize=10];');
  lines.push('  edge [fontname="Helvetica", fontsize=8];');
  for (const id of sub.nodes) {
    const type = graph.typeOf(id);
    const attrs = [`label="${dotEscape(nodeLabel(graph, id))}"`, `shape=${nodeShape[type]}`, `tooltip="${dotEscape(graph.nameOf(id), 400)}"`];
    if (seeds.has(id)) attrs.push('style=filled', 'fillcolor=yellow');
    lines.push(`  n${id} [${attrs.join(', ')}];`);
  }
  for (const e of sub.edges) {
    const type = graph.edgeTypeOf(e);
    const count = graph.edgeCountOf(e);
    const label = count > 1 ? `${type} ×${count}` : type;
    const attrs = [`label="${dotEscape(label)}"`, `tooltip="${dotEscape(isoTime(graph.edgeFirstTime(e)))}"`];
    const colour = edgeColour[type];
    if (colour) attrs.push(`color=${colour}`);
    lines.push(`  n${graph.edgeSrcOf(e)} -> n${graph.edgeDstOf(e)} [${attrs.join(', ')}];`);
  }
  lines.push('}');
  return lines.join('\n') + '\n';
}
