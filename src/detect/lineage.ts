/**
 * What detection remembers about processes across time windows. Windows are
 * released when they close (memory stays bounded), but a process created in
 * one window often acts in the next; its later events name only its own
 * guid or pid. This cache keeps, per host, the creation facts of recent
 * processes (image, command line, user, parent) and fills them into later
 * events of other windows, so their sequences still read
 * `powershell.exe ← winword.exe: … | write …` and their lineage is known.
 * Bounded: the oldest entries go first beyond `maxEntries`.
 */
import type { NormalizedEvent, ProcessRef } from '../logs/event.js';

interface Remembered {
  image?: string;
  commandLine?: string;
  user?: string;
  integrity?: string;
  parent?: ProcessRef;
  window: number;
}

export class LineageCache {
  private readonly entries = new Map<string, Remembered>();

  constructor(private readonly maxEntries = 200_000) {}

  get size(): number {
    return this.entries.size;
  }

  private static key(host: string, ref: ProcessRef): string | undefined {
    if (ref.guid) return `${host}\0g${ref.guid.toLowerCase()}`;
    if (typeof ref.pid === 'number') return `${host}\0p${ref.pid}`;
    return undefined;
  }

  /** Remember a creation; fill a later event from another window. */
  observe(ev: NormalizedEvent, window: number): void {
    const s = ev.subject;
    if (!s) return;
    const key = LineageCache.key(ev.host || 'unknown', s);
    if (key === undefined) return;
    if (ev.kind === 'process_create') {
      const entry: Remembered = { window };
      if (s.image) entry.image = s.image;
      if (s.commandLine) entry.commandLine = s.commandLine;
      if (s.user) entry.user = s.user;
      if (s.integrity) entry.integrity = s.integrity;
      if (s.parent) entry.parent = { ...s.parent };
      this.entries.delete(key);
      this.entries.set(key, entry);
      if (this.entries.size > this.maxEntries) this.evict();
      return;
    }
    const known = this.entries.get(key);
    // same window: the builders saw the creation themselves
    if (!known || known.window === window) return;
    // a pid-only reference to another image is a reused pid, not this process
    if (!s.guid && s.image && known.image && s.image.toLowerCase() !== known.image.toLowerCase()) return;
    if (!s.image && known.image) s.image = known.image;
    if (!s.commandLine && known.commandLine) s.commandLine = known.commandLine;
    if (!s.user && known.user) s.user = known.user;
    if (!s.integrity && known.integrity) s.integrity = known.integrity;
    if (!s.parent && known.parent) s.parent = known.parent;
  }

  private evict(): void {
    let drop = this.entries.size - Math.floor(this.maxEntries * 0.75);
    for (const k of this.entries.keys()) {
      this.entries.delete(k);
      if (--drop <= 0) break;
    }
  }
}
