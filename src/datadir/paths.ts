/**
 * Where ttpscope keeps its data: `--data DIR`, else `$TTPSCOPE_DATA`, else the
 * XDG data dir (`$XDG_DATA_HOME/ttpscope`, default `~/.local/share/ttpscope`).
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export function resolveDataDir(explicit?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (explicit) return resolve(explicit);
  if (env.TTPSCOPE_DATA) return resolve(env.TTPSCOPE_DATA);
  const xdg = env.XDG_DATA_HOME && env.XDG_DATA_HOME.startsWith('/') ? env.XDG_DATA_HOME : join(homedir(), '.local', 'share');
  return join(xdg, 'ttpscope');
}

/** Fixed layout inside the data dir; every module asks here instead of joining paths itself. */
export function dataLayout(dataDir: string) {
  return {
    root: dataDir,
    /** What `ttpscope setup` installed: see `manifest.ts` for the schema. */
    manifest: join(dataDir, 'manifest.json'),
    attackDir: join(dataDir, 'attack'),
    attackBundle: join(dataDir, 'attack', 'enterprise-attack.json'),
    attackIndex: join(dataDir, 'attack', 'index.json'),
    /** SigmaHQ tree: rules/, rules-emerging-threats/, …, deprecated/, unsupported/, regression_data/, tests-data/. */
    sigmaDir: join(dataDir, 'sigma'),
    sigmaRegressionDir: join(dataDir, 'sigma', 'regression_data'),
    atomicsDir: join(dataDir, 'atomic-red-team'),
    /** `atomics/<T>/<T>.yaml`, one file per technique. */
    atomicsTestsDir: join(dataDir, 'atomic-red-team', 'atomics'),
    cacheDir: join(dataDir, 'cache'),
    modelsDir: join(dataDir, 'models'),
    /** Held while `setup` runs (contains the pid). */
    setupLock: join(dataDir, '.setup.lock'),
    /** Scratch space of a running `setup` (same file system, so renames are atomic); removed when it ends. */
    setupStaging: join(dataDir, '.setup-staging'),
  };
}
export type DataLayout = ReturnType<typeof dataLayout>;

/**
 * The cache folder of a data dir that exists (undefined otherwise): caches of rule files given with
 * `--rules` go there too, but a cache never creates a data dir that setup has not made.
 */
export function existingCacheDir(dataDir: string): string | undefined {
  return existsSync(dataDir) ? dataLayout(dataDir).cacheDir : undefined;
}

/** SigmaHQ folders with active rules (deprecated/ and unsupported/ are not hunted with). */
export const ACTIVE_SIGMA_RULE_FOLDERS = ['rules', 'rules-emerging-threats', 'rules-threat-hunting', 'rules-placeholder', 'rules-compliance'] as const;

/** The active SigmaHQ rule folders present under a data dir's `sigma/`. */
export function presentActiveRuleDirs(sigmaDir: string): string[] {
  return ACTIVE_SIGMA_RULE_FOLDERS.map((f) => join(sigmaDir, f)).filter((p) => existsSync(p));
}
