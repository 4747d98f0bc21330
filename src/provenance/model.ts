/**
 * The vocabulary of the provenance graph: what a node can be, what an edge
 * can mean, and in which direction information moves along each edge type.
 *
 * Edges are stored actor → object (the process that acted first), except
 * `spawn` (parent → child) and the file → file half of a rename. Tracking
 * follows information flow, which for reads and loads runs object → actor,
 * and for channels (network, DNS, pipes, memory access) both ways.
 */
import type { EventRef } from './sequence.js';

export const nodeTypes = ['process', 'file', 'registry', 'endpoint', 'domain', 'pipe', 'task', 'service'] as const;
export type NodeType = (typeof nodeTypes)[number];

export const edgeTypes = [
  'spawn',
  'exec',
  'read',
  'write',
  'create',
  'delete',
  'rename',
  'connect',
  'accept',
  'load',
  'set_value',
  'resolve',
  'inject',
  'access',
] as const;
export type EdgeType = (typeof edgeTypes)[number];

/** How information moves along an edge stored src → dst. */
export type Flow = 'forward' | 'backward' | 'both';

export const edgeFlow: Readonly<Record<EdgeType, Flow>> = {
  spawn: 'forward',
  // the new process is made from its image file: file → process
  exec: 'backward',
  read: 'backward',
  write: 'forward',
  create: 'forward',
  delete: 'forward',
  rename: 'forward',
  connect: 'both',
  accept: 'both',
  load: 'backward',
  set_value: 'forward',
  resolve: 'both',
  // code or a thread placed in the target
  inject: 'forward',
  // opening another process's memory can read it as well as change it
  access: 'both',
};

export const nodeTypeCode: Readonly<Record<NodeType, number>> = Object.fromEntries(nodeTypes.map((t, i) => [t, i])) as Record<
  NodeType,
  number
>;
export const edgeTypeCode: Readonly<Record<EdgeType, number>> = Object.fromEntries(edgeTypes.map((t, i) => [t, i])) as Record<
  EdgeType,
  number
>;

/** What a process node knows about its instance (merged from every event that named it). */
export interface ProcessInfo {
  pid?: number;
  guid?: string;
  image?: string;
  commandLine?: string;
  user?: string;
  integrity?: string;
  startTime?: number;
  endTime?: number;
  /** Node id of the creator, when a creation event or a parent reference named it. */
  parent?: number;
}

export interface GraphNode {
  id: number;
  /** Stable key inside the host's graph, e.g. `proc:{guid}`, `file:c:\\users\\a\\x.exe`. */
  key: string;
  type: NodeType;
  /** Display name: the path, key, address or image as first seen (original case). */
  name: string;
  firstSeen: number;
  lastSeen: number;
  process?: ProcessInfo;
}

export interface GraphEdge {
  id: number;
  src: number;
  dst: number;
  type: EdgeType;
  /** Number of events merged into this edge by reduction. */
  count: number;
  firstTime: number;
  lastTime: number;
  firstEvent: EventRef;
  lastEvent: EventRef;
}
