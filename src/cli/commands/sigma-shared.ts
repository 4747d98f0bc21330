/** Helpers shared by the Sigma commands (`hunt`, `sigma check`). */
import { UserError } from '../../common/errors.js';
import { dataLayout, presentActiveRuleDirs } from '../../datadir/paths.js';

/** The active SigmaHQ rule folders in the data dir; a usage error when setup has not run. */
export function activeRulePaths(dataDir: string): string[] {
  const sigmaDir = dataLayout(dataDir).sigmaDir;
  const found = presentActiveRuleDirs(sigmaDir);
  if (found.length === 0) {
    throw new UserError('no Sigma rules in the data directory', { file: sigmaDir }, 'run: ttpscope setup --from ../shared/data   (or pass rule files/folders with --rules)');
  }
  return found;
}

/** commander collector for repeatable options (`--pipeline a --pipeline b`). */
export function collectRepeatable(value: string, previous: string[]): string[] {
  return [...previous, value];
}
