import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { planMarkdown } from '../../../src/cli/commands/generate.js';
import { fillArguments, placeholderOffsets, reportValues } from '../../../src/generate/atomic/fill.js';
import { AtomicLibrary } from '../../../src/generate/atomic/load.js';
import { quoteContextAt, quoteForPlaceholder } from '../../../src/generate/atomic/quote.js';
import { AtomicFileSchema } from '../../../src/generate/atomic/schema.js';
import { atomicFiles } from '../../../src/generate/emulation/atomic-output.js';
import { executePlan } from '../../../src/generate/emulation/execute.js';
import { buildPlan } from '../../../src/generate/emulation/plan.js';
import { BinaryCatalog } from '../../../src/generate/knowledge/catalog.js';
import { generateSigma } from '../../../src/generate/sigma/generate.js';
import { sandboxAvailable } from '../../../src/generate/sandbox/bwrap.js';
import { compileRules } from '../../../src/sigma/index.js';
import { loadPipeline } from '../../../src/sigma/pipeline/index.js';
import type { AtiDocument } from '../../../src/intel/schema.js';
import { hasSharedData, sharedData } from '../../helpers.js';
import { fixture } from '../helpers.js';

const atomics = hasSharedData ? new AtomicLibrary(join(sharedData, 'atomic-red-team', 'atomics')) : undefined;

function planFor(doc: AtiDocument, platform: 'windows' | 'linux') {
  const catalog = new BinaryCatalog();
  const gen = generateSigma(doc, { date: '2024-05-01', catalog, platform });
  const parsed = gen.rules.map((r) => gen.checks.get(r.id)!.parsed!);
  const generatedRules = compileRules({ rules: parsed, correlations: [], filters: [], issues: [], files: parsed.length }, { pipeline: loadPipeline(['default']) });
  return buildPlan(doc, { platform, catalog, generatedRules, ...(atomics ? { atomics } : {}) });
}

describe('emulation plan', () => {
  it('follows procedure order, uses the report\'s commands and their cleanup, and names the rules that should fire', () => {
    const plan = planFor(fixture('apt-windows'), 'windows');
    const orders = plan.steps.map((s) => s.procedure.order);
    assert.deepEqual(orders, [...orders].sort((a, b) => a - b));
    const certutil = plan.steps.find((s) => s.command.startsWith('certutil'))!;
    assert.equal(certutil.source, 'report');
    assert.equal(certutil.executor, 'command_prompt');
    assert.equal(certutil.checks.command.ok, true);
    assert.match(certutil.cleanup!, /del \/f \/q C:\\Users\\Public\\svcupd\.exe/);
    assert.ok(certutil.expectedTelemetry.events.some((e) => /Sysmon 1 process creation: C:\\Windows\\System32\\certutil\.exe/.test(e)));
    assert.ok(certutil.expectedTelemetry.rules.some((r) => r.set === 'generated' && /Certutil\.exe with its switches/.test(r.title)));
    const task = plan.steps.find((s) => s.command.startsWith('schtasks'))!;
    assert.equal(task.cleanup, 'schtasks /delete /tn LanternSync /f');
    assert.equal(task.elevationRequired, true);
    const reg = plan.steps.find((s) => s.command.startsWith('reg add'))!;
    assert.match(reg.cleanup!, /^reg delete HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run \/v LanternUpdate \/f$/);
    assert.ok(reg.expectedTelemetry.events.some((e) => /registry value set/.test(e)));
  });

  it('plans a command the report tells under two techniques once', () => {
    const base = fixture('apt-windows');
    const first = base.procedures.find((p) => p.commands.some((c) => c.text.startsWith('schtasks')))!;
    const twin = { ...first, id: 'proc-twin', technique: 'T1053.002', order: first.order + 1, action: 'registered an At job' };
    const doc = { ...base, procedures: [...base.procedures.map((p) => (p.order > first.order ? { ...p, order: p.order + 1 } : p)), twin] };
    const plan = planFor(doc, 'windows');
    const steps = plan.steps.filter((s) => s.command.startsWith('schtasks'));
    assert.equal(steps.length, 1);
    assert.ok(steps[0]!.notes.some((n) => /also carries out report step \d+ \(T1053\.002/.test(n)));
  });

  it('ranks destructive Atomic tests last', { skip: !atomics }, () => {
    const base = fixture('linux-miner');
    const p = { ...base.procedures[0]!, id: 'proc-del', technique: 'T1070.004', commands: [], objects: [], iocs: [], tool: undefined, order: 1 };
    const { tool: _drop, ...noTool } = p;
    const plan = planFor({ ...base, procedures: [noTool] }, 'linux');
    assert.equal(plan.steps.length, 1);
    assert.doesNotMatch(plan.steps[0]!.command, /rm -rf \/ /);
  });

  it('falls back to Atomic tests with arguments from the report', { skip: !atomics }, () => {
    const plan = planFor(fixture('apt-windows'), 'windows');
    const phish = plan.steps.find((s) => s.procedure.id === 'proc-1');
    assert.ok(phish, 'the spear-phishing step has no command: an Atomic test stands in');
    assert.equal(phish.source, 'atomic');
    assert.ok(phish.atomic!.technique.startsWith('T1566'));
    const c2 = plan.steps.find((s) => s.procedure.id === 'proc-8');
    assert.ok(c2 && c2.source === 'atomic');
    for (const s of plan.steps) assert.ok(s.checks.command.ok, `${s.name}: ${s.checks.command.errors.join('; ')}`);
    const filled = plan.steps.flatMap((s) => s.inputArguments.filter((a) => a.from === 'report'));
    assert.ok(filled.every((a) => a.ref && /^ioc-|^object:|^tool$/.test(a.ref)));
  });

  it('writes Atomic YAML that validates against the documented schema', { skip: !atomics }, () => {
    for (const [name, platform] of [['apt-windows', 'windows'], ['linux-miner', 'linux'], ['hostile', 'windows'], ['hostile', 'linux']] as const) {
      const plan = planFor(fixture(name), platform);
      const out = atomicFiles(plan, (t) => `Technique ${t}`);
      assert.deepEqual(out.problems, [], name);
      assert.ok(out.files.length > 0);
      for (const y of out.yaml) {
        const back = AtomicFileSchema.parse(parse(y, { version: '1.1' }));
        for (const t of back.atomic_tests) assert.equal(t.supported_platforms[0], platform);
      }
    }
  });

  it('keeps hostile text inert in Atomic YAML, JSON and Markdown', { skip: !atomics }, () => {
    for (const platform of ['windows', 'linux'] as const) {
      const plan = planFor(fixture('hostile'), platform);
      // report values that would need quoting are never filled into a command
      for (const s of plan.steps) {
        if (s.source !== 'atomic') continue;
        for (const a of s.inputArguments) {
          if (a.from !== 'report') continue;
          // a report value with shell syntax in it may only sit where that shell reads it literally: inside '…'
          for (const at of placeholderOffsets(s.template.command, a.name)) {
            const q = quoteForPlaceholder(s.template.command, at[0], at[1], a.value, s.executor);
            assert.deepEqual(q, { ok: true, text: a.value });
            if (/[$`;|&'"<>()]/.test(a.value)) assert.equal(quoteContextAt(s.template.command, at[0], s.executor), 'single', `${a.name} = ${a.value}`);
          }
        }
      }
      if (platform === 'linux') {
        // an Atomic download test with a URL argument: the report's hostile URL is refused, the default stays
        const doc = fixture('hostile');
        const ref = atomics!.testsFor('T1105').find((r) => r.test.supported_platforms.includes('linux') && Object.entries(r.test.input_arguments ?? {}).some(([n, a]) => a.type === 'url' || /url/.test(n)))!;
        const filled = fillArguments(ref.test, reportValues(doc, doc.procedures[2]!), 'unix');
        const url = filled.find((a) => a.type === 'url' || /url/.test(a.name))!;
        assert.doesNotMatch(url.value, /\$\(/);
        assert.match(url.note ?? '', /ioc-1.*not used/);
      }
      // the report's own (hostile) command survives every format exactly, as data
      const out = atomicFiles(plan, (t) => `Technique ${t}`);
      const own = plan.steps.filter((s) => s.source === 'report');
      for (const s of own) {
        const back = out.yaml.map((y) => parse(y, { version: '1.1' }) as { atomic_tests: Array<{ executor: { command: string } }> }).flatMap((f) => f.atomic_tests);
        assert.ok(back.some((t) => t.executor.command === s.template.command));
      }
      const json = JSON.parse(JSON.stringify(plan)) as typeof plan;
      for (const [k, s] of own.entries()) assert.equal(json.steps.find((x) => x.step === s.step)!.command, own[k]!.command);
      const md = planMarkdown(plan, undefined, []);
      assert.doesNotMatch(md, /<script>/);
      assert.doesNotMatch(md, /!\[x\]\(/);
      assert.doesNotMatch(md, /^title: injected/m);
      for (const s of own) {
        // a fence longer than any backtick run inside, so the command cannot close it
        const block = md.slice(md.indexOf(s.command) - 20, md.indexOf(s.command));
        assert.match(block, /`{3,}bat\n$/);
      }
    }
  });
});

describe('sandbox execution of a Linux plan', { skip: !sandboxAvailable() }, () => {
  it('runs only Linux shell steps, inside bubblewrap, and reports the rate', async () => {
    const plan = planFor(fixture('linux-miner'), 'linux');
    assert.ok(plan.steps.every((s) => s.executor === 'sh' || s.executor === 'bash'));
    for (const s of plan.steps) assert.ok(s.checks.command.ok, s.command);
    // a generous limit: on a loaded CI machine a step that passes can take longer than 20 s
    const exec = await executePlan(plan, { timeoutMs: 60_000 });
    assert.equal(exec.attempted, plan.steps.length);
    const byStep = new Map(exec.results.map((r) => [r.step, r]));
    const uname = plan.steps.find((s) => s.command.startsWith('uname'))!;
    assert.equal(byStep.get(uname.step)!.executed, true);
    assert.match(byStep.get(uname.step)!.output, /victim-01/);
    const useradd = plan.steps.find((s) => s.command.startsWith('useradd'))!;
    assert.equal(byStep.get(useradd.step)!.executed, true);
    // the network is not there: the wget download fails in the sandbox
    const wget = plan.steps.find((s) => s.command.startsWith('wget'))!;
    assert.equal(byStep.get(wget.step)!.executed, false);
    const windows = planFor(fixture('apt-windows'), 'windows');
    const none = await executePlan(windows, { timeoutMs: 5_000 });
    assert.equal(none.attempted, 0);
    assert.ok(none.notAttempted.every((n) => /does not run on Linux|only Linux/.test(n.reason)));
  });
});
