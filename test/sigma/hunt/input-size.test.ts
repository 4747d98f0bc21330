import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openSync, closeSync, ftruncateSync, readFileSync, writeFileSync, writeSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { estimatedInputText, estimatedTextBytes, PARALLEL_MIN_TEXT_BYTES } from '../../../src/sigma/hunt/input-size.js';
import { runHunt } from '../../../src/sigma/hunt/index.js';
import { loadRules } from '../../../src/sigma/rule/load.js';
import { repoRoot, tempDir } from '../../helpers.js';

const SAMPLE = join(repoRoot, 'examples', 'logs', 'sample-attack.jsonl');
const RULE = join(repoRoot, 'test', 'fixtures', 'hunt', 'rules', 'proc_whoami.yml');

test('input size: plain files count their bytes, gzip files their decompressed text (the trailer), junk its bytes', async () => {
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
    assert.equal(await estimatedTextBytes(plain, sizeOf(plain)), Buffer.byteLength(text));
    assert.ok(sizeOf(gz) * 3 < Buffer.byteLength(text), 'the fixture compresses');
    assert.equal(await estimatedTextBytes(gz, sizeOf(gz)), Buffer.byteLength(text));
    assert.equal(await estimatedTextBytes(tiny, 4), 4);
    assert.equal(await estimatedTextBytes(join(dir.path, 'missing.gz'), 1234), 1234, 'unreadable: its listed size; the scan reports the error');
    const files = [plain, gz, tiny].map((path) => ({ path, size: sizeOf(path) }));
    assert.equal(await estimatedInputText(files), 2 * Buffer.byteLength(text) + 4);

    // a gzip file too large to trust its 32-bit trailer (sparse: no disk used) counts as large
    const huge = join(dir.path, 'huge.gz');
    const fd = openSync(huge, 'w');
    writeSync(fd, Buffer.from([0x1f, 0x8b, 8, 0]));
    ftruncateSync(fd, 200 * 1024 * 1024);
    closeSync(fd);
    assert.ok((await estimatedTextBytes(huge, sizeOf(huge))) >= PARALLEL_MIN_TEXT_BYTES);
  } finally {
    dir.cleanup();
  }
});

test("threads 'auto': decided on the decompressed text, so a small gzip file of much text goes to the workers", { timeout: 60_000 }, async () => {
  const dir = tempDir();
  try {
    const text = readFileSync(SAMPLE, 'utf8').repeat(200);
    const gz = join(dir.path, 'many.jsonl.gz');
    writeFileSync(gz, gzipSync(text));
    const collection = await loadRules([RULE]);
    const compressed = statSync(gz).size;
    const textBytes = Buffer.byteLength(text);
    // a threshold between the two sizes: counted compressed, the input would stay on this thread
    const between = Math.floor((compressed + textBytes) / 2);
    const auto = await runHunt([gz], { collection, pipeline: [], threads: 'auto', parallelMinBytes: between, countOnly: true });
    assert.equal(auto.stats.threads, Math.min(Math.max(1, availableParallelism()), 8));
    const above = await runHunt([gz], { collection, pipeline: [], threads: 'auto', parallelMinBytes: textBytes + 1, countOnly: true });
    assert.equal(above.stats.threads, 1);
    assert.equal(auto.stats.detections, above.stats.detections);
    assert.ok(above.stats.detections > 0);
    // the default keeps an input this small on this thread
    const byDefault = await runHunt([gz], { collection, pipeline: [], countOnly: true });
    assert.equal(byDefault.stats.threads, 1);
  } finally {
    dir.cleanup();
  }
});
