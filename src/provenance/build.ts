/**
 * Building the per-host provenance graphs from normalized events in one
 * streaming pass. Each event becomes at most a few edges; events whose kind
 * carries no flow (logons, script blocks, WMI, other) only register their
 * process so it can be found.
 */
import type { NormalizedEvent, ProcessRef } from '../logs/event.js';
import { fileArguments } from './cmdline.js';
import { ProvenanceGraph, type GraphOptions } from './graph.js';
import { ProcessTable } from './identity.js';
import type { EdgeType } from './model.js';
import { fileKeyPath, canonicalRegistryKey } from './paths.js';

export interface BuildOptions extends GraphOptions {
  /** Only build the graph of this host (case-insensitive). */
  host?: string;
  /**
   * Link a new process to absolute file paths on its command line (the
   * document Word opened, the script a host ran) as `read` edges. Default on:
   * Sysmon logs no file reads, and without this a document has no way into
   * the graph.
   */
  commandLineFiles?: boolean;
}

export interface BuildStats {
  events: number;
  /** Events that produced at least one node or edge. */
  used: number;
  /** Events skipped: no usable time, or a kind that needs a process and names none. */
  skipped: number;
  /** Events of other hosts when a host filter is set. */
  otherHosts: number;
}

interface HostState {
  graph: ProvenanceGraph;
  processes: ProcessTable;
}

export class GraphBuilder {
  private readonly hosts = new Map<string, HostState>();
  private readonly hostFilter: string | undefined;
  private readonly commandLineFiles: boolean;
  readonly stats: BuildStats = { events: 0, used: 0, skipped: 0, otherHosts: 0 };

  constructor(private readonly options: BuildOptions = {}) {
    this.hostFilter = options.host?.toLowerCase();
    this.commandLineFiles = options.commandLineFiles ?? true;
  }

  /** The graphs so far, one per host, in the order hosts were first seen. */
  get graphs(): Map<string, ProvenanceGraph> {
    const out = new Map<string, ProvenanceGraph>();
    for (const [host, state] of this.hosts) out.set(host, state.graph);
    return out;
  }

  add(event: NormalizedEvent): void {
    this.stats.events++;
    const time = event.time;
    if (typeof time !== 'number' || !Number.isFinite(time)) {
      this.stats.skipped++;
      return;
    }
    const host = event.host || 'unknown';
    if (this.hostFilter !== undefined && host.toLowerCase() !== this.hostFilter) {
      this.stats.otherHosts++;
      return;
    }
    const state = this.hostState(host);
    if (this.apply(state, event, time)) this.stats.used++;
    else this.stats.skipped++;
  }

  // events come in runs of one host: skip the map lookup while the host stays the same
  private lastHost: string | undefined;
  private lastState: HostState | undefined;

  private hostState(host: string): HostState {
    if (host === this.lastHost) return this.lastState!;
    let state = this.hosts.get(host);
    if (!state) {
      const graph = new ProvenanceGraph(host, this.options);
      state = { graph, processes: new ProcessTable(graph) };
      this.hosts.set(host, state);
    }
    this.lastHost = host;
    this.lastState = state;
    return state;
  }

  /** Apply one event; false when it carried nothing the graph can hold. */
  private apply({ graph: g, processes }: HostState, ev: NormalizedEvent, time: number): boolean {
    const subject = ev.subject;
    const obj = ev.object;
    const src = ev.source;

    if (ev.kind === 'process_create') {
      if (!subject) return false;
      const child = processes.resolve(subject, time, true);
      if (child === undefined) return false;
      if (subject.parent) {
        const parent = processes.resolve(subject.parent, time, false);
        if (parent !== undefined && parent !== child) {
          g.processInfo(child).parent ??= parent;
          g.addEdge(parent, child, 'spawn', time, src);
        }
      }
      if (subject.image) g.addEdge(child, fileNode(g, subject.image, time), 'exec', time, src);
      if (this.commandLineFiles && subject.commandLine) {
        for (const path of fileArguments(subject.commandLine, subject.image)) {
          g.addEdge(child, fileNode(g, path, time), 'read', time, src);
        }
      }
      return true;
    }

    const actor = subject ? processes.resolve(subject, time, false) : undefined;
    // a parent reference on a non-creation event still tells us the ancestry
    if (actor !== undefined && subject?.parent) {
      const parent = processes.resolve(subject.parent, time, false);
      if (parent !== undefined && parent !== actor) g.processInfo(actor).parent ??= parent;
    }
    if (actor === undefined) return false;

    switch (ev.kind) {
      case 'process_exit':
        processes.exited(actor, time);
        return true;
      case 'file_create':
      case 'file_write':
      case 'file_read':
      case 'file_delete': {
        const path = obj?.file?.path;
        if (!path) return false;
        g.addEdge(actor, fileNode(g, path, time), fileEdge[ev.kind], time, src);
        return true;
      }
      case 'file_rename': {
        const path = obj?.file?.path;
        const to = obj?.file?.newPath;
        if (!path) return false;
        const from = fileNode(g, path, time);
        if (!to) {
          g.addEdge(actor, from, 'rename', time, src);
          return true;
        }
        const dst = fileNode(g, to, time);
        g.addEdge(actor, dst, 'rename', time, src);
        if (from !== dst) g.addEdge(from, dst, 'rename', time, src);
        return true;
      }
      case 'registry_create':
      case 'registry_set':
      case 'registry_delete': {
        const reg = obj?.registry;
        if (!reg?.key) return false;
        const canonical = canonicalRegistryKey(reg.value ? `${reg.key}\\${reg.value}` : reg.key);
        const node = g.upsertNode('registry', canonical.toLowerCase(), canonical, time);
        g.addEdge(actor, node, registryEdge[ev.kind], time, src);
        return true;
      }
      case 'network_connect':
      case 'network_accept': {
        const net = obj?.network;
        if (!net?.remoteAddress) return false;
        const name = endpointName(net.remoteAddress, net.remotePort);
        const node = g.upsertNode('endpoint', name.toLowerCase(), name, time);
        const inbound = ev.kind === 'network_accept' || net.direction === 'inbound';
        g.addEdge(actor, node, inbound ? 'accept' : 'connect', time, src);
        return true;
      }
      case 'dns_query': {
        const domain = obj?.domain?.trim();
        if (!domain) return false;
        const node = g.upsertNode('domain', domain.toLowerCase(), domain, time);
        g.addEdge(actor, node, 'resolve', time, src);
        return true;
      }
      case 'image_load': {
        const module = obj?.module ?? obj?.file?.path;
        if (!module) return false;
        g.addEdge(actor, fileNode(g, module, time), 'load', time, src);
        return true;
      }
      case 'pipe': {
        const pipe = obj?.pipe;
        if (!pipe) return false;
        const node = g.upsertNode('pipe', pipe.toLowerCase(), pipe, time);
        g.addEdge(actor, node, 'connect', time, src);
        return true;
      }
      case 'remote_thread':
      case 'process_access': {
        const target = obj?.process ? processes.resolve(obj.process as ProcessRef, time, false) : undefined;
        if (target === undefined || target === actor) return false;
        g.addEdge(actor, target, ev.kind === 'remote_thread' ? 'inject' : 'access', time, src);
        return true;
      }
      case 'scheduled_task': {
        const name = obj?.task?.name;
        if (!name) return false;
        const node = g.upsertNode('task', name.toLowerCase(), name, time);
        g.addEdge(actor, node, 'create', time, src);
        return true;
      }
      case 'service_install': {
        const name = obj?.service?.name ?? obj?.service?.image;
        if (!name) return false;
        const node = g.upsertNode('service', name.toLowerCase(), name, time);
        g.addEdge(actor, node, 'create', time, src);
        return true;
      }
      default:
        // logon, script block, WMI, other: the process is registered, no flow edge
        return true;
    }
  }
}

const fileEdge = {
  file_create: 'create',
  file_write: 'write',
  file_read: 'read',
  file_delete: 'delete',
} as const satisfies Record<string, EdgeType>;

const registryEdge = {
  registry_create: 'create',
  registry_set: 'set_value',
  registry_delete: 'delete',
} as const satisfies Record<string, EdgeType>;

function fileNode(g: ProvenanceGraph, path: string, time: number): number {
  return g.upsertNode('file', fileKeyPath(path), path, time);
}

function endpointName(address: string, port: number | undefined): string {
  const a = address.trim();
  const host = a.includes(':') && !a.startsWith('[') ? `[${a}]` : a;
  return port !== undefined ? `${host}:${port}` : host;
}

/** Anything `for … of` or `for await … of` can walk. */
export type EventSource = Iterable<NormalizedEvent> | AsyncIterable<NormalizedEvent>;

export interface BuildResult {
  graphs: Map<string, ProvenanceGraph>;
  stats: BuildStats;
}

/**
 * Build one provenance graph per host from a stream of normalized events in
 * a single pass. A synchronous iterable (an array) is walked without awaiting
 * per event.
 */
export async function buildGraphs(events: EventSource, options: BuildOptions = {}): Promise<BuildResult> {
  const builder = new GraphBuilder(options);
  if (Symbol.iterator in events) for (const ev of events) builder.add(ev);
  else for await (const ev of events) builder.add(ev);
  return { graphs: builder.graphs, stats: builder.stats };
}

/** The synchronous form of `buildGraphs` for arrays and other iterables. */
export function buildGraphsSync(events: Iterable<NormalizedEvent>, options: BuildOptions = {}): BuildResult {
  const builder = new GraphBuilder(options);
  for (const ev of events) builder.add(ev);
  return { graphs: builder.graphs, stats: builder.stats };
}
