/**
 * `ttpscope logs stats FILES…` and `ttpscope logs convert FILES… --to jsonl|json`.
 * Directories are walked; files found that way are skipped when their content
 * is not a log format. Problems in the logs go to stderr with file and line;
 * the exit code is 0 unless a path could not be read at all (2).
 */
import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import type { Command } from 'commander';
import { ExitCode, formatIssue, UserError, type Issue } from '../../common/errors.js';
import { createProgress } from '../../common/progress.js';
import { openLogSource } from '../../logs/read.js';
import { normalizeAll } from '../../logs/normalize.js';
import type { LogRecord } from '../../logs/record.js';
import { expandLogPaths, fileStats, totalStats, type FileStats } from '../../logs/stats.js';
import { renderTable, safeText, style, writeJson } from '../output.js';

async function* fieldsOf(records: AsyncIterable<LogRecord>): AsyncGenerator<Record<string, unknown>> {
  for await (const r of records) yield r.fields;
}

async function resolveFiles(paths: string[]): Promise<{ files: string[]; found: Set<string> }> {
  const { files, missing, found } = await expandLogPaths(paths);
  if (missing.length > 0) throw new UserError('no such file or directory', { file: missing[0] }, missing.length > 1 ? `${missing.length} paths are missing` : undefined);
  if (files.length === 0) throw new UserError('no log files found', { file: paths[0] });
  return { files, found };
}

function top(m: Record<string, number>, n: number): [string, number][] {
  return Object.entries(m)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, n);
}

function printStats(files: FileStats[], all: boolean): void {
  const shown = files.filter((f) => !f.skipped);
  const out = process.stdout;
  out.write(
    renderTable(shown, [
      { header: 'file', value: (f) => (f.file.length > 70 ? '…' + f.file.slice(-69) : f.file) },
      { header: 'format', value: (f) => `${f.container}${f.compressed ? '.gz' : ''} ${Object.keys(f.formats).join(',')}` },
      { header: 'records', value: (f) => f.records, align: 'right' },
      { header: 'events', value: (f) => f.events, align: 'right' },
      { header: 'errors', value: (f) => f.errors, align: 'right' },
      { header: 'first', value: (f) => f.firstTime ?? '' },
      { header: 'last', value: (f) => f.lastTime ?? '' },
    ]),
  );
  const t = totalStats(shown);
  out.write(`\n${style('total', 'bold')}: ${t.files} files, ${t.records} records, ${t.events} events, ${t.errors} errors, ${t.warnings} warnings; ${t.firstTime ?? '?'} … ${t.lastTime ?? '?'}\n`);
  const n = all ? Infinity : 15;
  for (const [title, key] of [
    ['hosts', 'hosts'],
    ['kinds', 'kinds'],
    ['event ids', 'eventIds'],
    ['formats', 'formats'],
  ] as const) {
    const rows = top(t[key], n);
    if (rows.length === 0) continue;
    out.write(`\n${style(title, 'bold')}\n`);
    out.write(renderTable(rows, [
      { header: 'value', value: (r) => r[0], max: 80 },
      { header: 'count', value: (r) => r[1], align: 'right' },
    ]));
  }
  const issues = shown.flatMap((f) => f.issues);
  if (issues.length > 0) {
    out.write(`\n${style('problems', 'bold')} (first ${issues.length} of ${t.errors + t.warnings})\n`);
    for (const i of issues) out.write(safeText(formatIssue(i)) + '\n');
  }
  const skipped = files.filter((f) => f.skipped);
  if (skipped.length > 0) out.write(`\n${skipped.length} file(s) skipped: not a log format\n`);
}

export function register(program: Command): void {
  const logs = program.command('logs').description('read log files: EVTX, Windows JSON (python-evtx, Security-Datasets, XML-as-JSON, ECS), auditd, Sysmon for Linux, DARPA CDM');

  logs
    .command('stats')
    .description('summarise log files: events by format, host, kind and event id; time range; problems with their places')
    .argument('<files...>', 'log files or directories (gzip is detected)')
    .option('--json', 'print JSON')
    .option('--all', 'list every host/kind/event id, not only the most frequent')
    .option('--max-issues <n>', 'problems to keep per file', '20')
    .action(async (paths: string[], opts: { json?: boolean; all?: boolean; maxIssues: string }) => {
      const { files, found } = await resolveFiles(paths);
      const maxIssues = Math.max(0, Number.parseInt(opts.maxIssues, 10) || 0);
      const progress = createProgress('logs stats');
      const results: FileStats[] = [];
      let total = 0;
      for (const file of files) {
        try {
          results.push(
            await fileStats(file, {
              maxIssues,
              skipUnknown: found.has(file),
              onRecord: () => progress.update(++total, undefined, file),
            }),
          );
        } catch (err) {
          throw new UserError(`cannot read log file (${(err as Error).message})`, { file });
        }
      }
      progress.done();
      if (opts.json) writeJson({ files: results, total: totalStats(results.filter((f) => !f.skipped)) });
      else printStats(results, Boolean(opts.all));
      process.exitCode = ExitCode.ok;
    });

  logs
    .command('convert')
    .description('convert log files to JSON Lines or a JSON array: flat Sigma fields (default) or normalized events')
    .argument('<files...>', 'log files or directories (gzip is detected)')
    .requiredOption('--to <format>', 'jsonl or json')
    .option('--flat', 'flat fields as Sigma sees them (default)')
    .option('--normalized', 'normalized events (kind, subject, object, raw fields, source)')
    .option('--output <file>', 'write to FILE instead of stdout')
    .option('--max-issues <n>', 'problems to print per file', '20')
    .action(async (paths: string[], opts: { to: string; flat?: boolean; normalized?: boolean; output?: string; maxIssues: string }) => {
      if (opts.to !== 'jsonl' && opts.to !== 'json') throw new UserError(`unknown output format "${opts.to}"`, undefined, 'use --to jsonl or --to json');
      if (opts.flat && opts.normalized) throw new UserError('--flat and --normalized exclude each other');
      const { files, found } = await resolveFiles(paths);
      const maxIssues = Math.max(0, Number.parseInt(opts.maxIssues, 10) || 0);
      const out: Writable = opts.output ? createWriteStream(opts.output) : process.stdout;
      const outDone = opts.output ? new Promise<void>((res, rej) => { out.on('finish', res); out.on('error', rej); }) : Promise.resolve();
      const write = async (s: string) => {
        if (!out.write(s)) await new Promise<void>((res) => out.once('drain', res));
      };
      let count = 0;
      let problems = 0;
      const progress = createProgress('logs convert');
      if (opts.to === 'json') await write('[');
      for (const file of files) {
        let perFile = 0;
        const onIssue = (i: Issue) => {
          problems++;
          if (perFile++ < maxIssues) process.stderr.write(`ttpscope: ${safeText(formatIssue(i))}\n`);
        };
        let src;
        try {
          src = await openLogSource(file, { onIssue });
        } catch (err) {
          throw new UserError(`cannot read log file (${(err as Error).message})`, { file });
        }
        if (src.container === 'unknown' && found.has(file)) continue;
        const values: AsyncIterable<unknown> = opts.normalized ? normalizeAll(src.records(), { onIssue }) : fieldsOf(src.records());
        for await (const value of values) {
          const text = JSON.stringify(value);
          await write(opts.to === 'json' ? `${count === 0 ? '\n' : ',\n'}${text}` : `${text}\n`);
          count++;
          progress.update(count, undefined, file);
        }
        if (perFile > maxIssues) process.stderr.write(`ttpscope: ${perFile - maxIssues} more problem(s) in ${safeText(file)}\n`);
      }
      if (opts.to === 'json') await write(count === 0 ? ']\n' : '\n]\n');
      progress.done();
      if (opts.output) {
        out.end();
        await outDone;
      }
      if (problems > 0) process.stderr.write(`ttpscope: ${count} records written, ${problems} problem(s) reported\n`);
      process.exitCode = ExitCode.ok;
    });
}
