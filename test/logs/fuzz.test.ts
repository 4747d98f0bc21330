/**
 * Fuzz: thousands of mutated JSON, CDM, auditd and Sysmon-for-Linux lines
 * (truncated, bit-flipped, junk inserted, deeply nested, huge, invalid UTF-8)
 * never crash or hang the readers or normalization, and every problem names
 * the file and a line or offset. `scripts/fuzz-logs.ts` runs many more.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { readRecords } from '../../src/logs/read.js';
import { normalize } from '../../src/logs/normalize.js';
import { parseAuditLine, parseKeyValues, decodeSockaddr } from '../../src/logs/auditd.js';
import { parseSysmonLinuxXml } from '../../src/logs/xml-event.js';
import type { Issue } from '../../src/common/errors.js';
import { repoRoot, tempDir } from '../helpers.js';
import { mutate, mutatedFile, rng } from './mutate.js';

const fx = (name: string) => join(repoRoot, 'test', 'fixtures', 'logs', name);
const linesOf = (name: string) => readFileSync(fx(name), 'utf8').split('\n').filter((l) => l.trim() !== '');

const corpora: Record<string, string[]> = {
  ecs: linesOf('winlogbeat-ecs.jsonl'),
  cdm: linesOf('cdm18.json'),
  auditd: linesOf('auditd-mixed.log'),
  sysmon: linesOf('sysmon-linux.log'),
  flat: [
    JSON.stringify({ EventID: 1, Provider_Name: 'Microsoft-Windows-Sysmon', Channel: 'Microsoft-Windows-Sysmon/Operational', Computer: 'PC', TimeCreated: '2020-01-01T00:00:00Z', Image: 'C:\\x.exe', CommandLine: 'x "a" b' }),
    JSON.stringify({ EventID: 4688, SourceName: 'Microsoft-Windows-Security-Auditing', Hostname: 'DC', Channel: 'Security', '@timestamp': '2020-01-01T00:00:00.000Z', NewProcessId: '0x10' }),
    JSON.stringify({ Event: { System: { EventID: 7, Channel: 'X', Computer: 'Y', TimeCreated: { '#attributes': { SystemTime: '2020-01-01T00:00:00Z' } } }, EventData: { Data: [{ '@Name': 'A', '#text': 'b' }] } } }),
  ],
};

async function readChecked(path: string, opts: { maxLineBytes?: number; auditd?: 'events' | 'records' } = {}): Promise<{ records: number; issues: Issue[] }> {
  const issues: Issue[] = [];
  let records = 0;
  for await (const r of readRecords(path, { ...opts, onIssue: (i) => issues.push(i) })) {
    records++;
    normalize(r, { onIssue: (i) => issues.push(i) });
  }
  for (const i of issues) {
    assert.equal(i.place?.file, path, JSON.stringify(i));
    if (i.place?.line === undefined && i.place?.offset === undefined) assert.fail(`problem without a place: ${JSON.stringify(i)}`);
  }
  return { records, issues };
}

test('mutated files of every flavour read to the end with located problems', { timeout: 90_000 }, async () => {
  const t = tempDir();
  try {
    const rand = rng(20240601);
    let mutations = 0;
    let problems = 0;
    let records = 0;
    for (const [name, corpus] of Object.entries(corpora)) {
      for (let k = 0; k < 7; k++) {
        const path = join(t.path, `${name}-${k}.log`);
        writeFileSync(path, mutatedFile(corpus, 120, rand, { hugeBytes: 9000 }));
        mutations += 120;
        const r = await readChecked(path, { maxLineBytes: 8192 });
        problems += r.issues.length;
        records += r.records;
      }
    }
    assert.ok(mutations >= 4000);
    assert.ok(problems > 0 && records > 0);
  } finally {
    t.cleanup();
  }
});

test('truncated and corrupted gzip: what came before is read, then one located problem', async () => {
  const t = tempDir();
  try {
    const body = Buffer.from(Array.from({ length: 3000 }, () => corpora.flat![0]).join('\n') + '\n');
    const gz = gzipSync(body);
    const rand = rng(7);
    for (let k = 0; k < 30; k++) {
      const cut = Buffer.from(gz.subarray(0, 20 + Math.floor(rand() * (gz.length - 40))));
      if (k % 2 === 1) {
        const at = 10 + Math.floor(rand() * (cut.length - 10));
        cut[at] = cut[at]! ^ 0xff;
      }
      const p = join(t.path, `cut-${k}.gz`);
      writeFileSync(p, cut);
      const r = await readChecked(p);
      assert.ok(r.records < 3000);
      assert.ok(r.issues.some((i) => i.code === 'gzip' || i.code === 'json-parse'), JSON.stringify(r.issues.slice(0, 2)));
    }
  } finally {
    t.cleanup();
  }
});

test('one 100 MB line is skipped with bounded memory and reading continues', { timeout: 60_000 }, async () => {
  const t = tempDir();
  try {
    const p = join(t.path, 'huge.jsonl');
    const line = corpora.flat![0]!;
    const huge = Buffer.alloc(100 * 1024 * 1024, 0x41);
    writeFileSync(p, Buffer.concat([Buffer.from(line + '\n{"EventID": 1, "x": "'), huge, Buffer.from('"}\n' + line + '\n')]));
    const before = process.memoryUsage().rss;
    const r = await readChecked(p, { maxLineBytes: 1024 * 1024 });
    const grew = process.memoryUsage().rss - before;
    assert.equal(r.records, 2);
    assert.equal(r.issues.length, 1);
    assert.equal(r.issues[0]!.code, 'line-too-long');
    assert.equal(r.issues[0]!.place?.line, 2);
    assert.ok(grew < 80 * 1024 * 1024, `rss grew ${grew}`);
  } finally {
    t.cleanup();
  }
});

test('line parsers alone: thousands of mutations, no throw, no catastrophic time', () => {
  const rand = rng(99);
  const started = Date.now();
  let n = 0;
  for (let i = 0; i < 1500; i++) {
    const a = mutate(corpora.auditd![i % corpora.auditd!.length]!, rand).bytes.toString('utf8');
    parseAuditLine(a);
    parseKeyValues(a);
    decodeSockaddr(a.replace(/[^0-9A-F]/gi, '').slice(0, 64));
    const x = mutate(corpora.sysmon![i % corpora.sysmon!.length]!, rand).bytes.toString('utf8');
    parseSysmonLinuxXml(x.slice(Math.max(0, x.indexOf('<Event'))));
    n += 2;
  }
  assert.equal(n, 3000);
  assert.ok(Date.now() - started < 30_000);
});

test('pretty-printed JSON streams with junk between and inside objects', async () => {
  const t = tempDir();
  try {
    const rand = rng(3);
    const objects = corpora.cdm!.map((l) => JSON.stringify(JSON.parse(l), null, 2));
    for (let k = 0; k < 10; k++) {
      const text = objects.map((o) => (rand() < 0.5 ? mutate(o, rand, { hugeBytes: 5000 }).bytes.toString('latin1') : o)).join(rand() < 0.5 ? '\n' : ' garbage ');
      const p = join(t.path, `stream-${k}.json`);
      writeFileSync(p, '{' + text.slice(1), 'latin1');
      await readChecked(p, { maxLineBytes: 4096 });
    }
  } finally {
    t.cleanup();
  }
});
