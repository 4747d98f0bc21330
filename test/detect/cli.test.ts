/**
 * `ttpscope detect` as a user runs it. Usage and input errors are one line
 * and exit 2 without needing a model. With a trained model and a calibration
 * in the data dir ($TTPSCOPE_DATA, e.g. after `ttpscope setup` and
 * `ttpscope detect calibrate`), the real detector runs on our logs: one
 * scenario for the intrusion, none for the benign log, every format written.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli, tempDir } from '../helpers.js';
import { ATTACK_LOG, BENIGN_LOG, FIXTURES } from './helpers.js';
import { techniqueMatches } from '../../src/detect/techniques.js';

test('usage and input errors: one line, a hint, exit 2', () => {
  const dir = tempDir();
  try {
    const env = { TTPSCOPE_DATA: dir.path };
    let r = runCli(['detect'], { env });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /^ttpscope: no log files given/m);
    r = runCli(['detect', join(dir.path, 'missing.jsonl')], { env });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /log file not found: .*missing\.jsonl/);
    r = runCli(['detect', '--format', 'pdf', ATTACK_LOG], { env });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /unknown format "pdf"/);
    r = runCli(['detect', '--min-score', '1.5', ATTACK_LOG], { env });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--min-score must be a number from 0 to 1/);
    r = runCli(['detect', '--intel', join(dir.path, 'nope.json'), ATTACK_LOG], { env });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /intelligence file not found/);
    // an empty data dir: the first missing piece is named with the command that fixes it
    r = runCli(['detect', '--no-sigma', ATTACK_LOG], { env });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /^hint: run: ttpscope setup/m);
    r = runCli(['detect', 'calibrate'], { env });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--from/);
  } finally {
    dir.cleanup();
  }
});

const dataDir = process.env.TTPSCOPE_DATA;
const ready = dataDir !== undefined && existsSync(join(dataDir, 'models', 'ttp-encoder.bin')) && existsSync(join(dataDir, 'models', 'detect-calibration.json'));
const skip = ready ? false : 'needs $TTPSCOPE_DATA with a trained model and a calibration (ttpscope setup --from ../shared/data; ttpscope detect calibrate --from ../shared/data)';

/** Expected technique families, in this order, among the scenario's steps. */
const EXPECTED = ['T1059', 'T1547', 'T1033|T1069|T1087|T1482|T1016', 'T1003'];

test('with the trained model: one scenario for the intrusion with its steps in order, none for benign activity', { skip, timeout: 1_800_000 }, () => {
  // bad inputs next to the attack log: each is one issue line naming the file, and the attack log is still detected
  const bad = tempDir();
  const malformed = join(bad.path, 'malformed.jsonl');
  writeFileSync(malformed, '{"note": "a JSON line"}\n{"EventID": 1, broken\nnot json\n');
  const junk = join(bad.path, 'junk.bin');
  writeFileSync(junk, Buffer.from(Array.from({ length: 2048 }, (_, i) => (i === 0 ? 1 : (i * 97 + 13) % 256))));
  const empty = join(bad.path, 'empty.jsonl');
  writeFileSync(empty, '');
  let r;
  try {
    r = runCli(['detect', '--format', 'json', ATTACK_LOG, malformed, junk, empty], { timeoutMs: 600_000 });
  } finally {
    bad.cleanup();
  }
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /^error: .*malformed\.jsonl:2, offset 24: invalid JSON/m);
  assert.match(r.stderr, /^error: .*malformed\.jsonl:3, offset \d+: invalid JSON/m);
  assert.match(r.stderr, /^error: .*junk\.bin, offset 0: not a recognised log format/m);
  assert.match(r.stderr, /^warning: .*empty\.jsonl: file is empty/m);
  assert.doesNotMatch(r.stderr, /^\s+at /m);
  const report = JSON.parse(r.stdout);
  assert.equal(report.stats.files, 4);
  assert.equal(report.scenarios.length, 1, report.scenarios.map((s: { steps: { name: string }[] }) => s.steps.map((x) => x.name).join(' | ')).join('\n'));
  const steps: string[] = report.scenarios[0].steps.map((s: { technique: string }) => s.technique);
  let i = 0;
  for (const t of steps) if (i < EXPECTED.length && EXPECTED[i]!.split('|').some((e) => techniqueMatches(t, e) || t.startsWith(e + '.'))) i++;
  assert.equal(i, EXPECTED.length, `steps ${steps.join(' → ')}`);

  const b = runCli(['detect', '--format', 'json', BENIGN_LOG], { timeoutMs: 600_000 });
  assert.ok(b.status === 0 || b.status === 1, b.stderr);
  assert.equal(JSON.parse(b.stdout).scenarios.length, 0);

  const out = tempDir();
  try {
    for (const format of ['table', 'jsonl', 'markdown', 'navigator', 'stix', 'dot']) {
      const file = join(out.path, `out.${format}`);
      const f = runCli(['detect', '--format', format, '--output', file, '--intel', join(FIXTURES, 'intel-report.json'), ATTACK_LOG], { timeoutMs: 600_000 });
      assert.equal(f.status, 1, f.stderr);
      assert.ok(readFileSync(file, 'utf8').length > 100, format);
    }
  } finally {
    out.cleanup();
  }
});
