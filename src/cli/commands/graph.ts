/**
 * `ttpscope graph FILES…`: per-host provenance graphs from logs; with
 * `--node`, the backward or forward tracking (or the neighbourhood) of the
 * matching nodes; output as a text summary, JSON or Graphviz DOT.
 */
import { existsSync, statSync } from 'node:fs';
import type { Command } from 'commander';
import { ExitCode, UserError, formatIssue, type Issue } from '../../common/errors.js';
import { createProgress } from '../../common/progress.js';
import type { NormalizedEvent } from '../../logs/event.js';
import { normalize } from '../../logs/normalize.js';
import { readRecords } from '../../logs/read.js';
import {
  buildGraphs,
  findNodes,
  graphToDot,
  graphToJson,
  isoTime,
  neighbourhood,
  trackBackward,
  trackForward,
  wholeGraph,
  type ProvenanceGraph,
  type Subgraph,
} from '../../provenance/index.js';
import { renderTable, safeText, writeJson } from '../output.js';

interface GraphOptions {
  host?: string;
  node?: string;
  backward?: boolean;
  forward?: boolean;
  depth?: string;
  at?: string;
  format: string;
  json?: boolean;
  mergeGap?: string;
}

/** Files named on the command line, checked before any reading starts. */
export function checkFiles(files: string[]): void {
  if (files.length === 0) throw new UserError('no log files given', undefined, 'name one or more .evtx, .json, .jsonl(.gz) or auditd files');
  for (const f of files) {
    if (!existsSync(f)) throw new UserError('no such file', { file: f });
    if (statSync(f).isDirectory()) throw new UserError('is a directory, not a log file', { file: f }, 'name the files inside it (e.g. dir/*.jsonl)');
  }
}

export interface EventStreamReport {
  records: number;
  events: number;
  issues: Issue[];
  issueCount: number;
}

/** Normalized events of every file in turn, counting records and keeping the first issues. */
export async function* normalizedEvents(files: string[], report: EventStreamReport): AsyncGenerator<NormalizedEvent> {
  const progress = createProgress('reading');
  const onIssue = (issue: Issue) => {
    report.issueCount++;
    if (report.issues.length < 20) report.issues.push(issue);
  };
  for (const file of files) {
    for await (const record of readRecords(file, { onIssue })) {
      report.records++;
      const ev = normalize(record, { onIssue });
      if (!ev) continue;
      report.events++;
      if ((report.events & 0x3fff) === 0) progress.update(report.events, undefined, file);
      yield ev;
    }
  }
  progress.done();
}

/** Problems met while reading, on stderr: the first few, then a count. */
export function printIssues(report: EventStreamReport): void {
  for (const issue of report.issues.slice(0, 5)) process.stderr.write(`ttpscope: ${safeText(formatIssue(issue))}\n`);
  if (report.issueCount > 5) process.stderr.write(`ttpscope: … ${report.issueCount - 5} more problem(s) while reading\n`);
}

export function parseCount(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,9}$/.test(value)) throw new UserError(`${name} must be a whole number, got "${safeText(value)}"`);
  return Number(value);
}

function parseTime(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = /^\d{10,16}$/.test(value) ? Number(value) : Date.parse(value);
  if (!Number.isFinite(ms)) throw new UserError(`--at must be an ISO time (2024-03-05T09:02:00Z) or epoch milliseconds, got "${safeText(value)}"`);
  return ms;
}

export function register(program: Command): void {
  program
    .command('graph')
    .description('Build per-host provenance graphs from logs; track a node backward (how it came to be) or forward (what it affected).')
    .argument('<files...>', 'log files (EVTX, Windows JSON, ECS, auditd, CDM; .gz is fine)')
    .option('--host <name>', 'only this host')
    .option('--node <id|name>', 'start from these nodes: a node id, key, pid:N, path, image or name')
    .option('--backward', 'backward tracking from --node (ancestry and flows into it)')
    .option('--forward', 'forward tracking from --node (what it affected)')
    .option('--depth <n>', 'maximum hops (default: unlimited when tracking, 2 for a neighbourhood)')
    .option('--at <time>', 'moment of interest for tracking (ISO time or epoch ms)')
    .option('--merge-gap <ms>', 'merge repeated edges only within this gap (default: always merge)')
    .option('--format <format>', 'text, json or dot', 'text')
    .option('--json', 'same as --format json')
    .action(async (files: string[], opts: GraphOptions) => {
      const format = opts.json ? 'json' : opts.format;
      if (!['text', 'json', 'dot'].includes(format)) throw new UserError(`unknown --format "${safeText(format)}"`, undefined, 'use text, json or dot');
      if (opts.backward && opts.forward) throw new UserError('--backward and --forward exclude each other');
      if ((opts.backward || opts.forward || opts.at) && !opts.node) throw new UserError('--backward, --forward and --at need --node');
      if (opts.at && !opts.backward && !opts.forward) throw new UserError('--at needs --backward or --forward (a neighbourhood ignores time)');
      const depth = parseCount(opts.depth, '--depth');
      const at = parseTime(opts.at);
      const mergeGapMs = parseCount(opts.mergeGap, '--merge-gap');
      checkFiles(files);

      const report: EventStreamReport = { records: 0, events: 0, issues: [], issueCount: 0 };
      const started = performance.now();
      const { graphs, stats } = await buildGraphs(normalizedEvents(files, report), { host: opts.host, mergeGapMs });
      printIssues(report);
      if (graphs.size === 0) {
        throw new UserError(opts.host ? `no events of host "${safeText(opts.host)}"` : 'no events with a host and time in these files', { file: files[0] });
      }

      const views: Array<{ graph: ProvenanceGraph; sub: Subgraph }> = [];
      for (const graph of graphs.values()) {
        if (!opts.node) {
          views.push({ graph, sub: wholeGraph(graph) });
          continue;
        }
        const seeds = findNodes(graph, opts.node);
        if (seeds.length === 0) continue;
        const sub = opts.backward
          ? trackBackward(graph, seeds, { depth, at })
          : opts.forward
            ? trackForward(graph, seeds, { depth, at })
            : neighbourhood(graph, seeds, depth ?? 2);
        views.push({ graph, sub });
      }
      if (opts.node && views.length === 0) {
        throw new UserError(`no node matches "${safeText(opts.node)}"`, undefined, 'give a path, an image name, pid:N, or a node id from --format json');
      }

      if (format === 'json') {
        writeJson({
          graphs: views.map((v) => graphToJson(v.graph, v.sub)),
          stats: { ...stats, records: report.records, issues: report.issueCount },
        });
      } else if (format === 'dot') {
        for (const v of views) process.stdout.write(graphToDot(v.graph, v.sub));
      } else {
        printText(views, Boolean(opts.node));
        const secs = (performance.now() - started) / 1000;
        process.stdout.write(`\n${stats.events.toLocaleString('en-US')} events from ${files.length} file(s) in ${secs.toFixed(2)} s\n`);
      }
      process.exitCode = ExitCode.ok;
    });
}

function printText(views: Array<{ graph: ProvenanceGraph; sub: Subgraph }>, tracked: boolean): void {
  const out = process.stdout;
  for (const { graph, sub } of views) {
    // bytes per edge only mean something once the columns are past their initial capacity
    const m = graph.memory();
    const perEdge = graph.edgeCount >= 10_000 ? `, ${m.bytesPerEdge.toFixed(0)} B/edge` : '';
    out.write(`host ${safeText(graph.host)}: ${graph.nodeCount} nodes, ${graph.edgeCount} edges (${graph.eventEdges} before reduction)${perEdge}\n`);
    if (!tracked) {
      const byType = new Map<string, number>();
      for (const id of sub.nodes) byType.set(graph.typeOf(id), (byType.get(graph.typeOf(id)) ?? 0) + 1);
      out.write(renderTable([...byType].sort(), [{ header: 'node type', value: (r) => r[0] }, { header: 'count', value: (r) => r[1], align: 'right' }]));
      out.write('\n');
      continue;
    }
    if (sub.truncated) out.write('(stopped at the node limit: the result is incomplete)\n');
    const rows = sub.edges
      .map((e) => graph.edge(e))
      .sort((a, b) => a.firstTime - b.firstTime || a.id - b.id);
    out.write(
      renderTable(rows, [
        { header: 'first', value: (e) => isoTime(e.firstTime) },
        { header: 'from', value: (e) => label(graph, e.src), max: 60 },
        { header: 'edge', value: (e) => (e.count > 1 ? `${e.type} ×${e.count}` : e.type) },
        { header: 'to', value: (e) => label(graph, e.dst), max: 60 },
      ]),
    );
    out.write('\n');
  }
}

function label(graph: ProvenanceGraph, id: number): string {
  if (graph.typeOf(id) !== 'process') return `${graph.typeOf(id)} ${graph.nameOf(id)}`;
  const info = graph.processInfo(id);
  const name = graph.nameOf(id);
  const base = name.slice(Math.max(name.lastIndexOf('\\'), name.lastIndexOf('/')) + 1);
  return info.pid !== undefined ? `${base} (${info.pid}) #${id}` : `${base} #${id}`;
}
