import assert from 'node:assert/strict';
import { test } from 'node:test';
import { crc32, crc32Update } from '../../../src/logs/evtx/crc32.js';

test('crc32 matches the standard check values', () => {
  assert.equal(crc32(Buffer.from('123456789')), 0xcbf43926);
  assert.equal(crc32(Buffer.from('The quick brown fox jumps over the lazy dog')), 0x414fa339);
  assert.equal(crc32(Buffer.alloc(0)), 0);
  assert.equal(crc32(Buffer.from([0])), 0xd202ef8d);
});

test('crc32 over ranges and in pieces equals the whole (all lengths mod 4)', () => {
  const data = Buffer.alloc(1031);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7919 + 13) & 0xff;
  for (const [a, b] of [[0, 1031], [1, 1030], [2, 7], [3, 3], [5, 1000]] as const) {
    const whole = crc32(Buffer.from(data.subarray(a, b)));
    assert.equal(crc32(data, a, b), whole);
    for (const cut of [a, Math.min(b, a + 1), Math.floor((a + b) / 2), b]) {
      assert.equal(crc32Update(crc32(data, a, cut), data, cut, b), whole, `split ${a}-${cut}-${b}`);
    }
  }
});
