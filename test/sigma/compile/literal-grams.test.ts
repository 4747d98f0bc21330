/**
 * The gram scanner on its own: whatever step it samples at, and whether the
 * value is copied natively (long values) or not, every literal present in a
 * value is reported, at any position (start, end, overlapping others), and
 * no absent one is; compared with `includes` on random texts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseStep, GramScanner } from '../../../src/sigma/compile/literal-grams.js';
import { HitState } from '../../../src/sigma/compile/literal-hits.js';

/** A small deterministic generator (the test must not depend on Math.random's sequence). */
function rng(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x / 2 ** 32;
  };
}

const ALPHABET = 'abcde-. \\é€';

function text(r: () => number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += ALPHABET[Math.floor(r() * ALPHABET.length)]!;
  return s;
}

function found(scanner: GramScanner, st: HitState, s: string, stamp: number): number[] {
  st.hitCount = 0;
  scanner.scan(s, stamp, st);
  return [...st.hits.subarray(0, st.hitCount)].sort((a, b) => a - b);
}

test('gram scanner at steps 1 to 6: same literals as includes, short and long values', () => {
  const r = rng(7);
  const lits = [...new Set(Array.from({ length: 60 }, (_, i) => text(r, 3 + (i % 15))))];
  for (let step = 1; step <= 6; step++) {
    const scanner = new GramScanner(step);
    lits.forEach((l, i) => scanner.add(l, i, i, new Map()));
    scanner.finish();
    const st = new HitState(lits.length, new Uint8Array(lits.length).fill(1));
    let stamp = 0;
    for (let round = 0; round < 300; round++) {
      // plant a few literals at random places (the first and last positions included) in noise
      let s = text(r, Math.floor(r() * 200));
      for (let k = 0; k < 3; k++) {
        const l = lits[Math.floor(r() * lits.length)]!;
        const at = round % 3 === 0 ? 0 : round % 3 === 1 ? s.length : Math.floor(r() * (s.length + 1));
        s = s.slice(0, at) + l + s.slice(at);
      }
      const want = lits.map((l, i) => (s.includes(l) ? i : -1)).filter((i) => i >= 0);
      assert.deepEqual(found(scanner, st, s, ++stamp), want, `step ${step}: ${JSON.stringify(s)}`);
    }
  }
});

test('chooseStep: sampling only when few literals are too short for it', () => {
  assert.equal(chooseStep([...Array(30).fill(4), ...Array(200).fill(16)]), 1);
  assert.ok(chooseStep([...Array(200).fill(16), 4, 6]) > 1);
});

test('non-ASCII literals (an emoji list, Unicode dashes) are found in values that have them, ASCII ones in every value', () => {
  const r = rng(11);
  const emoji = Array.from({ length: 40 }, (_, i) => String.fromCodePoint(0x1f600 + i));
  const lits = [...emoji, '—', '\u2015', 'ˣ', '-f', '`', 'cmd', 'powershell', '.exe', ' /c ', 'a—b'];
  const scanner = new GramScanner(1);
  lits.forEach((l, i) => scanner.add(l, i, i, new Map()));
  scanner.finish();
  const st = new HitState(lits.length, new Uint8Array(lits.length).fill(1));
  let stamp = 0;
  for (let round = 0; round < 400; round++) {
    // ASCII noise whose folded code units collide with the emoji's surrogates, then maybe a few planted literals
    let s = Array.from({ length: Math.floor(r() * 120) }, () => String.fromCharCode(0x20 + Math.floor(r() * 95))).join('');
    for (let k = 0; k < (round % 4); k++) {
      const l = lits[Math.floor(r() * lits.length)]!;
      const at = Math.floor(r() * (s.length + 1));
      s = s.slice(0, at) + l + s.slice(at);
    }
    const want = lits.map((l, i) => (s.includes(l) ? i : -1)).filter((i) => i >= 0);
    assert.deepEqual(found(scanner, st, s, ++stamp), want, JSON.stringify(s));
  }
});
