/**
 * `ttpscope detect LOGS...`: semantic TTP detection fused with Sigma, and
 * attack scenarios. Logs → provenance graphs → behaviour sequences → encoder
 * → k-NN over the TTP index (ATT&CK, procedure examples, --intel reports) →
 * calibrated alerts (with the Sigma hits that agree or disagree) → scenarios.
 * `ttpscope detect calibrate --from DIR` learns the calibration on the
 * training split of the labelled logs. Exit 0 no alerts, 1 alerts, 2 error.
 */
import { createWriteStream, existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Writable } from 'node:stream';
import type { Command } from 'commander';
import { UserError, formatIssue, type Issue } from '../../common/errors.js';
import { createProgress } from '../../common/progress.js';
import { dataLayout, existingCacheDir } from '../../datadir/paths.js';
import { loadKnowledgeBase } from '../../kb/index.js';
import { expandLogPaths } from '../../logs/stats.js';
import { loadModel } from '../../embed/model-file.js';
import { defaultModelPath } from '../../embed/pipeline.js';
import { calibrate } from '../../detect/calibrate.js';
import { defaultCalibrationPath, writeCalibration } from '../../detect/calibration/model.js';
import { loadRuleTable } from '../../detect/rules.js';
import { checkSessionFiles, openSession, plannedThreads, runSession } from '../../detect/session.js';
import { TechniqueInfo } from '../../detect/techniques.js';
import type { Alert, DetectionReport } from '../../detect/types.js';
import { reportToDot, reportToMarkdown, reportToNavigator, reportToStix } from '../../export/scenario/index.js';
import { dataDirOf } from '../context.js';
import { renderTable, safeText, writeJson } from '../output.js';
import { VERSION } from '../version.js';
import { activeRulePaths, collectRepeatable } from './sigma-shared.js';

const FORMATS = ['table', 'json', 'jsonl', 'markdown', 'navigator', 'stix', 'dot'] as const;
type Format = (typeof FORMATS)[number];

interface DetectCliOptions {
  topK?: string;
  minScore?: string;
  intel: string[];
  rules: string[];
  sigmahq: boolean;
  sigma: boolean;
  pipeline: string[];
  semanticOnly?: boolean;
  format: string;
  output?: string;
  model?: string;
  calibration?: string;
  window?: string;
  scenarioSteps?: string;
  maxIssues: string;
  threads?: string;
  quiet?: boolean;
}

function intOption(name: string, v: string | undefined, min: number, max: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new UserError(`--${name} must be a whole number from ${min} to ${max}, got "${v}"`);
  return n;
}

function scoreOption(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0 || n > 1) throw new UserError(`--min-score must be a number from 0 to 1 (a calibrated score), got "${v}"`);
  return n;
}

const iso = (t: number) => (Number.isFinite(t) ? new Date(t).toISOString() : '');
const base = (p: string) => p.split(/[\\/]/).pop() || p;

function rulesText(a: Alert): string {
  const by = new Map<string, string>();
  for (const h of a.ruleHits) by.set(h.ruleId, `${h.title} (${h.agreement})`);
  return [...by.values()].join('; ');
}

function writeTable(r: DetectionReport, out: Writable): void {
  if (r.alerts.length) {
    out.write(
      renderTable(r.alerts, [
        { header: 'time', value: (a) => iso(a.start) },
        { header: 'host', value: (a) => a.host, max: 24 },
        { header: 'score', value: (a) => a.score.toFixed(2), align: 'right' },
        { header: 'techniques', value: (a) => a.techniques.map((t) => `${t.id}${t.origin === 'both' ? '+' : t.origin === 'sigma' ? '*' : ''}`).join(' '), max: 36 },
        { header: 'process', value: (a) => (a.unit === 'event' ? a.sequence.text : base(a.process.image) || a.process.key), max: 28 },
        { header: 'sequence', value: (a) => a.sequence.text, max: 90 },
        { header: 'sigma', value: rulesText, max: 60 },
        { header: 'evidence', value: (a) => (a.evidence[0] ? `${base(a.evidence[0].file)}${a.evidence[0].line !== undefined ? `:${a.evidence[0].line}` : a.evidence[0].record !== undefined ? `#${a.evidence[0].record}` : ''}` : ''), max: 40 },
      ]),
    );
    out.write('techniques: + semantic and Sigma agree, * Sigma only\n');
  }
  for (const s of r.scenarios) {
    out.write(`\nscenario ${s.id} on ${safeText(s.host)}: ${s.tactics.join(' → ')}\n`);
    out.write(`  entry: ${safeText(s.entry.name || s.entry.key)}${s.entry.via ? ` (started by ${safeText(s.entry.via)})` : ''}; size: ${s.size.alerts} alerts, ${s.size.nodes} nodes, ${s.size.edges} edges, ${s.size.events} events\n`);
    out.write(
      renderTable(s.steps, [
        { header: '#', value: (x) => x.order, align: 'right' },
        { header: 'time', value: (x) => iso(x.time) },
        { header: 'tactic', value: (x) => x.tactic },
        { header: 'technique', value: (x) => `${x.technique} ${x.techniqueName}`, max: 50 },
        { header: 'actor → object', value: (x) => `${base(x.actor.image) || x.actor.key} → ${x.object}`, max: 80 },
        { header: 'score', value: (x) => x.score.toFixed(2), align: 'right' },
      ]).replace(/^/gm, '  '),
    );
  }
}

function summaryLine(r: DetectionReport): string {
  const s = r.stats;
  const rate = s.seconds > 0 ? Math.round(s.events / s.seconds) : 0;
  return (
    `${s.alerts} alert(s), ${s.scenarios} scenario(s); ${s.events.toLocaleString('en-US')} event(s) in ${s.files} file(s), ` +
    `${s.sequences.toLocaleString('en-US')} sequences (${s.encoded.toLocaleString('en-US')} distinct encoded), ${s.ruleHits.toLocaleString('en-US')} Sigma hit(s); ` +
    `${s.seconds.toFixed(2)} s (${rate.toLocaleString('en-US')} events/s, ${s.threads} thread(s)); mode ${r.generator.mode}, ${r.generator.rules} rule(s)${s.issues ? `; ${s.issues} input issue(s)` : ''}\n`
  );
}

function render(r: DetectionReport, format: Format, kbStixId: (id: string) => string | undefined): string {
  switch (format) {
    case 'json':
      return JSON.stringify(r, null, 2) + '\n';
    case 'jsonl':
      return [...r.alerts.map((a) => JSON.stringify({ type: 'alert', ...a })), ...r.scenarios.map((s) => JSON.stringify({ type: 'scenario', ...s }))].map((l) => l + '\n').join('');
    case 'markdown':
      return reportToMarkdown(r);
    case 'navigator':
      return JSON.stringify(reportToNavigator(r), null, 2) + '\n';
    case 'stix':
      return JSON.stringify(reportToStix(r, { techniqueStixId: kbStixId }), null, 2) + '\n';
    case 'dot':
      return reportToDot(r);
    default:
      return '';
  }
}

async function openOutput(path: string): Promise<ReturnType<typeof createWriteStream>> {
  const stream = createWriteStream(path, { flags: 'w' });
  await new Promise<void>((resolveOpen, reject) => {
    stream.once('open', () => resolveOpen());
    stream.once('error', (e) => reject(new UserError(`cannot write output: ${e.message}`, { file: path })));
  });
  return stream;
}

export function register(program: Command): void {
  const detect = program
    .command('detect')
    .description('find attacks in host logs: semantic TTP search fused with Sigma, calibrated alerts and attack scenarios')
    .argument('[logs...]', 'log files or folders (EVTX, JSON Lines, JSON, .gz, auditd, XML; format detected from content)')
    .option('--top-k <k>', 'semantic candidate techniques per behaviour sequence (default: the calibration\'s, 3)')
    .option('--min-score <s>', 'one threshold (0–1, calibrated) for every technique instead of the learned per-technique thresholds')
    .option('--intel <file>', 'ATI JSON from `ttpscope extract` whose procedures join the TTP index (repeatable)', collectRepeatable, [])
    .option('--rules <path>', 'further Sigma rule file or folder (repeatable; added to the SigmaHQ rules of the data dir)', collectRepeatable, [])
    .option('--no-sigmahq', 'do not use the SigmaHQ rules of the data dir (only --rules)')
    .option('--no-sigma', 'no Sigma rules at all (semantic detection alone)')
    .option('--pipeline <name|file>', 'Sigma processing pipeline (repeatable; default: default)', collectRepeatable, [])
    .option('--semantic-only', 'alerts from the encoder alone; rule hits are still shown as evidence')
    .option('--format <format>', `output: ${FORMATS.join(', ')}`, 'table')
    .option('--output <file>', 'write the output to a file (the summary still goes to the terminal)')
    .option('--model <file>', 'encoder model (default: <data>/models/ttp-encoder.bin)')
    .option('--calibration <file>', 'calibration (default: <data>/models/detect-calibration.json)')
    .option('--window <minutes>', 'time window the stream is cut into (default 60)')
    .option('--scenario-steps <n>', 'steps a scenario needs at least (default 2)')
    .option('--threads <n>', 'worker threads: auto (both cores for several files with 2 GiB of log text or more, gzip counted decompressed) or a number', 'auto')
    .option('--max-issues <n>', 'input problems printed individually (all are counted)', '10')
    .option('-q, --quiet', 'no summary or issue lines on the terminal')
    .addHelpText('after', '\nExit status: 0 no alerts, 1 alerts, 2 error.\nFirst run `ttpscope detect calibrate --from ../shared/data` once per model.')
    .action(async (logs: string[], opts: DetectCliOptions, cmd: Command) => {
      const format = opts.format as Format;
      if (!FORMATS.includes(format)) throw new UserError(`unknown format "${opts.format}"`, undefined, `formats: ${FORMATS.join(', ')}`);
      if (logs.length === 0) throw new UserError('no log files given', undefined, 'usage: ttpscope detect LOGS... (or ttpscope detect calibrate --from DIR)');
      const topK = intOption('top-k', opts.topK, 1, 8);
      const minScore = scoreOption(opts.minScore);
      const windowMin = intOption('window', opts.window, 1, 7 * 24 * 60);
      const minSteps = intOption('scenario-steps', opts.scenarioSteps, 1, 1000);
      const maxIssues = intOption('max-issues', opts.maxIssues, 0, 1_000_000) ?? 10;
      const threads = opts.threads === undefined || opts.threads === 'auto' ? 'auto' : intOption('threads', opts.threads, 1, 64)!;
      const dataDir = dataDirOf(cmd);
      const layout = dataLayout(dataDir);
      const expanded = await expandLogPaths(logs);
      if (expanded.missing.length) throw new UserError('log file not found', { file: expanded.missing[0]! });
      if (expanded.files.length === 0) throw new UserError('no log files in the given folders', { file: logs.join(', ') });
      for (const r of opts.rules) if (!existsSync(r)) throw new UserError('rule file or folder not found', { file: r });
      for (const f of opts.intel) if (!existsSync(f)) throw new UserError('intelligence file not found', { file: f });
      const rulePaths = !opts.sigma ? [] : [...(opts.sigmahq ? activeRulePaths(dataDir) : []), ...opts.rules];
      if (opts.sigma && !opts.sigmahq && opts.rules.length === 0) throw new UserError('--no-sigmahq needs --rules (or use --no-sigma)');

      const modelPath = opts.model ? resolve(opts.model) : defaultModelPath(layout.modelsDir);
      const calibrationPath = opts.calibration ? resolve(opts.calibration) : defaultCalibrationPath(layout.modelsDir);
      checkSessionFiles(modelPath, calibrationPath);

      const progress = createProgress('detect');
      progress.update(0, undefined, 'loading ATT&CK, model, rules');
      const kb = await loadKnowledgeBase({ dataDir });
      // workers start now and compile the rules while this thread builds the TTP index
      const workerCount = Math.min(plannedThreads(expanded.files, { threads }), expanded.files.length) - 1;
      const cacheDir = existingCacheDir(dataDir);
      const session = await openSession({
        ...(workerCount > 0 ? { workers: { count: workerCount, kb: { dataDir } } } : {}),
        kb,
        modelPath,
        calibrationPath,
        rulePaths,
        ruleLoad: { cacheDir },
        ...(cacheDir ? { indexCacheDir: cacheDir } : {}),
        pipeline: opts.pipeline,
        intelPaths: opts.intel,
        ...(opts.semanticOnly || !opts.sigma ? { mode: 'semantic' as const } : {}),
        ...(topK !== undefined ? { topK } : {}),
        ...(minScore !== undefined ? { minScore } : {}),
      });
      const shown: Issue[] = [];
      const found = expanded.found;
      const { report, issues } = await runSession(session, expanded.files, {
        version: VERSION,
        inputs: expanded.files,
        ...(windowMin ? { windowMs: windowMin * 60_000 } : {}),
        scenarios: minSteps !== undefined ? { minSteps } : {},
        threads,
        kbSource: { dataDir },
        onFile: (done, total, f) => progress.update(done, total, `files · ${base(f)}`),
        onIssue: (i) => {
          // files met while walking a folder that are not logs (manifests, READMEs) are skipped quietly
          if (i.code === 'unsupported-format' && i.place?.file && found.has(i.place.file)) return;
          if (shown.length < maxIssues) shown.push(i);
        },
      });
      progress.done();

      let out: Writable = process.stdout;
      let stream: ReturnType<typeof createWriteStream> | undefined;
      if (opts.output !== undefined) out = stream = await openOutput(opts.output);
      const stixIdOf = (id: string) => kb.technique(id)?.stixId;
      if (format === 'table') writeTable(report, out);
      else {
        const text = render(report, format, stixIdOf);
        if (stream) out.write(text);
        else if (format === 'json') writeJson(report);
        else out.write(text);
      }
      if (stream) await new Promise<void>((r) => stream!.end(r));
      if (!opts.quiet) {
        for (const i of shown) process.stderr.write(safeText(formatIssue(i)) + '\n');
        if (issues.total > shown.length) process.stderr.write(`… ${issues.total - shown.length} more input issue(s) (${[...issues.byCode].map(([k, v]) => `${k} ${v}`).join(', ')})\n`);
        const summaryOut = format === 'table' || stream ? process.stdout : process.stderr;
        summaryOut.write((format === 'table' && report.alerts.length ? '\n' : '') + summaryLine(report));
        if (stream) process.stdout.write(`${format} written to ${safeText(opts.output!)}\n`);
      }
      if (report.stats.events === 0 && issues.total > 0) {
        process.stderr.write('ttpscope: no events could be read from the given logs (see the issues above)\n');
        process.exitCode = 2;
        return;
      }
      process.exitCode = report.alerts.length > 0 ? 1 : 0;
    });

  detect
    .command('calibrate')
    .description('learn the detection calibration on the TRAINING split of the labelled logs (never the evaluation files)')
    .requiredOption('--from <dir>', 'reference data laid out like ../shared/data (its logs/ with manifests)')
    .option('--model <file>', 'encoder model (default: <data>/models/ttp-encoder.bin)')
    .option('--out <file>', 'calibration file (default: <data>/models/detect-calibration.json)')
    .option('--top-k <k>', 'semantic candidates per sequence (default 3)')
    .option('--no-sigma', 'calibrate without Sigma rules (fused scores then use level priors only)')
    .option('--thresholds <how>', 'pairs (default: F1 over unit × technique detections) or cv (4-fold cross-validation inside the training files chooses the objective)', 'pairs')
    .option('--json', 'print the result as JSON')
    .action(async (opts: { from: string; model?: string; out?: string; topK?: string; sigma: boolean; thresholds: string; json?: boolean }, cmd: Command) => {
      if (opts.thresholds !== 'pairs' && opts.thresholds !== 'cv') throw new UserError(`--thresholds must be pairs or cv, got "${opts.thresholds}"`);
      const ref = resolve(opts.from);
      if (!existsSync(resolve(ref, 'logs'))) throw new UserError('no logs/ folder in the reference data', { file: ref }, 'pass --from ../shared/data');
      const dataDir = dataDirOf(cmd);
      const layout = dataLayout(dataDir);
      const modelPath = opts.model ? resolve(opts.model) : defaultModelPath(layout.modelsDir);
      if (!existsSync(modelPath)) throw new UserError('no encoder model', { file: modelPath }, 'run: ttpscope setup --from ../shared/data   (or ttpscope model train --from ../shared/data)');
      const topK = intOption('top-k', opts.topK, 1, 8);
      const progress = createProgress('calibrate');
      progress.update(0, undefined, 'loading');
      const kb = await loadKnowledgeBase({ dataDir });
      const model = loadModel(modelPath);
      const cacheDir = existingCacheDir(dataDir);
      const rules = opts.sigma ? await loadRuleTable(activeRulePaths(dataDir), new TechniqueInfo(kb), [], { cacheDir }) : undefined;
      const result = await calibrate({ kb, model, rules, referenceDir: ref, ...(cacheDir ? { indexCacheDir: cacheDir } : {}), thresholds: opts.thresholds, ...(topK !== undefined ? { topK } : {}), onFile: (f, done, total) => progress.update(done, total, `files · ${base(f.file)}`) });
      progress.done();
      const out = opts.out ? resolve(opts.out) : defaultCalibrationPath(layout.modelsDir);
      writeCalibration(out, result.calibration);
      const summary = { path: out, files: result.files, events: result.events, training: result.calibration.training, semantic: result.calibration.semantic.global, fused: result.calibration.fused.global };
      if (opts.json) writeJson(summary);
      else process.stdout.write(`calibration written to ${out}: ${result.files} training files, ${result.events.toLocaleString('en-US')} events; global thresholds semantic ${summary.semantic}, fused ${summary.fused}\n`);
    });
}
