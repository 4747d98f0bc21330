/**
 * Dispatch and literal prefilter: every shortcut `matchEvent` takes must
 * agree with testing each rule on its own (`rule.match`, brute force). Each
 * case targets one mechanism (derived EventID conditions, keys over several
 * fields, array values, numeric strings, field-specific literals, one- and
 * two-character literals and their folded codes, keyword searches, regex
 * length bounds); a seeded random test mixes them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileRules, loadRuleText, type CompiledRuleSet } from '../../../src/sigma/index.js';
import { loadPipeline } from '../../../src/sigma/pipeline/index.js';
import { fired } from './fired.js';
import { regexMinLength, runLengthTest } from '../../../src/sigma/compile/regex-length.js';
import { rng } from '../../logs/mutate.js';
import { RE2JS } from 're2js';

function rules(body: string): CompiledRuleSet {
  const c = loadRuleText(body, 'prefilter.yml');
  assert.deepEqual(c.issues, []);
  return compileRules(c, { pipeline: loadPipeline(['windows']) });
}

let n = 0;
const rule = (title: string, logsource: string, detection: string): string =>
  `title: ${title}\nid: 00000000-0000-4000-8000-${String(++n).padStart(12, '0')}\nlogsource: ${logsource}\ndetection:\n${detection}\n---\n`;

const SEC = { Channel: 'Security', Provider_Name: 'Microsoft-Windows-Security-Auditing', Computer: 'DC1' };
const SYSMON = { Channel: 'Microsoft-Windows-Sysmon/Operational', Computer: 'WS1' };

test('EventID in the detection narrows dispatch; numeric strings, padded numbers and arrays still match', () => {
  const set = rules(
    rule('logon type 3', '{product: windows, service: security}', '  sel:\n    EventID: 4624\n    LogonType: 3\n  condition: sel') +
      rule('either id', '{product: windows, service: security}', "  a:\n    EventID: 4720\n  b:\n    EventID: '4726'\n  condition: a or b") +
      rule('negated id', '{product: windows, service: security}', '  sel:\n    EventID: 4625\n  condition: not sel'),
  );
  assert.deepEqual(fired(set, { ...SEC, EventID: 4624, LogonType: 3 }), ['logon type 3', 'negated id']);
  assert.deepEqual(fired(set, { ...SEC, EventID: '4624', LogonType: '3' }), ['logon type 3', 'negated id']);
  assert.deepEqual(fired(set, { ...SEC, EventID: ' 04624 ', LogonType: 3 }), ['logon type 3', 'negated id']);
  assert.deepEqual(fired(set, { ...SEC, EventID: [4688, 4624], LogonType: 3 }), ['logon type 3', 'negated id']);
  assert.deepEqual(fired(set, { ...SEC, EventID: 4726 }), ['either id', 'negated id']);
  assert.deepEqual(fired(set, { ...SEC, EventID: 4625 }), []);
  assert.deepEqual(fired(set, { ...SEC, Channel: 'security', EventID: 4720 }), ['either id', 'negated id'], 'channel compared case-insensitively');
  assert.deepEqual(fired(set, { ...SEC, Channel: 'System', EventID: 4720 }), []);
  assert.deepEqual(fired(set, { ...SEC, EventID: undefined }), ['negated id'], 'a missing EventID is not 4625');
});

test('keys over several fields: Linux-Sysmon EventID 1 is not Windows Sysmon EventID 1', () => {
  const c = loadRuleText(
    rule('linux curl', '{product: linux, category: process_creation}', "  sel:\n    Image|endswith: '/curl'\n  condition: sel") +
      rule('windows curl', '{product: windows, category: process_creation}', "  sel:\n    Image|endswith: '\\curl.exe'\n  condition: sel"),
    'keys.yml',
  );
  const set = compileRules(c, { pipeline: loadPipeline(['default']) });
  assert.deepEqual(fired(set, { ...SYSMON, EventID: 1, Image: 'C:\\bin\\curl.exe' }), ['windows curl']);
  assert.deepEqual(fired(set, { Channel: 'Linux-Sysmon/Operational', EventID: 1, Image: '/usr/bin/curl' }), ['linux curl']);
  assert.deepEqual(fired(set, { Channel: 'Linux-Sysmon/Operational', EventID: 3, Image: '/usr/bin/curl' }), []);
});

test('field-specific literals: a literal in another field does not make a rule a candidate, but the rule still fires where it should', () => {
  const set = rules(
    rule('encoded powershell', '{product: windows, category: process_creation}', "  img:\n    Image|endswith: '\\powershell.exe'\n  cli:\n    CommandLine|contains: ' -enc '\n  condition: img and cli") +
      rule('mapped alternatives', '{product: windows, category: process_creation}', "  sel:\n    Provider_Name: 'Microsoft-Windows-Sysmon'\n    CommandLine|contains: 'whoami'\n  condition: sel"),
  );
  const ev = { ...SYSMON, EventID: 1, Image: 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe', CommandLine: 'powershell -enc AAAA' };
  assert.deepEqual(fired(set, ev), ['encoded powershell']);
  assert.deepEqual(fired(set, { ...ev, CommandLine: 'notepad.exe', ParentCommandLine: 'x -enc y' }), []);
  // Provider_Name maps to [Provider_Name, SourceName]: either spelling counts
  assert.deepEqual(fired(set, { ...SYSMON, EventID: 1, SourceName: 'Microsoft-Windows-Sysmon', CommandLine: 'WHOAMI /all' }), ['mapped alternatives']);
  assert.deepEqual(fired(set, { ...SYSMON, EventID: 1, Provider_Name: 'Microsoft-Windows-Sysmon', CommandLine: 'cmd /c whoami' }), ['mapped alternatives']);
});

test('short literals: one and two characters, ASCII and not, share folded codes without hiding each other', () => {
  const set = rules(
    rule('caret pair', '{product: windows, category: process_creation}', "  sel:\n    CommandLine|contains: ['^^', '^|^']\n  condition: sel") +
      rule('backtick', '{product: windows, category: process_creation}', "  sel:\n    CommandLine|re: '\\w`\\w'\n  condition: sel") +
      rule('rtlo', '{product: windows, category: file_event}', "  sel:\n    TargetFilename|contains: '\u202e'\n  ext:\n    TargetFilename|contains: 'fdp.'\n  condition: sel and ext"),
  );
  const proc = { ...SYSMON, EventID: 1 };
  assert.deepEqual(fired(set, { ...proc, CommandLine: 'c^^md /c echo' }), ['caret pair']);
  assert.deepEqual(fired(set, { ...proc, CommandLine: 'IN`V`oke-expression' }), ['backtick']);
  assert.deepEqual(fired(set, { ...proc, CommandLine: 'plain ^ and ` alone' }), []);
  // U+202E folds to the same 7-bit code as 'n': an earlier 'n' must not mark the code as done
  const file = { ...SYSMON, EventID: 11 };
  assert.deepEqual(fired(set, { ...file, TargetFilename: 'C:\\Users\\n\\invoice\u202efdp.exe' }), ['rtlo']);
  assert.deepEqual(fired(set, { ...file, TargetFilename: 'C:\\Users\\n\\invoicefdp.exe' }), []);
});

test('keyword searches: substring keywords over every value (nested too), case-insensitive, non-ASCII values', () => {
  const set = rules(
    rule('keywords', '{product: windows, service: application}', "  keywords:\n    - 'Mimikatz'\n    - 'HackTool'\n  condition: keywords") +
      rule('keyword with wildcard', '{product: windows, service: application}', "  keywords:\n    - 'evil*payload'\n  condition: keywords"),
  );
  const app = { Channel: 'Application', EventID: 1000 };
  assert.deepEqual(fired(set, { ...app, Data: 'found MIMIKATZ here' }), ['keywords']);
  assert.deepEqual(fired(set, { ...app, Nested: { deep: ['x', 'hacktool:win32'] } }), ['keywords']);
  assert.deepEqual(fired(set, { ...app, Data: 'Ünïcödé HackTool ✓' }), ['keywords']);
  assert.deepEqual(fired(set, { ...app, A: 'evil', B: 'payload' }), [], 'a wildcard keyword never spans two values');
  assert.deepEqual(fired(set, { ...app, A: 'evil-and-payload' }), ['keyword with wildcard']);
  assert.deepEqual(fired(set, { ...app, Data: 'clean' }), []);
});

test('substring keywords: in a field rules read or one none names, in a number, never across two values', () => {
  const set = rules(
    rule('perfc', '{product: windows, category: process_creation}', "  kw:\n    - '\\perfc.dat'\n    - '4711'\n  condition: kw") +
      rule('reads CommandLine', '{product: windows, category: process_creation}', "  sel:\n    CommandLine|contains: 'zzqq'\n  condition: sel"),
  );
  const proc = { ...SYSMON, EventID: 1 };
  assert.deepEqual(fired(set, { ...proc, CommandLine: 'rundll32 C:\\Windows\\PERFC.DAT,#1' }), ['perfc'], 'in a field the literal scan reads');
  assert.deepEqual(fired(set, { ...proc, SomeFieldNoRuleNames: 'x\\Perfc.Dat' }), ['perfc'], 'in a field no rule names');
  assert.deepEqual(fired(set, { ...proc, Count: 94711 }), ['perfc'], 'a number value');
  assert.deepEqual(fired(set, { ...proc, A: 'x\\perfc', B: '.dat' }), [], 'a keyword never spans two values');
  assert.deepEqual(fired(set, { ...proc, CommandLine: 'zzqq \\perfc.dat' }).sort(), ['perfc', 'reads CommandLine']);
  assert.deepEqual(fired(set, { ...proc, CommandLine: 'clean' }), []);
});

test('regex minimum length: exact for known syntax, 0 (no filtering) for anything unknown, never more than a real match', () => {
  const cases: Array<[string, number]> = [
    ['\\s[a-fA-F0-9]{64}\\s[a-fA-F0-9]{16}', 82],
    ['.{1000,}', 1000],
    ['a|bc', 1],
    ['(ab)+c?', 2],
    ['(?i)x(?:y|zz){2,3}', 3],
    ['\\Qa.b\\E', 3],
    ['[]a]x', 2],
    ['a{,3}', 5], // RE2: not a repetition, literal text
    ['^\\bfoo$', 3],
    ['\\pL\\p{Greek}\\x{41}\\x41\\101', 5],
    ['(?P<n>ab){2}', 4],
  ];
  for (const [p, want] of cases) assert.equal(regexMinLength(p), want, p);
  // every match re2js finds is at least that long
  const samples = ['', 'a', 'ab', 'abc', 'xyzz', 'xyy', 'a{,3}', ']x', 'foo', ' ' + 'a'.repeat(64) + ' ' + 'b'.repeat(16), 'Aλ' + 'A'];
  for (const [p] of cases) {
    const re = RE2JS.compile(p);
    for (const s of samples) {
      const m = re.matcher(s);
      while (m.find()) assert.ok(m.group(0)!.length >= regexMinLength(p), `${p} matched ${JSON.stringify(m.group(0))} in ${JSON.stringify(s)}`);
    }
  }
});

test('run-only patterns (.{n,} and kin) are answered by counting, exactly as re2js answers them', () => {
  const patterns = ['.{5,}', '(.){5,}', '(?:.){5}', '.{5,7}', '(?s).{5,}', '.{1,}', '.{0,}'];
  for (const p of ['.{5,}a', 'a.{5,}', '[^x]{5,}', '.{5,}|b', '.+', '(?i).{5,}']) assert.equal(runLengthTest(p, { s: false }), undefined, `${p} is not run-only`);
  const r = rng(11);
  // newlines, carriage returns, surrogate pairs, lone surrogates and plain letters, around the length bound
  const parts = ['a', 'b', '\n', '\r', '\u{1F600}', '\ud800', '\udc00', 'λ', ' '];
  const values: string[] = ['', 'abcd', 'abcde', 'ab\ncde', 'abcde\n', '\n\nabcde', '\u{1F600}'.repeat(4), '\u{1F600}'.repeat(5), 'a'.repeat(3000)];
  for (let k = 0; k < 600; k++) {
    let v = '';
    const len = Math.floor(r() * 14);
    for (let i = 0; i < len; i++) v += parts[Math.floor(r() * parts.length)];
    values.push(v);
  }
  for (const p of patterns) {
    for (const s of [false, true]) {
      const run = runLengthTest(p, { s });
      assert.ok(run, `${p} is run-only`);
      const re = RE2JS.compile(p, s ? RE2JS.DOTALL : 0);
      for (const v of values) assert.equal(run(v), re.matcher(v).find(), `${p}${s ? ' (s)' : ''} on ${JSON.stringify(v)}`);
    }
  }
});

test('seeded random events: the fast path equals brute force', () => {
  const set = rules(
    rule('r1', '{product: windows, category: process_creation}', "  a:\n    Image|endswith: ['\\cmd.exe', '\\pwsh.exe']\n  b:\n    CommandLine|contains|all: ['/c', 'echo']\n  f:\n    User|startswith: 'NT AUTHORITY'\n  condition: a and b and not f") +
      rule('r2', '{product: windows, category: process_creation}', "  a:\n    - CommandLine|contains: 'vssadmin'\n    - OriginalFileName: 'VSSADMIN.EXE'\n  b:\n    CommandLine|contains: 'delete'\n  condition: all of them") +
      rule('r3', '{product: windows, service: security}', "  a:\n    EventID: [4624, 4625]\n    LogonType: [3, 10]\n  b:\n    IpAddress|cidr: '10.0.0.0/8'\n  condition: a and not b") +
      rule('r4', '{product: windows, category: process_creation}', "  a:\n    CommandLine|windash|contains: ' -enc'\n  condition: a") +
      rule('r5', '{product: windows, category: process_creation}', "  a:\n    CommandLine|base64offset|contains: 'http'\n  condition: a") +
      rule('r6', '{product: windows, category: file_event}', "  a:\n    TargetFilename|re: '(?i)\\\\temp\\\\[a-z]{8}\\.exe$'\n  condition: a"),
  );
  let seed = 20240601;
  const rand = (): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const frags = ['cmd', '.exe', '\\cmd.exe', '\\pwsh.exe', '/c', 'echo', 'vssadmin', 'delete', ' -enc', ' /enc', ' –enc', 'aHR0cDovL', 'h0dHA6Ly', 'odHRwOi8v', '\\Temp\\', 'abcdefgh', 'NT AUTHORITY', 'x', ' ', 'É', '\u202e'];
  const text = (): string => Array.from({ length: 1 + Math.floor(rand() * 6) }, () => pick(frags)).join('');
  let hits = 0;
  for (let i = 0; i < 3000; i++) {
    const kind = pick(['proc', 'proc', 'file', 'sec', 'other']);
    const ev: Record<string, unknown> =
      kind === 'proc'
        ? { ...SYSMON, EventID: pick([1, '1', 1, 2]), Image: 'C:\\' + text(), CommandLine: text(), User: pick(['NT AUTHORITY\\SYSTEM', 'corp\\bob']), OriginalFileName: pick(['VSSADMIN.EXE', 'cmd.exe']) }
        : kind === 'file'
          ? { ...SYSMON, EventID: 11, TargetFilename: 'C:\\Users\\x' + text() }
          : kind === 'sec'
            ? { ...SEC, EventID: pick([4624, 4625, '4624', 4688]), LogonType: pick([3, '10', 2]), IpAddress: pick(['10.1.2.3', '8.8.8.8', '-']) }
            : { Channel: pick(['Application', 'System']), EventID: pick([1, 4624]), Data: text() };
    hits += fired(set, ev).length;
  }
  assert.ok(hits > 300, `only ${hits} hits: the comparison would prove little`);
});
