/**
 * The SigmaHQ rule set on real data: every active rule loads (or is listed
 * with its reason), the regression samples fire their rules, and the
 * dispatch/prefilter never loses a match that brute force finds.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parse } from 'yaml';
import { compileRules, formatIssueFor, loadRulesSync, type CompiledRuleSet, type RuleCollection } from './sigmahq-support.js';
import { loadPipeline } from '../../src/sigma/pipeline/index.js';
import { sharedData } from '../helpers.js';
import { flattenWindowsEvent, splitConcatenatedJson } from './helpers.js';
import { readRecords } from '../../src/logs/read.js';

const SIGMA = join(sharedData, 'sigma');
const ACTIVE = ['rules', 'rules-emerging-threats', 'rules-threat-hunting', 'rules-placeholder', 'rules-compliance'];
const have = existsSync(join(SIGMA, 'rules'));
const skip = have ? false : `SigmaHQ rules not found under ${SIGMA}`;

let collection: RuleCollection | undefined;
let compiled: CompiledRuleSet | undefined;
function load(): { collection: RuleCollection; compiled: CompiledRuleSet } {
  collection ??= loadRulesSync(ACTIVE.map((d) => join(SIGMA, d)));
  compiled ??= compileRules(collection, { pipeline: loadPipeline(['default']) });
  return { collection, compiled };
}

test('all 3,780 active SigmaHQ rules load; compile exceptions are listed with reasons', { skip }, () => {
  const { collection: c, compiled: s } = load();
  assert.equal(c.files, 3780);
  assert.deepEqual(c.issues.map((i) => formatIssueFor(i, SIGMA)), [], 'no load issues');
  assert.equal(c.rules.length, 3780);
  // Compilation needs placeholder values for `expand` rules; without them each is reported, never dropped silently.
  const exceptions = s.issues.map((i) => formatIssueFor(i, SIGMA));
  if (exceptions.length > 0) console.log(`rules not compiled (${exceptions.length}):\n  ${exceptions.join('\n  ')}`);
  assert.equal(s.rules.length + s.issues.length, 3780);
  for (const i of s.issues) assert.equal(i.code, 'unresolved-placeholder', formatIssueFor(i, SIGMA));
  // Every placeholder rule compiles once its placeholders are given.
  const names = new Set<string>();
  for (const i of s.issues) for (const m of i.message.matchAll(/%([^%]+)%/g)) names.add(m[1]!);
  const placeholders = Object.fromEntries([...names].map((n) => [n, [`value-of-${n}`]]));
  const withValues = compileRules(c, { pipeline: loadPipeline(['default']), placeholders });
  assert.deepEqual(withValues.issues, []);
  assert.equal(withValues.rules.length, 3780);
});

interface Case { dir: string; ruleId: string; matchCount: number; json?: string; evtx?: string }

function regressionCases(): Case[] {
  const out: Case[] = [];
  const walk = (d: string): void => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else if (n === 'info.yml') {
        const info = parse(readFileSync(p, 'utf8')) as { rule_metadata?: Array<{ id: string }>; regression_tests_info?: Array<{ match_count?: number | null }> };
        const tests = info.regression_tests_info;
        if (!tests || tests.length === 0) continue; // the cisco case has its tests commented out
        const files = readdirSync(d);
        const json = files.find((f) => f.endsWith('.json'));
        const evtx = files.find((f) => f.endsWith('.evtx'));
        out.push({
          dir: d,
          ruleId: info.rule_metadata![0]!.id,
          matchCount: tests[0]!.match_count ?? 1,
          ...(json ? { json: join(d, json) } : {}),
          ...(evtx ? { evtx: join(d, evtx) } : {}),
        });
      }
    }
  };
  walk(join(SIGMA, 'regression_data'));
  return out;
}

/**
 * Every case through the real input path: the log readers (`readRecords`
 * sniffs the container, decodes the flavour and flattens it to the fields
 * Sigma sees), then `matchEvent` with the default pipeline. A case passes
 * when its rule fires at least `match_count` times (as SigmaHQ's runner) and
 * the reader reported no problem with the sample.
 */
async function runRegression(sample: 'json' | 'evtx'): Promise<{ passed: number; failures: string[]; cases: number }> {
  const { compiled: s } = load();
  const cases = regressionCases();
  const failures: string[] = [];
  let passed = 0;
  for (const c of cases) {
    const file = c[sample];
    if (!file) {
      failures.push(`${relative(SIGMA, c.dir)}: no .${sample} sample`);
      continue;
    }
    const issues: string[] = [];
    let n = 0;
    let records = 0;
    for await (const rec of readRecords(file, { onIssue: (i) => issues.push(formatIssueFor(i, SIGMA)) })) {
      records++;
      for (const m of s.matchEvent(rec.fields)) if (m.rule.ref.id === c.ruleId) n++;
    }
    if (n >= c.matchCount && issues.length === 0 && records > 0) passed++;
    else failures.push(`${relative(SIGMA, c.dir)}: rule ${c.ruleId} fired ${n} < ${c.matchCount} on ${records} record(s)${issues.length ? `; reader issues: ${issues.join('; ')}` : ''}`);
  }
  return { passed, failures, cases: cases.length };
}

test('regression data: every .json sample, read by the log readers, fires its rule at least match_count times (default pipeline)', { skip }, async () => {
  const r = await runRegression('json');
  assert.ok(r.cases >= 170, `found ${r.cases} cases`);
  console.log(`regression (.json samples): ${r.passed}/${r.cases} cases pass`);
  assert.deepEqual(r.failures, []);
});

test('regression data: every .evtx sample, read by our EVTX reader, fires its rule at least match_count times (default pipeline)', { skip }, async () => {
  const r = await runRegression('evtx');
  assert.ok(r.cases >= 170, `found ${r.cases} cases`);
  console.log(`regression (.evtx samples): ${r.passed}/${r.cases} cases pass`);
  assert.deepEqual(r.failures, []);
});

/** Every `step`-th record of each file under `dir` with one of the extensions, read by the log readers. */
async function sampleRecords(dir: string, exts: string[], step: number, perFile: number): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  const walk = (d: string): string[] => readdirSync(d).sort().flatMap((n) => (statSync(join(d, n)).isDirectory() ? walk(join(d, n)) : exts.some((e) => n.endsWith(e)) ? [join(d, n)] : []));
  if (!existsSync(dir)) return out;
  for (const f of walk(dir)) {
    let i = 0;
    let kept = 0;
    for await (const r of readRecords(f)) {
      if (i++ % step !== 0) continue;
      out.push(r.fields);
      if (++kept >= perFile) break;
    }
  }
  return out;
}

test('dispatch, literal prefilter and per-value memos lose nothing: matchEvent equals brute force over every rule', { skip, timeout: 600_000 }, async () => {
  const { collection: c, compiled: s } = load();
  // brute force on a set compiled without memos, so a memo cannot agree with itself
  const plain = compileRules(c, { pipeline: loadPipeline(['default']), scanMemo: false });
  const events: Record<string, unknown>[] = [];
  /** Per event, the JSON text given to `matchEvent` in the third pass: the recorded line where there is one. */
  const texts = new Map<Record<string, unknown>, string>();
  for (const c of regressionCases()) if (c.json) events.push(...splitConcatenatedJson(readFileSync(c.json, 'utf8')).map(flattenWindowsEvent));
  const logs = join(sharedData, 'logs', 'evtx-attack-samples', 'AutomatedTestingTools', 'PanacheSysmon_vs_AtomicRedTeam01.jsonl');
  if (existsSync(logs)) {
    for (const line of readFileSync(logs, 'utf8').split('\n').slice(0, 150)) {
      if (!line.trim()) continue;
      const e = JSON.parse(line) as Record<string, unknown>;
      events.push(e);
      texts.set(e, line);
    }
  }
  // every other flavour and channel the shared logs hold: python-evtx JSONL of all 194 samples, Security-Datasets
  events.push(...(await sampleRecords(join(sharedData, 'logs', 'evtx-attack-samples'), ['.jsonl'], 10, 6)));
  events.push(...(await sampleRecords(join(sharedData, 'logs', 'security-datasets', 'windows'), ['.jsonl.gz'], 40, 6)));
  let hits = 0;
  const diffs: string[] = [];
  const slow = events.map((e) => new Set(plain.rules.filter((r) => r.match(e) !== undefined).map((r) => r.index)));
  // twice: the first pass fills the memos, the second replays them; the third gives each event's JSON
  // text (its recorded line, else JSON.stringify of it), on which keyword searches may rule themselves out
  for (const pass of [1, 2, 3]) {
    events.forEach((e, i) => {
      const fast = new Set((pass === 3 ? s.matchEvent(e, texts.get(e) ?? JSON.stringify(e)) : s.matchEvent(e)).map((m) => m.rule.index));
      if (pass === 1) hits += slow[i]!.size;
      for (const x of slow[i]!) if (!fast.has(x)) diffs.push(`pass ${pass}: missed ${s.rules[x]!.ref.title}`);
      for (const x of fast) if (!slow[i]!.has(x)) diffs.push(`pass ${pass}: extra ${s.rules[x]!.ref.title}`);
    });
  }
  assert.ok(events.length > 1000, `only ${events.length} events`);
  assert.ok(hits > 150, `only ${hits} hits: the comparison would prove little`);
  const m = s.memoStats()!;
  assert.ok(m.hits > m.scans, `the second pass replays remembered answers: ${JSON.stringify(m)}`);
  console.log(`brute-force comparison: ${events.length} events, ${hits} rule matches; memos ${JSON.stringify(m)}`);
  assert.deepEqual(diffs, []);
});
