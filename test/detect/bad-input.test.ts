/**
 * Bad input to detection: malformed lines, binary junk, empty and blank
 * files, a truncated gzip, a missing or broken model/calibration. Each
 * problem is one issue (or one CLI error line) naming the file and the place;
 * the good records around it are still detected, and the other files of the
 * run go on. No trained model is needed: the detector runs with the hand-set
 * calibration (the CLI part with a model is in cli.test.ts).
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { formatIssue, type Issue } from '../../src/common/errors.js';
import { UnitScorer } from '../../src/detect/calibration/score.js';
import { Detector } from '../../src/detect/detector.js';
import { feedFile } from '../../src/detect/run.js';
import { TechniqueInfo } from '../../src/detect/techniques.js';
import { runCli, tempDir } from '../helpers.js';
import { ATTACK_LOG, handSetCalibration, sharedKb } from './helpers.js';

/** A Sysmon process creation in the flat Windows JSON flavour. */
function processCreate(n: number): string {
  return JSON.stringify({
    EventID: 1,
    Channel: 'Microsoft-Windows-Sysmon/Operational',
    Computer: 'ws1.example',
    UtcTime: `2024-03-01 10:00:0${n}.000`,
    Image: 'C:\\Windows\\System32\\cmd.exe',
    CommandLine: `cmd.exe /c echo ${n}`,
    ProcessGuid: `{0000000${n}-0000-0000-0000-000000000000}`,
    ProcessId: String(100 + n),
    ParentImage: 'C:\\Windows\\explorer.exe',
    ParentProcessGuid: '{00000009-0000-0000-0000-000000000000}',
    ParentProcessId: '99',
  });
}

/** Deterministic bytes that are no log format (no `{`, `<` or EVTX magic up front). */
function junk(n: number): Buffer {
  const b = Buffer.alloc(n);
  let s = 12345;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    b[i] = s >>> 24;
  }
  b[0] = 0x01;
  return b;
}

async function detectAll(files: string[]) {
  const info = new TechniqueInfo(await sharedKb());
  const issues: Issue[] = [];
  const counts: Record<string, number> = {};
  for (const f of files) {
    const d = new Detector({ info, scorer: new UnitScorer(handSetCalibration(), info, []) });
    await feedFile(d, f, { onIssue: (i) => issues.push(i) });
    d.finish();
    counts[f] = d.counts.events;
  }
  return { issues, counts };
}

test('malformed lines, binary junk, empty, blank and truncated files: one issue each with file and place; the good records are still read', async () => {
  const dir = tempDir();
  try {
    const malformed = join(dir.path, 'malformed.jsonl');
    const lines = [processCreate(1), '{"EventID": 1, "Image": broken', 'not json at all', '\u0000\u0001\u0002\u0003', processCreate(2)];
    writeFileSync(malformed, lines.join('\n') + '\n');
    const bin = join(dir.path, 'junk.bin');
    writeFileSync(bin, junk(4096));
    const empty = join(dir.path, 'empty.jsonl');
    writeFileSync(empty, '');
    const blank = join(dir.path, 'blank.jsonl');
    writeFileSync(blank, '\n\n  \n');
    const truncated = join(dir.path, 'cut.jsonl.gz');
    const whole = gzipSync(Buffer.from(Array.from({ length: 200 }, (_, i) => processCreate(i % 10)).join('\n') + '\n'));
    writeFileSync(truncated, whole.subarray(0, Math.floor(whole.length * 0.6)));

    const { issues, counts } = await detectAll([malformed, bin, empty, blank, truncated, ATTACK_LOG]);
    const of = (f: string) => issues.filter((i) => i.place?.file === f);

    // the malformed file: one error per bad line, with its line number; the two good records are events
    const bad = of(malformed);
    assert.deepEqual(bad.map((i) => i.place?.line), [2, 3, 4], bad.map(formatIssue).join('\n'));
    for (const i of bad) assert.equal(i.severity, 'error');
    assert.equal(counts[malformed], 2);
    // binary junk: not a log format, at offset 0, nothing read
    assert.deepEqual(of(bin).map((i) => [i.code, i.place?.offset]), [['unsupported-format', 0]]);
    assert.equal(counts[bin], 0);
    // empty and blank files: a warning each (an empty input is often the wrong file)
    for (const f of [empty, blank]) {
      assert.deepEqual(of(f).map((i) => [i.severity, i.code]), [['warning', 'empty-file']], f);
      assert.equal(counts[f], 0);
    }
    // a truncated gzip: reported, and the records before the cut still count
    assert.ok(of(truncated).length >= 1, 'truncated gzip reported');
    assert.ok(counts[truncated]! > 50 && counts[truncated]! < 200, `${counts[truncated]} events before the cut`);
    // the next file of the run is untouched by all of this
    assert.equal(of(ATTACK_LOG).length, 0);
    assert.equal(counts[ATTACK_LOG], readFileSync(ATTACK_LOG, 'utf8').trim().split('\n').length);
    // every issue prints as one line naming its file
    for (const i of issues) {
      const line = formatIssue(i);
      assert.ok(!line.includes('\n'), line);
      assert.ok(line.includes(i.place!.file!), line);
    }
  } finally {
    dir.cleanup();
  }
});

test('a missing model or a broken calibration: one line naming the file, a hint, exit 2, no stack trace', () => {
  const dir = tempDir();
  try {
    const env = { TTPSCOPE_DATA: dir.path };
    const model = join(dir.path, 'none.bin');
    let r = runCli(['detect', '--no-sigma', '--model', model, ATTACK_LOG], { env });
    assert.equal(r.status, 2);
    assert.match(r.stderr, new RegExp(`^ttpscope: no encoder model: ${model.replace(/[.\\/]/g, '\\$&')}$`, 'm'));
    assert.match(r.stderr, /^hint: run: ttpscope setup/m);
    assert.doesNotMatch(r.stderr, /^\s+at /m);

    // the model file is there (checked for existence first), the calibration is not JSON
    const fake = join(dir.path, 'model.bin');
    writeFileSync(fake, 'x');
    const cal = join(dir.path, 'cal.json');
    writeFileSync(cal, '{"format": ');
    r = runCli(['detect', '--no-sigma', '--model', fake, '--calibration', cal, ATTACK_LOG], { env });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /^ttpscope: detection calibration is not JSON .*cal\.json/m);
    assert.match(r.stderr, /^hint: run: ttpscope detect calibrate/m);
    assert.doesNotMatch(r.stderr, /^\s+at /m);
    // a calibration that is JSON but not one
    writeFileSync(cal, JSON.stringify({ format: 'something else' }));
    r = runCli(['detect', '--no-sigma', '--model', fake, '--calibration', cal, ATTACK_LOG], { env });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /^ttpscope: not a detection calibration: .*cal\.json/m);
  } finally {
    dir.cleanup();
  }
});
