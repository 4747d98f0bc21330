/** Global options every command can read (set on the root program). */
import type { Command } from 'commander';
import { resolveDataDir } from '../datadir/paths.js';

export interface GlobalOptions {
  data?: string;
  verbose?: boolean;
}

export function globalOptions(cmd: Command): GlobalOptions {
  return cmd.optsWithGlobals() as GlobalOptions;
}

export function dataDirOf(cmd: Command): string {
  return resolveDataDir(globalOptions(cmd).data);
}
