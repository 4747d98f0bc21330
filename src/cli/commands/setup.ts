/**
 * `ttpscope setup`: fill the data directory with ATT&CK, SigmaHQ rules and
 * Atomic Red Team, over HTTPS or from a local mirror (--from / TTPSCOPE_MIRROR),
 * then run the post-setup steps.
 */
import type { Command } from 'commander';
import { UserError } from '../../common/errors.js';
import { createProgress } from '../../common/progress.js';
import { REMOTE_ENV_HELP, parseOnly } from '../../datadir/sources.js';
import { runSetup, type PostSetupStep, type SetupResult } from '../../datadir/setup.js';
import { trainModelStep } from '../../embed/setup-step.js';
import { techniqueModelStep } from '../../intel/setup-step.js';
import { calibrationStep } from '../../detect/setup-step.js';
import { dataDirOf } from '../context.js';
import { renderTable, writeJson } from '../output.js';

/**
 * Steps that run after the data sources are installed, in order. Training the
 * default models belongs here (its issue adds the step); each step receives
 * the list of sources this run changed and decides itself whether to redo work.
 */
export const postSetupSteps: PostSetupStep[] = [trainModelStep, calibrationStep, techniqueModelStep];

interface SetupCliOptions {
  from?: string;
  force?: boolean;
  only?: string;
  json?: boolean;
  /** false with --no-train. */
  train?: boolean;
}

export function register(program: Command): void {
  program
    .command('setup')
    .description('fill the data directory: ATT&CK, SigmaHQ rules, Atomic Red Team (HTTPS, or a local mirror)')
    .option('--from <dir>', 'copy from a local mirror laid out like ../shared/data (default: $TTPSCOPE_MIRROR, else download)')
    .option('--force', 'fetch and reinstall every selected source even if it is current')
    .option('--only <sources>', 'comma-separated subset of attack,sigma,atomics')
    .option('--json', 'print the result as JSON')
    .option('--no-train', 'do not train the default models (encoder, technique model) afterwards')
    .addHelpText(
      'after',
      [
        '',
        'Downloads are verified (length, sha256), staged and swapped in atomically; a failed',
        'or interrupted run leaves the data directory unchanged. Re-runs skip current sources.',
        '',
        'Environment:',
        '  TTPSCOPE_MIRROR  local mirror folder (as --from)',
        ...REMOTE_ENV_HELP.map(([name, text]) => `  ${name}\n      ${text}`),
      ].join('\n'),
    )
    .action(async (opts: SetupCliOptions, cmd: Command) => {
      const only = parseOnly(opts.only);
      const envMirror = process.env.TTPSCOPE_MIRROR?.trim();
      const mirror = opts.from ?? (envMirror ? envMirror : undefined);
      const controller = new AbortController();
      // First Ctrl-C: stop cleanly (staging removed, data dir untouched); a second one kills.
      const onSignal = (): void => controller.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      let result: SetupResult;
      try {
        result = await runSetup({
          dataDir: dataDirOf(cmd),
          ...(mirror !== undefined ? { mirror } : {}),
          only,
          force: opts.force ?? false,
          signal: controller.signal,
          progress: (label) => createProgress(label),
          postSteps: opts.train === false ? [] : postSetupSteps,
        });
      } catch (err) {
        if (controller.signal.aborted) {
          throw new UserError('setup interrupted; the data directory was left as it was', { file: dataDirOf(cmd) });
        }
        throw err;
      } finally {
        process.removeListener('SIGINT', onSignal);
        process.removeListener('SIGTERM', onSignal);
      }
      if (opts.json) {
        writeJson({
          dataDir: result.dataDir,
          manifest: result.manifest,
          sources: result.sources.map((s) => ({ status: s.status, ...s.record })),
          postSteps: result.postSteps,
        });
      } else {
        process.stdout.write(`data directory: ${result.dataDir}\n`);
        process.stdout.write(
          renderTable(result.sources, [
            { header: 'source', value: (s) => s.name },
            { header: 'status', value: (s) => s.status },
            { header: 'version', value: (s) => s.record.version, max: 16 },
            { header: 'files', value: (s) => s.record.files, align: 'right' },
            { header: 'size', value: (s) => formatBytes(s.record.size), align: 'right' },
            { header: 'from', value: (s) => s.record.origin.location, max: 60 },
          ]),
        );
      }
      process.exitCode = 0;
    });
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}
