import assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { AtomicFileSchema } from '../../src/generate/atomic/schema.js';
import { runCli, tempDir } from '../helpers.js';
import { fixtureDir } from './helpers.js';

const apt = join(fixtureDir, 'apt-windows.ati.json');

describe('ttpscope generate', () => {
  it('sigma: writes rules that `ttpscope sigma check` passes, and generation.json', () => {
    const t = tempDir();
    try {
      const env = { TTPSCOPE_DATA: join(t.path, 'data') };
      const out = join(t.path, 'rules');
      const r = runCli(['generate', 'sigma', apt, '--no-dedup', '--date', '2024-05-01', '-o', out], { env });
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /passed every check/);
      const files = readdirSync(out).filter((f) => f.endsWith('.yml'));
      assert.ok(files.length >= 15);
      const summary = JSON.parse(readFileSync(join(out, 'generation.json'), 'utf8')) as { rules: unknown[]; rejected: unknown[]; notes: string[] };
      assert.equal(summary.rules.length, files.length);
      assert.deepEqual(summary.rejected, []);
      assert.ok(summary.notes.some((n) => /no ATT&CK bundle/.test(n)));
      const check = runCli(['sigma', 'check', '--no-attack', out], { env });
      assert.equal(check.status, 0, check.stdout);
      assert.match(check.stdout, /0 error\(s\), 0 warning\(s\)/);
    } finally {
      t.cleanup();
    }
  });

  it('sigma: YAML on stdout, JSON with --json', () => {
    const t = tempDir();
    try {
      const env = { TTPSCOPE_DATA: join(t.path, 'data') };
      const yaml = runCli(['generate', 'sigma', apt, '--no-dedup', '--date', '2024-05-01'], { env });
      assert.equal(yaml.status, 0, yaml.stderr);
      assert.match(yaml.stdout, /^title: /);
      assert.match(yaml.stderr, /rule\(s\) built/);
      const json = runCli(['generate', 'sigma', apt, '--no-dedup', '--json'], { env });
      const j = JSON.parse(json.stdout) as { rules: Array<{ id: string }>; yaml: Record<string, string> };
      assert.ok(j.rules.every((r) => typeof j.yaml[r.id] === 'string'));
    } finally {
      t.cleanup();
    }
  });

  it('commands: Atomic folder layout that validates; Markdown by default', () => {
    const t = tempDir();
    try {
      const env = { TTPSCOPE_DATA: join(t.path, 'data') };
      const out = join(t.path, 'atomics');
      const r = runCli(['generate', 'commands', apt, '--no-dedup', '--format', 'atomic', '-o', out], { env });
      assert.equal(r.status, 0, r.stderr);
      const dirs = readdirSync(out);
      assert.ok(dirs.length >= 5);
      for (const d of dirs) AtomicFileSchema.parse(parse(readFileSync(join(out, d, `${d}.yaml`), 'utf8'), { version: '1.1' }));
      const md = runCli(['generate', 'commands', apt, '--no-dedup'], { env });
      assert.equal(md.status, 0, md.stderr);
      assert.match(md.stdout, /^# Emulation plan: /);
      assert.match(md.stderr, /no Atomic Red Team tests installed|not emulated/);
    } finally {
      t.cleanup();
    }
  });

  it('bad input: one line naming the file, exit 2', () => {
    const t = tempDir();
    try {
      const env = { TTPSCOPE_DATA: join(t.path, 'data') };
      const missing = runCli(['generate', 'sigma', join(t.path, 'nope.json')], { env });
      assert.equal(missing.status, 2);
      assert.match(missing.stderr, /^ttpscope: cannot read: .*nope\.json/);
      const bad = join(t.path, 'bad.ati.json');
      writeFileSync(bad, '{"schema": "ttpscope.ati/1", "report": 3}');
      const r = runCli(['generate', 'commands', bad], { env });
      assert.equal(r.status, 2);
      assert.match(r.stderr, /not a valid ATI document.*bad\.ati\.json, report/);
      assert.doesNotMatch(r.stderr, /at .*\.ts:\d+/);
      const p = runCli(['generate', 'commands', apt, '--platform', 'solaris'], { env });
      assert.equal(p.status, 2);
      assert.match(p.stderr, /unknown platform "solaris"/);
      assert.equal(existsSync(join(t.path, 'data', 'cache')), false);
    } finally {
      t.cleanup();
    }
  });
});
