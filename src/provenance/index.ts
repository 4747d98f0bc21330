/** Public API of the provenance module: graphs, tracking, export, behaviour sequences. */
export { ProvenanceGraph, type GraphOptions, type GraphMemory, type Adjacency } from './graph.js';
export { GraphBuilder, buildGraphs, buildGraphsSync, type BuildOptions, type BuildStats, type BuildResult, type EventSource } from './build.js';
export { trackBackward, trackForward, neighbourhood, wholeGraph, type Subgraph, type TrackOptions } from './track.js';
export { findNodes, type FindOptions } from './find.js';
export { graphToJson, graphToDot, dotEscape, isoTime, type GraphJson } from './export.js';
export { nodeTypes, edgeTypes, edgeFlow, type NodeType, type EdgeType, type Flow, type GraphNode, type GraphEdge, type ProcessInfo } from './model.js';
export { SequenceBuilder, buildSequences, type SequenceOptions } from './sequences.js';
export { abstractPath, abstractRegistryKey, abstractEndpoint, abstractDomain, classifyAddress, type AddressClass } from './abstract.js';
export { commandLineTokens } from './cmdtokens.js';
export { classifyToken, abstractName, abstractFileName } from './names.js';
export type { BehaviourSequence, BehaviourAction, EventRef, SequenceProcess } from './sequence.js';
