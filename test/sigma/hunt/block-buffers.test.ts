import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BlockBuffers } from '../../../src/sigma/hunt/block-buffers.js';

test('block buffers: a returned buffer is reused, an oversized block gets its own, at most `keep` are held', () => {
  const pool = new BlockBuffers(1024, 2);
  const a = pool.take(100);
  assert.equal(a.length, 100);
  assert.equal(a.buffer.byteLength, 1024);
  pool.give(a.buffer as ArrayBuffer);
  assert.equal(pool.available, 1);
  const b = pool.take(1024);
  assert.equal(b.buffer, a.buffer, 'the free buffer is handed out again');
  assert.equal(pool.available, 0);
  const big = pool.take(5000);
  assert.equal(big.buffer.byteLength, 5000);
  pool.give(big.buffer as ArrayBuffer);
  assert.equal(pool.available, 0, 'a buffer of another size is not kept');
  for (let i = 0; i < 4; i++) pool.give(new ArrayBuffer(1024));
  assert.equal(pool.available, 2);
});
