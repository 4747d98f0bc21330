/**
 * Summary of log files: records by flavour, events by host, kind and event
 * id, the time range, and every problem with its place. What `ttpscope logs
 * stats` prints; a library function so the server can show the same.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Issue } from '../common/errors.js';
import { openLogSource, type ContainerFormat, type ReadOptions } from './read.js';
import { normalizeAll } from './normalize.js';

export interface FileStats {
  file: string;
  container: ContainerFormat;
  compressed: boolean;
  bytes: number;
  records: number;
  /** Source records consumed (audit lines, JSON values, EVTX records). */
  sourceRecords: number;
  events: number;
  formats: Record<string, number>;
  hosts: Record<string, number>;
  kinds: Record<string, number>;
  /** Keyed `provider:eventId` (or the event id alone when there is no provider). */
  eventIds: Record<string, number>;
  firstTime?: string;
  lastTime?: string;
  errors: number;
  warnings: number;
  /** The first problems, with their places (at most `maxIssues` per file). */
  issues: Issue[];
  /** Not a log format and `skipUnknown` was set: nothing was read. */
  skipped?: boolean;
}

export interface StatsOptions extends Pick<ReadOptions, 'signal' | 'maxLineBytes'> {
  maxIssues?: number;
  /** Files whose content is not a known log format are marked skipped instead of reported. */
  skipUnknown?: boolean;
  /** Called after each record (progress). */
  onRecord?: (file: string, n: number) => void;
}

function bump(m: Record<string, number>, k: string): void {
  m[k] = (m[k] ?? 0) + 1;
}

export async function fileStats(file: string, opts: StatsOptions = {}): Promise<FileStats> {
  const maxIssues = opts.maxIssues ?? 20;
  const out: FileStats = {
    file,
    container: 'unknown',
    compressed: false,
    bytes: 0,
    records: 0,
    sourceRecords: 0,
    events: 0,
    formats: {},
    hosts: {},
    kinds: {},
    eventIds: {},
    errors: 0,
    warnings: 0,
    issues: [],
  };
  const onIssue = (i: Issue) => {
    if (i.severity === 'error') out.errors++;
    else out.warnings++;
    if (out.issues.length < maxIssues) out.issues.push(i);
  };
  const src = await openLogSource(file, { onIssue, signal: opts.signal, maxLineBytes: opts.maxLineBytes });
  out.container = src.container;
  out.compressed = src.compressed;
  out.bytes = src.size;
  if (src.container === 'unknown' && opts.skipUnknown) {
    out.skipped = true;
    return out;
  }
  let first = Infinity;
  let last = -Infinity;
  const tap = async function* () {
    for await (const rec of src.records()) {
      out.records++;
      bump(out.formats, rec.format);
      opts.onRecord?.(file, out.records);
      yield rec;
    }
  };
  for await (const ev of normalizeAll(tap(), { onIssue })) {
    out.events++;
    bump(out.hosts, ev.host);
    bump(out.kinds, ev.kind);
    if (ev.eventId !== undefined) bump(out.eventIds, ev.provider ? `${ev.provider}:${ev.eventId}` : String(ev.eventId));
    if (ev.time < first) first = ev.time;
    if (ev.time > last) last = ev.time;
  }
  out.sourceRecords = src.stats.sourceRecords;
  if (Number.isFinite(first)) {
    out.firstTime = safeIso(first);
    out.lastTime = safeIso(last);
  }
  return out;
}

function safeIso(ms: number): string | undefined {
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

/** Merge per-file stats into one total (issues are not merged). */
export function totalStats(files: FileStats[]): Omit<FileStats, 'file' | 'container' | 'compressed' | 'issues'> & { files: number } {
  const t = { files: files.length, bytes: 0, records: 0, sourceRecords: 0, events: 0, formats: {}, hosts: {}, kinds: {}, eventIds: {}, errors: 0, warnings: 0 } as ReturnType<typeof totalStats>;
  for (const f of files) {
    t.bytes += f.bytes;
    t.records += f.records;
    t.sourceRecords += f.sourceRecords;
    t.events += f.events;
    t.errors += f.errors;
    t.warnings += f.warnings;
    for (const key of ['formats', 'hosts', 'kinds', 'eventIds'] as const) for (const [k, v] of Object.entries(f[key])) t[key][k] = (t[key][k] ?? 0) + v;
    if (f.firstTime && (!t.firstTime || f.firstTime < t.firstTime)) t.firstTime = f.firstTime;
    if (f.lastTime && (!t.lastTime || f.lastTime > t.lastTime)) t.lastTime = f.lastTime;
  }
  return t;
}

/**
 * Files named on a command line: files as given, directories walked
 * (sorted, hidden entries skipped). Missing paths are returned in `missing`;
 * `found` holds the files that came from walking a directory (callers skip
 * those whose content is not a log format instead of reporting them).
 */
export async function expandLogPaths(paths: string[], maxFiles = 1_000_000): Promise<{ files: string[]; missing: string[]; found: Set<string> }> {
  const files: string[] = [];
  const found = new Set<string>();
  const missing: string[] = [];
  const walk = async (dir: string, depth: number): Promise<void> => {
    if (depth > 32 || files.length >= maxFiles) return;
    const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const p = join(dir, e.name);
      if (e.isDirectory()) await walk(p, depth + 1);
      else if (e.isFile() && files.length < maxFiles) {
        files.push(p);
        found.add(p);
      }
    }
  };
  for (const p of paths) {
    try {
      const st = await stat(p);
      if (st.isDirectory()) await walk(p, 0);
      else files.push(p);
    } catch {
      missing.push(p);
    }
  }
  return { files, missing, found };
}
