/** Public surface of the Sigma engine. */
export type * from './rule/types.js';
export { LEVELS, MODIFIERS } from './rule/types.js';
export type * from './compile/types.js';
export { parseRuleText, parseTimespan } from './rule/parse.js';
export { loadRules, loadRulesSync, loadRuleText, type LoadRulesOptions } from './rule/load.js';
export type { RuleCacheStats } from './rule/cache.js';
export { parseSigmaString, renderSigmaString, plainText } from './rule/values.js';
export { parseCondition, tokenize, expandPattern, conditionRefs, ConditionError } from './condition/parse.js';
export { parseModifierChain, typeValue } from './modifiers/validate.js';
export { compileRegex, CompileError } from './compile/item.js';
export { compileRules } from './compile/ruleset.js';
export { applyFilters, filtersFor } from './compile/filters.js';
export { EventView } from './compile/event.js';
export { CorrelationEngine } from './correlation/engine.js';
export { eventTime, parseTime } from './correlation/time.js';
export { hunt, huntAll, type HuntOptions } from './engine.js';
