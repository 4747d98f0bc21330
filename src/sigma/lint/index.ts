/** The Sigma linter (`ttpscope sigma check`): many small switchable validators over loaded rules. */
export { lintCollection, type LintOptions } from './lint.js';
export { emptyLintConfig, parseLintConfig, readLintConfig, type LintConfig } from './config.js';
export { OFF_BY_DEFAULT, VALIDATORS, selectValidators, validatorIds } from './registry.js';
export type { AttackTagChecker, LintContext, LintFinding, LintReport, LintSummary, Severity, Validator } from './types.js';
export { attackTagChecker, type AttackTagSource } from './attack-checker.js';
