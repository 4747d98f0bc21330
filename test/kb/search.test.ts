/** Technique search on the real ATT&CK bundle: the acceptance queries and other natural ones. */
import { before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadKnowledgeBaseFromFile, type KnowledgeBase } from '../../src/kb/index.js';
import { cpuMs } from './cpu.js';
import { tempDir } from '../helpers.js';
import { realBundle, realIndex, skipReal } from './fixture.js';

let kb: KnowledgeBase;
const dir = tempDir();
before(async () => {
  if (skipReal) return;
  kb = await loadKnowledgeBaseFromFile(realBundle, { indexPath: realIndex, cacheDir: join(dir.path, 'cache') });
});
after(() => dir.cleanup());

const ids = (q: string, top = 5) => kb.search(q, { top }).map((h) => h.id);

test('acceptance: "dump credentials from lsass memory" ranks T1003.001 first', { skip: skipReal }, () => {
  const hits = kb.search('dump credentials from lsass memory', { top: 5 });
  assert.equal(hits[0]!.id, 'T1003.001');
  assert.match(hits[0]!.snippet.text, /lsass/i, 'the snippet is the sentence that matched');
  assert.ok(hits[0]!.score > hits[1]!.score);
});

test('acceptance: "scheduled task for persistence" has T1053.005 in the top 3', { skip: skipReal }, () => {
  assert.ok(ids('scheduled task for persistence', 3).includes('T1053.005'), ids('scheduled task for persistence', 3).join(' '));
});

test('other natural queries find their technique in the top 3', { skip: skipReal }, () => {
  const cases: [string, string][] = [
    ['kerberoasting service tickets', 'T1558.003'],
    ['clear windows event logs', 'T1070.001'],
    ['disable windows defender antivirus', 'T1562.001'],
    ['phishing email with malicious attachment', 'T1566.001'],
    ['encrypt files for ransom', 'T1486'],
    ['process hollowing', 'T1055.012'],
    ['cron job on linux', 'T1053.003'],
    ['keylogging', 'T1056.001'],
    ['rundll32 proxy execution', 'T1218.011'],
    ['wmi event subscription', 'T1546.003'],
    ['registry run keys for persistence at logon', 'T1547.001'],
    ['ssh authorized_keys backdoor', 'T1098.004'],
  ];
  const misses = cases.filter(([q, t]) => !ids(q, 3).includes(t)).map(([q, t]) => `${q} → ${ids(q, 3).join(' ')} (want ${t})`);
  assert.deepEqual(misses, []);
});

test('technical tokens match exactly: ATT&CK ids, tool names, flags', { skip: skipReal }, () => {
  assert.equal(ids('mimikatz sekurlsa::logonpasswords', 1)[0], 'T1003.001');
  assert.ok(ids('schtasks /create', 3).includes('T1053.005'));
  assert.ok(ids('vssadmin delete shadows', 3).includes('T1490'));
});

test('filters by tactic and platform; snippets name their procedure source', { skip: skipReal }, () => {
  const persistence = kb.search('scheduled task', { top: 10, tactic: 'persistence' });
  assert.ok(persistence.length > 0 && persistence.every((h) => h.tactics.includes('persistence')));
  const linux = kb.search('scheduled task', { top: 10, platform: 'linux' });
  assert.ok(linux.every((h) => kb.technique(h.id)!.platforms.includes('Linux')));
  assert.equal(kb.search('scheduled task', { tactic: 'no-such-tactic' }).length, 0);
  const withProc = kb.search('APT29 used Mimikatz', { top: 10 }).find((h) => h.snippet.source === 'procedure');
  assert.ok(withProc?.snippet.sourceId && withProc.snippet.sourceName);
});

test('hostile and empty queries: no crash, bounded time', { skip: skipReal }, () => {
  assert.deepEqual(kb.search(''), []);
  assert.deepEqual(kb.search('the and of'), []);
  assert.deepEqual(kb.search('zzzzqqqq'), []);
  const big = 'A'.repeat(200_000) + ' lsass ' + '\u0000\u001b[31m'.repeat(1000);
  const ms = cpuMs(() => {
    kb.search(big);
    kb.search('-'.repeat(50_000));
  });
  assert.ok(ms < 1000, `${ms} ms CPU`);
  assert.equal(kb.search('lsass', { top: 0 }).length, 0);
});
