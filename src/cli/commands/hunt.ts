/**
 * `ttpscope hunt LOGS...`: run Sigma rules over log files and print a
 * timeline of detections (sorted by time) and a summary. Exit 0 no
 * detections, 1 detections, 2 error.
 */
import { createWriteStream, existsSync } from 'node:fs';
import type { Writable } from 'node:stream';
import type { Command } from 'commander';
import { UserError, formatIssue, type Issue } from '../../common/errors.js';
import { createProgress } from '../../common/progress.js';
import { existingCacheDir } from '../../datadir/paths.js';
import { runHunt, type HuntResult } from '../../sigma/hunt/index.js';
import { CSV_HEADER, TIMELINE_FORMATS, csvLine, detectionJson, jsonLine, keyFieldsText, rowTime, summarize, summaryTables, techniquesOf, type TimelineFormat } from '../../sigma/output/index.js';
import { loadPipeline } from '../../sigma/pipeline/index.js';
import { loadRules } from '../../sigma/rule/load.js';
import { LEVELS, type Level } from '../../sigma/rule/types.js';
import { dataDirOf } from '../context.js';
import { renderTable, safeText, writeJson } from '../output.js';
import { activeRulePaths, collectRepeatable } from './sigma-shared.js';

interface HuntCliOptions {
  rules: string[];
  pipeline: string[];
  minLevel?: string;
  format: string;
  output?: string;
  threads?: string;
  maxIssues: string;
  quiet?: boolean;
}

function parseLevel(s: string | undefined): Level | undefined {
  if (s === undefined) return undefined;
  const l = s.toLowerCase() === 'info' ? 'informational' : s.toLowerCase();
  if (!(LEVELS as readonly string[]).includes(l)) throw new UserError(`unknown level "${s}"`, undefined, `levels: ${LEVELS.join(', ')}`);
  return l as Level;
}

function parseThreads(s: string | undefined): number | 'auto' {
  if (s === undefined || s === 'auto') return 'auto';
  const n = Number(s);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new UserError(`--threads must be "auto" or a whole number from 1 to 64, got "${s}"`);
  return n;
}

function writeTimeline(result: HuntResult, format: TimelineFormat, out: Writable): void {
  const refs = result.rules;
  if (format === 'csv') {
    out.write(CSV_HEADER.join(',') + '\n');
    for (const r of result.rows) out.write(csvLine(r, refs[r.rule]) + '\n');
  } else if (format === 'jsonl') {
    for (const r of result.rows) out.write(jsonLine(r, refs[r.rule]) + '\n');
  } else if (format === 'table') {
    if (result.rows.length === 0) return;
    out.write(
      renderTable(result.rows, [
        { header: 'time', value: (r) => rowTime(r) },
        { header: 'computer', value: (r) => r.computer, max: 24 },
        { header: 'level', value: (r) => refs[r.rule]?.level },
        { header: 'rule', value: (r) => refs[r.rule]?.title, max: 60 },
        { header: 'attack', value: (r) => techniquesOf(refs[r.rule]?.tags ?? []).join(' '), max: 24 },
        { header: 'rule id', value: (r) => refs[r.rule]?.id.slice(0, 8) },
        { header: 'channel', value: (r) => r.channel, max: 28 },
        { header: 'eid', value: (r) => r.eventId, align: 'right' },
        { header: 'key fields', value: (r) => keyFieldsText(r), max: 100 },
        { header: 'source', value: (r) => (r.source ? `${r.source.file}${r.source.line !== undefined ? `:${r.source.line}` : r.source.record !== undefined ? `#${r.source.record}` : ''}` : ''), max: 60 },
      ]),
    );
  }
}

function summaryJson(result: HuntResult) {
  return {
    ...summarize(result.rows, result.rules),
    stats: result.stats,
    rules: { compiled: result.rules.length, notCompiled: result.ruleIssues.length, belowMinLevel: result.belowLevel },
    issues: { errors: result.issues.errors, warnings: result.issues.warnings, byCode: result.issues.byCode },
  };
}

/** Rules that did not compile for the same reason more often than this are summed up in one line. */
const RULE_ISSUES_PER_CODE = 3;

function printIssues(result: HuntResult, loadIssues: Issue[], maxShown: number, err: Writable): void {
  // the same rule problem many times over (SigmaHQ's placeholder rules without values) is one line, not a screenful
  const byCode = new Map<string, Issue[]>();
  for (const i of result.ruleIssues) {
    const code = i.code ?? 'rule-issue';
    const list = byCode.get(code);
    if (list) list.push(i);
    else byCode.set(code, [i]);
  }
  const ruleIssues = [...byCode.values()].flatMap((list) => (list.length > RULE_ISSUES_PER_CODE ? [] : list));
  const shown = [...loadIssues.filter((i) => i.severity === 'error'), ...ruleIssues, ...result.issues.samples].slice(0, maxShown);
  for (const i of shown) err.write(safeText(formatIssue(i)) + '\n');
  for (const [code, list] of byCode) {
    if (list.length <= RULE_ISSUES_PER_CODE) continue;
    const first = formatIssue(list[0]!).replace(/^\w+: /, '');
    err.write(safeText(`${list[0]!.severity}: ${list.length} rules not used (${code}), e.g. ${first}; each one is listed with --format json`) + '\n');
  }
  const total = loadIssues.filter((i) => i.severity === 'error').length + ruleIssues.length + result.issues.errors + result.issues.warnings;
  if (total > shown.length) err.write(`… ${total - shown.length} more issue(s) not shown (see --format json, or raise --max-issues)\n`);
}

function printSummary(result: HuntResult, loaded: { rules: number; files: number; loadErrors: number }, pipelineName: string, out: Writable): void {
  const s = result.stats;
  const summary = summarize(result.rows, result.rules);
  const render = (rows: Array<Record<string, string | number>>, cols: string[]) =>
    renderTable(
      rows,
      cols.map((c) => ({ header: c, value: (r: Record<string, string | number>) => r[c], ...(c === 'hits' ? { align: 'right' as const } : {}), ...(c === 'rule' ? { max: 80 } : {}) })),
    );
  if (summary.detections > 0) out.write('\n' + summaryTables(summary, render) + '\n');
  const rate = s.scanMs > 0 ? Math.round((s.events / s.scanMs) * 1000) : 0;
  const issueText = result.issues.errors + result.issues.warnings > 0 ? `; ${result.issues.errors} input error(s), ${result.issues.warnings} warning(s) (${Object.entries(result.issues.byCode).map(([k, v]) => `${k} ${v}`).join(', ')})` : '';
  out.write(
    `${summary.detections} detection(s) from ${summary.byRule.length} rule(s); ` +
      `${s.events.toLocaleString('en-US')} event(s) in ${s.files} file(s), ${s.parsed.toLocaleString('en-US')} parsed, ` +
      `${(s.scanMs / 1000).toFixed(2)} s (${rate.toLocaleString('en-US')} events/s, ${s.threads} thread(s))${issueText}\n` +
      `rules: ${loaded.rules} loaded from ${loaded.files} file(s)` +
      `${loaded.loadErrors ? `, ${loaded.loadErrors} failed to load` : ''}, ${result.rules.length} compiled` +
      `${result.ruleIssues.length ? `, ${result.ruleIssues.length} cannot fire (see issues)` : ''}` +
      `${result.belowLevel ? `, ${result.belowLevel} below --min-level` : ''}; pipeline ${pipelineName}\n`,
  );
}

export function register(program: Command): void {
  program
    .command('hunt')
    .description('run Sigma rules over log files: timeline of detections and a summary')
    .argument('<logs...>', 'log files or folders (EVTX, JSON Lines, JSON, .gz, auditd, XML; format detected from content)')
    .option('--rules <path>', 'Sigma rule file or folder (repeatable; default: the active SigmaHQ rules in the data dir)', collectRepeatable, [])
    .option('--pipeline <name|file>', 'processing pipeline (repeatable; built-in: see `ttpscope sigma pipelines`; default: default)', collectRepeatable, [])
    .option('--min-level <level>', 'only rules at this level or above (informational, low, medium, high, critical)')
    .option('--format <format>', `timeline format: ${TIMELINE_FORMATS.join(', ')}`, 'table')
    .option('--output <file>', 'write the timeline to a file (the summary still goes to the terminal)')
    .option('--threads <n>', 'worker threads: auto (every core, up to 8, from 1 GiB of log text, gzip counted decompressed; one thread below) or a number', 'auto')
    .option('--max-issues <n>', 'input problems printed individually (all are counted)', '20')
    .option('-q, --quiet', 'no summary or issue lines on the terminal')
    .addHelpText('after', '\nExit status: 0 no detections, 1 detections, 2 error.')
    .action(async (logs: string[], opts: HuntCliOptions, cmd: Command) => {
      const format = opts.format as TimelineFormat;
      if (!TIMELINE_FORMATS.includes(format)) throw new UserError(`unknown format "${opts.format}"`, undefined, `formats: ${TIMELINE_FORMATS.join(', ')}`);
      const minLevel = parseLevel(opts.minLevel);
      const threads = parseThreads(opts.threads);
      const maxIssues = Number(opts.maxIssues);
      if (!Number.isInteger(maxIssues) || maxIssues < 0) throw new UserError(`--max-issues must be a whole number, got "${opts.maxIssues}"`);
      for (const l of logs) if (!existsSync(l)) throw new UserError('log file not found', { file: l });
      const dataDir = dataDirOf(cmd);
      const rulePaths = opts.rules.length > 0 ? opts.rules : activeRulePaths(dataDir);
      for (const r of rulePaths) if (!existsSync(r)) throw new UserError('rule file or folder not found', { file: r });
      const pipeline = loadPipeline(opts.pipeline); // validates names/files before the long work

      const progress = createProgress('hunt');
      progress.update(0, undefined, 'loading rules');
      const collection = await loadRules(rulePaths, { cacheDir: existingCacheDir(dataDir) });
      const loadErrors = collection.issues.filter((i) => i.severity === 'error');
      if (collection.rules.length + collection.correlations.length === 0) {
        progress.done();
        for (const i of loadErrors.slice(0, maxIssues)) process.stderr.write(safeText(formatIssue(i)) + '\n');
        throw new UserError('no usable Sigma rules', { file: rulePaths.join(', ') }, loadErrors.length ? `${loadErrors.length} rule file problem(s); run: ttpscope sigma check ${rulePaths.join(' ')}` : 'the paths hold no .yml/.yaml rule files');
      }
      const result = await runHunt(logs, {
        collection,
        pipeline: opts.pipeline,
        ...(minLevel ? { minLevel } : {}),
        threads,
        onProgress: (p) => progress.update(p.bytesDone, p.bytes, `bytes · ${p.events.toLocaleString('en-US')} events · ${p.detections} hits · ${p.filesDone}/${p.files} files`),
      });
      progress.done();

      const toFile = opts.output !== undefined;
      let out: Writable = process.stdout;
      let fileStream: ReturnType<typeof createWriteStream> | undefined;
      if (toFile) {
        fileStream = createWriteStream(opts.output!, { flags: 'w' });
        await new Promise<void>((resolve, reject) => {
          fileStream!.once('open', () => resolve());
          fileStream!.once('error', (e) => reject(new UserError(`cannot write output: ${e.message}`, { file: opts.output! })));
        });
        out = fileStream;
      }
      if (format === 'json') {
        const doc = {
          detections: result.rows.map((r) => detectionJson(r, result.rules[r.rule])),
          summary: summaryJson(result),
          issues: [...loadErrors, ...result.ruleIssues, ...result.issues.samples],
        };
        if (toFile) out.write(JSON.stringify(doc, null, 2) + '\n');
        else writeJson(doc);
      } else writeTimeline(result, format, out);
      if (fileStream) await new Promise<void>((resolve) => fileStream!.end(resolve));

      // The summary goes to stdout with the table (or when the timeline went to a file), else to stderr.
      const summaryOut: Writable = format === 'table' || toFile ? process.stdout : process.stderr;
      if (!opts.quiet) {
        printIssues(result, loadErrors, maxIssues, process.stderr);
        if (format !== 'json' || toFile) printSummary(result, { rules: collection.rules.length + collection.correlations.length, files: collection.files, loadErrors: loadErrors.length }, pipeline.name, summaryOut);
        if (toFile) process.stdout.write(`timeline written to ${safeText(opts.output!)} (${format})\n`);
      }
      // Nothing could be read at all (every input unreadable or not a log): an error, not "no findings".
      if (result.stats.events === 0 && result.issues.errors > 0) {
        process.stderr.write('ttpscope: no events could be read from the given logs (see the errors above)\n');
        process.exitCode = 2;
        return;
      }
      process.exitCode = result.rows.length > 0 ? 1 : 0;
    });
}
