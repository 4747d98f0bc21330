/**
 * `ttpscope generate sigma INPUT` and `ttpscope generate commands INPUT`:
 * detections and an emulation plan from extracted intelligence (an ATI JSON
 * document, or a report run through the extractor). Everything generated is
 * checked by our own tools first (linter, engine, shell parsers, sandbox).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { mdCode, mdCodeBlock, mdTable, mdText } from '../../export/markdown.js';
import { AtomicLibrary } from '../../generate/atomic/load.js';
import { atomicFiles } from '../../generate/emulation/atomic-output.js';
import { executePlan, requireSandbox, type PlanExecution } from '../../generate/emulation/execute.js';
import { buildPlan, reportPlatform, type EmulationPlan } from '../../generate/emulation/plan.js';
import { compileRules } from '../../sigma/index.js';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { UserError } from '../../common/errors.js';
import { createProgress } from '../../common/progress.js';
import { extractReport, type AtiDocument } from '../../intel/index.js';
import { VERSION } from '../version.js';
import { labelledLogFiles } from '../../generate/backtest/labels.js';
import { backtestRules, type BacktestComparison } from '../../generate/backtest/compare.js';
import { loadEnvironment, type GenerateEnvironment } from '../../generate/environment.js';
import { readGenerateInput, type ReportExtractor } from '../../generate/input.js';
import { generateSigma, type SigmaGeneration } from '../../generate/sigma/generate.js';
import { summarizeGeneration } from '../../generate/sigma/summary.js';
import type { Platform } from '../../generate/command/analyze.js';
import { dataDirOf } from '../context.js';
import { renderTable, safeText, writeJson } from '../output.js';
import { collectRepeatable } from './sigma-shared.js';

const PLATFORMS: readonly Platform[] = ['windows', 'linux', 'macos'];

export function parsePlatform(s: string | undefined): Platform | undefined {
  if (s === undefined) return undefined;
  const p = s.toLowerCase();
  if (!(PLATFORMS as readonly string[]).includes(p)) throw new UserError(`unknown platform "${s}"`, undefined, `platforms: ${PLATFORMS.join(', ')}`);
  return p as Platform;
}

function parseDate(s: string | undefined): string | undefined {
  if (s === undefined) return undefined;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s) || Number.isNaN(Date.parse(`${s}T00:00:00Z`))) throw new UserError(`--date must be YYYY-MM-DD, got "${s}"`);
  return s;
}

/** The extractor (src/intel): a report (not ATI JSON) becomes an ATI document first. */
export function reportExtractor(dataDir: string): ReportExtractor {
  return (path) => extractReport({ path }, { dataDir, version: VERSION });
}

export async function readInput(input: string, dataDir: string): Promise<AtiDocument> {
  const { doc } = await readGenerateInput(resolve(input), reportExtractor(dataDir));
  return doc;
}

interface SigmaCliOptions {
  output?: string;
  platform?: string;
  dedup: boolean;
  existing: string[];
  backtest?: string;
  date?: string;
  json?: boolean;
}

function printSigmaSummary(gen: SigmaGeneration, cmp: BacktestComparison | undefined, out: NodeJS.WritableStream, notes: string[]): void {
  const outcomes = new Map((cmp?.perRule ?? []).map((o) => [o.id, o]));
  const pct = (x: number | undefined): string => (x === undefined ? '-' : `${(100 * x).toFixed(0)}%`);
  if (gen.rules.length > 0) {
    out.write(
      renderTable(gen.rules, [
        { header: 'level', value: (r) => r.level },
        { header: 'logsource', value: (r) => r.draft.logsource.category ?? r.draft.logsource.service },
        { header: 'kind', value: (r) => `${r.draft.family}/${r.draft.pattern}` },
        { header: 'rule', value: (r) => r.title, max: 80 },
        { header: 'related', value: (r) => r.related.length, align: 'right' },
        ...(cmp
          ? [
              { header: 'files hit', value: (r: (typeof gen.rules)[number]) => outcomes.get(r.id)?.filesHit, align: 'right' as const },
              { header: 'prec', value: (r: (typeof gen.rules)[number]) => pct(outcomes.get(r.id)?.precision), align: 'right' as const },
              { header: 'recall', value: (r: (typeof gen.rules)[number]) => pct(outcomes.get(r.id)?.recall), align: 'right' as const },
              { header: 'flags', value: (r: (typeof gen.rules)[number]) => outcomes.get(r.id)?.flags.join(',') },
            ]
          : []),
      ]),
    );
  }
  const s = gen.stats;
  out.write(`\n${s.procedures} procedure(s), ${s.artefacts} artefact(s) → ${s.built} rule(s) built, ${s.shipped} passed every check (sigma check, compile, self-test), ${s.rejected} rejected; ${s.warnings} warning(s)\n`);
  const covered = gen.procedures.filter((p) => p.coveredBy.length > 0).length;
  out.write(`${covered} of ${gen.procedures.length} procedure(s) already covered by existing rules (linked as related)\n`);
  for (const r of gen.rejected) out.write(`rejected: ${safeText(r.rule.title)}: ${safeText(r.check.errors.join('; '))}\n`);
  if (gen.skipped.length > 0) out.write(`${gen.skipped.length} item(s) produced no rule (see generation.json or --json for why)\n`);
  if (cmp) {
    const m = (x: typeof cmp.generated): string => `precision ${pct(x.precision)}, recall ${pct(x.recall)} (${x.correctPairs}/${x.hitPairs} hit, ${x.correctPairs}/${x.labelledPairs} labelled), ${x.backgroundEvents} background event(s)`;
    out.write(`\nbacktest over ${cmp.files} labelled log file(s), ${cmp.events.toLocaleString('en-US')} events, techniques ${cmp.techniques.join(' ') || '(none)'}:\n`);
    out.write(`  generated (${cmp.generated.rules} rules): ${m(cmp.generated)}\n`);
    out.write(`  SigmaHQ baseline (${cmp.baselineRules} rules for the same techniques): ${m(cmp.baseline)}\n`);
    out.write(`  flagged: ${cmp.perRule.filter((o) => o.flags.includes('no-hits')).length} fire on nothing, ${cmp.perRule.filter((o) => o.flags.includes('noisy')).length} noisy (written to flagged/)\n`);
  }
  for (const n of notes) out.write(`note: ${n}\n`);
}

export async function prepareEnvironment(cmd: Command, opts: { dedup?: boolean; existing?: string[] }): Promise<GenerateEnvironment> {
  const progress = createProgress('generate');
  const env = await loadEnvironment({
    dataDir: dataDirOf(cmd),
    existingRules: opts.dedup !== false,
    ...(opts.existing && opts.existing.length > 0 ? { rulePaths: opts.existing } : {}),
    onStage: (s) => progress.update(0, undefined, s),
  });
  progress.done();
  return env;
}

export function register(program: Command): void {
  const generate = program.command('generate').description('Sigma rules and emulation plans from extracted intelligence (ATI JSON or a report)');

  generate
    .command('sigma')
    .description('generate Sigma rules for the procedures of an ATI document or report; every rule is linted, compiled and self-tested')
    .argument('<input>', 'ATI JSON (ttpscope extract --format json) or a report file')
    .option('-o, --output <dir>', 'write one YAML file per rule, flagged/ for noisy ones, and generation.json')
    .option('--platform <name>', 'platform of procedures whose artefacts do not say (windows, linux, macos)', 'windows')
    .option('--no-dedup', 'do not look up existing SigmaHQ rules (faster; no related links)')
    .option('--existing <path>', 'existing rules to deduplicate against instead of SigmaHQ in the data dir (repeatable)', collectRepeatable, [])
    .option('--backtest <logs>', 'backtest the rules on labelled logs (a folder laid out like ../shared/data/logs)')
    .option('--date <YYYY-MM-DD>', 'the rules\' date (default today)')
    .option('--json', 'print the generation report (rules with their YAML, checks, coverage) as JSON')
    .addHelpText('after', '\nExit status: 0 all rules passed, 1 some rule was rejected by a check, 2 usage or input error.')
    .action(async (input: string, opts: SigmaCliOptions, cmd: Command) => {
      const platform = parsePlatform(opts.platform) ?? 'windows';
      const date = parseDate(opts.date);
      const dataDir = dataDirOf(cmd);
      const doc = await readInput(input, dataDir);
      const env = await prepareEnvironment(cmd, opts);
      const gen = generateSigma(doc, {
        catalog: env.catalog,
        pipeline: env.pipeline,
        platform,
        ...(env.kb ? { kb: env.kb } : {}),
        ...(env.existing ? { existing: env.existing } : {}),
        ...(date ? { date } : {}),
      });
      let cmp: BacktestComparison | undefined;
      if (opts.backtest) {
        const files = labelledLogFiles(resolve(opts.backtest), env.kb);
        const progress = createProgress('backtest');
        const parsed = gen.rules.map((r) => gen.checks.get(r.id)!.parsed!);
        cmp = await backtestRules(parsed, env.existing?.collection.rules ?? [], files, { onProgress: (p) => progress.update(p.bytesDone, p.bytes, `${p.filesDone}/${p.files} files`) });
        progress.done();
        if (!env.existing) env.notes.push('backtest baseline is empty: no existing rules loaded');
      }
      const summary = summarizeGeneration(doc, gen, cmp, env.notes);
      const flagged = new Set((cmp?.perRule ?? []).filter((o) => o.flags.includes('noisy')).map((o) => o.id));
      if (opts.output) {
        const dir = resolve(opts.output);
        mkdirSync(dir, { recursive: true });
        if (flagged.size > 0) mkdirSync(join(dir, 'flagged'), { recursive: true });
        for (const r of gen.rules) writeFileSync(join(dir, flagged.has(r.id) ? 'flagged' : '', r.fileName), r.yaml);
        writeFileSync(join(dir, 'generation.json'), JSON.stringify(summary, null, 2) + '\n');
      }
      if (opts.json) writeJson({ ...summary, yaml: Object.fromEntries(gen.rules.map((r) => [r.id, r.yaml])) });
      else if (opts.output) {
        printSigmaSummary(gen, cmp, process.stdout, env.notes);
        process.stdout.write(`\nwrote ${gen.rules.length - flagged.size} rule(s) to ${safeText(resolve(opts.output))}${flagged.size > 0 ? `, ${flagged.size} to flagged/` : ''}, and generation.json\n`);
      } else {
        process.stdout.write(gen.rules.map((r) => r.yaml).join('---\n'));
        printSigmaSummary(gen, cmp, process.stderr, env.notes);
      }
      process.exitCode = gen.rejected.length > 0 ? 1 : 0;
    });

  generate
    .command('commands')
    .description("an emulation plan in procedure order: the report's commands, else Atomic tests filled from the report; every command is checked, Linux ones can run in a sandbox")
    .argument('<input>', 'ATI JSON (ttpscope extract --format json) or a report file')
    .option('--platform <name>', "windows, linux or macos (default: the platform of most of the report's commands)")
    .option('--format <format>', 'atomic (Atomic Red Team YAML), json or markdown', 'markdown')
    .option('-o, --output <path>', 'file to write (atomic: a folder laid out like atomics/<T>/<T>.yaml)')
    .option('--variants <n>', 'Atomic tests per procedure without a command of its own', '1')
    .option('--execute-sandbox', 'run the Linux steps inside bubblewrap (no network, throwaway file system, time limit) and report the execution rate')
    .option('--timeout <seconds>', 'time limit per sandboxed step', '30')
    .option('--no-dedup', 'do not load the existing SigmaHQ rules (expected telemetry lists only generated rules)')
    .addHelpText('after', '\nNothing is ever executed outside the sandbox; Windows steps are only checked statically.\nExit status: 0 every command passed its check, 1 some did not, 2 usage or input error.')
    .action(async (input: string, opts: CommandsCliOptions, cmd: Command) => {
      const format = opts.format.toLowerCase();
      if (!['atomic', 'json', 'markdown'].includes(format)) throw new UserError(`unknown format "${opts.format}"`, undefined, 'formats: atomic, json, markdown');
      const variants = Number(opts.variants);
      if (!Number.isInteger(variants) || variants < 1 || variants > 10) throw new UserError(`--variants must be a whole number from 1 to 10, got "${opts.variants}"`);
      const timeout = Number(opts.timeout);
      if (!Number.isFinite(timeout) || timeout <= 0 || timeout > 600) throw new UserError(`--timeout must be seconds between 0 and 600, got "${opts.timeout}"`);
      if (opts.executeSandbox) requireSandbox();
      const dataDir = dataDirOf(cmd);
      const doc = await readInput(input, dataDir);
      const env = await prepareEnvironment(cmd, opts);
      const platform = parsePlatform(opts.platform) ?? reportPlatform(doc);
      const gen = generateSigma(doc, { catalog: env.catalog, pipeline: env.pipeline, platform, ...(env.kb ? { kb: env.kb } : {}) });
      const parsed = gen.rules.map((r) => gen.checks.get(r.id)!.parsed!);
      const generatedRules = compileRules({ rules: parsed, correlations: [], filters: [], issues: [], files: parsed.length }, { pipeline: env.pipeline });
      const atomics = env.atomicsDir ? new AtomicLibrary(env.atomicsDir) : undefined;
      const plan = buildPlan(doc, {
        platform,
        catalog: env.catalog,
        variants,
        generatedRules,
        ...(atomics ? { atomics } : {}),
        ...(env.kb ? { kb: env.kb } : {}),
        ...(env.existing ? { existing: env.existing } : {}),
      });
      let execution: PlanExecution | undefined;
      if (opts.executeSandbox) {
        const progress = createProgress('sandbox');
        execution = await executePlan(plan, { timeoutMs: timeout * 1000, onStep: (d, t) => progress.update(d, t) });
        progress.done();
      }
      const invalid = plan.steps.filter((s) => !s.checks.command.ok).length;
      const displayName = (t: string): string => env.kb?.technique(t)?.name ?? `Technique ${t}`;
      if (format === 'atomic') {
        const out = atomicFiles(plan, displayName);
        if (out.problems.length > 0) throw new Error(`generated Atomic YAML fails its schema: ${out.problems.map((p) => `${p.technique} ${p.path}: ${p.message}`).join('; ')}`);
        if (opts.output) {
          const dir = resolve(opts.output);
          out.files.forEach((f, i) => {
            mkdirSync(join(dir, f.attack_technique), { recursive: true });
            writeFileSync(join(dir, f.attack_technique, `${f.attack_technique}.yaml`), out.yaml[i]!);
          });
          process.stdout.write(`wrote ${out.files.length} Atomic file(s) (${plan.steps.length} test(s)) under ${safeText(dir)}\n`);
        } else process.stdout.write(out.yaml.join('---\n'));
      } else {
        const text = format === 'json' ? JSON.stringify({ plan, execution: execution ?? null, notes: env.notes }, null, 2) + '\n' : planMarkdown(plan, execution, env.notes);
        if (opts.output) writeFileSync(resolve(opts.output), text);
        else process.stdout.write(text);
      }
      const sandbox = execution ? `; sandbox: ${execution.executed}/${execution.attempted} Linux step(s) executed` : '';
      process.stderr.write(`${plan.steps.length} step(s), ${plan.steps.length - invalid} with a command that passed its check; ${plan.uncovered.length} procedure(s) not emulated${sandbox}\n`);
      process.exitCode = invalid > 0 ? 1 : 0;
    });
}

interface CommandsCliOptions {
  platform?: string;
  format: string;
  output?: string;
  variants: string;
  executeSandbox?: boolean;
  timeout: string;
  dedup: boolean;
}

/** The plan as Markdown: everything from the report or Atomic goes through the escaping helpers. */
export function planMarkdown(plan: EmulationPlan, execution: PlanExecution | undefined, notes: string[]): string {
  const lang = (e: string): string => (e === 'powershell' ? 'powershell' : e === 'command_prompt' ? 'bat' : e === 'manual' ? '' : 'sh');
  const runs = new Map((execution?.results ?? []).map((r) => [r.step, r]));
  const out: string[] = [`# Emulation plan: ${mdText(plan.report.title)}`, '', `Platform: ${mdText(plan.platform)}. ${plan.steps.length} step(s) in attack-chain order.`, ''];
  out.push(
    mdTable(
      ['step', 'technique', 'source', 'executor', 'admin', 'check', 'expected rules'],
      plan.steps.map((s) => [
        String(s.step),
        mdText(`${s.technique}${s.techniqueName ? ' ' + s.techniqueName : ''}`),
        mdText(s.source === 'atomic' ? `Atomic ${s.atomic!.technique}-${s.atomic!.number}` : 'report'),
        mdText(s.executor),
        s.elevationRequired ? 'yes' : 'no',
        s.checks.command.ok ? 'ok' : 'failed',
        String(s.expectedTelemetry.rules.length),
      ]),
    ),
  );
  for (const s of plan.steps) {
    out.push('', `## Step ${s.step}: ${mdText(s.name)}`, '', `Procedure ${mdCode(s.procedure.id)} (report step ${s.procedure.order}, ${mdText(s.procedure.technique)}): ${mdText(s.procedure.action)}`, '', `Evidence: ${mdText(s.procedure.evidence)}`, '');
    if (s.atomic) out.push(`Atomic Red Team ${mdText(`${s.atomic.technique}-${s.atomic.number}`)}: ${mdText(s.atomic.name)}${s.atomic.guid ? ` (${mdCode(s.atomic.guid)})` : ''}`, '');
    out.push(`Executor: ${mdCode(s.executor)}${s.elevationRequired ? ', needs elevation' : ''}.`, '');
    if (s.inputArguments.length > 0) out.push(mdTable(['argument', 'value', 'from'], s.inputArguments.map((a) => [mdCode(a.name), mdCode(a.value), mdText(a.from === 'report' ? `report (${a.ref})` : 'default')])), '');
    for (const [i, d] of s.prerequisites.entries()) {
      const l = lang(s.dependencyExecutor ?? s.executor);
      out.push(`Prerequisite ${i + 1}: ${mdText(d.description)}`, '', mdCodeBlock(d.check, l), '', mdCodeBlock(d.install, l), '');
    }
    out.push('Command:', '', mdCodeBlock(s.command, lang(s.executor)), '');
    if (s.cleanup) out.push('Cleanup:', '', mdCodeBlock(s.cleanup, lang(s.executor)), '');
    const c = s.checks.command;
    const errs = c.errors.length > 0 ? ' — ' + mdText(c.errors.join('; ')) : '';
    const warns = c.warnings.length > 0 ? ' (warnings: ' + mdText(c.warnings.join('; ')) + ')' : '';
    out.push(`Check (${mdText(c.checker)}): ${c.ok ? 'passed' : 'failed'}${errs}${warns}`, '');
    const r = runs.get(s.step);
    if (r) out.push(`Sandbox: ${r.executed ? 'executed (exit 0)' : r.status === 'completed' ? `ran, exit ${r.commandExit ?? '?'}` : mdText(r.status)}, ${r.durationMs} ms${r.prerequisitesMet ? '' : ', prerequisites not met'}`, '');
    if (s.expectedTelemetry.events.length > 0) out.push('Expected telemetry:', '', ...s.expectedTelemetry.events.map((e) => `- ${mdText(e)}`), '');
    if (s.expectedTelemetry.rules.length > 0) out.push('Rules that should fire:', '', ...s.expectedTelemetry.rules.map((x) => `- ${mdText(x.title)} (${mdText(x.level)}, ${x.set === 'generated' ? 'generated' : 'SigmaHQ'}, ${mdCode(x.id)})`), '');
    for (const n of s.notes) out.push(`Note: ${mdText(n)}`, '');
  }
  if (plan.uncovered.length > 0) out.push('', '## Not emulated', '', ...plan.uncovered.map((u) => `- ${mdText(`${u.procedure} (step ${u.order}, ${u.technique}): ${u.reason}`)}`));
  if (execution) out.push('', `Sandbox execution: ${execution.executed} of ${execution.attempted} Linux step(s) ran to exit 0; ${execution.notAttempted.length} step(s) not run.`);
  for (const n of notes) out.push('', `Note: ${mdText(n)}`);
  return out.join('\n') + '\n';
}
