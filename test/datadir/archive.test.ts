import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { randomBytes } from 'node:crypto';
import * as tar from 'tar';
import { UserError } from '../../src/common/errors.js';
import { extractSelected, safeRelativePath } from '../../src/datadir/archive.js';
import { SOURCES } from '../../src/datadir/sources.js';
import { sha256Hex } from '../../src/datadir/tree.js';
import { tempDir } from '../helpers.js';

const limits = { maxFileBytes: 1 << 20, maxTotalBytes: 1 << 22 };

/** A raw tar entry, to build archives `tar.c` would refuse to make (paths with `..`). */
function rawEntry(path: string, data: Buffer, type: 'File' | 'SymbolicLink' = 'File', linkpath?: string): Buffer {
  const header = new tar.Header({ path, type, size: type === 'File' ? data.length : 0, mode: 0o644, mtime: new Date(0), ...(linkpath ? { linkpath } : {}) });
  const block = Buffer.alloc(512);
  header.encode(block, 0);
  if (type !== 'File') return block;
  const padded = Buffer.alloc(Math.ceil(data.length / 512) * 512);
  data.copy(padded);
  return Buffer.concat([block, padded]);
}

test('only selected regular files are extracted, with their hashes', async () => {
  const t = tempDir();
  try {
    const src = join(t.path, 'src', 'sigma-abc');
    mkdirSync(join(src, 'rules', 'x'), { recursive: true });
    mkdirSync(join(src, 'tests'), { recursive: true });
    writeFileSync(join(src, 'rules', 'x', 'a.yml'), 'title: a\n');
    writeFileSync(join(src, 'tests', 'thor.yml'), 'thor: 1\n');
    writeFileSync(join(src, 'README.md'), 'not wanted');
    symlinkSync('/etc/passwd', join(src, 'rules', 'x', 'link.yml'));
    const archive = join(t.path, 'a.tar.gz');
    await tar.c({ gzip: true, file: archive, cwd: join(t.path, 'src') }, ['sigma-abc']);
    const out = join(t.path, 'out');
    const entries = await extractSelected(archive, out, { select: SOURCES.sigma.select, origin: archive, ...limits });
    assert.deepEqual(entries.map((e) => e.path).sort(), ['rules/x/a.yml', 'tests-data/thor.yml']);
    assert.equal(entries.find((e) => e.path === 'rules/x/a.yml')?.sha256, sha256Hex('title: a\n'));
    assert.equal(readFileSync(join(out, 'tests-data', 'thor.yml'), 'utf8'), 'thor: 1\n');
    assert.ok(!existsSync(join(out, 'rules', 'x', 'link.yml')), 'links are never created');
  } finally {
    t.cleanup();
  }
});

test('paths that climb out of the destination are never written', async () => {
  const t = tempDir();
  try {
    const tarball = Buffer.concat([
      rawEntry('top/../../escaped.yml', Buffer.from('evil')),
      rawEntry('top/rules/../../escaped2.yml', Buffer.from('evil')),
      rawEntry('top/rules/ok.yml', Buffer.from('good')),
      Buffer.alloc(1024),
    ]);
    const archive = join(t.path, 'evil.tar.gz');
    writeFileSync(archive, gzipSync(tarball));
    const out = join(t.path, 'deep', 'out');
    const entries = await extractSelected(archive, out, { select: (rel) => rel, origin: archive, ...limits });
    assert.deepEqual(entries.map((e) => e.path), ['rules/ok.yml']);
    assert.ok(!existsSync(join(t.path, 'escaped.yml')) && !existsSync(join(t.path, 'deep', 'escaped.yml')) && !existsSync(join(t.path, 'deep', 'escaped2.yml')));
    assert.ok(!safeRelativePath('a/../b') && !safeRelativePath('/abs') && !safeRelativePath('a\\b') && safeRelativePath('a/b.yml'));
  } finally {
    t.cleanup();
  }
});

test('a damaged archive and an archive bomb are UserErrors naming the origin', async () => {
  const t = tempDir();
  try {
    const archive = join(t.path, 'bad.tar.gz');
    writeFileSync(archive, gzipSync(Buffer.concat([rawEntry('top/rules/a.yml', Buffer.alloc(4000, 0x61))])).subarray(0, 60));
    await assert.rejects(extractSelected(archive, join(t.path, 'o1'), { select: (r) => r, origin: 'http://h/bad.tar.gz', ...limits }), (err: unknown) => err instanceof UserError && /http:\/\/h\/bad\.tar\.gz/.test(err.describe()));
    const big = join(t.path, 'big.tar.gz');
    writeFileSync(big, gzipSync(Buffer.concat([rawEntry('top/rules/a.yml', Buffer.alloc(5000, 0x61)), Buffer.alloc(1024)])));
    await assert.rejects(extractSelected(big, join(t.path, 'o2'), { select: (r) => r, origin: 'big', maxFileBytes: 1000, maxTotalBytes: 1 << 20 }), /archive entry too large/);
    // Many entries, more than one read chunk: the limit is reported, not the parse it cut short.
    const many: Buffer[] = [];
    for (let i = 0; i < 400; i++) many.push(rawEntry(`top/rules/r${i}.yml`, randomBytes(6000))); // incompressible: several read chunks
    const bomb = join(t.path, 'bomb.tar.gz');
    writeFileSync(bomb, gzipSync(Buffer.concat([...many, Buffer.alloc(1024)]), { level: 1 }));
    await assert.rejects(extractSelected(bomb, join(t.path, 'o3'), { select: (r) => r, origin: 'bomb', maxFileBytes: 1 << 20, maxTotalBytes: 100_000 }), /archive expands to more than 100000 bytes/);
  } finally {
    t.cleanup();
  }
});
