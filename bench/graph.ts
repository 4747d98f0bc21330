/**
 * Provenance graph build speed and memory: every log under
 * ../shared/data/logs is read and normalized first (not timed), then the
 * events are repeated — each copy under its own host names, so the copies add
 * graphs and edges instead of merging into the first — until there are at
 * least N events (default 1,000,000), and the graphs are built from them.
 * Prints events/s for the graph build alone, bytes per stored edge, and
 * sequence extraction speed on the same events.
 *
 *   npm run bench -- graph [--events N] [--runs R]
 */
import { readdirSync, statSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { join } from 'node:path';
import type { NormalizedEvent } from '../src/logs/event.js';
import { normalize } from '../src/logs/normalize.js';
import { readRecords } from '../src/logs/read.js';
import { buildGraphsSync, SequenceBuilder } from '../src/provenance/index.js';
import { fmt, peakRssMiB, printReproduce, sharedDataDir } from './util.js';

function logFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) logFiles(p, out);
    else if (/\.(jsonl|jsonl\.gz|json|log|evtx)$/.test(name) && !/^manifest/.test(name)) out.push(p);
  }
  return out;
}

/** Read and normalize every log file; raw fields are dropped (the graph never reads them). */
export async function loadEvents(files: string[]): Promise<NormalizedEvent[]> {
  const events: NormalizedEvent[] = [];
  for (const file of files) {
    // the .jsonl beside each .evtx holds the same records: read one of the two
    if (file.endsWith('.evtx')) continue;
    for await (const rec of readRecords(file)) {
      const ev = normalize(rec);
      if (ev) events.push({ ...ev, raw: {} });
    }
  }
  return events;
}

/** `events` repeated to at least `target`, each copy's hosts renamed `host~k`. */
export function repeatEvents(events: NormalizedEvent[], target: number): NormalizedEvent[] {
  if (events.length === 0) return [];
  const out: NormalizedEvent[] = events.slice();
  for (let k = 1; out.length < target; k++) {
    for (const ev of events) out.push({ ...ev, host: `${ev.host}~${k}` });
  }
  return out;
}

/** Build graphs from `events` and measure: the function bench/logs.ts calls for its graph section. */
export function measureGraphBuild(events: NormalizedEvent[]): {
  eventsPerSec: number;
  eventsPerCpuSec: number;
  seconds: number;
  cpuSeconds: number;
  edges: number;
  nodes: number;
  bytesPerEdge: number;
  totalBytesPerEdge: number;
  hosts: number;
  eventEdges: number;
} {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const { graphs } = buildGraphsSync(events);
  const seconds = (performance.now() - t0) / 1000;
  const c1 = process.cpuUsage(c0);
  // CPU time of this process (GC threads included): on a loaded machine wall time measures the neighbours too
  const cpuSeconds = (c1.user + c1.system) / 1e6;
  let edges = 0;
  let nodes = 0;
  let eventEdges = 0;
  let stored = 0;
  let total = 0;
  for (const g of graphs.values()) {
    const m = g.memory();
    edges += m.edges;
    nodes += m.nodes;
    eventEdges += g.eventEdges;
    stored += m.edgeTableBytes + m.reductionIndexBytes;
    total += m.totalBytes;
  }
  return { eventsPerSec: events.length / seconds, eventsPerCpuSec: events.length / cpuSeconds, seconds, cpuSeconds, edges, nodes, bytesPerEdge: stored / edges, totalBytesPerEdge: total / edges, hosts: graphs.size, eventEdges };
}

/** `gc()` without restarting node with --expose-gc. */
function collector(): (() => void) | undefined {
  try {
    setFlagsFromString('--expose-gc');
    return runInNewContext('gc') as () => void;
  } catch {
    return undefined;
  }
}

export async function main(args: string[]): Promise<void> {
  const flag = (name: string, dflt: number) => {
    const i = args.indexOf(name);
    return i >= 0 && args[i + 1] ? Number(args[i + 1]) : dflt;
  };
  const target = flag('--events', 1_000_000);
  const runs = flag('--runs', 3);
  const dir = join(sharedDataDir(), 'logs');
  const files = logFiles(dir);
  const tLoad = performance.now();
  const base = await loadEvents(files);
  console.log(`read + normalized ${fmt(base.length)} events from ${files.filter((f) => !f.endsWith('.evtx')).length} files in ${((performance.now() - tLoad) / 1000).toFixed(1)} s (not part of the figures below)`);
  const events = repeatEvents(base, target);
  console.log(`graph input: ${fmt(events.length)} events (${Math.ceil(events.length / base.length)} copies, hosts renamed per copy)\n`);

  let best: ReturnType<typeof measureGraphBuild> | undefined;
  for (let r = 0; r < runs; r++) {
    const m = measureGraphBuild(events);
    console.log(`run ${r + 1}: ${fmt(m.eventsPerSec)} events/s wall (${m.seconds.toFixed(2)} s), ${fmt(m.eventsPerCpuSec)} events per CPU-second (${m.cpuSeconds.toFixed(2)} s CPU)`);
    if (!best || m.eventsPerSec > best.eventsPerSec) best = m;
  }
  const m = best!;
  console.log(`\ngraph build (best of ${runs}): ${fmt(m.eventsPerSec)} events/s wall clock, ${fmt(m.eventsPerCpuSec)} events per CPU-second`);
  console.log(`  load average at the end: ${loadavg().map((x) => x.toFixed(1)).join(' ')} on ${availableParallelism()} CPUs (wall-clock figures suffer when it exceeds the CPU count)`);
  console.log(`  ${fmt(m.hosts)} host graphs, ${fmt(m.nodes)} nodes, ${fmt(m.edges)} stored edges from ${fmt(m.eventEdges)} event edges (reduction ×${(m.eventEdges / m.edges).toFixed(2)})`);
  console.log(`  ${m.bytesPerEdge.toFixed(1)} bytes per stored edge (edge columns + reduction index, capacity included)`);
  console.log(`  ${m.totalBytesPerEdge.toFixed(1)} bytes per stored edge with nodes and interned strings (estimate)`);

  // measured, not estimated: heap + array buffers held by the graphs, after full collections
  const gc = collector();
  if (gc) {
    gc();
    const before = process.memoryUsage();
    const { graphs } = buildGraphsSync(events);
    gc();
    const after = process.memoryUsage();
    let edges = 0;
    for (const g of graphs.values()) edges += g.edgeCount;
    const held = after.heapUsed - before.heapUsed + (after.arrayBuffers - before.arrayBuffers);
    console.log(`  measured: ${fmt(held / 2 ** 20, 1)} MiB held by the graphs = ${(held / edges).toFixed(1)} bytes per stored edge, everything included`);
    if (graphs.size < 0) console.log(graphs.size); // keep the graphs alive until measured
  }

  const c1 = process.cpuUsage();
  const t1 = performance.now();
  const sb = new SequenceBuilder();
  for (const ev of events) sb.add(ev);
  const seqs = sb.finish();
  const sSecs = (performance.now() - t1) / 1000;
  const sCpu = process.cpuUsage(c1);
  console.log(`\nbehaviour sequences: ${fmt(events.length / sSecs)} events/s wall, ${fmt(events.length / ((sCpu.user + sCpu.system) / 1e6))} events per CPU-second, ${fmt(seqs.length)} sequences`);
  console.log(`peak RSS ${fmt(peakRssMiB())} MiB`);
  printReproduce('bench', 'graph', args);
}
