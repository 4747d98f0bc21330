import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { startModuleWorker } from '../../src/common/worker.js';

test('startModuleWorker runs a TypeScript module beside the caller from sources, with its workerData', async () => {
  const w = startModuleWorker(import.meta.url, 'fixtures/echo-worker', { workerData: { n: 21 } });
  try {
    const [reply] = await once(w, 'message');
    assert.deepEqual(reply, { doubled: 42 });
  } finally {
    await w.terminate();
  }
});

test('startModuleWorker reports a missing entry module as a worker error', async () => {
  const w = startModuleWorker(import.meta.url, 'fixtures/no-such-worker');
  const [err] = await once(w, 'error');
  assert.match(String((err as Error).message), /no-such-worker/);
});
