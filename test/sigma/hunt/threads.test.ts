import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { runHunt } from '../../../src/sigma/hunt/index.js';
import { loadRules } from '../../../src/sigma/rule/load.js';
import { repoRoot, tempDir } from '../../helpers.js';

const SAMPLE = join(repoRoot, 'examples', 'logs', 'sample-attack.jsonl');
const RULE = join(repoRoot, 'test', 'fixtures', 'hunt', 'rules', 'proc_whoami.yml');

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
