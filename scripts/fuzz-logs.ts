/**
 * Long-running fuzzer for the text log readers (JSON Lines, JSON streams,
 * auditd, Sysmon-for-Linux XML, CDM, gzip): seeded mutations
 * (test/logs/mutate.ts) of our fixtures, written as files and read through
 * `readRecords` + `normalize`. Fails (exit 1) on any exception, any file that
 * takes longer than --max-ms, or any issue without its file and a line or
 * offset; failing inputs are written to --out for replay.
 *
 *   node --import tsx scripts/fuzz-logs.ts [--iterations 2000] [--seed 1] [--lines 200] [--max-ms 5000] [--out /tmp/logs-fuzz]
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdtempSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { readRecords } from '../src/logs/read.js';
import { normalize } from '../src/logs/normalize.js';
import type { Issue } from '../src/common/errors.js';
import { mutate, mutatedFile, rng } from '../test/logs/mutate.js';

const { values } = parseArgs({
  options: {
    iterations: { type: 'string', default: '2000' },
    seed: { type: 'string', default: '1' },
    lines: { type: 'string', default: '200' },
    'max-ms': { type: 'string', default: '5000' },
    out: { type: 'string', default: join(tmpdir(), 'logs-fuzz') },
  },
});
const iterations = Number(values.iterations);
const lines = Number(values.lines);
const maxMs = Number(values['max-ms']);
const rand = rng(Number(values.seed));
const repo = resolve(fileURLToPath(import.meta.url), '..', '..');
const fixtures = join(repo, 'test', 'fixtures', 'logs');

const corpora = readdirSync(fixtures)
  .sort()
  .map((name) => {
    const text = readFileSync(join(fixtures, name), 'utf8');
    // pretty-printed JSON files are fuzzed whole-object-wise, line files line-wise
    const units = name.includes('pretty') || text.trimStart().startsWith('[') ? [text] : text.split('\n').filter((l) => l.trim() !== '');
    return { name, units };
  });

const work = mkdtempSync(join(tmpdir(), 'ttpscope-logs-fuzz-'));
let failures = 0;
let mutations = 0;
let records = 0;
let problems = 0;
const started = Date.now();

function fail(path: string, why: string): void {
  failures++;
  mkdirSync(values.out!, { recursive: true });
  const keep = join(values.out!, `fail-${failures}.bin`);
  copyFileSync(path, keep);
  console.error(`FAIL ${why} (input kept as ${keep})`);
}

for (let it = 0; it < iterations; it++) {
  const c = corpora[Math.floor(rand() * corpora.length)]!;
  let bytes =
    c.units.length === 1
      ? Buffer.concat(Array.from({ length: 1 + Math.floor(rand() * 4) }, () => mutate(c.units[0]!, rand, { hugeBytes: 20_000 }).bytes))
      : mutatedFile(c.units, lines, rand, { hugeBytes: 20_000 });
  mutations += c.units.length === 1 ? 1 : lines;
  if (rand() < 0.15) {
    const gz = gzipSync(bytes);
    bytes = rand() < 0.5 ? gz.subarray(0, Math.max(2, Math.floor(rand() * gz.length))) : gz;
  }
  const path = join(work, `in-${it}`);
  writeFileSync(path, bytes);
  const issues: Issue[] = [];
  const t0 = Date.now();
  try {
    for await (const r of readRecords(path, { maxLineBytes: 16_384, onIssue: (i) => issues.push(i) })) {
      records++;
      normalize(r, { onIssue: (i) => issues.push(i) });
    }
  } catch (err) {
    fail(path, `exception on ${c.name}: ${(err as Error).stack ?? String(err)}`);
  }
  const ms = Date.now() - t0;
  if (ms > maxMs) fail(path, `slow: ${ms} ms on ${c.name}`);
  for (const i of issues) {
    if (i.place?.file !== path || (i.place.line === undefined && i.place.offset === undefined)) {
      fail(path, `issue without place: ${JSON.stringify(i)}`);
      break;
    }
  }
  problems += issues.length;
  rmSync(path, { force: true });
  if ((it + 1) % 200 === 0) console.log(`${it + 1}/${iterations} files, ${mutations} mutations, ${records} records, ${problems} problems, ${failures} failures, ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
rmSync(work, { recursive: true, force: true });
console.log(`done: ${iterations} files, ${mutations} mutations, ${records} records, ${problems} problems reported, ${failures} failures in ${((Date.now() - started) / 1000).toFixed(1)} s`);
console.log(`reproduce: node --import tsx scripts/fuzz-logs.ts --iterations ${iterations} --seed ${values.seed} --lines ${lines}`);
process.exit(failures > 0 ? 1 : 0);
