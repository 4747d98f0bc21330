/** Shared imports for the SigmaHQ tests, and issue formatting relative to the rules folder. */
import { relative } from 'node:path';
import type { Issue } from '../../src/common/errors.js';
export { compileRules, loadRulesSync, type CompiledRuleSet, type RuleCollection } from '../../src/sigma/index.js';

export function formatIssueFor(i: Issue, root: string): string {
  const file = i.place?.file ? relative(root, i.place.file) : '?';
  return `${file}${i.place?.line ? ':' + i.place.line : ''} [${i.code}] ${i.message}`;
}
