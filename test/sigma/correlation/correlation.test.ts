/** Correlation rules over a time-ordered stream: each type, group-by, timespan expiry, aliases, chains, bounded state. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { huntAll, compileRules, loadRuleText, type Detection } from '../../../src/sigma/index.js';

const BASE = `title: Failed logon
id: 10000000-0000-4000-8000-000000000001
name: failed_logon
logsource: {product: windows, service: security}
detection:
    selection:
        EventID: 4625
    condition: selection
level: low
---
title: Successful logon
id: 10000000-0000-4000-8000-000000000002
name: successful_logon
logsource: {product: windows, service: security}
detection:
    selection:
        EventID: 4624
    condition: selection
---
title: Recon whoami
id: 10000000-0000-4000-8000-000000000003
name: recon_a
logsource: {product: windows}
detection:
    selection:
        CommandLine|contains: whoami
    condition: selection
---
title: Recon net
id: 10000000-0000-4000-8000-000000000004
name: recon_b
logsource: {product: windows}
detection:
    selection:
        CommandLine|contains: 'net user'
    condition: selection
`;

function set(correlation: string) {
  const c = loadRuleText(BASE + '---\n' + correlation, 'corr.yml');
  assert.deepEqual(c.issues, []);
  return compileRules(c);
}

const t0 = Date.parse('2024-05-01T10:00:00Z');
const at = (sec: number) => new Date(t0 + sec * 1000).toISOString();
const ev = (sec: number, fields: Record<string, unknown>) => ({ TimeCreated: at(sec), Computer: 'pc1', ...fields });
const corrOnly = (ds: Detection[]) => ds.filter((d) => d.kind === 'correlation');

test('event_count: fires at the threshold within the timespan, per group; windows expire', async () => {
  const s = set(`title: Many failed logons
id: 20000000-0000-4000-8000-000000000001
correlation:
    type: event_count
    rules: [failed_logon]
    group-by: [Computer]
    timespan: 1m
    condition: {gte: 3}
level: high
`);
  const events = [
    ev(0, { EventID: 4625 }),
    ev(10, { EventID: 4625 }),
    ev(15, { EventID: 4625, Computer: 'pc2' }),
    ev(100, { EventID: 4625 }), // the first two expired
    ev(110, { EventID: 4625 }),
    ev(120, { EventID: 4625 }), // 3 within 1m: fires
  ];
  const ds = await huntAll(events, s);
  const c = corrOnly(ds);
  assert.equal(c.length, 1);
  assert.equal(c[0]!.rule.id, '20000000-0000-4000-8000-000000000001');
  assert.equal(c[0]!.rule.level, 'high');
  assert.deepEqual(c[0]!.correlation!.group, { Computer: 'pc1' });
  assert.equal(c[0]!.correlation!.value, 3);
  assert.equal(c[0]!.correlation!.events.length, 3);
  assert.equal(c[0]!.timestamp, at(120));
  assert.equal(ds.filter((d) => d.kind === 'event').length, 0, 'referenced rules are not reported alone without generate');
});

test('event_count with generate: true also reports the base rule', async () => {
  const s = set(`title: Many failed logons
correlation:
    type: event_count
    rules: [failed_logon]
    group-by: [Computer]
    timespan: 1m
    generate: true
    condition: {gte: 2}
`);
  const ds = await huntAll([ev(0, { EventID: 4625 }), ev(5, { EventID: 4625 })], s);
  assert.equal(ds.filter((d) => d.kind === 'event').length, 2);
  assert.equal(corrOnly(ds).length, 1);
});

test('value_count counts distinct values of a field', async () => {
  const s = set(`title: Password spraying
correlation:
    type: value_count
    rules: [failed_logon]
    group-by: [IpAddress]
    timespan: 5m
    condition: {field: TargetUserName, gte: 3}
`);
  const mk = (sec: number, user: string) => ev(sec, { EventID: 4625, IpAddress: '10.0.0.9', TargetUserName: user });
  assert.equal(corrOnly(await huntAll([mk(0, 'a'), mk(1, 'a'), mk(2, 'B'), mk(3, 'b')], s)).length, 0, 'case-insensitive distinct values');
  const ds = corrOnly(await huntAll([mk(0, 'a'), mk(1, 'b'), mk(2, 'a'), mk(3, 'c')], s));
  assert.equal(ds.length, 1);
  assert.equal(ds[0]!.correlation!.value, 3);
  assert.deepEqual(ds[0]!.correlation!.group, { IpAddress: '10.0.0.9' });
});

test('temporal: all referenced rules in any order within the timespan, same group', async () => {
  const s = set(`title: Recon burst
correlation:
    type: temporal
    rules: [recon_a, recon_b]
    group-by: [Computer, User]
    timespan: 5m
`);
  const a = (sec: number, user = 'bob') => ev(sec, { CommandLine: 'whoami /all', User: user });
  const b = (sec: number, user = 'bob') => ev(sec, { CommandLine: 'net user x', User: user });
  assert.equal(corrOnly(await huntAll([b(0), a(10)], s)).length, 1, 'order does not matter');
  assert.equal(corrOnly(await huntAll([b(0), a(400)], s)).length, 0, 'outside the timespan');
  assert.equal(corrOnly(await huntAll([b(0), a(10, 'alice')], s)).length, 0, 'different group');
  const ds = corrOnly(await huntAll([a(0), b(5)], s));
  assert.deepEqual(ds[0]!.correlation!.rules.sort(), ['10000000-0000-4000-8000-000000000003', '10000000-0000-4000-8000-000000000004']);
});

test('temporal_ordered: the rules must occur in the given order', async () => {
  const s = set(`title: Brute force then success
correlation:
    type: temporal_ordered
    rules: [failed_logon, successful_logon]
    group-by: [TargetUserName]
    timespan: 10m
`);
  const f = (sec: number) => ev(sec, { EventID: 4625, TargetUserName: 'admin' });
  const ok = (sec: number) => ev(sec, { EventID: 4624, TargetUserName: 'admin' });
  assert.equal(corrOnly(await huntAll([ok(0), f(10)], s)).length, 0, 'wrong order');
  assert.equal(corrOnly(await huntAll([f(0), ok(10)], s)).length, 1);
  assert.equal(corrOnly(await huntAll([f(0), ok(700)], s)).length, 0, 'too far apart');
});

test('chained correlations and field aliases', async () => {
  const s = set(`title: Brute force followed by success
correlation:
    type: temporal_ordered
    rules: [many_failed, successful_logon]
    group-by: [user]
    timespan: 10m
    aliases:
        user:
            many_failed: TargetUserName
            successful_logon: SubjectUserName
level: critical
---
title: Many failed
name: many_failed
correlation:
    type: event_count
    rules: [failed_logon]
    group-by: [TargetUserName]
    timespan: 10m
    condition: {gte: 2}
`);
  const f = (sec: number) => ev(sec, { EventID: 4625, TargetUserName: 'admin' });
  const ok = (sec: number, who: string) => ev(sec, { EventID: 4624, SubjectUserName: who });
  const ds = corrOnly(await huntAll([f(0), f(1), ok(5, 'someone'), ok(6, 'admin')], s));
  assert.equal(ds.length, 1, JSON.stringify(ds.map((d) => d.rule.title)));
  assert.equal(ds[0]!.rule.level, 'critical');
  assert.deepEqual(ds[0]!.correlation!.group, { user: 'admin' });
});

test('value_sum and value_avg', async () => {
  const s = set(`title: Big transfer
correlation:
    type: value_sum
    rules: [recon_a]
    group-by: [Computer]
    timespan: 1h
    condition: {field: Bytes, gt: 1000}
`);
  const e = (sec: number, bytes: number | string) => ev(sec, { CommandLine: 'whoami', Bytes: bytes });
  assert.equal(corrOnly(await huntAll([e(0, 400), e(1, 500)], s)).length, 0);
  assert.equal(corrOnly(await huntAll([e(0, 400), e(1, 500), e(2, '200')], s)).length, 1);
});

test('bounded state: groups beyond the cap are dropped oldest first', async () => {
  const c = loadRuleText(BASE + `---
title: per-user count
correlation:
    type: event_count
    rules: [failed_logon]
    group-by: [TargetUserName]
    timespan: 1h
    condition: {gte: 2}
`, 'c.yml');
  const s = compileRules(c, { maxCorrelationGroups: 10 });
  const events = [ev(0, { EventID: 4625, TargetUserName: 'first' })];
  for (let i = 0; i < 50; i++) events.push(ev(1 + i, { EventID: 4625, TargetUserName: `u${i}` }));
  events.push(ev(100, { EventID: 4625, TargetUserName: 'first' }));
  assert.equal(corrOnly(await huntAll(events, s)).length, 0, 'the first group was evicted');
});

test('correlation parse errors are issues', () => {
  const bad = loadRuleText(`title: x
correlation:
    type: event_count
    rules: [a]
    timespan: 5 minutes
    condition: {gte: 3}
`, 'bad.yml');
  assert.equal(bad.correlations.length, 0);
  assert.equal(bad.issues[0]!.code, 'bad-correlation');
  assert.equal(bad.issues[0]!.place?.path, 'correlation.timespan');
  const noCond = loadRuleText('title: x\ncorrelation: {type: value_count, rules: [a], timespan: 5m, condition: {gte: 2}}\n', 'b.yml');
  assert.match(noCond.issues[0]!.message, /condition.field/);
});
