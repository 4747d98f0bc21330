/** The character-by-character timestamp reader gives what the ISO pattern gives, or leaves the string to it. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCompactIso, parseTimestampText } from '../../src/logs/normalize/time.js';
import { rng } from './mutate.js';

const pad = (n: number, w: number) => String(n).padStart(w, '0');

test('compact timestamps: the usual shapes read as the pattern reads them', () => {
  const cases = [
    '2019-05-12T17:01:43.3918610Z',
    '2019-04-30 22:48:58.901',
    '2020-01-01T02:00:00+02:00',
    '2020-01-01T02:00:00-0530',
    '2020-09-21 13:09:44',
    '2020-09-21t13:09:44z',
    '2020-09-21T13:09',
    '2020-09-21T13:09Z',
    '2020-09-21T13:09:44,5Z',
    '2020-09-21T13:09:44.123456789012Z',
    '0099-01-01T00:00:00Z',
    '2020-13-45T25:61:61Z',
  ];
  for (const c of cases) {
    const fast = parseCompactIso(c);
    assert.notEqual(fast, undefined, c);
    assert.equal(fast, parseTimestampText(c), c);
  }
});

test('compact timestamps: anything else is left to the pattern (never a different answer)', () => {
  const rand = rng(20261202);
  const alphabet = '0123456789-:T tZz+.,x\t';
  let read = 0;
  for (let k = 0; k < 20_000; k++) {
    let v = `${pad(Math.floor(rand() * 10000), 4)}-${pad(Math.floor(rand() * 100), 2)}-${pad(Math.floor(rand() * 100), 2)}T${pad(Math.floor(rand() * 100), 2)}:${pad(Math.floor(rand() * 100), 2)}`;
    if (rand() < 0.8) v += `:${pad(Math.floor(rand() * 100), 2)}`;
    if (rand() < 0.6) v += '.' + String(Math.floor(rand() * 1e15)).slice(0, 1 + Math.floor(rand() * 14));
    const z = rand();
    if (z < 0.3) v += 'Z';
    else if (z < 0.6) v += `${rand() < 0.5 ? '+' : '-'}${pad(Math.floor(rand() * 24), 2)}${rand() < 0.5 ? ':' : ''}${pad(Math.floor(rand() * 60), 2)}`;
    // mutate a few characters: a wrong separator, a letter, white space, a cut
    const chars = [...v];
    for (let m = Math.floor(rand() * 3); m > 0; m--) {
      const i = Math.floor(rand() * chars.length);
      const op = rand();
      if (op < 0.5) chars[i] = alphabet[Math.floor(rand() * alphabet.length)]!;
      else if (op < 0.75) chars.splice(i, 1);
      else chars.splice(i, 0, alphabet[Math.floor(rand() * alphabet.length)]!);
    }
    const s = chars.join('');
    const fast = parseCompactIso(s);
    if (fast === undefined) continue;
    read++;
    assert.equal(fast, parseTimestampText(s), s);
  }
  // the check above is only meaningful if many strings took the compact path
  assert.ok(read > 5000, `only ${read} strings read compactly`);
});
