/**
 * Report intelligence (--intel): ATI documents are validated at the
 * boundary (errors name the file and the JSON path), their procedures and
 * uncovered technique findings become index entries that name the report
 * and procedure, and a match on such an entry carries that name as evidence.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { UserError } from '../../src/common/errors.js';
import { intelEntries, loadIntel, readAtiFile } from '../../src/detect/intel.js';
import { SemanticMatcher } from '../../src/detect/semantic.js';
import { EmbedModel, initParams, TEXT_TOWER, type ModelConfig } from '../../src/embed/model.js';
import { VectorIndex } from '../../src/embed/vector/vector-index.js';
import { tempDir } from '../helpers.js';
import { FIXTURES } from './helpers.js';

const REPORT = join(FIXTURES, 'intel-report.json');

test('ATI procedures and uncovered findings become index entries naming report and procedure', () => {
  const doc = readAtiFile(REPORT);
  const entries = intelEntries(doc, REPORT);
  assert.deepEqual(
    entries.map((e) => [e.id, e.technique]),
    [
      ['report:rpt-5f1c0a:p3', 'T1003.001'],
      ['report:rpt-5f1c0a:technique:T1547.001', 'T1547.001'],
    ],
  );
  const p = entries[0]!;
  assert.equal(p.report.title, doc.report.title);
  assert.equal(p.report.procedure, 'p3');
  assert.equal(p.report.path, REPORT);
  assert.match(p.text, /comsvcs\.dll, MiniDump/);
  assert.match(p.text, /dumped LSASS memory/);
});

test('bad intelligence files are user errors with the file and the JSON path', () => {
  const dir = tempDir();
  try {
    const notJson = join(dir.path, 'x.json');
    writeFileSync(notJson, '{ nope');
    assert.throws(() => loadIntel([notJson]), (e: unknown) => e instanceof UserError && e.place?.file === notJson && /not JSON/.test(e.message));
    const wrong = join(dir.path, 'wrong.json');
    const doc = JSON.parse(readFileSync(REPORT, 'utf8'));
    doc.procedures[0].technique = 'lsass';
    writeFileSync(wrong, JSON.stringify(doc));
    assert.throws(() => loadIntel([wrong]), (e: unknown) => e instanceof UserError && e.place?.path === 'procedures.0.technique');
    assert.throws(() => loadIntel([join(dir.path, 'missing.json')]), (e: unknown) => e instanceof UserError && /cannot read/.test(e.message));
  } finally {
    dir.cleanup();
  }
});

test('a sequence nearest to a report procedure is matched with the report and procedure as evidence; repeated texts come from the cache', () => {
  const cfg: ModelConfig = { features: { buckets: 1 << 14, charMin: 3, charMax: 4, bigrams: true, maxTokens: 256 }, dim: 64, pooling: 'sqrtn' };
  const model = new EmbedModel(cfg, initParams(cfg, 11));
  const intel = intelEntries(readAtiFile(REPORT), REPORT);
  const index = new VectorIndex(cfg.dim);
  const add = (id: string, text: string, technique: string, source: string) => index.add(model.encodeText(text, TEXT_TOWER), { id, meta: { technique, source, text } });
  add('T1059.001', 'PowerShell: adversaries may abuse PowerShell commands and scripts for execution', 'T1059.001', 'technique');
  add('T1082', 'System Information Discovery: an adversary may attempt to get detailed information about the operating system', 'T1082', 'technique');
  for (const e of intel) add(e.id, e.text, e.technique, 'report');
  const matcher = new SemanticMatcher(model, index, new Map(intel.map((e) => [e.id, e.report])), { candidates: 3 });
  const seq = 'proc:rundll32.exe parent:svcupd.exe cmd:comsvcs.dll cmd:minidump access:lsass.exe:0x1fffff create:%PUBLIC%\\lsass.dmp rundll32.exe C:\\Windows\\System32\\comsvcs.dll, MiniDump 712 C:\\Users\\Public\\lsass.dmp full';
  const first = matcher.match(seq);
  assert.equal(first[0]!.technique, 'T1003.001');
  assert.equal(first[0]!.evidence.source, 'report');
  assert.equal(first[0]!.evidence.report?.procedure, 'p3');
  assert.match(first[0]!.evidence.report!.title, /Paper Lantern/);
  assert.equal(new Set(first.map((c) => c.technique)).size, first.length, 'one candidate per technique');
  assert.equal(matcher.match(seq), first);
  assert.equal(matcher.encoded, 1);
  assert.equal(matcher.lookups, 2);
});
