/**
 * Finding nodes from what a person types: a node id (`12`, `#12`, `n12`), a
 * node key (`proc:g:{…}`, `file:c:\…`), a pid (`pid:1234`), or a name — a
 * full path, image, key or address (case-insensitive), else its last
 * component, else a substring of it.
 */
import type { ProvenanceGraph } from './graph.js';
import type { NodeType } from './model.js';
import { baseName } from './paths.js';

export interface FindOptions {
  type?: NodeType;
  /** Cap on the number of matches returned (default 1,000). */
  limit?: number;
}

export function findNodes(graph: ProvenanceGraph, query: string, options: FindOptions = {}): number[] {
  const q = query.trim();
  const limit = options.limit ?? 1000;
  const typeOk = (id: number) => options.type === undefined || graph.typeOf(id) === options.type;
  if (!q) return [];

  const idMatch = /^(?:#|n)?(\d{1,10})$/.exec(q);
  if (idMatch) {
    const id = Number(idMatch[1]);
    return id < graph.nodeCount && typeOk(id) ? [id] : [];
  }
  const byKey = graph.nodeByKey(q) ?? graph.nodeByKey(q.toLowerCase());
  if (byKey !== undefined) return typeOk(byKey) ? [byKey] : [];

  const pidMatch = /^pid[:=](\d{1,10})$/i.exec(q);
  if (pidMatch) {
    const pid = Number(pidMatch[1]);
    const out: number[] = [];
    for (let id = 0; id < graph.nodeCount && out.length < limit; id++) {
      if (graph.typeOf(id) === 'process' && graph.processInfo(id).pid === pid && typeOk(id)) out.push(id);
    }
    return out;
  }

  const lower = q.toLowerCase().replace(/\//g, (c) => (q.includes('\\') ? '\\' : c));
  const exact: number[] = [];
  const base: number[] = [];
  const sub: number[] = [];
  for (let id = 0; id < graph.nodeCount; id++) {
    if (!typeOk(id)) continue;
    const name = graph.nameOf(id).toLowerCase();
    if (name === lower) exact.push(id);
    else if (exact.length === 0 && baseName(name) === lower) base.push(id);
    else if (exact.length === 0 && base.length === 0 && sub.length < limit && name.includes(lower)) sub.push(id);
  }
  const pick = exact.length ? exact : base.length ? base : sub;
  return pick.slice(0, limit);
}
