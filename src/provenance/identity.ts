/**
 * Process identity: which graph node a process reference means. Sources
 * differ in what they give: a Sysmon ProcessGuid or CDM UUID is stable; a
 * pid with a start time is nearly so; a bare pid is reused by the OS, so a
 * creation (or a different image, or an exit) starts a new instance.
 */
import type { ProcessRef } from '../logs/event.js';
import type { ProvenanceGraph } from './graph.js';
import { baseName } from './paths.js';

/** Two creations of the same pid and image this close are one process seen by two sources (Sysmon 1 and Security 4688). */
const SAME_START_MS = 2000;

interface PidSlot {
  node: number;
  generation: number;
}

export class ProcessTable {
  private readonly byPid = new Map<number, PidSlot>();
  private readonly generations = new Map<number, number>();
  /** Guid as the source spelled it → node (skips re-normalising the key on every event). */
  private readonly byGuid = new Map<string, number>();

  constructor(private readonly graph: ProvenanceGraph) {}

  /**
   * The node of the process `ref` names at `time`, created if new.
   * `created`: this event creates the process (its own process_create).
   */
  resolve(ref: ProcessRef, time: number, created: boolean): number | undefined {
    const g = this.graph;
    const pid = typeof ref.pid === 'number' && Number.isFinite(ref.pid) ? ref.pid : undefined;
    let node: number | undefined;
    if (ref.guid) {
      node = this.byGuid.get(ref.guid);
      if (node === undefined) {
        node = g.upsertNode('process', 'g:' + ref.guid.toLowerCase(), () => processName(ref, pid), time);
        this.byGuid.set(ref.guid, node);
      } else g.touchNode(node, time);
      // guid-less events of the same host (e.g. Security 4688) find this instance by pid
      if (pid !== undefined && (created || !this.byPid.has(pid))) {
        this.byPid.set(pid, { node, generation: this.byPid.get(pid)?.generation ?? 0 });
      }
    } else if (pid !== undefined) {
      if (ref.startTime !== undefined && Number.isFinite(ref.startTime)) {
        node = g.upsertNode('process', `p:${pid}@${ref.startTime}`, () => processName(ref, pid), time);
        if (created || !this.byPid.has(pid)) this.byPid.set(pid, { node, generation: 0 });
      } else {
        const slot = this.byPid.get(pid);
        if (slot && this.sameInstance(slot.node, ref, time, created)) {
          node = slot.node;
          g.touchNode(node, time);
        } else {
          const generation = (this.generations.get(pid) ?? 0) + 1;
          this.generations.set(pid, generation);
          node = g.upsertNode('process', `p:${pid}#${generation}`, () => processName(ref, pid), time);
          this.byPid.set(pid, { node, generation });
        }
      }
    } else if (ref.image) {
      node = g.upsertNode('process', 'i:' + ref.image.toLowerCase(), () => processName(ref, pid), time);
    } else {
      return undefined;
    }
    this.merge(node, ref, pid, time, created);
    return node;
  }

  /** The process exited: later references to its pid (without guid) mean a new instance. */
  exited(node: number, time: number): void {
    const info = this.graph.processInfo(node);
    if (info.endTime === undefined || time > info.endTime) info.endTime = time;
  }

  private sameInstance(node: number, ref: ProcessRef, time: number, created: boolean): boolean {
    const info = this.graph.processInfo(node);
    const sameImage =
      !ref.image || !info.image || ref.image === info.image || baseName(ref.image).toLowerCase() === baseName(info.image).toLowerCase();
    if (created) {
      // the same creation reported twice (two sources), else a new instance of a reused pid
      return sameImage && info.startTime !== undefined && Math.abs(info.startTime - time) <= SAME_START_MS;
    }
    if (info.endTime !== undefined && time > info.endTime) return false;
    return sameImage;
  }

  private merge(node: number, ref: ProcessRef, pid: number | undefined, time: number, created: boolean): void {
    const g = this.graph;
    const info = g.processInfo(node);
    if (info.pid === undefined && pid !== undefined) info.pid = pid;
    if (info.guid === undefined && ref.guid) info.guid = ref.guid;
    if (info.image === undefined && ref.image) {
      info.image = ref.image;
      g.setNodeName(node, ref.image);
    }
    if (info.commandLine === undefined && ref.commandLine) info.commandLine = ref.commandLine;
    if (info.user === undefined && ref.user) info.user = ref.user;
    if (info.integrity === undefined && ref.integrity) info.integrity = ref.integrity;
    const start = ref.startTime ?? (created ? time : undefined);
    if (start !== undefined && Number.isFinite(start) && (info.startTime === undefined || created)) info.startTime = start;
  }
}

function processName(ref: ProcessRef, pid: number | undefined): string {
  if (ref.image) return ref.image;
  return pid !== undefined ? `pid ${pid}` : 'process';
}
