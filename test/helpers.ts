/** Helpers shared by tests: where the reference data is, and running the CLI as a user would. */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** ../shared/data beside the repo (or $TTPSCOPE_SHARED_DATA). Tests on real data read it from here. */
export const sharedData: string = process.env.TTPSCOPE_SHARED_DATA ?? resolve(repoRoot, '..', 'shared', 'data');
export const hasSharedData = existsSync(join(sharedData, 'attack', 'enterprise-attack.json'));

export interface CliResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** Run `ttpscope ARGS` from source (through tsx), with progress off and a clean environment. */
export function runCli(args: string[], opts: { env?: NodeJS.ProcessEnv; input?: string; cwd?: string; timeoutMs?: number } = {}): CliResult {
  const res = spawnSync(process.execPath, ['--import', 'tsx', join(repoRoot, 'src', 'cli', 'main.ts'), ...args], {
    cwd: opts.cwd ?? repoRoot,
    encoding: 'utf8',
    input: opts.input,
    timeout: opts.timeoutMs ?? 120_000,
    maxBuffer: 256 * 1024 * 1024,
    env: { ...process.env, NO_COLOR: '1', TTPSCOPE_NO_PROGRESS: '1', ...opts.env },
  });
  return { status: res.status ?? -1, stdout: res.stdout, stderr: res.stderr };
}

/** A fresh temporary directory, removed when `cleanup` runs. */
export function tempDir(prefix = 'ttpscope-test-'): { path: string; cleanup: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}
