/**
 * `npm run bench -- logs [--runs 3] [--no-python] [--no-external] [--reader-mb 300] [--graph-events 1000000]`
 *
 * 1. EVTX: our reader (flat and nested shapes) over the 194 evtx-attack-samples
 *    files, side by side with libevtx's `evtxexport -f text|xml` and
 *    python-evtx's `evtx_dump.py` on the same files in the same run. MB/s is
 *    EVTX file bytes per second: wall clock, and CPU time (user+sys, which is
 *    what "one core" means when the machine is shared).
 * 2. Every other reader through `readRecords` (src/logs/read.ts): MB/s and
 *    events/s per container and record flavour.
 * 3. Provenance graph build (src/provenance): events/s from already-normalized
 *    events (normalization timed separately) and bytes per stored edge, at
 *    ≥ 1,000,000 events (the read events repeated under distinct host names).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { readEvtx, type EvtxShape } from '../src/logs/evtx/index.js';
import { fmt, peakRssMiB, printReproduce, sharedDataDir } from './util.js';

const EVTX_FLOOR_VS_EVTXEXPORT = 1.0;
const PYTHON_EVTX = existsSync('/usr/bin/python3') && existsSync('/usr/bin/evtx_dump.py') ? '/usr/bin/python3 /usr/bin/evtx_dump.py' : 'evtx_dump.py';

function filesUnder(dir: string, keep: (name: string) => boolean, out: string[] = []): string[] {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) filesUnder(p, keep, out);
    else if (keep(name)) out.push(p);
  }
  return out;
}

interface Timing {
  wallS: number;
  cpuS: number;
  events: number;
}

function row(label: string, bytes: number, t: Timing | null, note = ''): string {
  if (!t) return `${label.padEnd(34)} ${'—'.padStart(10)} ${'—'.padStart(10)} ${'—'.padStart(12)} ${'—'.padStart(9)}  ${note}`;
  const mbWall = bytes / 1e6 / t.wallS;
  const mbCpu = bytes / 1e6 / t.cpuS;
  return `${label.padEnd(34)} ${fmt(mbWall, 1).padStart(10)} ${fmt(mbCpu, 1).padStart(10)} ${fmt(t.events / t.wallS).padStart(12)} ${fmt(t.events).padStart(9)}  ${note}`;
}

const HEADER = `${'reader'.padEnd(34)} ${'MB/s wall'.padStart(10)} ${'MB/s cpu'.padStart(10)} ${'events/s'.padStart(12)} ${'events'.padStart(9)}`;

function cpuSeconds(start: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(start);
  return (u.user + u.system) / 1e6;
}

async function timeOurs(files: string[], shape: EvtxShape): Promise<Timing & { issues: number }> {
  let events = 0;
  let issues = 0;
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  for (const f of files) {
    for await (const r of readEvtx(f, { shape, onIssue: () => issues++ })) {
      if (r.fields) events++;
    }
  }
  return { wallS: (performance.now() - t0) / 1000, cpuS: cpuSeconds(cpu), events, issues };
}

/** Best of several runs: the shortest wall time and, separately, the least CPU time. */
function best<T extends Timing>(runs: T[]): T {
  const byWall = runs.reduce((a, b) => (b.wallS < a.wallS ? b : a));
  return { ...byWall, cpuS: Math.min(...runs.map((r) => r.cpuS)) };
}

function hasTool(name: string): boolean {
  return spawnSync('bash', ['-c', `command -v ${name}`], { encoding: 'utf8' }).status === 0;
}

/**
 * Run `cmd FILE` for every file inside one bash process, output to `outFile`,
 * and read the children's user+sys time from bash's `times` builtin.
 */
function timeExternal(cmd: string, files: string[], outFile: string): { wallS: number; cpuS: number; failures: number } {
  const script = `fail=0; out="$1"; shift; for f in "$@"; do ${cmd} "$f" >> "$out" 2>/dev/null || fail=$((fail+1)); done; echo "fail=$fail"; times`;
  writeFileSync(outFile, '');
  const t0 = performance.now();
  const res = spawnSync('bash', ['-c', script, '_', outFile, ...files], { encoding: 'utf8', maxBuffer: 1 << 20 });
  const wallS = (performance.now() - t0) / 1000;
  const lines = res.stdout.trim().split('\n');
  const failures = Number(/fail=(\d+)/.exec(res.stdout)?.[1] ?? files.length);
  const children = lines[lines.length - 1] ?? '';
  let cpuS = 0;
  for (const m of children.matchAll(/(\d+)m([\d.]+)s/g)) cpuS += Number(m[1]) * 60 + Number(m[2]);
  return { wallS, cpuS, failures };
}

/** Events in a tool's output, by counting the lines that start one. */
function countMarker(outFile: string, marker: RegExp): number {
  let n = 0;
  for (const line of readFileSync(outFile, 'utf8').split('\n')) if (marker.test(line)) n++;
  return n;
}

async function evtxSection(dataDir: string, runs: number, python: boolean, external: boolean): Promise<void> {
  const dir = join(dataDir, 'logs', 'evtx-attack-samples');
  const files = filesUnder(dir, (n) => n.endsWith('.evtx'));
  const bytes = files.reduce((n, f) => n + statSync(f).size, 0);
  console.log(`\n## EVTX: ${files.length} files of ${relative(dataDir, dir)}, ${fmt(bytes / 1e6, 1)} MB, one process, ${runs} runs (best wall and best CPU shown)\n`);
  console.log(HEADER);

  await timeOurs(files.slice(0, 20), 'flat'); // warm-up (JIT)
  const flatRuns = [];
  for (let i = 0; i < runs; i++) flatRuns.push(await timeOurs(files, 'flat'));
  const flat = best(flatRuns);
  console.log(row('ttpscope readEvtx (flat)', bytes, flat, flat.issues ? `${flat.issues} issues` : ''));
  const nestedRuns = [];
  for (let i = 0; i < runs; i++) nestedRuns.push(await timeOurs(files, 'nested'));
  const nested = best(nestedRuns);
  console.log(row('ttpscope readEvtx (nested)', bytes, nested));

  const results: Record<string, Timing | null> = {};
  const tools: { label: string; key: string; tool: string; cmd: string; marker: RegExp; skip?: boolean }[] = [
    { label: 'evtxexport -f text (libevtx)', key: 'text', tool: 'evtxexport', cmd: 'evtxexport -f text', marker: /^Event number/ },
    { label: 'evtxexport -f xml (libevtx)', key: 'xml', tool: 'evtxexport', cmd: 'evtxexport -f xml', marker: /<Event[ >]/ },
    // Debian's python3-evtx, run by Debian's python3 (a `python3` earlier on PATH may lack the Evtx module)
    { label: 'python-evtx evtx_dump.py', key: 'python', tool: 'evtx_dump.py', cmd: PYTHON_EVTX, marker: /<Event[ >]/, skip: !python },
  ];
  const outDir = mkdtempSync(join(tmpdir(), 'bench-logs-'));
  for (const t of tools) {
    if (!external || t.skip) {
      console.log(row(t.label, bytes, null, 'skipped (option)'));
      results[t.key] = null;
      continue;
    }
    if (!hasTool(t.tool)) {
      const pkg = t.tool === 'evtxexport' ? 'libevtx-utils' : 'python3-evtx';
      console.log(row(t.label, bytes, null, `MISSING: apt-get install ${pkg}`));
      results[t.key] = null;
      continue;
    }
    // python-evtx takes ~40 s per pass: one timed run is enough for it.
    const n = t.key === 'python' ? 1 : runs;
    const timings: Timing[] = [];
    let failures = 0;
    let events = 0;
    const outFile = join(outDir, `${t.key}.out`);
    for (let i = 0; i < n; i++) {
      const r = timeExternal(t.cmd, files, outFile);
      if (i === 0) events = countMarker(outFile, t.marker);
      failures = r.failures;
      timings.push({ wallS: r.wallS, cpuS: r.cpuS, events });
    }
    rmSync(outFile, { force: true });
    const b = best(timings);
    results[t.key] = b;
    console.log(row(t.label, bytes, b, failures ? `${failures} files failed` : ''));
  }

  rmSync(outDir, { recursive: true, force: true });
  console.log('');
  const text = results.text;
  if (text) {
    const ratioWall = text.wallS / flat.wallS;
    const ratioCpu = text.cpuS / flat.cpuS;
    const ok = ratioCpu >= EVTX_FLOOR_VS_EVTXEXPORT;
    console.log(
      `floor: ours (flat) / evtxexport -f text = ${fmt(ratioCpu, 2)}× by CPU time, ${fmt(ratioWall, 2)}× by wall clock ` +
        `(floor ≥ ${EVTX_FLOOR_VS_EVTXEXPORT}× on one core): ${ok ? 'PASS' : 'FAIL'}`,
    );
  } else console.log('floor: evtxexport not measured (not installed or skipped), ratio unavailable');
  if (results.python) console.log(`ours (flat) vs python-evtx: ${fmt(results.python.cpuS / flat.cpuS, 1)}× by CPU time`);
  if (flat.events !== nested.events) console.log(`WARNING: flat ${flat.events} vs nested ${nested.events} events`);
  for (const k of ['text', 'xml', 'python']) {
    const r = results[k];
    if (r && r.events !== flat.events) console.log(`note: ${k} printed ${r.events} events, ours ${flat.events}`);
  }
}

interface ReadersApi {
  openLogSource: (path: string, opts?: { onIssue?: (i: unknown) => void }) => Promise<{
    container: string;
    compressed: boolean;
    size: number;
    stats: { bytes: number; fileBytes: number; records: number; errors: number; warnings: number; formats: Record<string, number> };
    records(): AsyncIterable<{ format: string; fields: Record<string, unknown>; source: unknown }>;
  }>;
}

interface NormalizeApi {
  normalize: (record: never) => unknown;
}

interface ProvenanceApi {
  GraphBuilder: new (opts?: object) => {
    add(ev: unknown): void;
    graphs: Map<string, { memory(): { edges: number; nodes: number; edgeTableBytes: number; reductionIndexBytes: number; totalBytes: number } }>;
    stats: { events: number; used: number; skipped: number };
  };
}

async function tryImport<T>(spec: string): Promise<T | null> {
  try {
    return (await import(spec)) as T;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND') return null;
    throw err;
  }
}

async function readersSection(dataDir: string, readerMb: number): Promise<unknown[]> {
  console.log(`\n## Other readers (src/logs/read.ts readRecords / openLogSource)\n`);
  const api = await tryImport<ReadersApi>('../src/logs/read.js');
  const norm = await tryImport<NormalizeApi>('../src/logs/normalize.js');
  if (!api || typeof api.openLogSource !== 'function') {
    console.log('TODO: src/logs/read.ts (openLogSource/readRecords) is not available yet: per-reader figures not measured.');
    return [];
  }
  const logs = join(dataDir, 'logs');
  const groups: { name: string; files: string[] }[] = [
    { name: 'python-evtx JSONL (evtx-attack-samples)', files: filesUnder(join(logs, 'evtx-attack-samples'), (n) => n.endsWith('.jsonl')) },
    { name: 'EVTX via readRecords', files: filesUnder(join(logs, 'evtx-attack-samples'), (n) => n.endsWith('.evtx')) },
    { name: 'nested JSON (sigma regression)', files: filesUnder(join(dataDir, 'sigma', 'regression_data'), (n) => n.endsWith('.json')) },
    { name: 'Security-Datasets JSONL.gz', files: filesUnder(join(logs, 'security-datasets'), (n) => n.endsWith('.jsonl.gz')) },
    { name: 'auditd (security-datasets/linux)', files: filesUnder(join(logs, 'security-datasets', 'linux'), (n) => n.endsWith('.log')) },
  ];
  console.log(`${'input'.padEnd(42)} ${'files'.padStart(5)} ${'MB disk'.padStart(8)} ${'MB data'.padStart(8)} ${'MB/s'.padStart(7)} ${'MB/cpu-s'.padStart(8)} ${'events/s'.padStart(10)} ${'ev/cpu-s'.padStart(10)} ${'events'.padStart(9)}  flavours`);
  const normalized: unknown[] = [];
  let normS = 0;
  let normIn = 0;
  for (const g of groups) {
    if (g.files.length === 0) continue;
    let disk = 0;
    let data = 0;
    let events = 0;
    let files = 0;
    let issues = 0;
    const formats: Record<string, number> = {};
    let readS = 0;
    let readCpuS = 0;
    for (const f of g.files) {
      if (data / 1e6 >= readMbCap(g.name, readerMb)) break;
      const src = await api.openLogSource(f, { onIssue: () => issues++ });
      const batch: unknown[] = [];
      const r0 = performance.now();
      const c0 = process.cpuUsage();
      for await (const rec of src.records()) {
        events++;
        if (norm) batch.push(rec);
      }
      readS += (performance.now() - r0) / 1000;
      readCpuS += cpuSeconds(c0);
      for (const [k, n] of Object.entries(src.stats.formats)) formats[k] = (formats[k] ?? 0) + n;
      disk += src.size;
      data += src.stats.bytes || src.size;
      files++;
      if (norm && !g.name.startsWith('python-evtx JSONL') && !g.name.startsWith('nested JSON')) {
        // Normalization is timed on its own, outside the read timing.
        const n0 = performance.now();
        for (const rec of batch) {
          const ev = norm.normalize(rec as never);
          if (ev) normalized.push(ev);
        }
        normS += (performance.now() - n0) / 1000;
        normIn += batch.length;
      }
    }
    const flav = Object.entries(formats)
      .map(([k, n]) => `${k}:${n}`)
      .join(' ');
    console.log(
      `${g.name.padEnd(42)} ${String(files).padStart(5)} ${fmt(disk / 1e6, 1).padStart(8)} ${fmt(data / 1e6, 1).padStart(8)} ${fmt(data / 1e6 / readS, 1).padStart(7)} ${fmt(data / 1e6 / readCpuS, 1).padStart(8)} ${fmt(events / readS).padStart(10)} ${fmt(events / readCpuS).padStart(10)} ${fmt(events).padStart(9)}  ${flav}${issues ? `  (${issues} issues)` : ''}`,
    );
  }
  console.log(`\nMB data = decompressed bytes; MB/s = data MB per second of reading (records yielded, nothing else), by wall clock and per CPU-second (user+sys).`);
  if (norm) console.log(`normalize(): ${fmt(normIn)} records → ${fmt(normalized.length)} events in ${fmt(normS, 2)} s (${fmt(normIn / normS)} records/s)`);
  else console.log('TODO: src/logs/normalize.ts not available: graph build needs normalized events.');
  return normalized;
}

function readMbCap(group: string, readerMb: number): number {
  return group.startsWith('Security-Datasets') ? readerMb : Infinity;
}

async function graphSection(events: unknown[], target: number): Promise<void> {
  console.log(`\n## Provenance graph build (src/provenance GraphBuilder)\n`);
  const api = await tryImport<ProvenanceApi>('../src/provenance/index.js');
  if (!api || typeof api.GraphBuilder !== 'function') {
    console.log('TODO: src/provenance GraphBuilder is not available yet: graph build not measured.');
    return;
  }
  if (events.length === 0) {
    console.log('TODO: no normalized events (readers/normalize unavailable): graph build not measured.');
    return;
  }
  const copies = Math.max(1, Math.ceil(target / events.length));
  const evs = events as { host: string }[];
  const hosts = evs.map((e) => e.host);
  const builder = new api.GraphBuilder();
  let added = 0;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let c = 0; c < copies; c++) {
    // Each copy under its own host names, so repeats become new graphs instead of merged edges.
    for (let i = 0; i < evs.length; i++) {
      const ev = evs[i]!;
      ev.host = c === 0 ? hosts[i]! : `${hosts[i]!}#${c}`;
      builder.add(ev);
      added++;
    }
  }
  const s = (performance.now() - t0) / 1000;
  const cpuS = cpuSeconds(c0);
  for (let i = 0; i < evs.length; i++) evs[i]!.host = hosts[i]!;
  let edges = 0;
  let nodes = 0;
  let edgeBytes = 0;
  let totalBytes = 0;
  for (const g of builder.graphs.values()) {
    const m = g.memory();
    edges += m.edges;
    nodes += m.nodes;
    edgeBytes += m.edgeTableBytes + m.reductionIndexBytes;
    totalBytes += m.totalBytes;
  }
  console.log(`${fmt(added)} events (${fmt(events.length)} distinct × ${copies}) → ${builder.graphs.size} host graphs, ${fmt(nodes)} nodes, ${fmt(edges)} stored edges`);
  console.log(`builder stats: ${JSON.stringify(builder.stats)}`);
  console.log(
    `build: ${fmt(s, 2)} s wall, ${fmt(cpuS, 2)} s CPU: ${fmt(added / s)} events/s wall, ${fmt(added / cpuS)} events/CPU-s ` +
      `(floor ≥ 200,000 on one core, by CPU time: ${added / cpuS >= 200_000 ? 'PASS' : 'FAIL'}; by wall: ${added / s >= 200_000 ? 'PASS' : 'FAIL'})`,
  );
  console.log(`memory: ${fmt(edgeBytes / Math.max(1, edges), 1)} bytes/edge (edge table + reduction index), ${fmt(totalBytes / Math.max(1, edges), 1)} bytes/edge all in (goal ≤ 200)`);
}

export async function main(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      runs: { type: 'string', default: '3' },
      'no-python': { type: 'boolean', default: false },
      'no-external': { type: 'boolean', default: false },
      'reader-mb': { type: 'string', default: '300' },
      'graph-events': { type: 'string', default: '1000000' },
    },
  });
  const dataDir = sharedDataDir();
  const runs = Math.max(1, Number(values.runs));
  console.log(`# bench logs — node ${process.version}, ${new Date().toISOString()}`);
  await evtxSection(dataDir, runs, !values['no-python'], !values['no-external']);
  const events = await readersSection(dataDir, Number(values['reader-mb']));
  await graphSection(events, Number(values['graph-events']));
  console.log(`\npeak RSS ${fmt(peakRssMiB())} MiB`);
  printReproduce('bench', 'logs', args);
}
