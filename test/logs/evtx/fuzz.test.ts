/**
 * Fuzz: thousands of seeded mutations of real and hand-built EVTX images.
 * The reader must never throw, never hang, and every issue must name the file
 * and a byte offset inside it. (scripts/fuzz-evtx.ts runs many more.)
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseEvtxBuffer } from '../../../src/logs/evtx/index.js';
import { sharedData } from '../../helpers.js';
import { buildChunk, buildFile, v } from './builder.js';
import { mutate, prng } from './mutate.js';

const samples = join(sharedData, 'logs', 'evtx-attack-samples');
/** Small real files with different shapes: Sysmon, Security with UserData (BinXml), System with Binary, classic Application. */
const REAL = [
  'Execution/Exec_sysmon_meterpreter_reversetcp_msipackage.evtx',
  'Defense Evasion/DE_104_system_log_cleared.evtx',
  'Defense Evasion/DE_1102_security_log_cleared.evtx',
  'Defense Evasion/DE_xp_cmdshell_enabled_MSSQL_EID_15457.evtx',
  'Defense Evasion/DE_WinEventLogSvc_Crash_System_7036.evtx',
  'Execution/exec_sysmon_1_11_lolbin_rundll32_shdocvw_openurl.evtx',
];

function bases(): { name: string; bytes: Buffer }[] {
  const out: { name: string; bytes: Buffer }[] = [];
  for (const rel of REAL) {
    const path = join(samples, rel);
    if (!existsSync(path)) continue;
    const bytes = readFileSync(path);
    out.push({ name: rel, bytes: bytes.subarray(0, Math.min(bytes.length, 4096 + 65536)) });
  }
  // Always include a hand-built file, so the test means something without shared data.
  const rec = (id: number) => ({
    templateKey: 'f',
    template: (t: Parameters<Parameters<typeof buildChunk>[0][0]['template']>[0]) => {
      t.open('Event').open('System').leaf('EventRecordID', 0, 0x0a).close();
      t.open('EventData').open('Data', [['Name', (w) => w.text('A')]]).sub(1, 0x01).close();
      t.open('Data', [['Name', (w) => w.text('B')]]).sub(2, 0x81).close();
      t.open('Data', [['Name', (w) => w.text('C')]]).sub(3, 0x21, true).close().close().close();
    },
    values: [
      v.int(0x0a, 8, id),
      v.str(`value ${id}`),
      v.strArray(['a', 'b']),
      v.binxml((w) => {
        w.open('X').text('nested').close();
      }),
    ],
  });
  out.push({ name: 'built', bytes: buildFile([buildChunk([rec(1), rec(2), rec(3), rec(4)])]) });
  return out;
}

test('mutated EVTX images never crash or hang, and issues carry file and offset', () => {
  const inputs = bases();
  assert.ok(inputs.length >= 1);
  const rand = prng(0xe7e7);
  const perBase = Math.ceil(3000 / inputs.length);
  let runs = 0;
  let withIssues = 0;
  let records = 0;
  let slowest = 0;
  for (const base of inputs) {
    const clean = parseEvtxBuffer(base.bytes, { file: base.name });
    assert.ok(clean.records.length > 0, `${base.name} has records`);
    for (let i = 0; i < perBase; i++) {
      const m = mutate(base.bytes, rand);
      const t0 = performance.now();
      let result;
      try {
        result = parseEvtxBuffer(m.bytes, { file: base.name });
        // Output must be plain JSON (no BigInt, no cycles).
        JSON.stringify(result.records);
      } catch (err) {
        assert.fail(`${base.name} ${m.kind} ${m.detail}: threw ${(err as Error).stack}`);
      }
      const ms = performance.now() - t0;
      slowest = Math.max(slowest, ms);
      assert.ok(ms < 2000, `${base.name} ${m.kind} ${m.detail}: took ${ms.toFixed(0)} ms`);
      for (const issue of result.issues) {
        assert.equal(issue.place?.file, base.name);
        const off = issue.place?.offset;
        assert.ok(typeof off === 'number' && off >= 0 && off <= m.bytes.length, `issue offset ${off} for ${m.detail}`);
        assert.ok(issue.message.length > 0);
      }
      if (result.issues.length) withIssues++;
      records += result.records.length;
      runs++;
    }
  }
  assert.ok(runs >= 3000);
  // Most mutations must be noticed (checksums, structure), else the fuzzing is toothless.
  assert.ok(withIssues > runs * 0.5, `${withIssues} of ${runs} mutations reported issues`);
  assert.ok(records > 0);
  assert.ok(slowest < 2000);
});
