import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { loadRules } from '../../../src/sigma/rule/load.js';
import { runHunt, type HuntResult } from '../../../src/sigma/hunt/index.js';
import { repoRoot, sharedData, tempDir } from '../../helpers.js';

const RULES = join(repoRoot, 'test', 'fixtures', 'hunt', 'rules');
const SAMPLE = join(repoRoot, 'examples', 'logs', 'sample-attack.jsonl');

function keys(r: HuntResult): string[] {
  return r.rows.map((row) => `${row.source?.file}:${row.source?.line}:${r.rules[row.rule]!.id}`).sort();
}

test('worker threads (whole files and line blocks) find exactly what one thread finds, with the same file:line', { timeout: 120_000 }, async () => {
  const dir = tempDir();
  try {
    // a second rule on the whoami event: two rows share one event (and one source object)
    const rules = join(dir.path, 'rules');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(rules);
    for (const f of ['proc_whoami.yml', 'proc_access_lsass.yml', 'proc_powershell_encoded.yml']) copyFileSync(join(RULES, f), join(rules, f));
    writeFileSync(join(rules, 'whoami2.yml'), readFileSync(join(RULES, 'proc_whoami.yml'), 'utf8').replace('5d05', '5d06').replace('Whoami Execution', 'Whoami Again'));
    const collection = await loadRules([rules]);
    // 300 copies of the example log in one file: many blocks, lines spanning chunk boundaries
    const big = join(dir.path, 'big.jsonl');
    writeFileSync(big, readFileSync(SAMPLE, 'utf8').repeat(300));
    const one = await runHunt([big, SAMPLE], { collection, pipeline: [], threads: 1 });
    const files = await runHunt([big, SAMPLE], { collection, pipeline: [], threads: 2, splitMinBytes: 1e12 });
    const blocks = await runHunt([big, SAMPLE], { collection, pipeline: [], threads: 2, splitMinBytes: 1 });
    assert.equal(one.stats.threads, 1);
    assert.equal(blocks.stats.threads, 2);
    assert.equal(one.rows.length, 301 * 5); // whoami ×2 rules, lsass ×2, encoded powershell ×1 per copy
    assert.deepEqual(keys(files), keys(one));
    assert.deepEqual(keys(blocks), keys(one));
    assert.equal(blocks.stats.events, one.stats.events);
    // line numbers point at the matching line
    const lines = readFileSync(big, 'utf8').split('\n');
    for (const row of blocks.rows.filter((r) => r.source?.file === big).slice(-5)) {
      assert.match(lines[row.source!.line! - 1]!, /whoami|lsass|powershell/i);
    }
    // sorted by time
    for (let i = 1; i < blocks.rows.length; i++) assert.ok(!(blocks.rows[i]!.timeMs < blocks.rows[i - 1]!.timeMs));
    // count-only mode keeps no rows but counts the same
    const counted = await runHunt([big], { collection, pipeline: [], threads: 2, splitMinBytes: 1, countOnly: true });
    assert.equal(counted.rows.length, 0);
    assert.equal(counted.stats.detections, 300 * 5);
  } finally {
    dir.cleanup();
  }
});

test('line blocks across workers: a line longer than a pooled block is matched, one over the cap is reported at its line, plain and gzip alike', { timeout: 120_000 }, async () => {
  const dir = tempDir();
  try {
    const collection = await loadRules([join(RULES, 'proc_whoami.yml')]);
    const sample = readFileSync(SAMPLE, 'utf8');
    const whoami = sample.split('\n').find((l) => l.includes('whoami.exe'))!;
    // 3 MiB: over the 2 MiB pooled block, under the 5 MiB cap below; 6 MiB: over the cap
    const long = whoami.replace(/^\{/, `{"Pad": "${'x'.repeat(3 * 1024 * 1024)}", `);
    const huge = whoami.replace(/^\{/, `{"Pad": "${'y'.repeat(6 * 1024 * 1024)}", `);
    const text = sample.repeat(40) + long + '\n' + sample.repeat(10) + huge + '\n' + sample.repeat(10);
    const plain = join(dir.path, 'mixed.jsonl');
    writeFileSync(plain, text);
    const gz = join(dir.path, 'mixed.jsonl.gz');
    writeFileSync(gz, gzipSync(text));
    const lines = text.split('\n');
    const longLine = lines.indexOf(long) + 1;
    const hugeLine = lines.indexOf(huge) + 1;
    const opts = { collection, pipeline: [], maxLineBytes: 5 * 1024 * 1024 };
    const one = await runHunt([plain], { ...opts, threads: 1 });
    assert.ok(one.rows.some((r) => r.source?.line === longLine), 'the long line is matched');
    const tooLong = (r: HuntResult) => r.issues.samples.filter((i) => i.code === 'line-too-long').map((i) => i.place?.line);
    assert.deepEqual(tooLong(one), [hugeLine]);
    for (const file of [plain, gz]) {
      const blocks = await runHunt([file], { ...opts, threads: 2, splitMinBytes: 1 });
      assert.equal(blocks.stats.threads, 2);
      assert.deepEqual(keys(blocks).map((k) => k.slice(file.length)), keys(one).map((k) => k.slice(plain.length)), file);
      assert.equal(blocks.stats.events, one.stats.events);
      assert.deepEqual(tooLong(blocks), [hugeLine], file);
    }
  } finally {
    dir.cleanup();
  }
});

const SD = join(sharedData, 'logs', 'security-datasets', 'windows', 'credential_access', 'cmd_lsass_memory_dumpert_syscalls_2020-10-1822561997.jsonl.gz');

test('real Security-Datasets .jsonl.gz through the readers: LSASS access by Dumpert is found, host from Hostname', { skip: !existsSync(SD) && 'no shared data' }, async () => {
  const collection = await loadRules([join(RULES, 'proc_access_lsass.yml')]);
  const r = await runHunt([SD], { collection, pipeline: [], threads: 1 });
  assert.equal(r.stats.events, 118);
  assert.equal(r.issues.errors, 0);
  const hits = r.rows.filter((row) => row.keyFields.some(([k, v]) => k === 'GrantedAccess' && v.toLowerCase() === '0x1fffff'));
  assert.ok(hits.length >= 1, JSON.stringify(r.rows.map((x) => x.keyFields)));
  assert.equal(hits[0]!.computer, 'WORKSTATION5');
  assert.equal(hits[0]!.eventId, '10');
  assert.ok(hits[0]!.source!.line! >= 1);
});

test('Security 4688 events match process_creation rules and show the 4688 field names as key fields', async () => {
  const dir = tempDir();
  try {
    const log = join(dir.path, 'sec.jsonl');
    writeFileSync(log, JSON.stringify({ EventID: 4688, Channel: 'Security', Hostname: 'DC01', TimeCreated: '2026-01-05 10:00:00.000', NewProcessName: 'C:\\Windows\\System32\\whoami.exe', CommandLine: 'whoami /all' }) + '\n');
    const collection = await loadRules([join(RULES, 'proc_whoami.yml')]);
    const r = await runHunt([log], { collection, pipeline: [], threads: 1 });
    assert.equal(r.rows.length, 1);
    assert.deepEqual(r.rows[0]!.keyFields, [['NewProcessName', 'C:\\Windows\\System32\\whoami.exe']]);
    assert.equal(r.rows[0]!.computer, 'DC01');
  } finally {
    dir.cleanup();
  }
});
