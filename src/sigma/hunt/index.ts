/** Hunting over log files with worker threads: `runHunt(paths, options)` → sorted timeline + counts. */
export { runHunt, expandLogPaths, type HuntRunOptions, type HuntResult, type HuntStats, type HuntProgress } from './run.js';
export { prepareRules, levelAtLeast, type RuleSetSpec, type PreparedRules } from './compile.js';
export { scanFile, scanJsonlBlock, sniffFile, worthParsing, matchRecord, keyFieldsOf, type ScanContext, type ScanCounters } from './scan.js';
export { IssueLog, type IssueSnapshot } from './issues.js';
