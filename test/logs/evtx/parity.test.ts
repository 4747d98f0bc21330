/**
 * EVTX parity: every sample .evtx decodes to exactly the reference conversion
 * beside it — the python-evtx flat .jsonl (evtx-attack-samples) and the nested
 * XML-as-JSON .json (SigmaHQ regression data) — in count, order and value.
 * No normalisation is applied: both shapes reproduce their reference's
 * rendering rules (see docs/logs.md, "EVTX").
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { isDeepStrictEqual } from 'node:util';
import type { Issue } from '../../../src/common/errors.js';
import { readEvtx } from '../../../src/logs/evtx/index.js';
import { sharedData } from '../../helpers.js';
import { differences, evtxFilesUnder, readConcatenatedJson, readJsonl } from './reference.js';

const samplesDir = join(sharedData, 'logs', 'evtx-attack-samples');
const regressionDir = join(sharedData, 'sigma', 'regression_data');

test('flat shape equals the python-evtx JSONL of all evtx-attack-samples', { skip: !existsSync(samplesDir) && 'shared data not found' }, async () => {
  const files = evtxFilesUnder(samplesDir);
  assert.equal(files.length, 194, 'sample file count (see SOURCE.md)');
  let total = 0;
  const problems: string[] = [];
  const issues: Issue[] = [];
  for (const file of files) {
    const want = readJsonl(file.replace(/\.evtx$/, '.jsonl'));
    const got: Record<string, unknown>[] = [];
    for await (const r of readEvtx(file, { onIssue: (i) => issues.push(i) })) {
      assert.equal(r.format, 'evtx');
      assert.equal(r.source.file, file);
      assert.equal(r.source.record, r.fields.EventRecordID);
      got.push(r.fields);
    }
    const name = relative(samplesDir, file);
    if (got.length !== want.length) problems.push(`${name}: ${got.length} records, reference has ${want.length}`);
    for (let i = 0; i < Math.min(got.length, want.length); i++) {
      if (!isDeepStrictEqual(got[i], want[i])) problems.push(`${name} #${i}: ${differences(got[i], want[i]).join('; ')}`);
    }
    total += got.length;
  }
  assert.deepEqual(problems.slice(0, 20), []);
  assert.equal(total, 6082, 'record count (see SOURCE.md)');
  assert.deepEqual(issues, [], 'the reference samples are intact');
});

test('nested shape equals the regression .json of every SigmaHQ regression sample', { skip: !existsSync(regressionDir) && 'shared data not found' }, async () => {
  const files = evtxFilesUnder(regressionDir);
  assert.ok(files.length >= 100, `found ${files.length} regression .evtx files`);
  let total = 0;
  const problems: string[] = [];
  const issues: Issue[] = [];
  for (const file of files) {
    const want = readConcatenatedJson(file.replace(/\.evtx$/, '.json'));
    const got: unknown[] = [];
    for await (const r of readEvtx(file, { shape: 'nested', onIssue: (i) => issues.push(i) })) got.push(r.fields);
    const name = relative(regressionDir, file);
    if (got.length !== want.length) problems.push(`${name}: ${got.length} records, reference has ${want.length}`);
    for (let i = 0; i < Math.min(got.length, want.length); i++) {
      if (!isDeepStrictEqual(got[i], want[i])) problems.push(`${name} #${i}: ${differences(got[i], want[i]).join('; ')}`);
    }
    total += got.length;
  }
  assert.deepEqual(problems.slice(0, 20), []);
  assert.ok(total >= files.length);
  assert.deepEqual(issues, []);
});

test('flat and nested shapes agree on the same events', { skip: !existsSync(regressionDir) && 'shared data not found' }, async () => {
  // The same record through both shapes: System values must match (modulo each reference's formatting).
  const files = evtxFilesUnder(regressionDir).slice(0, 20);
  for (const file of files) {
    const flat: Record<string, unknown>[] = [];
    const nested: { Event: { System: Record<string, any>; EventData?: Record<string, unknown> } }[] = [];
    for await (const r of readEvtx(file)) flat.push(r.fields);
    for await (const r of readEvtx(file, { shape: 'nested' })) nested.push(r.fields as never);
    assert.equal(flat.length, nested.length);
    flat.forEach((f, i) => {
      const sys = nested[i]!.Event.System;
      assert.equal(f.EventID, typeof sys.EventID === 'object' ? sys.EventID['#text'] : sys.EventID);
      assert.equal(f.EventRecordID, sys.EventRecordID);
      assert.equal(f.Channel, sys.Channel);
      assert.equal(f.Computer, sys.Computer);
      assert.equal(String(f.Provider_Guid ?? '').replace(/[{}]/g, '').toUpperCase(), sys.Provider['#attributes'].Guid ?? '');
    });
  }
});
