/** `ttpscope logs stats` and `ttpscope logs convert`, run as a user would. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, runCli, tempDir } from '../helpers.js';
import { NormalizedEventSchema } from '../../src/logs/event.js';

const fxDir = join(repoRoot, 'test', 'fixtures', 'logs');
const fx = (name: string) => join(fxDir, name);

test('logs stats --json over the fixture directory', () => {
  const res = runCli(['logs', 'stats', fxDir, '--json']);
  assert.equal(res.status, 0, res.stderr);
  const out = JSON.parse(res.stdout) as { files: { file: string; container: string; records: number; events: number; errors: number; issues: { place: { file: string; line: number } }[] }[]; total: { kinds: Record<string, number>; hosts: Record<string, number>; eventIds: Record<string, number>; firstTime: string; lastTime: string; errors: number } };
  const audit = out.files.find((f) => f.file.endsWith('auditd-mixed.log'))!;
  assert.equal(audit.container, 'auditd');
  assert.equal(audit.records, 11);
  assert.equal(audit.errors, 1);
  assert.equal(audit.issues[0]!.place.line, 13);
  assert.equal(out.total.errors, 1);
  assert.equal(out.total.kinds.process_create, 2 + 1 + 1 + 3 + 1 + 2 + 2); // ecs 2, sysmon-linux log 1 + rows 1, auditd 3, azure auditd row 1, cdm18 2, cdm19 2
  assert.equal(out.total.hosts['ubuntu-web'], 6);
  assert.equal(out.total.eventIds['Microsoft-Windows-Security-Auditing:4688'], 1);
  assert.equal(out.total.firstTime, '2018-04-13T14:20:00.900Z');
  assert.equal(out.total.lastTime, '2023-11-14T22:13:21.000Z');
});

test('logs stats prints a table with problems and their places', () => {
  const res = runCli(['logs', 'stats', fx('auditd-mixed.log'), fx('winlogbeat-ecs.jsonl')]);
  assert.equal(res.status, 0, res.stderr);
  assert.match(res.stdout, /total: 2 files, 15 records, 15 events, 1 errors/);
  assert.match(res.stdout, /auditd-mixed\.log:13, offset 1622: not an audit record/);
  assert.match(res.stdout, /process_create\s+5/);
});

test('logs convert --to jsonl (flat) and --to json --normalized --output', () => {
  const flat = runCli(['logs', 'convert', fx('winlogbeat-ecs.jsonl'), '--to', 'jsonl']);
  assert.equal(flat.status, 0, flat.stderr);
  const lines = flat.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.equal(lines.length, 4);
  assert.equal(lines[0]!.EventID, 1);
  assert.equal(lines[0]!.Computer, 'ws01.corp.local');

  const t = tempDir();
  try {
    const out = join(t.path, 'events.json');
    const res = runCli(['logs', 'convert', fx('auditd-mixed.log'), fx('cdm18.json'), '--to', 'json', '--normalized', '--output', out]);
    assert.equal(res.status, 0, res.stderr);
    assert.match(res.stderr, /auditd-mixed\.log:13/);
    const events = JSON.parse(readFileSync(out, 'utf8')) as unknown[];
    assert.equal(events.length, 11 + 12); // 11 audit events + 12 CDM events (entity records are not events)
    for (const e of events) NormalizedEventSchema.parse(e);
  } finally {
    t.cleanup();
  }
});

test('logs: user mistakes exit 2 with one line, bad content does not', () => {
  const missing = runCli(['logs', 'stats', '/nonexistent/file.jsonl']);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /^ttpscope: no such file or directory: \/nonexistent\/file\.jsonl/);
  const badTo = runCli(['logs', 'convert', fx('cdm18.json'), '--to', 'xml']);
  assert.equal(badTo.status, 2);
  assert.match(badTo.stderr, /unknown output format/);
  const t = tempDir();
  try {
    const junk = join(t.path, 'junk.txt');
    writeFileSync(junk, 'hello\nworld\n');
    const res = runCli(['logs', 'stats', junk, '--json']);
    assert.equal(res.status, 0);
    const out = JSON.parse(res.stdout) as { files: { container: string; issues: { code: string }[] }[] };
    assert.equal(out.files[0]!.container, 'unknown');
    assert.equal(out.files[0]!.issues[0]!.code, 'unsupported-format');
  } finally {
    t.cleanup();
  }
});
