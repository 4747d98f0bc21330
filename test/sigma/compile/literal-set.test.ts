/**
 * Huge value lists are bucketed (`compile/literal-set.ts`) instead of one
 * alternation regex: the answers must be the regex's, on SigmaHQ's largest
 * lists (driver hashes, emojis, npm package names) and on seeded values that
 * hold a literal at the start, inside, at the end, cut short, or none.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { isLargeList, LiteralSet } from '../../../src/sigma/compile/literal-set.js';
import { alternation } from '../../../src/sigma/compile/strings.js';
import { compileRules, loadRules } from '../../../src/sigma/index.js';
import { loadPipeline } from '../../../src/sigma/pipeline/index.js';
import type { SigmaValue } from '../../../src/sigma/rule/types.js';
import { Rng } from '../../../src/embed/rng.js';
import { sharedData } from '../../helpers.js';

const LARGEST = [
  'rules/windows/driver_load/driver_load_win_vuln_drivers',
  'rules/windows/driver_load/driver_load_win_mal_drivers',
  'rules/windows/process_creation/proc_creation_win_susp_emoji_usage_in_cli_2',
  'rules-emerging-threats/2025/Malware/Shai-Hulud/proc_creation_win_mal_shai_hulud_malicious_npm_package_installation',
].map((r) => join(sharedData, 'sigma', `${r}.yml`));

/** Every value list of a rule's detection, lowercased as the engine compares them. */
async function valueLists(file: string): Promise<string[][]> {
  const { rules } = await loadRules([file]);
  const lists: string[][] = [];
  for (const search of rules[0]!.detection.searches.values()) {
    for (const alt of search.alternatives) {
      for (const item of alt) {
        const texts: string[] = [];
        for (const v of item.values as SigmaValue[]) {
          if (v.type !== 'string') continue;
          let text = '';
          for (const p of v.parts) if (p.kind === 'text') text += p.text;
          if (v.parts.every((p) => p.kind === 'text')) texts.push(text.toLowerCase());
        }
        if (texts.length > 0) lists.push(texts);
      }
    }
  }
  return lists;
}

function values(lits: readonly string[], rng: Rng): string[] {
  const pick = () => lits[Math.floor(rng.next() * lits.length)]!;
  const filler = (n: number) => Array.from({ length: n }, () => String.fromCharCode(32 + Math.floor(rng.next() * 95))).join('');
  const out = ['', filler(3), filler(300)];
  for (let i = 0; i < 300; i++) {
    const l = pick();
    out.push(l, l + filler(20), filler(20) + l, filler(9) + l + filler(9), l.slice(0, -1), filler(5) + l.slice(1), l.toUpperCase());
  }
  return out;
}

test('bucketed literal lists answer as the alternation regex on SigmaHQ largest lists, anchored and not', async () => {
  const rng = new Rng(5);
  let checked = 0;
  let large = 0;
  for (const file of LARGEST) {
    for (const lits of await valueLists(file)) {
      if (!isLargeList(lits)) continue;
      large++;
      for (const anchored of [false, true]) {
        const set = new LiteralSet(lits, anchored);
        const re = alternation(lits, anchored ? '^' : '');
        for (const v of values(lits, rng)) {
          assert.equal(set.test(v), re.test(v), `${file} ${anchored ? 'prefix' : 'contains'}: ${JSON.stringify(v.slice(0, 80))}`);
          checked++;
        }
      }
    }
  }
  assert.ok(large >= 3, `${large} large lists`);
  assert.ok(checked > 10_000);
});

test('edge cases: the empty literal, values shorter than the key, one-character literals', () => {
  assert.equal(new LiteralSet(['', 'abc'], false).test(''), true);
  assert.equal(new LiteralSet(['', 'abc'], true).test('zz'), true);
  const short = new LiteralSet(['x', 'hello world'], false);
  assert.equal(short.test('a x b'), true);
  assert.equal(short.test('hello'), false);
  const prefix = new LiteralSet(['abcdefghij', 'abcdefgh'], true);
  assert.equal(prefix.test('abcdefg'), false);
  assert.equal(prefix.test('abcdefgh'), true);
  assert.equal(prefix.test('zabcdefgh'), false);
});

test('Vulnerable Driver Load still fires on one of its 4,432 hashes, and its first test no longer compiles a huge regex', async () => {
  const [file] = LARGEST;
  const collection = await loadRules([file!]);
  const set = compileRules(collection, { pipeline: loadPipeline(['default']) });
  const hashes = (await valueLists(file!)).flat().filter((l) => l.startsWith('md5='));
  assert.ok(hashes.length > 1000);
  const event = (h: string) => ({ EventID: 6, Channel: 'Microsoft-Windows-Sysmon/Operational', ImageLoaded: 'C:\\Windows\\System32\\drivers\\x.sys', Hashes: `SHA1=${'0'.repeat(40)},${h.toUpperCase()},IMPHASH=${'1'.repeat(32)}` });
  assert.equal(set.matchEvent(event('MD5=' + 'f'.repeat(32))).length, 0); // warms the engine's code; the literal index rules this one out
  const t = performance.now();
  assert.equal(set.matchEvent(event(hashes[1234]!)).length, 1); // the first event the list itself is tested on
  const first = performance.now() - t;
  assert.equal(set.matchEvent(event(hashes[2]!.replace(/.$/, (c) => (c === '0' ? '1' : '0')))).length, 0, 'one hex digit off');
  assert.ok(first < 100, `first test ${first.toFixed(1)} ms`);
});
