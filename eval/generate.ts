/**
 * `npm run eval -- generate [--data DIR] [--ati DIR] [--save-ati DIR] [--limit N] [--platforms windows,linux,macos] [--no-sandbox] [--sandbox-limit N] [--timeout S] [--json FILE]`
 *
 * Rule and command generation on the TRAM test reports (the 31 test titles
 * of tram/sok-doc-split.json, texts from tram2-annotated-reports.jsonl), end
 * to end: each report goes through the extractor (src/intel) into an ATI
 * document — or, with --ati DIR, ATI files already extracted (one
 * `<n>.ati.json` per report, or any *.ati.json) are read —, then
 *
 *   Sigma:    rules generated; % valid (parse, round trip, `sigma check`
 *             linter with ATT&CK tags, engine compile, self-test on the
 *             report's own artefacts; floor 100 %); backtest on
 *             ../shared/data/logs: (technique, file) precision and recall
 *             of the generated rules against the SigmaHQ rules for the same
 *             techniques, per report and overall; rules that fire on nothing
 *             or on everything;
 *   commands: an emulation plan per report and platform; commands generated,
 *             % that pass their check (sh -n / bash -n, our PowerShell and
 *             cmd checkers, placeholders; floor 99 %); the Linux steps run
 *             in the bubblewrap sandbox: execution rate (exit 0).
 *
 * Everything reads ../shared/data (ATT&CK, SigmaHQ, Atomic Red Team, logs,
 * TRAM) except the extractor's model, which lives in the data dir.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveDataDir } from '../src/datadir/paths.js';
import { parseAti } from '../src/generate/input.js';
import { AtomicLibrary } from '../src/generate/atomic/load.js';
import { labelledLogFiles } from '../src/generate/backtest/labels.js';
import { compareSets, baselineFor } from '../src/generate/backtest/compare.js';
import { parentOf, ruleOutcome, runBacktest, type PairMetrics } from '../src/generate/backtest/backtest.js';
import { executePlan } from '../src/generate/emulation/execute.js';
import { buildPlan, type EmulationPlan } from '../src/generate/emulation/plan.js';
import { atomicFiles } from '../src/generate/emulation/atomic-output.js';
import { BinaryCatalog } from '../src/generate/knowledge/catalog.js';
import { RuleSetCoverage, SIGMAHQ_ACTIVE_FOLDERS, techniquesOfTags } from '../src/generate/sigma/coverage.js';
import { generateSigma, type SigmaGeneration } from '../src/generate/sigma/generate.js';
import { sandboxAvailable } from '../src/generate/sandbox/bwrap.js';
import type { Platform } from '../src/generate/command/analyze.js';
import { createExtractContext, extractReport, type AtiDocument } from '../src/intel/index.js';
import { loadKnowledgeBaseFromFile } from '../src/kb/index.js';
import { compileRules, loadRulesSync, type SigmaRule } from '../src/sigma/index.js';
import { loadPipeline } from '../src/sigma/pipeline/index.js';
import { createProgress } from '../src/common/progress.js';
import { oneLine } from '../src/generate/sigma/draft.js';
import { fmt, peakRssMiB, printReproduce, sharedDataDir } from '../bench/util.js';

function arg(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

const pct = (x: number | undefined, d = 1): string => (x === undefined || Number.isNaN(x) ? '-' : `${(100 * x).toFixed(d)}%`);

interface TramReport {
  file: string;
  title: string;
  url: string;
  text: string;
}

function tramTestReports(shared: string): TramReport[] {
  const split = JSON.parse(readFileSync(join(shared, 'tram', 'sok-doc-split.json'), 'utf8')) as { test: Array<{ file: string }> };
  const wanted = new Set(split.test.map((t) => t.file));
  const out: TramReport[] = [];
  for (const line of readFileSync(join(shared, 'tram', 'tram2-annotated-reports.jsonl'), 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const r = JSON.parse(line) as TramReport;
    if (wanted.has(r.file)) out.push(r);
  }
  return out.sort((a, b) => a.file.localeCompare(b.file));
}

type Extract = (r: TramReport, i: number) => Promise<AtiDocument>;

/** The extractor of src/intel, one context for all reports. */
async function extractorFor(dataDir: string, work: string): Promise<Extract> {
  const ctx = await createExtractContext({ dataDir, version: 'eval-generate' });
  return async (r, i) => {
    const path = join(work, `report-${i}.txt`);
    writeFileSync(path, r.text);
    return extractReport({ path, format: 'text' }, ctx);
  };
}

interface ReportRow {
  title: string;
  procedures: number;
  rules: number;
  valid: number;
  rejected: string[];
  commands: number;
  commandsValid: number;
  scripts: number;
  scriptsValid: number;
  linuxSteps: number;
  executed: number;
  extractMs: number;
  gen: SigmaGeneration;
  plans: EmulationPlan[];
}

export async function main(args: string[]): Promise<void> {
  const shared = sharedDataDir();
  const dataDir = resolveDataDir(arg(args, '--data'));
  const atiDir = arg(args, '--ati');
  const limit = Number(arg(args, '--limit') ?? '0');
  const platforms = (arg(args, '--platforms') ?? 'windows,linux,macos').split(',') as Platform[];
  const sandbox = !args.includes('--no-sandbox') && platforms.includes('linux');
  const sandboxLimit = Number(arg(args, '--sandbox-limit') ?? '0');
  const timeoutMs = Number(arg(args, '--timeout') ?? '20') * 1000;
  const jsonOut = arg(args, '--json');
  /** Keep the extracted documents (then `--ati DIR` evaluates them again without extracting). */
  const saveAti = arg(args, '--save-ati');
  if (saveAti) mkdirSync(saveAti, { recursive: true });
  const t0 = performance.now();

  // ---------------------------------------------------------------- shared inputs
  console.log(`reference data: ${shared}`);
  const kb = await loadKnowledgeBaseFromFile(join(shared, 'attack', 'enterprise-attack.json'), { indexPath: join(shared, 'attack', 'index.json') });
  const pipeline = loadPipeline(['default']);
  const sigmaPaths = SIGMAHQ_ACTIVE_FOLDERS.map((f) => join(shared, 'sigma', f)).filter((p) => existsSync(p));
  const tLoad = performance.now();
  const sigmaHq = loadRulesSync(sigmaPaths);
  const existing = RuleSetCoverage.fromCollection({ ...sigmaHq, correlations: [], filters: [] }, pipeline);
  console.log(`SigmaHQ: ${fmt(existing.size)} rules compiled in ${fmt((performance.now() - tLoad) / 1000, 1)} s; ATT&CK ${kb.info.attackVersion}`);
  const atomics = new AtomicLibrary(join(shared, 'atomic-red-team', 'atomics'));
  const catalog = new BinaryCatalog().addSigmaRules(sigmaHq).addSoftware(kb.software.map((s) => ({ name: s.name, aliases: s.aliases, kind: s.kind, id: s.id })));

  // ---------------------------------------------------------------- ATI documents
  const work = mkdtempSync(join(tmpdir(), 'ttpscope-eval-generate-'));
  const docs: Array<{ title: string; doc: AtiDocument; ms: number }> = [];
  try {
    if (atiDir) {
      const files = readdirSync(atiDir).filter((f) => f.endsWith('.ati.json')).sort();
      for (const f of limit > 0 ? files.slice(0, limit) : files) {
        const path = join(atiDir, f);
        const doc = parseAti(readFileSync(path, 'utf8'), path);
        docs.push({ title: doc.report.title, doc, ms: 0 });
      }
      console.log(`ATI documents: ${docs.length} from ${atiDir}`);
    } else {
      const reports = tramTestReports(shared);
      const chosen = limit > 0 ? reports.slice(0, limit) : reports;
      console.log(`TRAM test reports: ${reports.length} (evaluating ${chosen.length}); extractor: src/intel, data dir ${dataDir}`);
      const extract = await extractorFor(dataDir, work);
      const progress = createProgress('extract');
      for (const [i, r] of chosen.entries()) {
        const s = performance.now();
        const doc = await extract(r, i);
        docs.push({ title: r.title, doc, ms: performance.now() - s });
        if (saveAti) writeFileSync(join(saveAti, `${String(i + 1).padStart(2, '0')}.ati.json`), JSON.stringify(doc, null, 2));
        progress.update(i + 1, chosen.length, 'reports extracted');
      }
      progress.done();
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }

  // ---------------------------------------------------------------- generation
  const rows: ReportRow[] = [];
  for (const { title, doc, ms } of docs) {
    const gen = generateSigma(doc, { kb, existing, catalog, pipeline, date: '2025-01-01' });
    const parsed = gen.rules.map((r) => gen.checks.get(r.id)!.parsed!);
    const generatedRules = compileRules({ rules: parsed, correlations: [], filters: [], issues: [], files: parsed.length }, { pipeline });
    const plans = platforms.map((platform) => buildPlan(doc, { platform, atomics, catalog, kb, generatedRules, existing }));
    const steps = plans.flatMap((p) => p.steps);
    const scripts = steps.flatMap((s) => [s.checks.command, ...(s.checks.cleanup ? [s.checks.cleanup] : []), ...s.checks.prerequisites]);
    for (const p of plans) {
      const out = atomicFiles(p, (t) => kb.technique(t)?.name ?? `Technique ${t}`);
      if (out.problems.length > 0) throw new Error(`Atomic output for "${title}" fails its schema: ${JSON.stringify(out.problems)}`);
    }
    rows.push({
      title,
      procedures: doc.procedures.length,
      rules: gen.stats.built,
      valid: gen.stats.shipped,
      rejected: gen.rejected.map((r) => `${r.rule.title}: ${r.check.errors.join('; ')}`),
      commands: steps.length,
      commandsValid: steps.filter((s) => s.checks.command.ok).length,
      scripts: scripts.length,
      scriptsValid: scripts.filter((c) => c.ok).length,
      linuxSteps: steps.filter((s) => s.platform === 'linux').length,
      executed: 0,
      extractMs: ms,
      gen,
      plans,
    });
  }

  // ---------------------------------------------------------------- sandbox
  let attempted = 0;
  let executed = 0;
  let prereqsMet = 0;
  /** Why steps did not run to exit 0. */
  const sandboxOutcomes = new Map<string, number>();
  /** Distinct Linux commands (the same Atomic test stands in for procedures of many reports): executed or not. */
  const distinct = new Map<string, boolean>();
  const tSandbox = performance.now();
  if (sandbox && !sandboxAvailable()) console.log('sandbox: bubblewrap is not installed, Linux commands not executed');
  else if (sandbox) {
    const sandboxProgress = createProgress('sandbox');
    outer: for (const row of rows) {
      for (const plan of row.plans.filter((p) => p.platform === 'linux')) {
        const budget = sandboxLimit > 0 ? sandboxLimit - attempted : Number.MAX_SAFE_INTEGER;
        if (budget <= 0) break outer;
        const res = await executePlan({ ...plan, steps: plan.steps.slice(0, budget) }, { timeoutMs });
        attempted += res.attempted;
        executed += res.executed;
        row.executed += res.executed;
        prereqsMet += res.results.filter((r) => r.prerequisitesMet).length;
        for (const x of res.results) {
          const st = plan.steps.find((s) => s.step === x.step)!;
          const key = `${st.command}\0${st.cleanup ?? ''}`;
          distinct.set(key, (distinct.get(key) ?? false) || x.executed);
          const k = x.executed ? 'exit 0' : x.status !== 'completed' ? x.status : x.commandExit === 127 ? 'exit 127 (program not installed here)' : !x.prerequisitesMet ? 'failed, prerequisites not met (no network)' : `failed (exit ${x.commandExit ?? '?'})`;
          sandboxOutcomes.set(k, (sandboxOutcomes.get(k) ?? 0) + 1);
        }
        sandboxProgress.update(attempted, undefined, `${executed} executed`);
      }
    }
    sandboxProgress.done();
  }
  const sandboxS = (performance.now() - tSandbox) / 1000;

  // ---------------------------------------------------------------- backtest
  const files = labelledLogFiles(join(shared, 'logs'), kb);
  const generated: SigmaRule[] = rows.flatMap((r) => r.gen.rules.map((g) => r.gen.checks.get(g.id)!.parsed!));
  const techniques = new Set(generated.flatMap((r) => techniquesOfTags(r.tags).map(parentOf)));
  const baseline = baselineFor(sigmaHq.rules, techniques);
  const tHunt = performance.now();
  const huntProgress = createProgress('backtest');
  const run = await runBacktest([...generated, ...baseline], files, { onProgress: (p) => huntProgress.update(p.bytesDone, p.bytes, `${p.filesDone}/${p.files} files`) });
  huntProgress.done();
  const huntS = (performance.now() - tHunt) / 1000;
  const outcomes = generated.map((r) => ruleOutcome(run, r.id!));
  const overall = compareSets(run, generated.map((r) => r.id!), baseline.map((r) => r.id!), techniques);
  const labelled = new Set(files.flatMap((f) => f.techniques.map(parentOf)));
  const inLogs = new Set([...techniques].filter((t) => labelled.has(t)));
  const overallInLogs = compareSets(run, generated.map((r) => r.id!), baseline.map((r) => r.id!), inLogs);

  // ---------------------------------------------------------------- report
  const sum = (f: (r: ReportRow) => number): number => rows.reduce((s, r) => s + f(r), 0);
  console.log('\nper report:');
  const w = Math.min(54, Math.max(...rows.map((r) => oneLine(r.title, 54).length), 10));
  console.log(`${'report'.padEnd(w)}  procs  rules  valid  cmds  valid  linux  exec  gen P/R          SigmaHQ P/R`);
  for (const r of rows) {
    const ids = r.gen.rules.map((g) => g.id);
    const tech = new Set(r.gen.rules.flatMap((g) => g.techniques.map(parentOf)));
    const base = baseline.filter((b) => techniquesOfTags(b.tags).some((t) => tech.has(parentOf(t)))).map((b) => b.id!);
    const m = compareSets(run, ids, base, tech);
    const pr = (x: PairMetrics): string => `${pct(x.precision, 0)}/${pct(x.recall, 0)}`.padEnd(15);
    console.log(
      `${oneLine(r.title, w).padEnd(w)}  ${String(r.procedures).padStart(5)}  ${String(r.rules).padStart(5)}  ${String(r.valid).padStart(5)}  ${String(r.commands).padStart(4)}  ${String(r.commandsValid).padStart(5)}  ${String(r.linuxSteps).padStart(5)}  ${String(r.executed).padStart(4)}  ${pr(m.generated)}  ${pr(m.baseline)}`,
    );
  }
  const rulesBuilt = sum((r) => r.rules);
  const rulesValid = sum((r) => r.valid);
  const cmds = sum((r) => r.commands);
  const cmdsValid = sum((r) => r.commandsValid);
  const scripts = sum((r) => r.scripts);
  const scriptsValid = sum((r) => r.scriptsValid);
  const families = new Map<string, number>();
  for (const r of rows) for (const g of r.gen.rules) families.set(`${g.draft.family}/${g.draft.pattern}`, (families.get(`${g.draft.family}/${g.draft.pattern}`) ?? 0) + 1);
  const noHits = outcomes.filter((o) => o.flags.includes('no-hits')).length;
  const noisy = outcomes.filter((o) => o.flags.includes('noisy'));
  const sources = new Map<string, number>();
  for (const r of rows) for (const p of r.plans) for (const s of p.steps) sources.set(`${p.platform}/${s.source}`, (sources.get(`${p.platform}/${s.source}`) ?? 0) + 1);

  console.log('\nSigma rules');
  console.log(`  reports ${rows.length}, procedures ${sum((r) => r.procedures)}, rules generated ${rulesBuilt}, valid ${rulesValid} (${pct(rulesValid / Math.max(1, rulesBuilt))}; floor 100 %)`);
  console.log(`  by family: ${[...families].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  for (const r of rows) for (const x of r.rejected) console.log(`  rejected: ${x}`);
  const related = rows.reduce((s, r) => s + r.gen.rules.filter((g) => g.related.length > 0).length, 0);
  const covered = rows.reduce((s, r) => s + r.gen.procedures.filter((p) => p.coveredBy.length > 0).length, 0);
  console.log(`  rules with related SigmaHQ rules ${related}/${rulesValid}; procedures already covered by SigmaHQ ${covered}/${sum((r) => r.procedures)}`);
  console.log(`\nbacktest on ${files.length} labelled log files (${fmt(run.events)} events, ${fmt(huntS, 1)} s), (technique, file) pairs at parent level:`);
  const line = (name: string, m: PairMetrics, rules: number): void =>
    console.log(`  ${name.padEnd(34)} rules ${String(rules).padStart(5)}  precision ${pct(m.precision).padStart(6)} (${m.correctPairs}/${m.hitPairs})  recall ${pct(m.recall).padStart(6)} (${m.correctPairs}/${m.labelledPairs})  background events ${fmt(m.backgroundEvents)}`);
  line(`generated, all ${techniques.size} techniques`, overall.generated, generated.length);
  line('SigmaHQ, same techniques', overall.baseline, baseline.length);
  line(`generated, ${inLogs.size} techniques in the logs`, overallInLogs.generated, overallInLogs.generated.rules);
  line('SigmaHQ, same techniques', overallInLogs.baseline, overallInLogs.baseline.rules);
  console.log(`  generated rules that fire on nothing: ${noHits}/${outcomes.length}; noisy (≥ ${25}% of files, or ≥ 10 wrong files at < 10% precision): ${noisy.length}${noisy.length > 0 ? ' — ' + noisy.slice(0, 5).map((o) => o.title).join(' | ') : ''}`);
  const firing = outcomes.filter((o) => o.filesHit > 0);
  console.log(`  generated rules that fire: ${firing.length}; their mean per-rule precision ${pct(firing.filter((o) => o.precision !== undefined).reduce((s, o) => s + o.precision!, 0) / Math.max(1, firing.filter((o) => o.precision !== undefined).length))}`);

  console.log('\nemulation commands');
  console.log(`  platforms ${platforms.join(', ')}; steps ${cmds} (${[...sources].map(([k, v]) => `${k} ${v}`).join(', ')})`);
  console.log(`  commands valid ${cmdsValid}/${cmds} (${pct(cmdsValid / Math.max(1, cmds))}; floor 99 %); all scripts incl. cleanup and prerequisites ${scriptsValid}/${scripts} (${pct(scriptsValid / Math.max(1, scripts))})`);
  const failures = rows.flatMap((r) => r.plans.flatMap((p) => p.steps.filter((s) => !s.checks.command.ok).map((s) => `${p.platform} ${s.source === 'atomic' ? `${s.atomic!.technique}-${s.atomic!.number}` : 'report'}: ${s.checks.command.errors[0]}`)));
  for (const f of [...new Set(failures)].slice(0, 12)) console.log(`  invalid: ${f}`);
  if (sandbox) {
    console.log(`  sandbox (bubblewrap, no network, throwaway fs, ${timeoutMs / 1000} s limit): ${executed}/${attempted} Linux steps ran to exit 0 (${pct(executed / Math.max(1, attempted))}); prerequisites met ${prereqsMet}/${attempted}; ${fmt(sandboxS, 0)} s`);
    const distinctRun = [...distinct.values()].filter(Boolean).length;
    console.log(`  distinct Linux commands: ${distinctRun}/${distinct.size} ran to exit 0 (${pct(distinctRun / Math.max(1, distinct.size))})`);
    console.log(`  outcomes: ${[...sandboxOutcomes].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  }
  const ext = rows.map((r) => r.extractMs).filter((x) => x > 0);
  if (ext.length > 0) console.log(`\nextraction: mean ${fmt(ext.reduce((a, b) => a + b, 0) / ext.length / 1000, 2)} s per report`);
  console.log(`total ${fmt((performance.now() - t0) / 1000, 0)} s, peak RSS ${fmt(peakRssMiB())} MiB`);
  if (jsonOut) {
    writeFileSync(
      jsonOut,
      JSON.stringify(
        {
          reports: rows.map((r) => ({ title: r.title, procedures: r.procedures, rules: r.rules, valid: r.valid, rejected: r.rejected, commands: r.commands, commandsValid: r.commandsValid, linuxSteps: r.linuxSteps, executed: r.executed })),
          sigma: { rulesBuilt, rulesValid, families: Object.fromEntries(families) },
          backtest: { overall, overallInLogs, noHits, noisy: noisy.map((o) => o.title) },
          commands: { cmds, cmdsValid, scripts, scriptsValid, attempted, executed, prereqsMet, distinct: distinct.size, distinctExecuted: [...distinct.values()].filter(Boolean).length, sandboxOutcomes: Object.fromEntries(sandboxOutcomes) },
        },
        null,
        2,
      ),
    );
  }
  printReproduce('eval', 'generate', args);
}
