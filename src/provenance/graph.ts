/**
 * The provenance graph of one host: nodes and typed, timed edges stored in
 * typed-array columns, with reduction (identical repeated edges merged with a
 * count and first/last time) done as edges arrive.
 *
 * Memory per stored edge: src, dst (4 + 4), type (1), count (4), first and
 * last time (8 + 8), first and last event reference (file 4 + line 4 +
 * record 8, twice) = 61 bytes, plus the reduction hash (≤ 16 bytes at load
 * ≤ 0.5) and the spare capacity of the doubling columns.
 */
import { F64Column, U32Column, U8Column } from './columns.js';
import {
  edgeTypeCode,
  edgeTypes,
  nodeTypeCode,
  nodeTypes,
  type EdgeType,
  type GraphEdge,
  type GraphNode,
  type NodeType,
  type ProcessInfo,
} from './model.js';
import type { EventRef } from './sequence.js';
import { StringPool } from './strings.js';
import type { SourceLocation } from '../logs/record.js';

export interface GraphOptions {
  /**
   * Merge a repeated edge (same src, dst, type) into the previous one only
   * when it lies within this many ms of it; beyond the gap a new edge starts.
   * Default: merge regardless of time.
   */
  mergeGapMs?: number;
}

export interface GraphMemory {
  edges: number;
  nodes: number;
  /** Typed-array bytes reserved for the edge table (incl. spare capacity). */
  edgeTableBytes: number;
  /** Reduction hash table bytes. */
  reductionIndexBytes: number;
  /** Node columns, key and name strings, lookup map and process records (estimate for the JS objects). */
  nodeBytes: number;
  /** Interned strings (estimate). */
  stringBytes: number;
  totalBytes: number;
  /** (edge table + reduction index) / edges: the cost of one more stored edge. */
  bytesPerEdge: number;
  /** Everything / edges. */
  totalBytesPerEdge: number;
}

/** Adjacency in compressed-sparse-row form, built on demand. */
export interface Adjacency {
  outStart: Uint32Array;
  outEdges: Uint32Array;
  inStart: Uint32Array;
  inEdges: Uint32Array;
}

const NO_LINE = 0;

export class ProvenanceGraph {
  readonly strings = new StringPool();
  private readonly mergeGapMs: number;

  // nodes
  /** Per node type: key without its type prefix → node id (no string concatenation per event). */
  private readonly nodeIds: Map<string, number>[] = nodeTypes.map(() => new Map());
  private readonly nodeType = new U8Column(64);
  // Node keys and names are unique per node: plain arrays, no dedupe map entry
  // (the key string is shared with the per-type lookup map).
  private readonly nodeKey: string[] = [];
  private readonly nodeName: string[] = [];
  private nodeStringBytes = 0;
  private readonly nodeFirst = new F64Column(64);
  private readonly nodeLast = new F64Column(64);
  /** Process records by node id (holes for other node types); read on every event, so an array, not a map. */
  private readonly processes: (ProcessInfo | undefined)[] = [];
  private processCount = 0;

  // edges
  private readonly edgeSrc = new U32Column(256);
  private readonly edgeDst = new U32Column(256);
  private readonly edgeType = new U8Column(256);
  private readonly edgeCounts = new U32Column(256);
  private readonly edgeFirst = new F64Column(256);
  private readonly edgeLast = new F64Column(256);
  private readonly firstFile = new U32Column(256);
  private readonly firstLine = new U32Column(256);
  private readonly firstRecord = new F64Column(256);
  private readonly lastFile = new U32Column(256);
  private readonly lastLine = new U32Column(256);
  private readonly lastRecord = new F64Column(256);

  // reduction index: open addressing, slot = edge id + 1, 0 = empty
  private slots = new Uint32Array(1024);
  private used = 0;

  /** Total events that produced edges (before reduction). */
  eventEdges = 0;
  private adjacencyCache: Adjacency | undefined;

  constructor(
    readonly host: string,
    options: GraphOptions = {},
  ) {
    this.mergeGapMs = options.mergeGapMs ?? Infinity;
  }

  get nodeCount(): number {
    return this.nodeType.length;
  }

  get edgeCount(): number {
    return this.edgeSrc.length;
  }

  // ---- nodes ----

  /**
   * The node of this type and key (the key without its type prefix, already
   * canonical), created if new with `name` (or `name()` — computed only then);
   * its seen-interval is widened to `time`.
   */
  upsertNode(type: NodeType, key: string, name: string | (() => string), time: number): number {
    const code = nodeTypeCode[type];
    const ids = this.nodeIds[code]!;
    let id = ids.get(key);
    if (id === undefined) {
      id = this.nodeType.push(code);
      // the bare key: the type prefix is added back by keyOf (one string per node, not two)
      const display = typeof name === 'string' ? name : name();
      this.nodeKey.push(key);
      // a name equal to its key (POSIX paths, lower-case names) is the same string, counted once
      this.nodeName.push(display === key ? key : display);
      this.nodeStringBytes += stringBytes(key) + (display === key ? 0 : stringBytes(display));
      this.nodeFirst.push(time);
      this.nodeLast.push(time);
      ids.set(key, id);
      this.adjacencyCache = undefined;
      return id;
    }
    this.touchNode(id, time);
    return id;
  }

  /** Widen a node's seen-interval to include `time`. */
  touchNode(id: number, time: number): void {
    if (time < this.nodeFirst.get(id)) this.nodeFirst.set(id, time);
    if (time > this.nodeLast.get(id)) this.nodeLast.set(id, time);
  }

  /** The node with this full key (`proc:g:{…}`, `file:c:\\…`), as `GraphNode.key` shows it. */
  nodeByKey(key: string): number | undefined {
    const colon = key.indexOf(':');
    const code = prefixCode.get(key.slice(0, colon + 1));
    return code === undefined ? undefined : this.nodeIds[code]!.get(key.slice(colon + 1));
  }

  setNodeName(id: number, name: string): void {
    this.nodeStringBytes += stringBytes(name) - stringBytes(this.nodeName[id] ?? '');
    this.nodeName[id] = name;
  }

  /** The mutable process record of a process node (created on first use). */
  processInfo(id: number): ProcessInfo {
    let info = this.processes[id];
    if (!info) {
      info = {};
      while (this.processes.length < id) this.processes.push(undefined);
      this.processes[id] = info;
      this.processCount++;
    }
    return info;
  }

  /** Index of the node's type in `nodeTypes`. */
  nodeTypeCodeOf(id: number): number {
    return this.nodeType.get(id);
  }

  typeOf(id: number): NodeType {
    return nodeTypes[this.nodeType.get(id)]!;
  }

  nameOf(id: number): string {
    return this.nodeName[id] ?? '';
  }

  keyOf(id: number): string {
    return keyPrefix[this.nodeType.get(id)]! + (this.nodeKey[id] ?? '');
  }

  node(id: number): GraphNode {
    if (id < 0 || id >= this.nodeCount) throw new RangeError(`no node ${id}`);
    const node: GraphNode = {
      id,
      key: this.keyOf(id),
      type: this.typeOf(id),
      name: this.nameOf(id),
      firstSeen: this.nodeFirst.get(id),
      lastSeen: this.nodeLast.get(id),
    };
    const proc = this.processes[id];
    if (proc) node.process = { ...proc };
    return node;
  }

  // ---- edges ----

  /**
   * Record one event's edge. A repeat of an edge (same src, dst, type) is
   * merged into it (count, first/last time and event) unless it lies beyond
   * the merge gap. Returns the edge id.
   */
  addEdge(src: number, dst: number, type: EdgeType, time: number, source: SourceLocation): number {
    this.eventEdges++;
    const code = edgeTypeCode[type];
    const mask = this.slots.length - 1;
    let slot = hash3(src, dst, code) & mask;
    for (;;) {
      const entry = this.slots[slot]!;
      if (entry === 0) break;
      const e = entry - 1;
      if (this.edgeSrc.get(e) === src && this.edgeDst.get(e) === dst && this.edgeType.get(e) === code) {
        const first = this.edgeFirst.get(e);
        const last = this.edgeLast.get(e);
        if (time - last <= this.mergeGapMs && first - time <= this.mergeGapMs) {
          this.mergeInto(e, time, source);
          return e;
        }
        // beyond the gap: a new edge takes over this slot (later repeats merge into it)
        const id = this.appendEdge(src, dst, code, time, source);
        this.slots[slot] = id + 1;
        return id;
      }
      slot = (slot + 1) & mask;
    }
    const id = this.appendEdge(src, dst, code, time, source);
    this.slots[slot] = id + 1;
    if (++this.used * 2 > this.slots.length) this.rehash();
    return id;
  }

  // events arrive file by file: remember the last source file's id
  private lastSourceFile: string | undefined;
  private lastSourceFileId = 0;

  private fileId(file: string): number {
    if (file !== this.lastSourceFile) {
      this.lastSourceFile = file;
      this.lastSourceFileId = this.strings.intern(file);
    }
    return this.lastSourceFileId;
  }

  private appendEdge(src: number, dst: number, code: number, time: number, source: SourceLocation): number {
    const file = this.fileId(source.file);
    const line = source.line !== undefined && source.line > 0 && source.line < 0xffffffff ? source.line : NO_LINE;
    const record = source.record ?? NaN;
    const id = this.edgeSrc.push(src);
    this.edgeDst.push(dst);
    this.edgeType.push(code);
    this.edgeCounts.push(1);
    this.edgeFirst.push(time);
    this.edgeLast.push(time);
    this.firstFile.push(file);
    this.firstLine.push(line);
    this.firstRecord.push(record);
    this.lastFile.push(file);
    this.lastLine.push(line);
    this.lastRecord.push(record);
    this.adjacencyCache = undefined;
    return id;
  }

  private mergeInto(e: number, time: number, source: SourceLocation): void {
    const count = this.edgeCounts.get(e);
    if (count < 0xffffffff) this.edgeCounts.set(e, count + 1);
    const line = source.line !== undefined && source.line > 0 && source.line < 0xffffffff ? source.line : NO_LINE;
    if (time < this.edgeFirst.get(e)) {
      this.edgeFirst.set(e, time);
      this.firstFile.set(e, this.fileId(source.file));
      this.firstLine.set(e, line);
      this.firstRecord.set(e, source.record ?? NaN);
    }
    if (time >= this.edgeLast.get(e)) {
      this.edgeLast.set(e, time);
      this.lastFile.set(e, this.fileId(source.file));
      this.lastLine.set(e, line);
      this.lastRecord.set(e, source.record ?? NaN);
    }
  }

  private rehash(): void {
    const next = new Uint32Array(this.slots.length * 2);
    const mask = next.length - 1;
    for (const entry of this.slots) {
      if (entry === 0) continue;
      const e = entry - 1;
      let slot = hash3(this.edgeSrc.get(e), this.edgeDst.get(e), this.edgeType.get(e)) & mask;
      while (next[slot] !== 0) slot = (slot + 1) & mask;
      next[slot] = entry;
    }
    this.slots = next;
  }

  edgeSrcOf(e: number): number {
    return this.edgeSrc.get(e);
  }
  edgeDstOf(e: number): number {
    return this.edgeDst.get(e);
  }
  edgeTypeOf(e: number): EdgeType {
    return edgeTypes[this.edgeType.get(e)]!;
  }
  /** Index of the edge's type in `edgeTypes`. */
  edgeTypeCodeOf(e: number): number {
    return this.edgeType.get(e);
  }
  edgeFirstTime(e: number): number {
    return this.edgeFirst.get(e);
  }
  edgeLastTime(e: number): number {
    return this.edgeLast.get(e);
  }
  edgeCountOf(e: number): number {
    return this.edgeCounts.get(e);
  }

  edge(e: number): GraphEdge {
    if (e < 0 || e >= this.edgeCount) throw new RangeError(`no edge ${e}`);
    return {
      id: e,
      src: this.edgeSrc.get(e),
      dst: this.edgeDst.get(e),
      type: this.edgeTypeOf(e),
      count: this.edgeCounts.get(e),
      firstTime: this.edgeFirst.get(e),
      lastTime: this.edgeLast.get(e),
      firstEvent: this.ref(this.edgeFirst.get(e), this.firstFile.get(e), this.firstLine.get(e), this.firstRecord.get(e)),
      lastEvent: this.ref(this.edgeLast.get(e), this.lastFile.get(e), this.lastLine.get(e), this.lastRecord.get(e)),
    };
  }

  private ref(time: number, file: number, line: number, record: number): EventRef {
    const ref: EventRef = { file: this.strings.get(file), time };
    if (line !== NO_LINE) ref.line = line;
    if (!Number.isNaN(record)) ref.record = record;
    return ref;
  }

  // ---- adjacency ----

  /** Out- and in-edge lists per node (edge ids in id order), rebuilt after changes. */
  adjacency(): Adjacency {
    if (this.adjacencyCache) return this.adjacencyCache;
    const n = this.nodeCount;
    const m = this.edgeCount;
    const src = this.edgeSrc.view();
    const dst = this.edgeDst.view();
    const outStart = new Uint32Array(n + 1);
    const inStart = new Uint32Array(n + 1);
    for (let e = 0; e < m; e++) {
      outStart[src[e]! + 1]!++;
      inStart[dst[e]! + 1]!++;
    }
    for (let i = 0; i < n; i++) {
      outStart[i + 1]! += outStart[i]!;
      inStart[i + 1]! += inStart[i]!;
    }
    const outEdges = new Uint32Array(m);
    const inEdges = new Uint32Array(m);
    const outFill = outStart.slice(0, n);
    const inFill = inStart.slice(0, n);
    for (let e = 0; e < m; e++) {
      outEdges[outFill[src[e]!]!++] = e;
      inEdges[inFill[dst[e]!]!++] = e;
    }
    this.adjacencyCache = { outStart, outEdges, inStart, inEdges };
    return this.adjacencyCache;
  }

  outEdgesOf(id: number): Uint32Array {
    const a = this.adjacency();
    return a.outEdges.subarray(a.outStart[id]!, a.outStart[id + 1]!);
  }

  inEdgesOf(id: number): Uint32Array {
    const a = this.adjacency();
    return a.inEdges.subarray(a.inStart[id]!, a.inStart[id + 1]!);
  }

  // ---- accounting ----

  memory(): GraphMemory {
    const edgeTableBytes =
      this.edgeSrc.byteLength +
      this.edgeDst.byteLength +
      this.edgeType.byteLength +
      this.edgeCounts.byteLength +
      this.edgeFirst.byteLength +
      this.edgeLast.byteLength +
      this.firstFile.byteLength +
      this.firstLine.byteLength +
      this.firstRecord.byteLength +
      this.lastFile.byteLength +
      this.lastLine.byteLength +
      this.lastRecord.byteLength;
    const reductionIndexBytes = this.slots.byteLength;
    const nodeBytes =
      this.nodeType.byteLength +
      // key and name array slots (8 B each) and their strings
      this.nodeKey.length * 16 +
      this.nodeStringBytes +
      this.nodeFirst.byteLength +
      this.nodeLast.byteLength +
      // Map entry for the key (~40 B) and a process record (~120 B) are estimates
      this.nodeIds.reduce((n, m) => n + m.size, 0) * 40 +
      this.processCount * 120 +
      this.processes.length * 8;
    const stringBytes = this.strings.approxBytes();
    const totalBytes = edgeTableBytes + reductionIndexBytes + nodeBytes + stringBytes;
    const edges = this.edgeCount;
    return {
      edges,
      nodes: this.nodeCount,
      edgeTableBytes,
      reductionIndexBytes,
      nodeBytes,
      stringBytes,
      totalBytes,
      bytesPerEdge: edges ? (edgeTableBytes + reductionIndexBytes) / edges : 0,
      totalBytesPerEdge: edges ? totalBytes / edges : 0,
    };
  }
}

/** Approximate heap bytes of a string: header plus one byte per Latin-1 character, two otherwise. */
function stringBytes(s: string): number {
  // eslint-disable-next-line no-control-regex
  return 16 + (/[^\x00-\xff]/.test(s) ? s.length * 2 : s.length);
}

/** Key prefix per node type, in `nodeTypes` order. */
const keyPrefix = ['proc:', 'file:', 'reg:', 'net:', 'dns:', 'pipe:', 'task:', 'svc:'] as const;
const prefixCode = new Map<string, number>(keyPrefix.map((p, i) => [p, i]));

/** A cheap integer hash of an edge's identity (src, dst, type). */
function hash3(a: number, b: number, c: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13) ^ b, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 16) ^ c, 0x27d4eb2f);
  return (h ^ (h >>> 15)) >>> 0;
}
