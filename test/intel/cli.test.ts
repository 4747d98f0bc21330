import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { AtiDocumentSchema } from '../../src/intel/index.js';
import { NavigatorLayerSchema, stixPatternForIoc, validateBundle } from '../../src/export/index.js';
import { repoRoot, sharedData, tempDir, type CliResult } from '../helpers.js';
import { miniModel, skipNoData } from './helpers.js';
import { startLlmServer, type LoopbackLlm } from './llm-server.js';

const example = join(repoRoot, 'examples', 'reports', 'operation-paper-lantern.md');
let dir: { path: string; cleanup: () => void };
let modelPath = '';
let dataDir = '';

/** Run the CLI asynchronously (the loopback LLM server lives in this process). */
function cli(args: string[], input?: string, env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'src', 'cli', 'main.ts'), '--data', dataDir, ...args], {
      cwd: repoRoot,
      env: { ...process.env, NO_COLOR: '1', TTPSCOPE_NO_PROGRESS: '1', TTPSCOPE_LLM_URL: '', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (status) => resolve({ status: status ?? -1, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}

before(async () => {
  if (skipNoData) return;
  dir = tempDir('ttpscope-extract-cli-');
  dataDir = join(dir.path, 'data');
  mkdirSync(dataDir);
  symlinkSync(join(sharedData, 'attack'), join(dataDir, 'attack'));
  symlinkSync(join(sharedData, 'atomic-red-team'), join(dataDir, 'atomic-red-team'));
  modelPath = (await miniModel()).path;
});
after(() => dir?.cleanup());

test('extract → ATI JSON when piped; markdown, navigator, stix and flow formats', { skip: skipNoData, timeout: 600_000 }, async () => {
  const r = await cli(['extract', example, '--model', modelPath]);
  assert.equal(r.status, 0, r.stderr);
  const doc = AtiDocumentSchema.parse(JSON.parse(r.stdout));
  assert.ok(doc.techniques.length > 0);
  assert.equal(doc.generator.tool, 'ttpscope');
  const md = await cli(['extract', example, '--model', modelPath, '--format', 'markdown']);
  assert.equal(md.status, 0, md.stderr);
  assert.match(md.stdout, /^# Operation Paper Lantern/);
  assert.match(md.stdout, /## Attack chain/);
  const nav = await cli(['extract', example, '--model', modelPath, '--format', 'navigator']);
  assert.ok(NavigatorLayerSchema.safeParse(JSON.parse(nav.stdout)).success);
  const stix = await cli(['extract', example, '--model', modelPath, '--format', 'stix', '--created', '2024-01-01T00:00:00Z']);
  const bundle = JSON.parse(stix.stdout);
  assert.deepEqual(validateBundle(bundle).filter((i) => i.severity === 'error'), []);
  assert.ok(bundle.objects.every((o: { created?: string }) => !o.created || o.created === '2024-01-01T00:00:00.000Z' || o.created === '2022-08-02T19:34:35.143Z'));
  const stix2 = await cli(['extract', example, '--model', modelPath, '--format', 'stix', '--created', '2024-01-01T00:00:00Z']);
  assert.equal(stix2.stdout, stix.stdout, 'reproducible with a fixed --created');
  // Round trip: the re-read bundle carries the document's techniques, IOCs (those with a STIX pattern) and chain.
  const objs = bundle.objects as { type: string; external_references?: { source_name: string; external_id?: string }[]; technique_id?: string; pattern?: string }[];
  const patternIds = objs.filter((o) => o.type === 'attack-pattern').map((o) => o.external_references![0]!.external_id).sort();
  assert.deepEqual(patternIds, doc.techniques.map((t) => t.id).sort());
  assert.equal(objs.filter((o) => o.type === 'indicator').length, doc.iocs.filter((i) => stixPatternForIoc(i.type, i.value)).length);
  assert.deepEqual(objs.filter((o) => o.type === 'attack-action').map((o) => o.technique_id).sort(), doc.procedures.map((p) => p.technique).sort());
  const flow = await cli(['extract', example, '--model', modelPath, '--format', 'flow', '--created', '2024-01-01T00:00:00Z']);
  assert.ok(JSON.parse(flow.stdout).objects.some((o: { type: string }) => o.type === 'attack-flow'));
});

test('stdin and directories with --output; a bad report is reported and the rest goes on', { skip: skipNoData, timeout: 600_000 }, async () => {
  const s = await cli(['extract', '-', '--model', modelPath], 'The actor created a scheduled task with schtasks /create for persistence.\nIt then dumped LSASS memory.');
  assert.equal(s.status, 0, s.stderr);
  assert.equal(JSON.parse(s.stdout).report.source.path, '-');
  const inDir = join(dir.path, 'reports');
  mkdirSync(inDir);
  writeFileSync(join(inDir, 'a.md'), readFileSync(example));
  writeFileSync(join(inDir, 'b.txt'), 'Operators ran whoami /all and net group "Domain Admins" /domain.');
  writeFileSync(join(inDir, 'b.html'), '<html><body><article><p>The actor dumped LSASS memory with procdump.</p></article></body></html>');
  writeFileSync(join(inDir, 'empty.txt'), '');
  const out = join(dir.path, 'out');
  const r = await cli(['extract', inDir, '--model', modelPath, '--format', 'markdown', '--output', out]);
  assert.equal(r.status, 2, 'one input failed');
  assert.match(r.stderr, /ttpscope: empty report: .*empty\.txt/);
  // b.html and b.txt share a stem: both keep their extension rather than overwrite each other.
  assert.deepEqual(readdirSync(out).sort(), ['a.md', 'b.html.md', 'b.txt.md']);
  assert.match(readFileSync(join(out, 'b.html.md'), 'utf8'), /LSASS/);
});

test('usage and input errors: one line, exit 2', { skip: skipNoData, timeout: 600_000 }, async () => {
  const missing = await cli(['extract', join(dir.path, 'nope.pdf'), '--model', modelPath]);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /^ttpscope: no such file or directory: .*nope\.pdf\n/);
  const fmt = await cli(['extract', example, '--model', modelPath, '--format', 'yaml']);
  assert.equal(fmt.status, 2);
  assert.match(fmt.stderr, /unknown output format "yaml"/);
  const many = await cli(['extract', example, example, '--model', modelPath, '--format', 'json']);
  assert.equal(many.status, 2);
  assert.match(many.stderr, /give --output DIR/);
  // A corrupt PDF and binary junk: one line naming the file, no stack trace.
  const corrupt = join(dir.path, 'corrupt.pdf');
  writeFileSync(corrupt, '%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\ntrailer garbage');
  const cp = await cli(['extract', corrupt, '--model', modelPath]);
  assert.equal(cp.status, 2);
  assert.match(cp.stderr, /^ttpscope: .*PDF.*: .*corrupt\.pdf\n/);
  assert.ok(!/\n\s+at /.test(cp.stderr), 'no stack trace');
  const junk = join(dir.path, 'junk.bin');
  writeFileSync(junk, Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 256)));
  const jb = await cli(['extract', junk, '--model', modelPath]);
  assert.equal(jb.status, 2);
  assert.match(jb.stderr, /^ttpscope: .*binary data.*: .*junk\.bin\n/);
  const badModel = join(dir.path, 'bad-model.bin');
  writeFileSync(badModel, 'junk');
  const bm = await cli(['extract', example, '--model', badModel]);
  assert.equal(bm.status, 2);
  assert.match(bm.stderr, /not a ttpscope technique model/);
});

test('--llm-url: the OpenAI-compatible back end is asked and stamped into the document', { skip: skipNoData, timeout: 600_000 }, async () => {
  let server: LoopbackLlm | undefined;
  try {
    server = await startLlmServer(() => ({ content: JSON.stringify({ verdicts: [], proposals: [] }) }));
    const r = await cli(['extract', example, '--model', modelPath, '--llm-url', server.url, '--llm-model', 'local-test']);
    assert.equal(r.status, 0, r.stderr);
    const doc = JSON.parse(r.stdout);
    assert.match(doc.generator.llm, /^openai-compatible http:\/\/127\.0\.0\.1:\d+ model=local-test$/);
    assert.ok(server.requests.length >= 1);
    assert.equal(server.requests[0]!.body.model, 'local-test');
    const off = await cli(['extract', example, '--model', modelPath, '--no-llm'], undefined, { TTPSCOPE_LLM_URL: server.url });
    assert.equal(JSON.parse(off.stdout).generator.llm, undefined);
  } finally {
    await server?.close();
  }
});

test('output file stems: extensions kept where stems collide, counters where names do', async () => {
  const { outputStems } = await import('../../src/cli/commands/extract.js');
  assert.deepEqual(outputStems(['r/a.md', 'r/b.html', 'r/b.txt', 'x/a.txt', 'y/a.txt', '-']), ['a.md', 'b.html', 'b.txt', 'a.txt', 'a.txt-2', 'stdin']);
  assert.deepEqual(outputStems(['r/one.md', 'r/two.pdf']), ['one', 'two']);
});
