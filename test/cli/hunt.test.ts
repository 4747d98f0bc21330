import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { closeSync, copyFileSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { repoRoot, runCli, sharedData, tempDir } from '../helpers.js';

const RULES = join(repoRoot, 'test', 'fixtures', 'hunt', 'rules');
const SAMPLE = join(repoRoot, 'examples', 'logs', 'sample-attack.jsonl');

/** A python-evtx flavoured Sysmon process-creation event. */
function procEvent(over: Record<string, unknown>): string {
  return JSON.stringify({
    EventID: 1,
    Provider_Name: 'Microsoft-Windows-Sysmon',
    Channel: 'Microsoft-Windows-Sysmon/Operational',
    Computer: 'HOST-1',
    TimeCreated: '2026-01-05T10:00:00.000000Z',
    EventRecordID: 1,
    Image: 'C:\\Windows\\System32\\notepad.exe',
    CommandLine: 'notepad.exe',
    ParentImage: 'C:\\Windows\\explorer.exe',
    ...over,
  });
}


/**
 * Random bytes that cannot pass for JSON: a random first byte is `[` or `{` (after skipped white space) about once
 * in a hundred runs, and the reader then rightly treats the file as malformed JSON, not as an unknown format.
 */
function binaryGarbage(n: number): Buffer {
  const b = randomBytes(n);
  b[0] = 0x00;
  return b;
}

test('hunt on the example log: timeline sorted by time, summary, exit 1', () => {
  const r = runCli(['hunt', '--rules', RULES, SAMPLE]);
  assert.equal(r.status, 1, r.stderr);
  for (const title of ['Office Application Starts A Script Host', 'PowerShell With An Encoded Command', 'Run Key Points Into A Public Folder', 'LSASS Opened With Read Access', 'Whoami Execution']) {
    assert.ok(r.stdout.includes(title), title);
  }
  assert.match(r.stdout, /Hits per rule/);
  assert.match(r.stdout, /Hits per ATT&CK technique[\s\S]*T1003\.001/);
  assert.match(r.stdout, /Hits per computer[\s\S]*WS-FIN-07/);
  assert.match(r.stdout, /6 detection\(s\) from 5 rule\(s\); 37 event\(s\) in 1 file\(s\)/);
  const times = [...r.stdout.matchAll(/^(\d{4}-\d\d-\d\dT[\d:.]+Z) /gm)].map((m) => m[1]!);
  assert.equal(times.length, 6);
  assert.deepEqual([...times].sort(), times);
});

test('--format jsonl and json: one object per detection with rule, techniques, key fields and source line', () => {
  const r = runCli(['hunt', '--rules', RULES, '--format', 'jsonl', '--min-level', 'high', SAMPLE]);
  assert.equal(r.status, 1, r.stderr);
  const rows = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(rows.length, 4); // high + critical only: office child, run key, 2× lsass
  assert.ok(rows.every((x) => ['high', 'critical'].includes(x.rule.level)));
  const lsass = rows.filter((x) => x.rule.title === 'LSASS Opened With Read Access');
  assert.equal(lsass.length, 2);
  assert.deepEqual(lsass[0].techniques, ['T1003.001']);
  assert.equal(lsass[0].key_fields.TargetImage, 'C:\\Windows\\system32\\lsass.exe');
  const lines = readFileSync(SAMPLE, 'utf8').split('\n');
  assert.match(lines[lsass[0].source.line - 1]!, /lsass\.exe/);
  assert.match(r.stderr, /4 detection\(s\)/, 'summary goes to stderr with machine formats');

  const j = runCli(['hunt', '--rules', RULES, '--format', 'json', SAMPLE]);
  assert.equal(j.status, 1);
  const doc = JSON.parse(j.stdout);
  assert.equal(doc.detections.length, 6);
  assert.equal(doc.summary.detections, 6);
  assert.equal(doc.summary.stats.events, 37);
  assert.deepEqual(doc.summary.byLevel.map((x: { key: string }) => x.key), ['critical', 'high', 'medium', 'low']);
});

test('CSV output to a file is injection-safe and escapes control characters; no findings exits 0', () => {
  const dir = tempDir();
  try {
    const log = join(dir.path, 'evil.jsonl');
    writeFileSync(
      log,
      [
        procEvent({ Computer: '=HYPERLINK("http://x","y")\u001b[31m', Image: 'C:\\Windows\\System32\\whoami.exe', CommandLine: '@SUM(1+1)\u001b[31m red', TimeCreated: '2026-01-05T10:00:02Z' }),
        procEvent({ Computer: '+cmd', Image: 'C:\\Windows\\System32\\whoami.exe', CommandLine: '-2+3', TimeCreated: '2026-01-05T10:00:01Z' }),
      ].join('\n') + '\n',
    );
    const out = join(dir.path, 'timeline.csv');
    const r = runCli(['hunt', '--rules', RULES, '--format', 'csv', '--output', out, log]);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stdout, /timeline written to/, r.stdout + r.stderr);
    const csv = readFileSync(out, 'utf8').trim().split('\n');
    assert.equal(csv[0], 'timestamp,computer,rule_title,level,attack_tags,rule_id,channel,event_id,key_fields,source_file,source_line,source_record');
    assert.equal(csv.length, 3);
    assert.ok(csv[1]!.startsWith('2026-01-05T10:00:01.000Z,\'+cmd,'), csv[1]); // sorted by time, + neutralised
    assert.ok(csv[2]!.includes(`"'=HYPERLINK(""http://x"",""y"")\\x1b[31m"`), csv[2]);
    assert.ok(!csv.join('\n').includes('\u001b'), 'control characters escaped');

    const benign = join(dir.path, 'benign.jsonl');
    writeFileSync(benign, procEvent({}) + '\n');
    const none = runCli(['hunt', '--rules', RULES, benign]);
    assert.equal(none.status, 0, none.stderr);
    assert.match(none.stdout, /0 detection\(s\)/);
  } finally {
    dir.cleanup();
  }
});

test('bad input: malformed line, 100 MB line, binary garbage, empty file — reported with file:line, processing continues', { timeout: 180_000 }, () => {
  const dir = tempDir();
  try {
    const hit = (t: string) => procEvent({ Image: 'C:\\Windows\\System32\\whoami.exe', TimeCreated: t });
    writeFileSync(join(dir.path, 'malformed.jsonl'), [procEvent({}), '{"EventID": 1, "Image": "broken', hit('2026-01-05T10:00:03Z')].join('\n') + '\n');
    writeFileSync(join(dir.path, 'empty.jsonl'), '');
    writeFileSync(join(dir.path, 'garbage.bin'), binaryGarbage(64 * 1024));
    // 100 MB on one line, then a line that must still be hunted
    const big = join(dir.path, 'big.jsonl');
    const fd = openSync(big, 'w');
    writeSync(fd, '{"EventID": 1, "CommandLine": "');
    const block = Buffer.alloc(1024 * 1024, 0x41);
    for (let i = 0; i < 100; i++) writeSync(fd, block);
    writeSync(fd, '"}\n' + hit('2026-01-05T10:00:04Z') + '\n');
    closeSync(fd);

    for (const threads of ['1', 'auto']) {
      const r = runCli(['hunt', '--rules', RULES, '--format', 'jsonl', '--threads', threads, dir.path], { timeoutMs: 170_000 });
      assert.equal(r.status, 1, `threads ${threads}: ${r.stderr}`);
      const rows = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
      assert.deepEqual(rows.map((x) => `${x.source.file.split('/').pop()}:${x.source.line}`).sort(), ['big.jsonl:2', 'malformed.jsonl:3']);
      assert.match(r.stderr, /malformed\.jsonl:2.*invalid JSON/, r.stderr);
      assert.match(r.stderr, /big\.jsonl:1.*line longer than/, r.stderr);
      assert.match(r.stderr, /garbage\.bin.*not a recognised log format/, r.stderr);
      assert.match(r.stderr, /empty\.jsonl.*empty/, r.stderr);
      assert.match(r.stderr, /json-parse 1/);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack traces');
    }
  } finally {
    dir.cleanup();
  }
});

test('bad rules: invalid YAML and unknown modifiers are named, the good rules still hunt; no usable rules is exit 2', () => {
  const dir = tempDir();
  try {
    const rules = join(dir.path, 'rules');
    mkdirSync(rules);
    copyFileSync(join(RULES, 'proc_whoami.yml'), join(rules, 'proc_whoami.yml'));
    writeFileSync(join(rules, 'broken.yml'), 'title: [oops\n');
    writeFileSync(join(rules, 'modifier.yml'), readFileSync(join(RULES, 'proc_whoami.yml'), 'utf8').replace('Image|endswith', 'Image|endswithh').replace('5d05', '5d99'));
    const r = runCli(['hunt', '--rules', rules, SAMPLE]);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /broken\.yml.*invalid YAML/);
    assert.match(r.stderr, /modifier\.yml.*endswithh/);
    assert.match(r.stdout, /Whoami Execution/);
    assert.match(r.stdout, /rules: 1 loaded from 3 file\(s\), 2 failed to load/);

    const onlyBad = join(dir.path, 'bad');
    mkdirSync(onlyBad);
    writeFileSync(join(onlyBad, 'broken.yml'), 'title: [oops\n');
    const e = runCli(['hunt', '--rules', onlyBad, SAMPLE]);
    assert.equal(e.status, 2);
    assert.match(e.stderr, /ttpscope: no usable Sigma rules/);

    const f = runCli(['hunt', '--rules', RULES, '--format', 'xml', SAMPLE]);
    assert.equal(f.status, 2);
    assert.match(f.stderr, /unknown format "xml"/);
    const m = runCli(['hunt', '--rules', RULES, join(dir.path, 'missing.jsonl')]);
    assert.equal(m.status, 2);
    assert.match(m.stderr, /log file not found: .*missing\.jsonl/);
  } finally {
    dir.cleanup();
  }
});

test('only unreadable input: exit 2 with the reason', () => {
  const dir = tempDir();
  try {
    const g = join(dir.path, 'garbage.bin');
    writeFileSync(g, binaryGarbage(4096));
    const r = runCli(['hunt', '--rules', RULES, g]);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /garbage\.bin.*not a recognised log format/);
    assert.match(r.stderr, /no events could be read/);
  } finally {
    dir.cleanup();
  }
});

const REDSUN = 'rules-emerging-threats/2026/Exploits/RedSun/win_defender_exploit_redsun_tiering_engine_detected_as_eicar';
const redsunRule = join(sharedData, 'sigma', `${REDSUN}.yml`);
const redsunDir = join(sharedData, 'sigma', 'regression_data', REDSUN);
const haveRedsun = existsSync(redsunRule) && existsSync(redsunDir);

test('hunt reads .evtx directly and .gz transparently (EVTX, JSON Lines): same detection, source record and line', { skip: !haveRedsun && 'no shared data' }, () => {
  const dir = tempDir();
  try {
    const id = 'a7c3e5f2-8b1d-4e9a-b6c2-3d7f5e8a9b4c';
    const evtx = join(redsunDir, `${id}.evtx`);
    // the same event three ways: the EVTX as is, gzipped EVTX, gzipped python-evtx-style JSON Lines (our own conversion)
    writeFileSync(join(dir.path, 'redsun.evtx.gz'), gzipSync(readFileSync(evtx)));
    const conv = runCli(['logs', 'convert', evtx, '--to', 'jsonl', '--flat']);
    assert.equal(conv.status, 0, conv.stderr);
    writeFileSync(join(dir.path, 'redsun.jsonl.gz'), gzipSync(conv.stdout));
    for (const input of [evtx, join(dir.path, 'redsun.evtx.gz'), join(dir.path, 'redsun.jsonl.gz')]) {
      const r = runCli(['hunt', '--rules', redsunRule, '--format', 'jsonl', '--threads', '1', input]);
      assert.equal(r.status, 1, `${input}: ${r.stderr}`);
      const rows = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
      assert.equal(rows.length, 1, input);
      assert.equal(rows[0].rule.id, id);
      assert.equal(rows[0].event_id, '1119');
      assert.equal(rows[0].computer, 'swachchhanda');
      // the Defender field names with spaces show up as key fields through the pipeline's mapping
      assert.match(rows[0].key_fields['Threat Name'] ?? rows[0].key_fields.ThreatName ?? '', /EICAR_Test_File/, JSON.stringify(rows[0].key_fields));
      if (input.includes('.evtx')) assert.equal(rows[0].source.record, 542, input);
      else assert.equal(rows[0].source.line, 1, input);
      assert.doesNotMatch(r.stderr, /error/i, r.stderr);
    }
  } finally {
    dir.cleanup();
  }
});

test('many rules failing for one reason are one line (each listed in --format json); rules parse through the data dir cache', () => {
  const dir = tempDir();
  try {
    const rules = join(dir.path, 'rules');
    mkdirSync(rules);
    copyFileSync(join(RULES, 'proc_whoami.yml'), join(rules, 'proc_whoami.yml'));
    const whoami = readFileSync(join(RULES, 'proc_whoami.yml'), 'utf8');
    for (let i = 0; i < 5; i++) {
      const text = whoami.replace(/^id: .*$/m, `id: 00000000-0000-4000-8000-00000000000${i}`).replace('Image|endswith', 'Image|expand').replace(/'[^']*whoami\.exe'/i, `'%allowed_${i}%'`);
      writeFileSync(join(rules, `placeholder${i}.yml`), text);
    }
    const data = join(dir.path, 'data');
    mkdirSync(data);
    const env = { TTPSCOPE_DATA: data };
    const r = runCli(['hunt', '--rules', rules, SAMPLE], { env });
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /^error: 5 rules not used \(unresolved-placeholder\), e\.g\. .*placeholder0\.yml.*%allowed_0%.*listed with --format json$/m);
    assert.doesNotMatch(r.stderr, /%allowed_1%/);
    assert.match(r.stdout, /Whoami Execution/);
    const cached = readdirSync(join(data, 'cache')).filter((n) => n.startsWith('sigma-rules-'));
    assert.equal(cached.length, 1, 'the parsed rules are cached in the data dir');

    const j = runCli(['hunt', '--rules', rules, '--format', 'json', SAMPLE], { env });
    const doc = JSON.parse(j.stdout) as { issues: Array<{ code?: string }>; detections: unknown[] };
    assert.equal(doc.issues.filter((i) => i.code === 'unresolved-placeholder').length, 5);
    const again = runCli(['hunt', '--rules', rules, SAMPLE], { env });
    const timing = /\d[\d.,]* s \([\d,]+ events\/s/g;
    assert.equal(again.stdout.replace(timing, 'T'), r.stdout.replace(timing, 'T'), 'the cached rules hunt the same');
  } finally {
    dir.cleanup();
  }
});
