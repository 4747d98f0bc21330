import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot, runCli, tempDir } from '../helpers.js';

const ref = join(repoRoot, 'test', 'fixtures', 'embed', 'ref');
const tiny = ['--epochs', '3', '--dim', '16', '--buckets', '4096', '--from', ref];

function sha(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

test('model train → embed → eval on a fixture reference folder; same seed, same file', () => {
  const dir = tempDir();
  try {
    const a = runCli(['--data', dir.path, 'model', 'train', ...tiny, '--seed', '4', '--workers', '2', '--out', join(dir.path, 'a.bin'), '--json']);
    assert.equal(a.status, 0, a.stderr);
    const res = JSON.parse(a.stdout) as { sha256: string; sources: { source: string; items: number }[]; epochs: { loss: number }[] };
    assert.equal(res.sha256, sha(join(dir.path, 'a.bin')));
    const bySource = Object.fromEntries(res.sources.map((s) => [s.source, s.items]));
    assert.equal(bySource['attack-procedure'], 5);
    assert.equal(bySource['tram-train'], 4, 'the 2 train sentences outside the val share (report a is val), each twice per epoch');
    assert.ok((bySource['tram-extra'] ?? 0) >= 1, 'TRAM sentence sets, minus test and val reports');
    assert.ok((bySource.sigma ?? 0) >= 1, 'the Sigma rule renders to a sequence');
    assert.ok((bySource.atomic ?? 0) >= 1, 'the atomic test renders to a sequence');
    assert.equal(res.epochs.length, 3);

    const b = runCli(['--data', dir.path, 'model', 'train', ...tiny, '--seed', '4', '--workers', '1', '--out', join(dir.path, 'b.bin'), '--json']);
    assert.equal(b.status, 0, b.stderr);
    assert.equal(sha(join(dir.path, 'b.bin')), res.sha256, 'same seed, 1 vs 2 workers: identical bytes');

    const e = runCli(['--data', dir.path, 'model', 'embed', '--model', join(dir.path, 'a.bin'), '--tower', 'log', 'schtasks /create /tn x', 'whoami']);
    assert.equal(e.status, 0, e.stderr);
    const vecs = JSON.parse(e.stdout) as { text: string; vector: number[] }[];
    assert.equal(vecs.length, 2);
    assert.equal(vecs[0]!.vector.length, 16);
    assert.ok(Math.abs(Math.hypot(...vecs[0]!.vector) - 1) < 1e-3);
    const stdin = runCli(['--data', dir.path, 'model', 'embed', '--model', join(dir.path, 'a.bin')], { input: 'one line\n\nsecond line\n' });
    assert.equal((JSON.parse(stdin.stdout) as unknown[]).length, 2);

    const ev = runCli(['--data', dir.path, 'model', 'eval', '--model', join(dir.path, 'a.bin'), '--from', ref, '--json']);
    assert.equal(ev.status, 0, ev.stderr);
    const rows = (JSON.parse(ev.stdout) as { results: { method: string; n: number; r5: number }[] }).results;
    assert.ok(rows.some((r) => r.method === 'BM25 kb search' && r.n === 2));
    assert.ok(rows.some((r) => r.method.startsWith('encoder') && r.n === 2 && r.r5 >= 0 && r.r5 <= 1));
    assert.ok(rows.some((r) => r.method.startsWith('ranker') && r.n === 2), 'the learned text ranker is evaluated');
  } finally {
    dir.cleanup();
  }
});

test('model commands: user mistakes give one line and exit 2', () => {
  const dir = tempDir();
  try {
    const missing = runCli(['--data', dir.path, 'model', 'embed', '--model', join(dir.path, 'none.bin'), 'x']);
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /no model file/);
    assert.doesNotMatch(missing.stderr, /at .*\.ts:\d+/);
    const bad = runCli(['--data', dir.path, 'model', 'train', '--epochs', 'many', '--from', ref]);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--epochs/);
    const tower = runCli(['--data', dir.path, 'model', 'embed', '--tower', 'nose', 'x']);
    assert.equal(tower.status, 2);
  } finally {
    dir.cleanup();
  }
});
