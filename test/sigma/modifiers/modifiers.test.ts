/** Every value modifier of spec v2.1, through the parser, compiler and matcher. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileYaml, matches, ruleYaml, collect } from '../helpers.js';
import { compileRules } from '../../../src/sigma/index.js';
import { base64Offsets, windashPermutations } from '../../../src/sigma/modifiers/encode.js';

const sel = (body: string): ReturnType<typeof compileYaml> => compileYaml(ruleYaml(`    selection:\n${body}\n    condition: selection`));

test('plain values are case-insensitive equality; lists are OR', () => {
  const s = sel("        Image: ['C:\\Windows\\cmd.exe', 'C:\\Windows\\pwsh.exe']");
  assert.ok(matches(s, { Image: 'c:\\windows\\CMD.EXE' }));
  assert.ok(matches(s, { Image: 'C:\\Windows\\pwsh.exe' }));
  assert.ok(!matches(s, { Image: 'C:\\Windows\\cmd.exe.bak' }));
});

test('contains, startswith, endswith', () => {
  assert.ok(matches(sel("        CommandLine|contains: 'ENCODED'"), { CommandLine: 'powershell -encodedcommand x' }));
  assert.ok(!matches(sel("        CommandLine|contains: 'ENCODED'"), { CommandLine: 'powershell -enc x' }));
  assert.ok(matches(sel("        Image|startswith: 'C:\\Users\\'"), { Image: 'c:\\users\\bob\\a.exe' }));
  assert.ok(!matches(sel("        Image|startswith: 'C:\\Users\\'"), { Image: 'D:\\c:\\users\\' }));
  assert.ok(matches(sel("        Image|endswith: '\\rundll32.exe'"), { Image: 'C:\\Windows\\System32\\RUNDLL32.EXE' }));
  assert.ok(!matches(sel("        Image|endswith: '\\rundll32.exe'"), { Image: 'C:\\Windows\\System32\\rundll32.exe.mui' }));
});

test('wildcards * and ? and escaped wildcards', () => {
  const s = sel("        Image: 'C:\\Program Files\\\\*\\app?.exe'");
  assert.ok(matches(s, { Image: 'C:\\Program Files\\Vendor\\Sub\\app1.exe' }));
  assert.ok(!matches(s, { Image: 'C:\\Program Files\\Vendor\\app12.exe' }));
  const esc = sel("        CommandLine|contains: 'what\\?*x'");
  assert.ok(matches(esc, { CommandLine: 'say what?yx' }));
  assert.ok(!matches(esc, { CommandLine: 'say whatsyx' }), 'an escaped ? is a literal question mark');
  const star = sel("        CommandLine: 'a\\*b'");
  assert.ok(matches(star, { CommandLine: 'a*b' }));
  assert.ok(!matches(star, { CommandLine: 'axxb' }));
  // `\\*` is a backslash followed by a wildcard.
  const bs = sel("        Path: 'C:\\\\*'");
  assert.ok(matches(bs, { Path: 'C:\\anything' }));
  assert.ok(!matches(bs, { Path: 'C:anything' }));
});

test('|all requires every value; keyword |all requires every keyword somewhere in the event', () => {
  const s = sel("        CommandLine|contains|all: ['-nop', '-w hidden']");
  assert.ok(matches(s, { CommandLine: 'powershell -NoP -W Hidden -c x' }));
  assert.ok(!matches(s, { CommandLine: 'powershell -nop -c x' }));
  const kw = compileYaml(ruleYaml("    keywords:\n        '|all': ['OabVirtualDirectory', ' -ExternalUrl ']\n    condition: keywords"));
  assert.ok(matches(kw, { Payload: 'Set-OabVirtualDirectory', Other: 'x -ExternalUrl http://e' }));
  assert.ok(!matches(kw, { Payload: 'Set-OabVirtualDirectory' }));
});

test('keyword lists search every value of the event (substring, case-insensitive)', () => {
  const s = compileYaml(ruleYaml("    keywords:\n        - 'event::clear'\n        - 'event::drop'\n    condition: keywords"));
  assert.ok(matches(s, { Message: 'mimikatz # EVENT::Drop' }));
  assert.ok(matches(s, { nested: { deep: ['x', 'run event::clear now'] } }));
  assert.ok(!matches(s, { Message: 'event: clear' }));
});

test('null vs empty vs missing fields', () => {
  const nul = sel('        Field: null');
  assert.ok(matches(nul, {}), 'null matches a missing field');
  assert.ok(matches(nul, { Field: null }), 'null matches a null value');
  assert.ok(!matches(nul, { Field: '' }), 'null does not match an empty string');
  const empty = sel("        Field: ''");
  assert.ok(matches(empty, { Field: '' }));
  assert.ok(!matches(empty, {}), 'empty string does not match a missing field');
  assert.ok(!matches(empty, { Field: 'x' }));
  const notNull = compileYaml(ruleYaml("    selection:\n        EventID: 4738\n    filter:\n        PasswordLastSet: null\n    condition: selection and not filter"));
  assert.ok(matches(notNull, { EventID: 4738, PasswordLastSet: '2024' }));
  assert.ok(!matches(notNull, { EventID: 4738 }));
});

test('exists', () => {
  const yes = sel('        PasswordLastSet|exists: true');
  assert.ok(matches(yes, { PasswordLastSet: '' }));
  assert.ok(matches(yes, { PasswordLastSet: null }), 'exists checks presence only');
  assert.ok(!matches(yes, {}));
  const no = sel('        PasswordLastSet|exists: false');
  assert.ok(matches(no, {}));
  assert.ok(!matches(no, { PasswordLastSet: 'x' }));
});

test('cased matches case-sensitively', () => {
  const s = sel("        CommandLine|cased|contains: 'AbC'");
  assert.ok(matches(s, { CommandLine: 'xxAbCxx' }));
  assert.ok(!matches(s, { CommandLine: 'xxabcxx' }));
  const eq = sel("        Name|cased: 'Admin'");
  assert.ok(matches(eq, { Name: 'Admin' }));
  assert.ok(!matches(eq, { Name: 'admin' }));
});

test('numbers match numeric and string field values; gt/gte/lt/lte compare numerically', () => {
  const eq = sel('        EventID: 4688');
  assert.ok(matches(eq, { EventID: 4688 }));
  assert.ok(matches(eq, { EventID: '4688' }));
  assert.ok(!matches(eq, { EventID: 46880 }));
  assert.ok(!matches(eq, { EventID: '0x1250' }));
  assert.ok(matches(sel('        Size|gt: 100'), { Size: '101' }));
  assert.ok(!matches(sel('        Size|gt: 100'), { Size: 100 }));
  assert.ok(matches(sel('        Size|gte: 100'), { Size: 100 }));
  assert.ok(matches(sel('        Size|lt: 100'), { Size: 99.5 }));
  assert.ok(!matches(sel('        Size|lt: 100'), { Size: 'abc' }));
  assert.ok(matches(sel('        Size|lte: 100'), { Size: 100 }));
  assert.ok(!matches(sel('        Size|lte: 100'), {}));
});

test('neq: the field is present and differs from every value', () => {
  const s = sel("        User|neq: ['SYSTEM', 'LOCAL SERVICE']");
  assert.ok(matches(s, { User: 'bob' }));
  assert.ok(!matches(s, { User: 'system' }));
  assert.ok(!matches(s, { User: 'Local Service' }));
  assert.ok(!matches(s, {}));
});

test('windash: -, /, en dash, em dash and horizontal bar are interchangeable', () => {
  const s = sel("        CommandLine|windash|contains: ' -exec bypass'");
  for (const dash of ['-', '/', '\u2013', '\u2014', '\u2015']) assert.ok(matches(s, { CommandLine: `powershell ${dash}exec bypass` }), `dash ${dash.codePointAt(0)!.toString(16)}`);
  assert.ok(!matches(s, { CommandLine: 'powershell +exec bypass' }));
  // The value's own dash may be any of them too.
  const s2 = sel("        CommandLine|windash|contains: ' /c '");
  assert.ok(matches(s2, { CommandLine: 'cmd \u2014c whoami' }));
  assert.equal(windashPermutations('-a/').length, 25);
});

test('base64 and base64offset (three alignments)', () => {
  const b = sel("        CommandLine|base64|contains: 'http://'");
  assert.ok(matches(b, { CommandLine: 'echo aHR0cDovLw== | base64 -d' }));
  const off = sel("        CommandLine|base64offset|contains: 'http://'");
  for (const prefix of ['', 'a', 'ab']) {
    const enc = Buffer.from(prefix + 'http://evil.example/x').toString('base64');
    assert.ok(matches(off, { CommandLine: `powershell -e ${enc}` }), `offset ${prefix.length}: ${enc}`);
  }
  assert.ok(!matches(off, { CommandLine: Buffer.from('https://evil').toString('base64') }));
  assert.deepEqual(base64Offsets(Buffer.from('http://')), ['aHR0cDovL', 'h0dHA6Ly', 'odHRwOi8v']);
});

test('utf16le / wide / utf16be / utf16 with base64offset', () => {
  const text = 'Invoke-Mimikatz';
  const le = Buffer.from('xx' + text + 'yy', 'utf16le').toString('base64');
  for (const mod of ['utf16le', 'wide']) {
    const s = sel(`        CommandLine|${mod}|base64offset|contains: '${text}'`);
    assert.ok(matches(s, { CommandLine: `powershell -enc ${le}` }), mod);
  }
  const be = Buffer.from('x' + text, 'utf16le').swap16().toString('base64');
  assert.ok(matches(sel(`        CommandLine|utf16be|base64offset|contains: '${text}'`), { CommandLine: be }));
  // (UTF-16BE of a text is a byte-shifted substring of its UTF-16LE form, so LE input may match too.)
  assert.ok(!matches(sel(`        CommandLine|utf16be|base64offset|contains: '${text}'`), { CommandLine: Buffer.from(text).toString('base64') }));
  const bom = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('cmd', 'utf16le')]).toString('base64');
  assert.ok(matches(sel("        Data|utf16|base64: 'cmd'"), { Data: bom }));
  // Without base64 the value is matched as UTF-16 code units.
  assert.ok(matches(sel("        Data|utf16le|contains: 'cmd'"), { Data: 'x' + Buffer.from('cmd', 'utf16le').toString('latin1') }));
});

test('re with i, m, s flags; case-sensitive by default', () => {
  const s = sel("        CommandLine|re: 'net\\s+user\\s+'");
  assert.ok(matches(s, { CommandLine: 'net  user bob' }));
  assert.ok(!matches(s, { CommandLine: 'NET USER bob' }), 're is case-sensitive by default');
  assert.ok(matches(sel("        CommandLine|re|i: 'net\\s+user'"), { CommandLine: 'NET USER bob' }));
  assert.ok(!matches(sel("        Text|re: '^second'"), { Text: 'first\nsecond' }));
  assert.ok(matches(sel("        Text|re|m: '^second'"), { Text: 'first\nsecond' }));
  assert.ok(!matches(sel("        Text|re: 'a.b'"), { Text: 'a\nb' }));
  assert.ok(matches(sel("        Text|re|s: 'a.b'"), { Text: 'a\nb' }));
});

test('re: lookarounds and backreferences are reported as rule issues, not crashes', () => {
  const set = compileRules(collect(ruleYaml("    selection:\n        CommandLine|re: '(?<=a)b'\n    condition: selection")));
  assert.equal(set.rules.length, 0);
  assert.equal(set.issues.length, 1);
  assert.equal(set.issues[0]!.code, 'bad-regex');
  assert.match(set.issues[0]!.message, /lookaround/);
  const back = compileRules(collect(ruleYaml("    selection:\n        CommandLine|re: '(a)\\1'\n    condition: selection")));
  assert.equal(back.issues[0]!.code, 'bad-regex');
  assert.match(back.issues[0]!.message, /backreference/);
});

test('cidr v4 and v6 (and IPv4-mapped IPv6)', () => {
  const s = sel("        DestinationIp|cidr: ['10.0.0.0/8', '192.168.1.0/24', 'fe80::/10', '2001:db8::/32']");
  assert.ok(matches(s, { DestinationIp: '10.200.3.4' }));
  assert.ok(matches(s, { DestinationIp: '192.168.1.255' }));
  assert.ok(!matches(s, { DestinationIp: '192.168.2.1' }));
  assert.ok(matches(s, { DestinationIp: 'FE80::1' }));
  assert.ok(matches(s, { DestinationIp: '2001:db8:1::5' }));
  assert.ok(!matches(s, { DestinationIp: '2001:db9::5' }));
  assert.ok(matches(s, { DestinationIp: '::ffff:10.1.2.3' }));
  assert.ok(!matches(s, { DestinationIp: 'not an ip' }));
  assert.ok(!matches(s, { DestinationIp: '10.0.0.256' }));
  const bad = collect(ruleYaml("    selection:\n        DestinationIp|cidr: '10.0.0.0/33'\n    condition: selection"));
  assert.equal(bad.rules.length, 0);
  assert.equal(bad.issues[0]!.code, 'bad-value');
});

test('fieldref compares two fields of the same event (and with neq)', () => {
  const s = sel('        Image|fieldref: ParentImage');
  assert.ok(matches(s, { Image: 'C:\\a.exe', ParentImage: 'c:\\A.EXE' }));
  assert.ok(!matches(s, { Image: 'C:\\a.exe', ParentImage: 'C:\\b.exe' }));
  assert.ok(!matches(s, { Image: 'C:\\a.exe' }));
  const ne = sel('        TargetUserName|fieldref|neq: SubjectUserName');
  assert.ok(matches(ne, { TargetUserName: 'bob', SubjectUserName: 'alice' }));
  assert.ok(!matches(ne, { TargetUserName: 'bob', SubjectUserName: 'bob' }));
});

test('expand resolves placeholders from the caller; unresolved ones are reported', () => {
  const yaml = ruleYaml("    selection:\n        User|expand: '%Admins%'\n        Host|expand|startswith: '%Servers%'\n    condition: selection");
  const set = compileRules(collect(yaml), { placeholders: { Admins: ['root', 'adm_*'], Servers: ['SRV-'] } });
  assert.equal(set.issues.length, 0);
  assert.ok(matches(set, { User: 'ADM_bob', Host: 'srv-01' }));
  assert.ok(matches(set, { User: 'root', Host: 'SRV-x' }));
  assert.ok(!matches(set, { User: 'bob', Host: 'srv-01' }));
  const missing = compileRules(collect(yaml), { placeholders: { Admins: ['root'] } });
  assert.equal(missing.rules.length, 0);
  assert.equal(missing.issues[0]!.code, 'unresolved-placeholder');
  assert.match(missing.issues[0]!.message, /%Servers%/);
  // Without expand, %x% is literal text.
  assert.ok(matches(sel("        Path: '%TEMP%\\x'"), { Path: '%temp%\\X' }));
});

test('time-part modifiers: minute, hour, day, week, month, year', () => {
  const ev = { TimeCreated: '2024-03-15T22:45:10.1234567Z' };
  assert.ok(matches(sel('        TimeCreated|minute: 45'), ev));
  assert.ok(matches(sel('        TimeCreated|hour: 22'), ev));
  assert.ok(matches(sel('        TimeCreated|hour|gte: 20'), ev));
  assert.ok(!matches(sel('        TimeCreated|hour|lt: 6'), ev));
  assert.ok(matches(sel('        TimeCreated|day: 15'), ev));
  assert.ok(matches(sel('        TimeCreated|week: 11'), ev));
  assert.ok(matches(sel('        TimeCreated|month: 3'), ev));
  assert.ok(matches(sel('        TimeCreated|year: 2024'), ev));
  assert.ok(!matches(sel('        TimeCreated|year: 2023'), ev));
  assert.ok(!matches(sel('        TimeCreated|year: 2024'), { TimeCreated: 'garbage' }));
});

test('unknown and conflicting modifiers are rule issues with the YAML path', () => {
  const c = collect(ruleYaml("    selection:\n        Image|endswithh: 'x'\n    condition: selection"));
  assert.equal(c.rules.length, 0);
  assert.equal(c.issues[0]!.code, 'unknown-modifier');
  assert.equal(c.issues[0]!.place?.path, 'detection.selection.Image|endswithh');
  assert.equal(c.issues[0]!.place?.line, 6);
  const c2 = collect(ruleYaml("    selection:\n        Image|startswith|endswith: 'x'\n    condition: selection"));
  assert.equal(c2.issues[0]!.code, 'modifier-conflict');
  const c3 = collect(ruleYaml("    selection:\n        Image|i: 'x'\n    condition: selection"));
  assert.equal(c3.issues[0]!.code, 'modifier-conflict');
  const c4 = collect(ruleYaml("    selection:\n        Size|gt: 'many'\n    condition: selection"));
  assert.equal(c4.issues[0]!.code, 'bad-value');
});

test('array-valued event fields match when any element matches', () => {
  const s = sel("        Tags|contains: 'evil'");
  assert.ok(matches(s, { Tags: ['good', 'EVIL-ish'] }));
  assert.ok(!matches(s, { Tags: ['good'] }));
});

test('dotted field names fall back to nested objects', () => {
  const s = sel("        process.command_line|contains: 'whoami'");
  assert.ok(matches(s, { process: { command_line: 'cmd /c whoami' } }));
  assert.ok(matches(s, { 'process.command_line': 'whoami' }));
  assert.ok(!matches(s, { process: 'whoami' }));
});
