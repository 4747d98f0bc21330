/**
 * Per-value memos (scan results of the literal index, answers of single-field
 * items) change no match: a rule set compiled with them agrees with one
 * compiled without, event by event, when values repeat (answers replayed),
 * when the budget is spent and every memo is emptied mid-stream, when one
 * value matters in several rules and in events of different kinds, and when
 * long multi-line values are scanned and remembered line by line.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileRules, loadRuleText, type CompiledRuleSet } from '../../../src/sigma/index.js';
import { loadPipeline } from '../../../src/sigma/pipeline/index.js';
import { HASHED_MAX_CHARS, MEMO_LONG_MAX_CHARS, MEMO_MAX_CHARS, MemoBudget } from '../../../src/sigma/compile/literal-memo.js';
import { LINE_SCAN_MIN_CHARS } from '../../../src/sigma/compile/literal-index.js';
import { rng } from '../../logs/mutate.js';

let n = 0;
const rule = (title: string, category: string, detection: string): string =>
  `title: ${title}\nid: 00000000-0000-4000-8000-${String(++n).padStart(12, '0')}\nlogsource: {product: windows, category: ${category}}\ndetection:\n${detection}\n---\n`;

const RULES =
  rule('encoded powershell', 'process_creation', "  sel:\n    Image|endswith: '\\powershell.exe'\n    CommandLine|contains: [' -enc ', ' -e ', 'frombase64string']\n  condition: sel") +
  rule('powershell not from explorer', 'process_creation', "  sel:\n    Image|endswith: '\\powershell.exe'\n  parent:\n    ParentImage|endswith: '\\explorer.exe'\n  condition: sel and not parent") +
  rule('rundll32 no args', 'process_creation', "  sel:\n    Image|endswith: '\\rundll32.exe'\n    CommandLine|re: '(?i)rundll32(\\.exe)?\"?\\s*$'\n  condition: sel") +
  rule('cmd redirect', 'process_creation', "  sel:\n    CommandLine|contains|all: ['cmd', '> ']\n  condition: sel") +
  rule('certutil download', 'process_creation', "  sel:\n    CommandLine|contains|windash: ['-urlcache', '-verifyctl']\n    Image|endswith: '\\certutil.exe'\n  condition: sel") +
  rule('same image parent', 'process_creation', "  sel:\n    Image|fieldref: ParentImage\n  condition: sel") +
  rule('temp dll load', 'image_load', "  sel:\n    ImageLoaded|contains: '\\Temp\\'\n    ImageLoaded|endswith: '.dll'\n  condition: sel") +
  rule('powershell loads', 'image_load', "  sel:\n    Image|endswith: '\\powershell.exe'\n  condition: sel") +
  rule('mimikatz keyword', 'process_creation', "  keywords:\n    - 'sekurlsa'\n  condition: keywords") +
  // more substring literals than native searches take: the gram scanner, which counts a literal once per scanned text
  rule('recon', 'process_creation', "  sel:\n    CommandLine|contains: ['whoami', 'net user', 'ipconfig', 'systeminfo', 'tasklist', 'netstat', 'nltest', 'quser']\n  condition: sel") +
  // a literal with a newline: its field (not CommandLine) is scanned whole, never line by line
  rule('two-line description', 'process_creation', '  sel:\n    Description|contains: "net user\\nwhoami"\n  condition: sel');

function compile(opts: { scanMemo?: boolean; scanMemoBudget?: number }): CompiledRuleSet {
  const c = loadRuleText(RULES, 'literal-memo.yml');
  assert.deepEqual(c.issues, []);
  const set = compileRules(c, { pipeline: loadPipeline(['windows']), ...opts });
  assert.deepEqual(set.issues, []);
  return set;
}

const IMAGES = ['C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe', 'C:\\Windows\\explorer.exe', 'C:\\Windows\\System32\\rundll32.exe', 'C:\\Windows\\System32\\cmd.exe', 'C:\\Windows\\System32\\certutil.exe', 'C:\\Users\\a\\AppData\\Local\\Temp\\x.exe'];
const LINES = ['powershell -enc SQBFAFgA', 'powershell -nop -w hidden', 'rundll32.exe', 'rundll32.exe shell32.dll,Control_RunDLL', 'cmd /c whoami > c:\\out.txt', 'certutil /urlcache -f http://x/y.exe', 'certutil -verifyctl -f', 'mimikatz sekurlsa::logonpasswords', 'notepad.exe', ''];
const LOADED = ['C:\\Users\\a\\AppData\\Local\\Temp\\evil.dll', 'C:\\Windows\\System32\\ntdll.dll', 'C:\\Users\\a\\AppData\\Local\\Temp\\readme.txt'];

/** A stream drawn from few values, so most values repeat; some events lack fields or carry other types. */
function events(count: number, seed: number): Record<string, unknown>[] {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const out: Record<string, unknown>[] = [];
  for (let i = 0; i < count; i++) {
    if (r() < 0.25) {
      out.push({ Channel: 'Microsoft-Windows-Sysmon/Operational', EventID: 7, Image: pick(IMAGES), ImageLoaded: pick(LOADED) });
      continue;
    }
    const e: Record<string, unknown> = { Channel: 'Microsoft-Windows-Sysmon/Operational', EventID: 1, Image: pick(IMAGES), CommandLine: pick(LINES) };
    if (r() < 0.8) e.ParentImage = pick(IMAGES);
    if (r() < 0.05) e.CommandLine = 12345; // not a string: scanned, not remembered
    if (r() < 0.05) e.CommandLine = `${pick(LINES)} ${'x'.repeat(MEMO_MAX_CHARS)}`; // long: remembered from its second sighting
    if (r() < 0.02) e.CommandLine = `${pick(LINES)} ${'y'.repeat(MEMO_LONG_MAX_CHARS)}`; // too long to remember
    if (r() < 0.15) e.CommandLine = multiLine(r, i); // scanned line by line
    if (r() < 0.1) e.Description = multiLine(r, i);
    out.push(e);
  }
  return out;
}

/**
 * A long value of lines drawn from few (so lines repeat where whole values do not: one line is a counter),
 * a literal often in two of its lines, some lines over the memo limits, sigmas next to line breaks.
 */
function multiLine(r: () => number, counter: number): string {
  const pool = [...LINES, 'net user', 'whoami', 'whoami /all', 'net user\nwhoami', `pad ${'z'.repeat(LINE_SCAN_MIN_CHARS)}`, `PAD ${'w'.repeat(MEMO_MAX_CHARS)} -enc `, 'ΟΔΟΣ', 'Σ -ENC ', ''];
  const lines: string[] = [];
  const k = 2 + Math.floor(r() * 6);
  for (let j = 0; j < k; j++) lines.push(pool[Math.floor(r() * pool.length)]!);
  lines.splice(Math.floor(r() * lines.length), 0, `Sequence Number = ${counter}`);
  let text = lines.join(r() < 0.5 ? '\r\n' : '\n');
  while (text.length < LINE_SCAN_MIN_CHARS) text += `\n${'q'.repeat(100)}`;
  return text;
}

const titles = (set: CompiledRuleSet, e: Record<string, unknown>): string[] => set.matchEvent(e).map((m) => m.rule.ref.title).sort();

test('memos change no match: repeated values, values too long or not strings, a budget spent mid-stream', () => {
  const plain = compile({ scanMemo: false });
  const memo = compile({});
  const tiny = compile({ scanMemoBudget: 600 });
  assert.equal(plain.memoStats(), undefined);
  const stream = events(3000, 7);
  let matched = 0;
  for (const e of stream) {
    const want = titles(plain, e);
    const brute = plain.rules.filter((r) => r.match(e) !== undefined).map((r) => r.ref.title).sort();
    assert.deepEqual(want, brute, 'the memo-free set agrees with brute force');
    assert.deepEqual(titles(memo, e), want, `memos: ${JSON.stringify(e)}`);
    assert.deepEqual(titles(tiny, e), want, `tiny budget: ${JSON.stringify(e)}`);
    matched += want.length;
  }
  assert.ok(matched > 1000, `only ${matched} matches: the comparison would prove little`);
  for (const t of ['encoded powershell', 'powershell not from explorer', 'rundll32 no args', 'cmd redirect', 'certutil download', 'same image parent', 'temp dll load', 'powershell loads', 'mimikatz keyword', 'recon', 'two-line description']) {
    assert.ok(stream.some((e) => titles(plain, e).includes(t)), `${t} fires somewhere in the stream`);
  }
  const s = memo.memoStats()!;
  assert.ok(s.hits > 10 * s.scans, `values repeat, so answers are replayed: ${JSON.stringify(s)}`);
  assert.equal(s.resets, 0);
  const t = tiny.memoStats()!;
  assert.ok(t.resets > 10, `the tiny budget is spent again and again: ${JSON.stringify(t)}`);
});

test('long values are remembered from their second sighting, values over the long limit never', () => {
  const budget = new MemoBudget();
  const memo = budget.itemMemo();
  assert.equal(memo.admits('short value'), true, 'short values at once');
  const long = `powershell -enc ${'A'.repeat(MEMO_MAX_CHARS)}`;
  assert.equal(memo.admits(long), false, 'a long value seen once is not looked up');
  assert.equal(memo.admits(long.slice(0, -1) + 'B'), false, 'nor another long value of the same length');
  assert.equal(memo.admits(`${long}`), true, 'the same long value again is');
  const huge = 'x'.repeat(MEMO_LONG_MAX_CHARS + 1);
  assert.equal(memo.admits(huge), false);
  assert.equal(memo.admits(huge), false, 'values over the long limit never are');
  memo.clear();
  assert.equal(memo.admits(long), false, 'a cleared memo forgets what it saw once');
});

test('a long value seen once is admitted only when it comes again in full, not when one like it does', () => {
  const memo = new MemoBudget().itemMemo();
  const long = 'a'.repeat(MEMO_MAX_CHARS + 500);
  // the fingerprint samples a few dozen characters: a counter between two samples leaves it unchanged
  const near = long.slice(0, 1001) + 'b' + long.slice(1002);
  assert.equal(memo.admits(long), false);
  assert.equal(memo.admits(near), false, 'a value that differs only where the fingerprint does not look is not a repeat');
  assert.equal(memo.admits(long), false, 'and it took the place of the first');
  assert.equal(memo.admits(long), true, 'a true repeat is admitted');
});

test('keys over the hashed length are found by fingerprint and compared in full; a bucket keeps the newest four', () => {
  const memo = new MemoBudget().itemMemo();
  const base = 'c'.repeat(HASHED_MAX_CHARS * 4);
  // differ at one position the fingerprint does not sample (every 32nd character, and the last eight)
  const variant = (k: number) => base.slice(0, 501) + String.fromCharCode(0x41 + k) + base.slice(502);
  for (let k = 0; k < 6; k++) memo.set(variant(k), k % 2 === 0);
  assert.equal(memo.get(variant(0)), undefined, 'the oldest made way');
  assert.equal(memo.get(variant(1)), undefined);
  for (let k = 2; k < 6; k++) assert.equal(memo.get(`${variant(k)}`), k % 2 === 0, `variant ${k}`);
  assert.equal(memo.get(variant(7)), undefined, 'a key sharing the fingerprint is not taken for another');
  assert.equal(memo.size, 4);
  memo.clear();
  assert.equal(memo.get(variant(5)), undefined);
  assert.equal(memo.size, 0);
});

test('lowercasing line by line equals lowercasing the whole value (final sigma included)', () => {
  const r = rng(11);
  const alphabet = ['Σ', 'σ', 'ς', 'Α', 'a', 'B', ' ', '.', "'", '\u00ad', '\n', '\r', 'İ', 'K', '\ud83d', '\ude00', '1'];
  for (let i = 0; i < 5000; i++) {
    let s = '';
    const n = 1 + Math.floor(r() * 24);
    for (let j = 0; j < n; j++) s += alphabet[Math.floor(r() * alphabet.length)];
    assert.deepEqual(s.split('\n').map((l) => l.toLowerCase()), s.toLowerCase().split('\n'), JSON.stringify(s));
  }
});

test('a line remembered from a value whose earlier line held the same literal still holds it', () => {
  const memo = compile({});
  const plain = compile({ scanMemo: false });
  const pad = (c: string) => c.repeat(LINE_SCAN_MIN_CHARS);
  const ev = (commandLine: string) => ({ Channel: 'Microsoft-Windows-Sysmon/Operational', EventID: 1, Image: 'C:\\Windows\\System32\\cmd.exe', CommandLine: commandLine });
  // both lines new in the first event, each has `whoami`; the second event repeats only the second line
  const first = ev(`whoami /all\nwhoami\n${pad('p')}`);
  const second = ev(`whoami\n${pad('q')}`);
  for (const e of [first, second]) assert.deepEqual(titles(memo, e), titles(plain, e));
  assert.deepEqual(titles(memo, second), ['recon']);
});
