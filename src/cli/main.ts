#!/usr/bin/env node
/**
 * The `ttpscope` command. Errors from user input print one line,
 * `ttpscope: <what went wrong>: <where>` plus a hint, and exit 2; `--verbose`
 * adds the stack. Anything else is a bug and prints its stack.
 */
import { Command, CommanderError } from 'commander';
import { ExitCode, UserError } from '../common/errors.js';
import { registerAll } from './commands/index.js';
import { VERSION } from './version.js';

export function buildProgram(): Command {
  const program = new Command('ttpscope')
    .description('Threat intelligence to detections, and attacks found in host logs.')
    .version(VERSION)
    .option('--data <dir>', 'data directory (default: $TTPSCOPE_DATA or the XDG data dir)')
    .option('--verbose', 'print stack traces and extra diagnostics')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ outputError: (text, write) => write(`ttpscope: ${text.replace(/^error: /, '')}`) })
    .exitOverride();
  registerAll(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  const verbose = argv.includes('--verbose');
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : ExitCode.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      // help and version exit through here with code 0
      return err.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    }
    if (err instanceof UserError) {
      process.stderr.write(`ttpscope: ${err.describe()}\n`);
      if (err.hint) process.stderr.write(`hint: ${err.hint}\n`);
      if (verbose && err.stack) process.stderr.write(err.stack + '\n');
      return ExitCode.usage;
    }
    const e = err as NodeJS.ErrnoException;
    if (e && (e.code === 'EPIPE')) return ExitCode.ok;
    process.stderr.write(`ttpscope: internal error: ${e?.message ?? String(err)}\n`);
    process.stderr.write((verbose ? (e?.stack ?? '') : 'run again with --verbose for the stack trace') + '\n');
    return 70;
  }
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === new URL(`file://${(await import('node:fs')).realpathSync(process.argv[1])}`).href;
if (invokedDirectly) {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
  });
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
