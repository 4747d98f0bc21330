/** normalize(): the mapping of each source to the normalized event, validated by the zod schema. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { normalize, normalizeAll, parseTimestamp } from '../../src/logs/normalize.js';
import { readRecords } from '../../src/logs/read.js';
import { NormalizedEventSchema, type NormalizedEvent } from '../../src/logs/event.js';
import type { LogRecord, RecordFormat } from '../../src/logs/record.js';
import type { Issue } from '../../src/common/errors.js';
import { repoRoot } from '../helpers.js';

const fx = (name: string) => join(repoRoot, 'test', 'fixtures', 'logs', name);

function rec(fields: Record<string, unknown>, format: RecordFormat = 'win-flat'): LogRecord {
  return { fields, format, source: { file: 'mem', line: 1 } };
}
function norm(fields: Record<string, unknown>, format: RecordFormat = 'win-flat'): NormalizedEvent {
  const ev = normalize(rec(fields, format));
  assert.ok(ev);
  return NormalizedEventSchema.parse(ev);
}
async function fixtureEvents(name: string): Promise<NormalizedEvent[]> {
  const out: NormalizedEvent[] = [];
  for await (const r of readRecords(fx(name))) {
    const ev = normalize(r);
    if (ev) out.push(NormalizedEventSchema.parse(ev));
  }
  return out;
}

const sysmon = { Provider_Name: 'Microsoft-Windows-Sysmon', Channel: 'Microsoft-Windows-Sysmon/Operational', Computer: 'WS1', TimeCreated: '2019-05-12T17:01:43.3918610Z' };
const security = { Provider_Name: 'Microsoft-Windows-Security-Auditing', Channel: 'Security', Computer: 'DC1', TimeCreated: '2020-01-01T00:00:00.000Z' };

test('timestamps: ISO with 7-digit fraction, space form, offsets, epochs in s/ms/µs/ns', () => {
  assert.equal(parseTimestamp('2019-05-12T17:01:43.3918610Z'), Date.UTC(2019, 4, 12, 17, 1, 43, 391));
  assert.equal(parseTimestamp('2019-04-30 22:48:58.901'), Date.UTC(2019, 3, 30, 22, 48, 58, 901));
  assert.equal(parseTimestamp('2020-01-01T02:00:00+02:00'), Date.UTC(2020, 0, 1, 0, 0, 0));
  assert.equal(parseTimestamp('1604994496.155'), 1604994496155);
  assert.equal(parseTimestamp(1604994496155), 1604994496155);
  assert.equal(parseTimestamp(1604994496155123), 1604994496155);
  assert.equal(parseTimestamp('1523629201300000000'), 1523629201300);
  assert.equal(parseTimestamp('yesterday-ish'), undefined);
  assert.equal(parseTimestamp(undefined), undefined);
});

test('Sysmon 1: created process with its parent, GUIDs canonical, UtcTime preferred', () => {
  const ev = norm({ ...sysmon, EventID: 1, UtcTime: '2019-05-12 17:01:43.380', ProcessGuid: '{747F3D96-659E-5F8F-0000-001064E03300}', ProcessId: '5600', Image: 'C:\\w.exe', CommandLine: 'w.exe -x', User: 'PC\\u', IntegrityLevel: 'High', ParentProcessGuid: '{747f3d96-659b-5f8f-0000-001026c33300}', ParentProcessId: '2372', ParentImage: 'C:\\p.exe', ParentCommandLine: 'p.exe' });
  assert.equal(ev.kind, 'process_create');
  assert.equal(ev.time, Date.UTC(2019, 4, 12, 17, 1, 43, 380));
  assert.equal(ev.host, 'WS1');
  assert.equal(ev.eventId, 1);
  assert.deepEqual(ev.subject, {
    pid: 5600,
    guid: '747f3d96-659e-5f8f-0000-001064e03300',
    image: 'C:\\w.exe',
    commandLine: 'w.exe -x',
    user: 'PC\\u',
    integrity: 'High',
    startTime: ev.time,
    parent: { pid: 2372, guid: '747f3d96-659b-5f8f-0000-001026c33300', image: 'C:\\p.exe', commandLine: 'p.exe' },
  });
  assert.equal(ev.raw.CommandLine, 'w.exe -x');
});

test('Sysmon 3/8/10/12/13/17/22/23: kinds and objects', () => {
  const net = norm({ ...sysmon, EventID: 3, Initiated: 'false', Protocol: 'tcp', SourceIp: '10.0.0.9', SourcePort: '50000', DestinationIp: '10.0.0.1', DestinationPort: '445', Image: 'System' });
  assert.equal(net.kind, 'network_accept');
  assert.deepEqual(net.object?.network, { protocol: 'tcp', direction: 'inbound', localAddress: '10.0.0.1', localPort: 445, remoteAddress: '10.0.0.9', remotePort: 50000 });
  const inj = norm({ ...sysmon, EventID: 8, SourceProcessId: '1', SourceImage: 'a.exe', TargetProcessId: '2', TargetImage: 'b.exe' });
  assert.equal(inj.kind, 'remote_thread');
  assert.deepEqual(inj.subject, { pid: 1, image: 'a.exe' });
  assert.deepEqual(inj.object?.process, { pid: 2, image: 'b.exe' });
  assert.equal(norm({ ...sysmon, EventID: 10, SourceImage: 'x', TargetImage: 'C:\\Windows\\system32\\lsass.exe' }).object?.process?.image, 'C:\\Windows\\system32\\lsass.exe');
  assert.equal(norm({ ...sysmon, EventID: 12, EventType: 'DeleteKey', TargetObject: 'HKLM\\A\\B' }).kind, 'registry_delete');
  const set = norm({ ...sysmon, EventID: 13, EventType: 'SetValue', TargetObject: 'HKU\\S\\Run\\evil', Details: 'C:\\e.exe' });
  assert.deepEqual([set.kind, set.object?.registry], ['registry_set', { key: 'HKU\\S\\Run', value: 'evil', data: 'C:\\e.exe' }]);
  assert.equal(norm({ ...sysmon, EventID: 17, PipeName: '\\msagent_12' }).object?.pipe, '\\msagent_12');
  assert.equal(norm({ ...sysmon, EventID: 22, QueryName: 'evil.example' }).object?.domain, 'evil.example');
  assert.equal(norm({ ...sysmon, EventID: 23, TargetFilename: 'C:\\t.txt' }).kind, 'file_delete');
  assert.equal(norm({ ...sysmon, EventID: 255 }).kind, 'other');
});

test('Security 4688/4624/4698/5156/4663, PowerShell 4104, System 7045', () => {
  const p = norm({ ...security, EventID: 4688, NewProcessId: '0x1a2c', NewProcessName: 'C:\\n.exe', CommandLine: 'n', ProcessId: '0x10', ParentProcessName: 'C:\\p.exe', SubjectUserName: 'bob', SubjectDomainName: 'CORP', TargetUserName: '-', MandatoryLabel: 'S-1-16-8192' });
  assert.deepEqual(p.subject, { pid: 0x1a2c, image: 'C:\\n.exe', commandLine: 'n', user: 'CORP\\bob', integrity: 'Medium', startTime: p.time, parent: { pid: 16, image: 'C:\\p.exe' } });
  const l = norm({ ...security, EventID: 4625, TargetUserName: 'admin', TargetDomainName: 'CORP', LogonType: '3', IpAddress: '10.1.1.1' });
  assert.deepEqual([l.kind, l.object?.logon], ['logon', { user: 'CORP\\admin', type: '3', sourceAddress: '10.1.1.1' }]);
  const task = norm({ ...security, EventID: 4698, TaskName: '\\Upd', TaskContent: '<Task><Actions><Exec><Command>C:\\x.exe</Command><Arguments>-q</Arguments></Exec></Actions></Task>' });
  assert.deepEqual(task.object?.task, { name: '\\Upd', command: 'C:\\x.exe -q' });
  const conn = norm({ ...security, EventID: 5156, Direction: '%%14593', Application: '\\device\\x.exe', ProcessID: '44', SourceAddress: '10.0.0.2', SourcePort: '5000', DestAddress: '8.8.8.8', DestPort: '53', Protocol: '17' });
  assert.deepEqual([conn.kind, conn.object?.network?.protocol, conn.object?.network?.remotePort], ['network_connect', 'udp', 53]);
  assert.equal(norm({ ...security, EventID: 4663, ObjectType: 'File', ObjectName: 'C:\\f', AccessMask: '0x2' }).kind, 'file_write');
  assert.equal(norm({ ...security, EventID: 4663, ObjectType: 'File', ObjectName: 'C:\\f', AccessMask: '0x10000' }).kind, 'file_delete');
  const ps = norm({ Provider_Name: 'Microsoft-Windows-PowerShell', Channel: 'Microsoft-Windows-PowerShell/Operational', Computer: 'W', TimeCreated: '2020-01-01T00:00:00Z', EventID: 4104, ScriptBlockText: 'iex x', Execution_ProcessID: 99 });
  assert.deepEqual([ps.kind, ps.object?.script, ps.subject?.pid], ['powershell_script', 'iex x', 99]);
  const svc = norm({ Provider_Name: 'Service Control Manager', Channel: 'System', Computer: 'W', TimeCreated: '2020-01-01T00:00:00Z', EventID: 7045, ServiceName: 'evil', ImagePath: 'C:\\e.exe' });
  assert.deepEqual([svc.kind, svc.object?.service], ['service_install', { name: 'evil', image: 'C:\\e.exe' }]);
});

test('PowerShell 4103: the host application names the image (its first word) and the command line, ContextInfo the user', () => {
  const ctx = '        Severity = Informational\n        Host Application = C:\\Windows\\powershell.exe\t-nop  -w hidden -c iex\n        User = CORP\\bob\n        Command Name = Invoke-Expression\n';
  const ps = norm({ Provider_Name: 'Microsoft-Windows-PowerShell', Channel: 'Microsoft-Windows-PowerShell/Operational', Computer: 'W', TimeCreated: '2020-01-01T00:00:00Z', EventID: 4103, ContextInfo: ctx, Execution_ProcessID: 7 });
  assert.deepEqual(ps.subject, { pid: 7, image: 'C:\\Windows\\powershell.exe', commandLine: 'C:\\Windows\\powershell.exe\t-nop  -w hidden -c iex', user: 'CORP\\bob' });
  assert.equal(ps.object?.script, 'Invoke-Expression');
  const bare = norm({ Provider_Name: 'Microsoft-Windows-PowerShell', Channel: 'Microsoft-Windows-PowerShell/Operational', Computer: 'W', TimeCreated: '2020-01-01T00:00:00Z', EventID: 4103, ContextInfo: 'Host Application = pwsh\n' });
  assert.deepEqual(bare.subject, { image: 'pwsh', commandLine: 'pwsh' });
});

test('Security-Datasets time: zoneless TimeCreated is local in some exports, so @timestamp wins', () => {
  const ev = norm({ EventID: 4689, SourceName: 'Microsoft-Windows-Security-Auditing', Hostname: 'H', Channel: 'Security', TimeCreated: '2020-10-18 10:56:18.955', '@timestamp': '2020-10-19T02:56:18.955Z' }, 'win-secdatasets');
  assert.equal(ev.time, Date.UTC(2020, 9, 19, 2, 56, 18, 955));
  assert.equal(ev.host, 'H');
});

test('records that cannot be normalized give an Issue', () => {
  const issues: Issue[] = [];
  assert.equal(normalize(rec({ EventID: 1, Computer: 'x' }), { onIssue: (i) => issues.push(i) }), undefined);
  assert.equal(normalize(rec({ hello: 'world' }, 'json'), { onIssue: (i) => issues.push(i) }), undefined);
  assert.deepEqual(issues.map((i) => i.code), ['normalize-no-time', 'normalize-unknown']);
  assert.deepEqual(issues[0]!.place, { file: 'mem', line: 1 });
});

test('auditd fixture: execve, file create/read/delete/rename, connect/accept, unix socket, logon', async () => {
  const evs = await fixtureEvents('auditd-mixed.log');
  const byKind = (k: string) => evs.filter((e) => e.kind === k);
  assert.equal(byKind('process_create').length, 3);
  const bash = evs.find((e) => e.subject?.pid === 1001)!;
  assert.equal(bash.subject?.commandLine, 'bash -c echo hello world');
  assert.equal(bash.subject?.parent?.pid, 1000);
  assert.equal(bash.time, 1700000000100);
  assert.deepEqual(byKind('file_create')[0]!.object?.file, { path: '/tmp/payload.sh' });
  assert.deepEqual(byKind('file_read')[0]!.object?.file, { path: '/etc/passwd' });
  assert.deepEqual(byKind('file_delete')[0]!.object?.file, { path: '/tmp/payload.sh' });
  assert.deepEqual(byKind('file_rename')[0]!.object?.file, { path: '/home/alice/old.txt', newPath: '/home/alice/new.txt' });
  assert.deepEqual(byKind('network_connect')[0]!.object?.network, { direction: 'outbound', remoteAddress: '93.184.216.34', remotePort: 443 });
  assert.equal(byKind('network_accept')[0]!.object?.network?.remoteAddress, '2001:db8::1');
  assert.equal(byKind('pipe')[0]!.object?.pipe, '/run/systemd/private');
  assert.equal(byKind('logon')[0]!.object?.logon?.sourceAddress, '10.0.0.5');
  const enriched = evs.find((e) => e.subject?.pid === 1010)!;
  assert.equal(enriched.host, 'web01');
  assert.equal(enriched.subject?.user, 'alice');
});

test('CDM fixture: fork/execute chain, reads and writes, flows, rename, unlink, registry', async () => {
  const evs = await fixtureEvents('cdm18.json');
  assert.equal(evs.length, 12); // entity records are not events
  const fork = evs.find((e) => e.eventId === 'EVENT_FORK')!;
  assert.equal(fork.kind, 'process_create');
  assert.equal(fork.subject?.guid, '00000000-0000-0000-0000-00000000000B');
  assert.equal(fork.subject?.pid, 1501);
  assert.equal(fork.subject?.parent?.image, '/bin/bash');
  assert.equal(fork.host, 'ta1-theia-target');
  const exec = evs.find((e) => e.eventId === 'EVENT_EXECUTE')!;
  assert.deepEqual([exec.kind, exec.subject?.image, exec.subject?.user], ['process_create', '/usr/bin/wget', 'admin']);
  const write = evs.find((e) => e.eventId === 'EVENT_WRITE' && e.object?.file)!;
  assert.deepEqual([write.kind, write.object?.file?.path, write.time], ['file_write', '/tmp/drakon', 1523629201300]);
  assert.equal(evs.find((e) => e.eventId === 'EVENT_READ' && e.object?.network)!.kind, 'other');
  assert.equal(evs.find((e) => e.eventId === 'EVENT_CONNECT')!.object?.network?.remotePort, 80);
  assert.deepEqual(evs.find((e) => e.kind === 'file_rename')!.object?.file, { path: '/tmp/drakon', newPath: '/tmp/.drakon' });
  assert.equal(evs.find((e) => e.kind === 'registry_set')!.object?.registry?.key, 'HKLM\\Software\\Microsoft\\Windows\\CurrentVersion\\Run\\updater');
  assert.equal(evs.find((e) => e.kind === 'process_exit')!.subject?.pid, 1501);
});

test('Sysmon for Linux and ECS fixtures normalize like Windows Sysmon/Security', async () => {
  const lin = await fixtureEvents('sysmon-linux.log');
  assert.deepEqual(lin.map((e) => e.kind), ['process_create', 'network_connect', 'file_create', 'process_exit']);
  assert.equal(lin[0]!.subject?.parent?.image, '/usr/bin/bash');
  assert.equal(lin[0]!.host, 'ubuntu-web');
  const ecs = await fixtureEvents('winlogbeat-ecs.jsonl');
  assert.deepEqual(ecs.map((e) => e.kind), ['process_create', 'process_create', 'logon', 'powershell_script']);
  assert.equal(ecs[1]!.subject?.parent?.image, 'C:\\Windows\\System32\\cmd.exe');
});

test('normalizeAll: zoneless local TimeCreated corrected by the offset the file reveals, order kept', async () => {
  const file = `mem-clock-${Date.now()}`;
  const sec = (n: number, tc: string): LogRecord => ({ fields: { EventID: 4689, SourceName: 'Microsoft-Windows-Security-Auditing', Hostname: 'H', Channel: 'Security', TimeCreated: tc, RecordNumber: n }, format: 'win-secdatasets', source: { file, line: n } });
  const sys = (n: number, tc: string, utc: string): LogRecord => ({ fields: { EventID: 5, SourceName: 'Microsoft-Windows-Sysmon', Hostname: 'H', Channel: 'Microsoft-Windows-Sysmon/Operational', TimeCreated: tc, UtcTime: utc, RecordNumber: n }, format: 'win-secdatasets', source: { file, line: n } });
  // 12-hour local clock, 4 h behind UTC (as some nxlog exports write it)
  const records = [sec(1, '2020-10-18 10:56:05.000'), sec(2, '2020-10-18 10:56:06.000'), sys(3, '2020-10-18 10:56:07.100', '2020-10-19 02:56:07.000'), sec(4, '2020-10-18 10:56:08.000')];
  const out: NormalizedEvent[] = [];
  for await (const ev of normalizeAll(records)) out.push(ev);
  assert.deepEqual(out.map((e) => e.source.line), [1, 2, 3, 4]);
  assert.deepEqual(out.map((e) => new Date(e.time).toISOString()), ['2020-10-19T02:56:05.000Z', '2020-10-19T02:56:06.000Z', '2020-10-19T02:56:07.000Z', '2020-10-19T02:56:08.000Z']);
});
