/** Helpers shared by the Sigma commands (`hunt`, `sigma check`). */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../../common/errors.js';
import { dataLayout } from '../../datadir/paths.js';

/** SigmaHQ folders with active rules (deprecated/ and unsupported/ are not hunted with). */
export const ACTIVE_RULE_FOLDERS = ['rules', 'rules-emerging-threats', 'rules-threat-hunting', 'rules-placeholder', 'rules-compliance'] as const;

/** The active SigmaHQ rule folders in the data dir; a usage error when setup has not run. */
export function activeRulePaths(dataDir: string): string[] {
  const sigmaDir = dataLayout(dataDir).sigmaDir;
  const found = ACTIVE_RULE_FOLDERS.map((f) => join(sigmaDir, f)).filter((p) => existsSync(p));
  if (found.length === 0) {
    throw new UserError('no Sigma rules in the data directory', { file: sigmaDir }, 'run: ttpscope setup --from ../shared/data   (or pass rule files/folders with --rules)');
  }
  return found;
}

/** commander collector for repeatable options (`--pipeline a --pipeline b`). */
export function collectRepeatable(value: string, previous: string[]): string[] {
  return [...previous, value];
}
