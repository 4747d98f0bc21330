/**
 * `ttpscope sequences FILES…`: behaviour sequences per process instance —
 * one readable line each, or the full sequences (tokens, actions, evidence)
 * with --json.
 */
import type { Command } from 'commander';
import { ExitCode, UserError } from '../../common/errors.js';
import { buildSequences } from '../../provenance/index.js';
import { safeText, writeJson } from '../output.js';
import { checkFiles, normalizedEvents, parseCount, printIssues, type EventStreamReport } from './graph.js';

interface SequencesOptions {
  host?: string;
  json?: boolean;
  tokens?: boolean;
  windowMinutes?: string;
  maxActions?: string;
}

export function register(program: Command): void {
  program
    .command('sequences')
    .description('Behaviour sequences per process: abstracted actions as tokens (for the encoder) and one readable line (for people).')
    .argument('<files...>', 'log files (EVTX, Windows JSON, ECS, auditd, CDM; .gz is fine)')
    .option('--host <name>', 'only this host')
    .option('--window-minutes <n>', 'cut a process into a new sequence after this many minutes', '10')
    .option('--max-actions <n>', 'cut a process into a new sequence after this many actions', '64')
    .option('--tokens', 'print the token sequence instead of the readable line')
    .option('--json', 'full sequences as JSON (tokens, actions, event references)')
    .action(async (files: string[], opts: SequencesOptions) => {
      const windowMinutes = parseCount(opts.windowMinutes, '--window-minutes') ?? 10;
      const maxActions = parseCount(opts.maxActions, '--max-actions') ?? 64;
      if (windowMinutes < 1 || maxActions < 1) throw new UserError('--window-minutes and --max-actions must be at least 1');
      checkFiles(files);
      const report: EventStreamReport = { records: 0, events: 0, issues: [], issueCount: 0 };
      const sequences = await buildSequences(normalizedEvents(files, report), {
        host: opts.host,
        windowMs: windowMinutes * 60_000,
        maxActions,
      });
      printIssues(report);
      if (opts.json) {
        writeJson(sequences);
      } else {
        const out = process.stdout;
        for (const s of sequences) {
          const body = opts.tokens ? s.tokens.join(' ') : s.text;
          out.write(`${new Date(s.start).toISOString()}  ${safeText(s.host)}  ${safeText(body)}\n`);
        }
        out.write(`\n${sequences.length} sequence(s) from ${report.events.toLocaleString('en-US')} event(s)\n`);
      }
      process.exitCode = ExitCode.ok;
    });
}
