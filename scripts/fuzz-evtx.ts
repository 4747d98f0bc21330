/**
 * Long-running EVTX fuzzer: seeded mutations (test/logs/evtx/mutate.ts) of
 * every sample under ../shared/data/logs/evtx-attack-samples (first two
 * chunks of each), fed to parseEvtxBuffer. Fails (exit 1) on any exception,
 * any parse slower than --max-ms, or any issue without file and in-range
 * offset; failing inputs are written to --out for replay.
 *
 *   node --import tsx scripts/fuzz-evtx.ts [--iterations 100000] [--seed 1] [--max-ms 2000] [--out /tmp/evtx-fuzz]
 */
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { parseEvtxBuffer } from '../src/logs/evtx/index.js';
import { mutate, prng } from '../test/logs/evtx/mutate.js';

const { values } = parseArgs({
  options: {
    iterations: { type: 'string', default: '100000' },
    seed: { type: 'string', default: '1' },
    'max-ms': { type: 'string', default: '2000' },
    out: { type: 'string', default: '/tmp/evtx-fuzz' },
    data: { type: 'string' },
  },
});
const repo = resolve(fileURLToPath(import.meta.url), '..', '..');
const dataDir = values.data ?? process.env.TTPSCOPE_SHARED_DATA ?? resolve(repo, '..', 'shared', 'data');
const samples = join(dataDir, 'logs', 'evtx-attack-samples');

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.evtx')) out.push(p);
  }
  return out;
}

const iterations = Number(values.iterations);
const maxMs = Number(values['max-ms']);
const rand = prng(Number(values.seed));
const bases = walk(samples).map((p) => {
  const b = readFileSync(p);
  return { name: p, bytes: b.subarray(0, Math.min(b.length, 4096 + 2 * 65536)) };
});
if (bases.length === 0) {
  console.error(`no .evtx files under ${samples}`);
  process.exit(2);
}
const kinds = new Map<string, number>();
const codes = new Map<string, number>();
let failures = 0;
let slowest = 0;
const t0 = performance.now();
for (let i = 0; i < iterations; i++) {
  const base = bases[Math.floor(rand() * bases.length)]!;
  const m = mutate(base.bytes, rand);
  kinds.set(m.kind, (kinds.get(m.kind) ?? 0) + 1);
  const start = performance.now();
  let problem: string | null = null;
  try {
    const r = parseEvtxBuffer(m.bytes, { file: base.name });
    JSON.stringify(r.records);
    for (const issue of r.issues) {
      codes.set(issue.code ?? '?', (codes.get(issue.code ?? '?') ?? 0) + 1);
      const off = issue.place?.offset;
      if (issue.place?.file !== base.name || typeof off !== 'number' || off < 0 || off > m.bytes.length) problem = `issue without place: ${JSON.stringify(issue)}`;
    }
  } catch (err) {
    problem = `threw: ${(err as Error).stack ?? String(err)}`;
  }
  const ms = performance.now() - start;
  slowest = Math.max(slowest, ms);
  if (ms > maxMs) problem = `took ${ms.toFixed(0)} ms`;
  if (problem) {
    failures++;
    mkdirSync(values.out, { recursive: true });
    const file = join(values.out, `case-${i}.evtx`);
    writeFileSync(file, m.bytes);
    console.error(`FAIL #${i} ${base.name} ${m.kind} ${m.detail}: ${problem}\n  input saved to ${file}`);
  }
  if ((i + 1) % 10000 === 0) console.log(`${i + 1} mutations, ${failures} failures, ${((performance.now() - t0) / 1000).toFixed(0)} s`);
}
const secs = (performance.now() - t0) / 1000;
console.log(`\n${iterations} mutations of ${bases.length} files in ${secs.toFixed(1)} s (${(iterations / secs).toFixed(0)}/s), slowest ${slowest.toFixed(1)} ms`);
console.log('mutations:', Object.fromEntries(kinds));
console.log('issues:', Object.fromEntries([...codes].sort((a, b) => b[1] - a[1])));
console.log(`${iterations - failures} passed, ${failures} failed`);
process.exit(failures ? 1 : 0);
