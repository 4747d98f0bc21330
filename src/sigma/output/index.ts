/** Hunt output: the timeline rows, their formats, the summary. */
export { compareRows, eventRow, rowTime, valueText, type TimelineRow } from './timeline.js';
export { summarize, techniquesOf, levelRank, type HuntSummary, type Count, type RuleCount } from './summary.js';
export { CSV_HEADER, TIMELINE_FORMATS, csvCell, csvLine, detectionJson, escapeControls, jsonLine, keyFieldsText, summaryTables, type TimelineFormat } from './format.js';
