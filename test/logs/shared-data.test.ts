/**
 * Every non-EVTX file in ../shared/data/logs reads with zero problems and the
 * record counts (and event-id histograms) equal the manifests; every Sigma
 * regression sample (.json, nested XML-as-JSON) reads; every record
 * normalizes to an event that passes the zod schema.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { openLogSource } from '../../src/logs/read.js';
import { normalize } from '../../src/logs/normalize.js';
import { NormalizedEventSchema } from '../../src/logs/event.js';
import type { Issue } from '../../src/common/errors.js';
import { hasSharedData, sharedData } from '../helpers.js';

const logs = join(sharedData, 'logs');
const skip = hasSharedData ? false : 'no ../shared/data';

interface Counted {
  records: number;
  sourceRecords: number;
  container: string;
  formats: Record<string, number>;
  eventIds: Map<number, number>;
  issues: Issue[];
  normalized: number;
  invalid: string[];
}

async function count(path: string, validateEvery = 7): Promise<Counted> {
  const issues: Issue[] = [];
  const src = await openLogSource(path, { onIssue: (i) => issues.push(i) });
  const eventIds = new Map<number, number>();
  let n = 0;
  let normalized = 0;
  const invalid: string[] = [];
  for await (const r of src.records()) {
    const id = r.fields.EventID;
    if (typeof id === 'number') eventIds.set(id, (eventIds.get(id) ?? 0) + 1);
    const ev = normalize(r, { onIssue: (i) => issues.push(i) });
    if (ev) {
      normalized++;
      if (n % validateEvery === 0) {
        const res = NormalizedEventSchema.safeParse(ev);
        if (!res.success && invalid.length < 3) invalid.push(`${path}:${r.source.line}: ${res.error.message.slice(0, 300)}`);
      }
    }
    n++;
  }
  return { records: n, sourceRecords: src.stats.sourceRecords, container: src.container, formats: src.stats.formats, eventIds, issues, normalized, invalid };
}

function parseHistogram(s: string): Map<number, number> {
  const m = new Map<number, number>();
  for (const part of s.split(';').filter(Boolean)) {
    const [id, c] = part.split(':');
    m.set(Number(id), Number(c));
  }
  return m;
}

const SCHEMA_FORMAT: Record<string, string> = {
  'flat-EventID': 'win-secdatasets',
  'winlogbeat-nested(event_id,event_data)': 'win-secdatasets-nested',
  'linux-auditd-raw': 'auditd',
};

test('Security-Datasets: every file, counts and event ids as in the manifest, zero problems', { skip }, async () => {
  const manifest = JSON.parse(readFileSync(join(logs, 'security-datasets', 'manifest.json'), 'utf8')) as Record<string, string | number>[];
  assert.ok(manifest.length >= 80);
  let total = 0;
  for (const row of manifest) {
    const file = join(logs, 'security-datasets', String(row.file));
    const c = await count(file);
    assert.deepEqual(c.issues, [], file);
    assert.deepEqual(c.invalid, [], file);
    const want = Number(row.event_count);
    if (row.schema === 'linux-auditd-raw') {
      // the manifest counts audit records (lines); we group them into events by serial
      assert.equal(c.sourceRecords, want, file);
      assert.ok(c.records > 0 && c.records < want, file);
    } else {
      assert.equal(c.records, want, file);
      // the manifest keeps the 40 most frequent ids: each must match exactly
      for (const [id, n] of parseHistogram(String(row.event_ids))) assert.equal(c.eventIds.get(id) ?? 0, n, `${file} EventID ${id}`);
    }
    assert.equal(c.normalized, c.records, file);
    const expected = SCHEMA_FORMAT[String(row.schema)];
    assert.ok(expected, `unknown schema ${row.schema}`);
    assert.deepEqual(Object.keys(c.formats), [expected], file);
    total += want;
  }
  assert.equal(total, 375_785);
});

test('EVTX-ATTACK-SAMPLES .jsonl: every file, counts and event ids as in the manifest', { skip }, async () => {
  const manifest = JSON.parse(readFileSync(join(logs, 'evtx-attack-samples', 'manifest.json'), 'utf8')) as Record<string, string | number>[];
  let total = 0;
  for (const row of manifest) {
    const file = join(logs, 'evtx-attack-samples', String(row.jsonl_file));
    const c = await count(file, 1);
    assert.deepEqual(c.issues, [], file);
    assert.deepEqual(c.invalid, [], file);
    assert.equal(c.container, 'jsonl');
    assert.equal(c.records, Number(row.event_count), file);
    assert.deepEqual(c.eventIds, parseHistogram(String(row.event_ids)), file);
    assert.equal(c.normalized, c.records, file);
    total += c.records;
  }
  assert.equal(total, 6082);
});

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else out.push(p);
  }
  return out;
}

test('Sigma regression samples (.json, nested XML-as-JSON, some with several events) read and normalize', { skip }, async () => {
  const files = walk(join(sharedData, 'sigma', 'regression_data')).filter((f) => f.endsWith('.json'));
  assert.ok(files.length >= 150);
  let records = 0;
  for (const f of files) {
    const c = await count(f, 1);
    assert.deepEqual(c.issues, [], f);
    assert.deepEqual(c.invalid, [], f);
    assert.ok(c.records >= 1, f);
    assert.deepEqual(Object.keys(c.formats), ['win-nested'], f);
    assert.equal(c.normalized, c.records, f);
    records += c.records;
  }
  assert.ok(records > files.length); // several files hold more than one event
});
