import assert from 'node:assert/strict';
import { test } from 'node:test';
import { actionPhrase } from '../../src/intel/action.js';
import { textShape, sectionClass } from '../../src/intel/shape.js';
import { interpreterOf, looksLikeCommand } from '../../src/text/index.js';

test('action phrases start at the adversary verb and stop at the clause end', () => {
  assert.equal(actionPhrase('Between March and May, an intrusion set we track as LANTERN SPIDER sent spear-phishing e-mails to staff.'), 'sent spear-phishing e-mails to staff');
  assert.equal(actionPhrase('The loader created a Run key value, which starts the DLL.'), 'created a Run key value');
  assert.equal(actionPhrase('Once found, the “ffmpeg.dll” loads the second DLL into memory.'), 'loads the second DLL into memory');
  assert.ok(actionPhrase('Nothing to see here').length > 0);
});

test('sentence shape marks fragments, captions, advice and ATT&CK ids', () => {
  assert.ok(textShape('Files').includes('@len:1-3'));
  assert.ok(textShape('Figure 3: the loader').includes('@caption'));
  assert.ok(textShape('Consider disabling NTLM.').includes('@imperative'));
  assert.ok(textShape('Scheduled Task [T1053.005]').includes('@has-id'));
  assert.equal(sectionClass('Mitigations'), 'mitigation');
  assert.equal(sectionClass('Indicators of Compromise'), 'ioc');
});

test('command lines and interpreters', () => {
  assert.ok(looksLikeCommand('schtasks /create /tn "x" /tr "y" /sc onlogon'));
  assert.ok(looksLikeCommand('net group "Domain Admins" /domain'));
  assert.ok(looksLikeCommand('C:\\Users\\bob> whoami /all'));
  assert.ok(looksLikeCommand('whoami'));
  assert.ok(!looksLikeCommand('Net income rose sharply in the quarter.'));
  assert.ok(!looksLikeCommand('Ping the team when you are done with the report.'));
  assert.equal(interpreterOf('powershell.exe -enc AAAA'), 'powershell');
  assert.equal(interpreterOf('Get-Process | Stop-Process'), 'powershell');
  assert.equal(interpreterOf('schtasks /query'), 'cmd');
  assert.equal(interpreterOf('curl -s http://x | sh'), 'sh');
});
