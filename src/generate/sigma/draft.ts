/**
 * A rule draft: what one pattern family proposes for one artefact, before
 * metadata (id, tags, description) is attached and the YAML is written.
 * Detection values are literal text (the renderer escapes Sigma wildcards),
 * so nothing from a report can become a wildcard or a modifier.
 *
 * Each draft carries the synthetic events that must match it (built from
 * the report's own artefact) and near misses that must not: the generator
 * proves every rule against them before it ships.
 */
import type { EventFields, Level } from '../../sigma/index.js';
import type { Artefact } from './artefacts.js';

export type FieldValue = string | number;
/** A map (all fields must match) or a list of maps (any of them). */
export type Selection = Record<string, FieldValue | FieldValue[]> | Record<string, FieldValue | FieldValue[]>[];

export type Family =
  | 'process'
  | 'parent-child'
  | 'pipeline'
  | 'script'
  | 'registry'
  | 'file'
  | 'dns'
  | 'network'
  | 'hash'
  | 'task'
  | 'service'
  | 'account'
  | 'process-access'
  | 'tool';

export interface RuleDraft {
  family: Family;
  /** Generalised behaviour, or the report's literal indicators. */
  pattern: 'behaviour' | 'ioc';
  /** What the rule detects, e.g. `certutil.exe with -urlcache -split -f and a URL`. */
  what: string;
  logsource: { product: string; category?: string; service?: string };
  selections: Array<[string, Selection]>;
  condition: string;
  level: Level;
  falsepositives: string[];
  /** How the pattern generalises the report's artefact (cited in the description). */
  explain: string;
  positives: EventFields[];
  nearMisses: EventFields[];
  artefact: Artefact;
}

export const LEVEL_ORDER: readonly Level[] = ['informational', 'low', 'medium', 'high', 'critical'];

export function raiseLevel(l: Level): Level {
  const i = LEVEL_ORDER.indexOf(l);
  return LEVEL_ORDER[Math.min(3, i + 1)]!;
}

/** Windows dash characters `windash` treats alike. */
const DASHES = /[-/\u2013\u2014\u2015]/g;

/**
 * The form of `value` that really occurs in `line` (case-insensitive;
 * `windash` also equates the dash characters): the value itself, else
 * without its padding spaces. Undefined when no form occurs, so a pattern
 * that would not match the report's own command is never emitted.
 */
export function fitToLine(value: string, line: string, windash: boolean): string | undefined {
  const norm = (s: string): string => (windash ? s.toLowerCase().replace(DASHES, '-') : s.toLowerCase());
  const l = norm(line);
  for (const v of [value, value.trimEnd(), value.trimStart(), value.trim()]) {
    if (v !== '' && l.includes(norm(v))) return v;
  }
  return undefined;
}

/** One line of plain text: control characters and runs of space collapsed, cut to `max`. */
export function oneLine(s: string, max: number): string {
  // eslint-disable-next-line no-control-regex
  const t = s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').replace(/\s+/g, ' ').trim();
  return t.length > max ? t.slice(0, max - 1) + '…' : t;
}

export function uniq<T>(xs: Iterable<T>): T[] {
  return [...new Set(xs)];
}
