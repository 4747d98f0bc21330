import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { codeFingerprint, evictCacheFiles } from '../../src/common/cache-file.js';

test('codeFingerprint changes with any source byte or name, ignores other files, and goes deep only when asked', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ttpscope-fp-'));
  try {
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'a.ts'), 'export const a = 1;\n');
    writeFileSync(join(dir, 'sub', 'b.js'), 'export const b = 2;\n');
    const base = codeFingerprint([dir]);
    const deep = codeFingerprint([dir], { deep: true });
    assert.match(base!, /^[0-9a-f]{64}$/);
    assert.notEqual(base, deep);
    writeFileSync(join(dir, 'notes.md'), 'not code');
    writeFileSync(join(dir, 'types.d.ts'), 'export type T = 1;');
    assert.equal(codeFingerprint([dir]), base, 'markdown and declaration files do not count');
    writeFileSync(join(dir, 'sub', 'b.js'), 'export const b = 3;\n');
    assert.equal(codeFingerprint([dir]), base, 'a sub-folder is not read without deep');
    assert.notEqual(codeFingerprint([dir], { deep: true }), deep);
    writeFileSync(join(dir, 'a.ts'), 'export const a = 2;\n');
    assert.notEqual(codeFingerprint([dir]), base);
    assert.equal(codeFingerprint([join(dir, 'missing')]), null, 'unreadable: no fingerprint, so no cache');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('evictCacheFiles keeps the most recently used files of its prefix and never the one just written', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ttpscope-evict-'));
  try {
    for (let i = 0; i < 5; i++) {
      const f = join(dir, `x-${i}.v8`);
      writeFileSync(f, '');
      utimesSync(f, 1000 + i, 1000 + i);
    }
    writeFileSync(join(dir, 'other-0.v8'), '');
    evictCacheFiles(dir, 'x-', 3, join(dir, 'x-0.v8'));
    assert.deepEqual(readdirSync(dir).sort(), ['other-0.v8', 'x-0.v8', 'x-3.v8', 'x-4.v8']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
