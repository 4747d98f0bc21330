import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, ftruncateSync, openSync, readFileSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { estimatedInputText, estimatedTextBytes } from '../../src/logs/input-size.js';
import { repoRoot, tempDir } from '../helpers.js';

const SAMPLE = join(repoRoot, 'examples', 'logs', 'sample-attack.jsonl');

test('input size: plain files count their bytes, gzip files their decompressed text (the trailer), junk its bytes', () => {
  const dir = tempDir();
  try {
    const text = readFileSync(SAMPLE, 'utf8').repeat(40);
    const plain = join(dir.path, 'a.jsonl');
    writeFileSync(plain, text);
    const gz = join(dir.path, 'a.jsonl.gz');
    writeFileSync(gz, gzipSync(text));
    const tiny = join(dir.path, 'tiny');
    writeFileSync(tiny, Buffer.from([0x1f, 0x8b, 1, 2]));
    const sizeOf = (p: string) => statSync(p).size;
    assert.equal(estimatedTextBytes(plain, sizeOf(plain)), Buffer.byteLength(text));
    assert.ok(sizeOf(gz) * 3 < Buffer.byteLength(text), 'the fixture compresses');
    assert.equal(estimatedTextBytes(gz, sizeOf(gz)), Buffer.byteLength(text));
    assert.equal(estimatedTextBytes(tiny, 4), 4);
    assert.equal(estimatedTextBytes(join(dir.path, 'missing.gz'), 1234), 1234, 'unreadable: its listed size; the reader reports the error');
    const files = [plain, gz, tiny].map((path) => ({ path, size: sizeOf(path) }));
    assert.equal(estimatedInputText(files), 2 * Buffer.byteLength(text) + 4);

    // a gzip file too large to trust its 32-bit trailer (sparse: no disk used) counts as large
    const huge = join(dir.path, 'huge.gz');
    const fd = openSync(huge, 'w');
    writeSync(fd, Buffer.from([0x1f, 0x8b, 8, 0]));
    ftruncateSync(fd, 200 * 1024 * 1024);
    closeSync(fd);
    assert.ok(estimatedTextBytes(huge, sizeOf(huge)) >= 4 * 1024 ** 3);
  } finally {
    dir.cleanup();
  }
});
