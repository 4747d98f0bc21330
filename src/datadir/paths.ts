/**
 * Where ttpscope keeps its data: `--data DIR`, else `$TTPSCOPE_DATA`, else the
 * XDG data dir (`$XDG_DATA_HOME/ttpscope`, default `~/.local/share/ttpscope`).
 */
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
    manifest: join(dataDir, 'manifest.json'),
    attackDir: join(dataDir, 'attack'),
    attackBundle: join(dataDir, 'attack', 'enterprise-attack.json'),
    attackIndex: join(dataDir, 'attack', 'index.json'),
    sigmaDir: join(dataDir, 'sigma'),
    atomicsDir: join(dataDir, 'atomic-red-team'),
    cacheDir: join(dataDir, 'cache'),
    modelsDir: join(dataDir, 'models'),
  };
}
export type DataLayout = ReturnType<typeof dataLayout>;
