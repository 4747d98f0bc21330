/**
 * Timeline writers: table (terminal), CSV (injection-safe), JSON Lines, JSON.
 * Every value from a log is attacker-controlled: control characters are
 * escaped everywhere, and CSV cells that a spreadsheet would run as a formula
 * are neutralised.
 */
import type { RuleRef } from '../compile/types.js';
import { techniquesOf, type HuntSummary } from './summary.js';
import { rowTime, type TimelineRow } from './timeline.js';

export type TimelineFormat = 'table' | 'csv' | 'jsonl' | 'json';
export const TIMELINE_FORMATS: readonly TimelineFormat[] = ['table', 'csv', 'jsonl', 'json'];

/** Escape C0/C1 control characters (and DEL) as `\xNN`; keeps tabs out too. */
export function escapeControls(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\x00-\x1f\x7f-\x9f\u2028\u2029]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/**
 * One CSV cell: control characters escaped, a leading = + - @ (or tab/CR,
 * already escaped) prefixed with `'` so spreadsheets treat it as text, and
 * the cell quoted when needed.
 */
export function csvCell(value: string | number | undefined): string {
  if (value === undefined) return '';
  let s = escapeControls(String(value));
  if (/^[=+\-@]/.test(s)) s = `'${s}`;
  if (/[",\n\r]/.test(s) || s !== s.trim()) s = `"${s.replace(/"/g, '""')}"`;
  return s;
}

export const CSV_HEADER = ['timestamp', 'computer', 'rule_title', 'level', 'attack_tags', 'rule_id', 'channel', 'event_id', 'key_fields', 'source_file', 'source_line', 'source_record'];

export function keyFieldsText(row: TimelineRow): string {
  return row.keyFields.map(([k, v]) => `${k}=${v}`).join('; ');
}

function attackTags(ref: RuleRef | undefined): string[] {
  return (ref?.tags ?? []).filter((t) => t.toLowerCase().startsWith('attack.'));
}

export function csvLine(row: TimelineRow, ref: RuleRef | undefined): string {
  return [
    rowTime(row),
    row.computer,
    ref?.title,
    ref?.level,
    attackTags(ref).join(' '),
    ref?.id,
    row.channel,
    row.eventId,
    keyFieldsText(row),
    row.source?.file,
    row.source?.line,
    row.source?.record,
  ]
    .map(csvCell)
    .join(',');
}

/** The JSON shape of one detection (jsonl and json formats). */
export function detectionJson(row: TimelineRow, ref: RuleRef | undefined): Record<string, unknown> {
  const o: Record<string, unknown> = {
    kind: row.kind,
    timestamp: rowTime(row) || null,
    computer: row.computer ?? null,
    rule: { id: ref?.id ?? null, title: ref?.title ?? null, level: ref?.level ?? null, tags: ref?.tags ?? [] },
    techniques: techniquesOf(ref?.tags ?? []),
    channel: row.channel ?? null,
    event_id: row.eventId ?? null,
    key_fields: Object.fromEntries(row.keyFields),
    selections: row.selections,
    source: row.source ?? null,
  };
  if (row.correlation) o.correlation = row.correlation;
  return o;
}

export function jsonLine(row: TimelineRow, ref: RuleRef | undefined): string {
  return JSON.stringify(detectionJson(row, ref));
}

export interface SummaryTextOptions {
  /** Rows shown per table (the JSON output has all). */
  top?: number;
}

export function summaryTables(summary: HuntSummary, render: (rows: Array<Record<string, string | number>>, cols: string[]) => string, opts: SummaryTextOptions = {}): string {
  const top = opts.top ?? 25;
  const parts: string[] = [];
  const more = (n: number) => (n > top ? `  … and ${n - top} more\n` : '');
  parts.push('Hits per rule\n' + render(summary.byRule.slice(0, top).map((r) => ({ hits: r.hits, level: r.level, rule: r.title, id: r.id })), ['hits', 'level', 'rule', 'id']) + more(summary.byRule.length));
  parts.push('Hits per level\n' + render(summary.byLevel.map((r) => ({ hits: r.hits, level: r.key })), ['hits', 'level']));
  if (summary.byTechnique.length > 0) parts.push('Hits per ATT&CK technique\n' + render(summary.byTechnique.slice(0, top).map((r) => ({ hits: r.hits, technique: r.key })), ['hits', 'technique']) + more(summary.byTechnique.length));
  parts.push('Hits per computer\n' + render(summary.byComputer.slice(0, top).map((r) => ({ hits: r.hits, computer: r.key })), ['hits', 'computer']) + more(summary.byComputer.length));
  return parts.join('\n');
}
