/**
 * The literal index by literal position: whole-value, prefix and suffix
 * literals are looked up at the value's ends (maps and tries), substring
 * literals scanned (4-gram / 3-gram passes, or native `includes` for short
 * and few ones), and clauses the index leaves out are verified on the
 * candidate. Every case compares `matchEvent` with testing each rule alone
 * (brute force), so a shortcut that loses a match fails here.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileRules, loadRuleText, type CompiledRuleSet } from '../../../src/sigma/index.js';
import { loadPipeline } from '../../../src/sigma/pipeline/index.js';
import { fired } from './fired.js';
import { NEEDLE_MAX, planSubstringClauses, splitClauses } from '../../../src/sigma/compile/literal-plan.js';
import type { NeedLiteral } from '../../../src/sigma/compile/item.js';

function rules(body: string): CompiledRuleSet {
  const c = loadRuleText(body, 'literal-index.yml');
  assert.deepEqual(c.issues, []);
  const set = compileRules(c, { pipeline: loadPipeline(['windows']) });
  assert.deepEqual(set.issues, []);
  return set;
}

let n = 0;
const proc = (title: string, detection: string): string =>
  `title: ${title}\nid: 00000000-0000-4000-8000-${String(++n).padStart(12, '0')}\nlogsource: {product: windows, category: process_creation}\ndetection:\n${detection}\n---\n`;
const EV = { Channel: 'Microsoft-Windows-Sysmon/Operational', EventID: 1 };

test('suffix literals: a path component, a longer tail, no backslash; case-insensitive; only at the end', () => {
  const set = rules(
    proc('cmd', "  sel:\n    Image|endswith: '\\cmd.exe'\n  condition: sel") +
      proc('system32 cmd', "  sel:\n    Image|endswith: '\\System32\\cmd.exe'\n  condition: sel") +
      proc('script', "  sel:\n    Image|endswith: '.PS1'\n  condition: sel"),
  );
  assert.deepEqual(fired(set, { ...EV, Image: 'C:\\WINDOWS\\SYSTEM32\\CMD.EXE' }), ['cmd', 'system32 cmd']);
  assert.deepEqual(fired(set, { ...EV, Image: 'C:\\Windows\\SysWOW64\\cmd.exe' }), ['cmd']);
  assert.deepEqual(fired(set, { ...EV, Image: 'cmd.exe' }), [], 'no backslash: not a `\\cmd.exe` suffix');
  assert.deepEqual(fired(set, { ...EV, Image: '\\cmd.exe' }), ['cmd']);
  assert.deepEqual(fired(set, { ...EV, Image: 'C:\\x\\cmd.exe.bak' }), [], 'suffix in the middle');
  assert.deepEqual(fired(set, { ...EV, Image: 'C:\\tmp\\x.ps1' }), ['script']);
  assert.deepEqual(fired(set, { ...EV, Image: ['C:\\a.txt', 'D:\\cmd.exe'] }), ['cmd'], 'any element of an array');
});

test('whole-value and prefix literals; `cased` keeps the case test; windash suffixes are found anywhere', () => {
  const set = rules(
    proc('ofn', "  sel:\n    OriginalFileName: 'PowerShell.EXE'\n  condition: sel") +
      proc('prefix', "  sel:\n    CurrentDirectory|startswith: 'C:\\Users\\Public\\'\n  condition: sel") +
      proc('cased', "  sel:\n    Image|endswith|cased: '\\PsExec.exe'\n  condition: sel") +
      proc('dash', "  sel:\n    CommandLine|windash|endswith: ' -nop'\n  condition: sel"),
  );
  assert.deepEqual(fired(set, { ...EV, OriginalFileName: 'powershell.exe' }), ['ofn']);
  assert.deepEqual(fired(set, { ...EV, OriginalFileName: 'powershell.exe ' }), []);
  assert.deepEqual(fired(set, { ...EV, CurrentDirectory: 'c:\\users\\public\\x\\' }), ['prefix']);
  assert.deepEqual(fired(set, { ...EV, CurrentDirectory: 'd:\\c:\\users\\public\\' }), []);
  assert.deepEqual(fired(set, { ...EV, Image: 'C:\\t\\PsExec.exe' }), ['cased']);
  assert.deepEqual(fired(set, { ...EV, Image: 'C:\\t\\psexec.exe' }), [], 'cased: the index may pass it, the test does not');
  assert.deepEqual(fired(set, { ...EV, CommandLine: 'powershell /nop' }), ['dash']);
  assert.deepEqual(fired(set, { ...EV, CommandLine: 'powershell \u2013nop' }), ['dash']);
});

test('not, keyword searches and 1 of: rules without a usable clause are always tried and still fire', () => {
  const set = rules(
    proc('not', "  sel:\n    Image|endswith: '\\explorer.exe'\n  condition: not sel") +
      proc('keyword or image', "  img:\n    Image|endswith: '\\rundll32.exe'\n  kw:\n    - '\\perfc.dat'\n  condition: 1 of them") +
      proc('one of', "  a:\n    Image|endswith: '\\a.exe'\n  b:\n    CommandLine|contains: 'zzzq'\n  condition: 1 of them"),
  );
  assert.deepEqual(fired(set, { ...EV, Image: 'C:\\x\\notepad.exe' }), ['not']);
  assert.deepEqual(fired(set, { ...EV, Image: 'C:\\x\\explorer.exe', CommandLine: 'x C:\\PERFC.DAT' }), ['keyword or image']);
  assert.deepEqual(fired(set, { ...EV, Image: 'C:\\x\\explorer.exe', ParentImage: 'y\\perfc.dat' }), ['keyword or image'], 'a keyword in another field');
  assert.deepEqual(fired(set, { ...EV, Image: 'C:\\x\\explorer.exe', CommandLine: 'ZZZQ' }), ['one of']);
  assert.deepEqual(fired(set, { ...EV, Image: 'C:\\x\\A.EXE' }), ['not', 'one of']);
});

test('clauses the index leaves out are verified on the candidate', () => {
  // With an exact-position clause on Image, the CommandLine clause is verified, not scanned for.
  const set = rules(
    proc('encoded', "  img:\n    Image|endswith: '\\powershell.exe'\n  cli:\n    CommandLine|contains: [' -enc ', ' -ec ']\n  parent:\n    ParentImage|endswith: '\\winword.exe'\n  condition: img and cli and parent"),
  );
  const ev = { ...EV, Image: 'C:\\p\\powershell.exe', ParentImage: 'C:\\o\\WINWORD.EXE' };
  assert.deepEqual(fired(set, { ...ev, CommandLine: 'powershell -EC AAAA' }), ['encoded']);
  assert.deepEqual(fired(set, { ...ev, CommandLine: 'powershell -enc' }), []);
  assert.deepEqual(fired(set, { ...ev, ParentImage: 'C:\\o\\excel.exe', CommandLine: 'powershell -enc x' }), []);
});

test('substring literals: few and many short ones, many 3-character ones, non-ASCII ones', () => {
  const emoji = Array.from({ length: 30 }, (_, i) => String.fromCodePoint(0x1f600 + i));
  const three = Array.from({ length: 20 }, (_, i) => `q${String.fromCharCode(97 + i)}z`);
  const set = rules(
    proc('emoji', `  sel:\n    CommandLine|contains:\n${emoji.map((e) => `      - '${e}'`).join('\n')}\n  condition: sel`) +
      proc('three', `  sel:\n    CommandLine|contains:\n${three.map((e) => `      - '${e}'`).join('\n')}\n  condition: sel`) +
      proc('caret', "  sel:\n    CommandLine|contains: '^'\n  condition: sel") +
      proc('cyrillic', "  sel:\n    CommandLine|contains: 'Ѕystem'\n  condition: sel") +
      proc('long', "  sel:\n    CommandLine|contains: 'invoke-mimikatz'\n  condition: sel"),
  );
  assert.deepEqual(fired(set, { ...EV, CommandLine: `echo ${emoji[17]} done` }), ['emoji']);
  assert.deepEqual(fired(set, { ...EV, CommandLine: 'x QKZ y' }), ['three']);
  assert.deepEqual(fired(set, { ...EV, CommandLine: 'c^md' }), ['caret']);
  assert.deepEqual(fired(set, { ...EV, CommandLine: 'c:\\ѕystem32' }), ['cyrillic']);
  assert.deepEqual(fired(set, { ...EV, CommandLine: 'c:\\system32' }), []);
  assert.deepEqual(fired(set, { ...EV, CommandLine: 'IEX (Invoke-Mimikatz -DumpCreds)' }), ['long']);
  assert.deepEqual(fired(set, { ...EV, CommandLine: 'invoke-mimikat' }), []);
});

const lit = (text: string, kind: NeedLiteral['kind'], field: string): NeedLiteral => ({ text, kind, fields: [field] });

test('planner: units with an exact-position clause index it; the others one substring clause, on shared fields first', () => {
  const img = [lit('\\cmd.exe', 'suffix', 'Image')];
  const cli = [lit(' /c ', 'contains', 'CommandLine')];
  const cur = [lit('\\temp\\', 'contains', 'CurrentDirectory')];
  const units = [[img, cli], [cli], [cur, cli], [cur]];
  const plan = planSubstringClauses(units);
  assert.equal(plan.chosen[0], -1, 'the exact clause is enough');
  assert.equal(plan.chosen[1], 0);
  assert.equal(plan.chosen[3], 0);
  assert.deepEqual([...plan.scanned].sort(), ['CommandLine', 'CurrentDirectory']);
  // unit 2 can use either field; both are scanned anyway
  assert.ok(plan.chosen[2] === 0 || plan.chosen[2] === 1);
  const split = splitClauses(units[0]!, plan.chosen[0]!, (f) => f === 'CurrentDirectory');
  assert.deepEqual(split.indexed, [img]);
  assert.deepEqual(split.verify, [cli], 'a substring clause on a field the group does not scan is verified');
  const scanned = splitClauses(units[0]!, plan.chosen[0]!, (f) => plan.scanned.has(f));
  assert.deepEqual(scanned.indexed, [img, cli], 'on a scanned field it is indexed too');
});

test('planner: other substring clauses join only fields the gram scanner scans anyway', () => {
  const trace = (t: string) => [lit(t, 'contains', 'CallTrace')];
  const target = [lit('\\lsass.exe', 'suffix', 'TargetImage')];
  // two units force CallTrace with one literal each: native `includes`, no gram scan
  const few = planSubstringClauses([[trace('cmlua.dll')], [trace('editionupgrade')], [target, trace('ntdll.dll')]]);
  assert.deepEqual([...few.scanned], ['CallTrace']);
  assert.deepEqual([...few.gramScanned], []);
  assert.deepEqual(splitClauses([target, trace('ntdll.dll')], few.chosen[2]!, (f) => few.gramScanned.has(f)).verify, [trace('ntdll.dll')], 'verified on the candidates instead');
  // more forced literals than NEEDLE_MAX: the field is gram-scanned, and the clause joins the scan
  const forced = Array.from({ length: NEEDLE_MAX + 1 }, (_, k) => [trace(`forced${k}.dll`)]);
  const many = planSubstringClauses([...forced, [target, trace('ntdll.dll')]]);
  assert.deepEqual([...many.gramScanned], ['CallTrace']);
  assert.deepEqual(splitClauses([target, trace('ntdll.dll')], many.chosen[forced.length]!, (f) => many.gramScanned.has(f)).indexed, [target, trace('ntdll.dll')]);
});
