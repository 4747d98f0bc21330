import assert from 'node:assert/strict';
import { test } from 'node:test';
import { securityTokens } from '../../src/embed/tokenize.js';

test('splits Windows paths and keeps executable names with their stem', () => {
  const t = securityTokens('C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe -nop -w hidden -enc SQBFAFgA');
  assert.ok(t.includes('c:'));
  assert.ok(t.includes('system32'));
  assert.ok(t.includes('powershell.exe'));
  assert.ok(t.includes('powershell'));
  assert.ok(t.includes('-nop'));
  assert.ok(t.includes('-enc'));
  assert.ok(t.includes('hidden'));
});

test('keeps switches with values apart and slash switches whole', () => {
  const t = securityTokens('cmd.exe /c wmic /node:10.0.0.5 process call create certutil.exe -urlcache -split -f');
  assert.deepEqual(t.slice(0, 3), ['cmd.exe', 'cmd', '/c']);
  assert.ok(t.includes('/node'));
  assert.ok(t.includes('<ip>'));
  assert.ok(t.includes('-urlcache'));
  assert.ok(t.includes('certutil'));
});

test('registry keys: hive names normalised, key parts split', () => {
  const t = securityTokens('HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run\\updater');
  assert.deepEqual(t, ['hklm', 'software', 'microsoft', 'windows', 'currentversion', 'run', 'updater']);
});

test('URLs: scheme, host and path segments; ports kept', () => {
  const t = securityTokens('downloaded from https://evil.example.com:8443/payloads/stage2.ps1?id=7');
  assert.ok(t.includes('https'));
  assert.ok(t.includes('evil.example.com'));
  assert.ok(t.includes('8443'));
  assert.ok(t.includes('payloads'));
  assert.ok(t.includes('stage2.ps1'));
  assert.ok(t.includes('downloaded'));
});

test('ATT&CK ids, placeholders, numbers and blobs', () => {
  const t = securityTokens('T1059.001 and t1003 write %TEMP%\\<rand>.exe port 445 pid 123456789 hash d41d8cd98f00b204e9800998ecf8427e');
  assert.ok(t.includes('t1059.001'));
  assert.ok(t.includes('t1003'));
  assert.ok(t.includes('%temp%'));
  assert.ok(t.includes('445'));
  assert.ok(t.includes('<num>'));
  assert.ok(t.includes('<hex>'));
});

test('prose: lowercase, stopwords dropped, trailing punctuation trimmed, hyphen compounds split', () => {
  const t = securityTokens('The actor used Mimikatz, a credential-dumping tool.');
  assert.deepEqual(t, ['actor', 'used', 'mimikatz', 'credential-dumping', 'credential', 'dumping', 'tool']);
});

test('hostile input: bounded output, no throw on control characters or huge tokens', () => {
  const t = securityTokens('\u0000\u001b[31m' + 'A'.repeat(100_000) + ' x'.repeat(10_000), { maxTokens: 50 });
  assert.ok(t.length <= 50);
  assert.equal(securityTokens('').length, 0);
  assert.equal(securityTokens('   \t\n').length, 0);
});
