import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '../../src/common/files.js';

function scratch(): string {
  return mkdtempSync(join(tmpdir(), 'ttpscope-files-'));
}

test('writeFileAtomic creates the folder, writes, and replaces without leaving temp files', () => {
  const dir = scratch();
  try {
    const path = join(dir, 'nested', 'state.bin');
    writeFileAtomic(path, 'first');
    writeFileAtomic(path, new Uint8Array([0x73, 0x65, 0x63, 0x6f, 0x6e, 0x64]));
    assert.equal(readFileSync(path, 'utf8'), 'second');
    assert.deepEqual(readdirSync(join(dir, 'nested')), ['state.bin']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('writeFileAtomic rethrows a failed rename and removes its temp file', () => {
  const dir = scratch();
  try {
    // a non-empty folder where the file should go: the temp file is written, the rename fails
    const path = join(dir, 'occupied');
    mkdirSync(join(path, 'child'), { recursive: true });
    assert.throws(() => writeFileAtomic(path, 'data'), (err: NodeJS.ErrnoException) => typeof err.code === 'string');
    assert.deepEqual(readdirSync(dir), ['occupied']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
