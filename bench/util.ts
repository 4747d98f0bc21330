/** Shared helpers for benchmarks and evaluations: data location, timing, memory. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { byteChunks, splitLines } from '../src/logs/io.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** ../shared/data beside the repo, or $TTPSCOPE_SHARED_DATA. */
export function sharedDataDir(): string {
  const dir = process.env.TTPSCOPE_SHARED_DATA ?? resolve(repoRoot, '..', 'shared', 'data');
  if (!existsSync(dir)) {
    console.error(`reference data not found at ${dir} (set TTPSCOPE_SHARED_DATA)`);
    process.exit(2);
  }
  return dir;
}

/**
 * Peak resident set size of this process so far, in MiB. On Linux from `VmHWM` (per address space, so it
 * starts afresh at exec): `getrusage`'s maxRSS carries the parent's peak across fork + exec, so a bench child spawned by a parent that
 * held a 2 GB corpus reported 2 GB for every phase.
 */
export function peakRssMiB(): number {
  try {
    const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) / 1024;
  } catch {
    // not Linux: fall through
  }
  return process.resourceUsage().maxRSS / 1024;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

export function printReproduce(kind: 'bench' | 'eval', name: string, args: string[] = []): void {
  console.log(`\nreproduce: npm run ${kind} -- ${[name, ...args].join(' ')}   (node ${process.version})`);
}

/**
 * The bare-parse yardstick: a plain JSON Lines file read and split into lines by the reader code, each line given
 * to JSON.parse, nothing else. Returns the lines parsed. (The Sigma bench's bare phase; the detect bench's machine
 * reference.)
 */
export async function bareParse(file: string): Promise<number> {
  let events = 0;
  let sink = 0;
  for await (const l of splitLines(byteChunks(file, false), { file })) {
    if ((JSON.parse(l.text) as Record<string, unknown>).EventID !== undefined) sink++;
    events++;
  }
  if (sink < 0) console.log(sink); // keeps the parse result observable
  return events;
}
