/**
 * Backtest: hunt with rules over the labelled logs and score them per file,
 * the unit labels are given in. A rule for technique T should fire on files
 * labelled T and rarely elsewhere:
 *
 * - per rule: files hit, precision (hit files labelled with one of its
 *   techniques / hit files with any label), recall (labelled files hit /
 *   files labelled with its techniques), events on background (detections in
 *   files not labelled with its techniques), and flags — `no-hits` (fired on
 *   nothing: untested here) and `noisy` (fires on a large share of all files
 *   or mostly on files of other techniques);
 * - per rule set over a set of techniques: (technique, file) pairs, so the
 *   generated rules and the SigmaHQ rules for the same techniques compare on
 *   equal terms (precision = correct pairs / hit pairs, recall = correct
 *   pairs / labelled pairs).
 *
 * Techniques match at the parent level (T1059.001 ~ T1059): the labels are
 * per file and mostly inferred, finer matching would measure the labels.
 */
import type { SigmaRule } from '../../sigma/index.js';
import { runHunt, type HuntProgress } from '../../sigma/hunt/index.js';
import { techniquesOfTags } from '../sigma/coverage.js';
import type { LabelledLogFile } from './labels.js';

export interface BacktestRun {
  files: LabelledLogFile[];
  events: number;
  /** Rule id → file index → detections. */
  hits: Map<string, Map<number, number>>;
  /** Rule id → parent-level techniques. */
  techniques: Map<string, string[]>;
  titles: Map<string, string>;
  scanMs: number;
  /** Rules that could not be compiled for the hunt (should be none for generated ones). */
  ruleIssues: string[];
}

export function parentOf(t: string): string {
  return t.split('.')[0]!;
}

export interface BacktestOptions {
  pipeline?: string[];
  onProgress?: (p: HuntProgress) => void;
  threads?: number | 'auto';
}

export async function runBacktest(rules: readonly SigmaRule[], files: readonly LabelledLogFile[], opts: BacktestOptions = {}): Promise<BacktestRun> {
  const index = new Map(files.map((f, i) => [f.path, i]));
  const techniques = new Map<string, string[]>();
  const titles = new Map<string, string>();
  for (const r of rules) {
    if (!r.id) continue;
    techniques.set(r.id, [...new Set(techniquesOfTags(r.tags).map(parentOf))]);
    titles.set(r.id, r.title);
  }
  const res = await runHunt(
    files.map((f) => f.path),
    {
      collection: { rules: [...rules], correlations: [], filters: [], issues: [], files: rules.length },
      pipeline: opts.pipeline ?? ['default'],
      threads: opts.threads ?? 'auto',
      ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
    },
  );
  const hits = new Map<string, Map<number, number>>();
  for (const row of res.rows) {
    const ref = res.rules[row.rule];
    const fi = row.source?.file !== undefined ? index.get(row.source.file) : undefined;
    if (!ref || fi === undefined) continue;
    let m = hits.get(ref.id);
    if (!m) hits.set(ref.id, (m = new Map()));
    m.set(fi, (m.get(fi) ?? 0) + 1);
  }
  return { files: [...files], events: res.stats.events, hits, techniques, titles, scanMs: res.stats.scanMs, ruleIssues: res.ruleIssues.map((i) => i.message) };
}

export type RuleFlag = 'no-hits' | 'noisy';

export interface RuleOutcome {
  id: string;
  title: string;
  techniques: string[];
  filesHit: number;
  eventsHit: number;
  /** Hit files labelled with one of the rule's techniques. */
  correctFiles: number;
  /** Files labelled with one of the rule's techniques. */
  relevantFiles: number;
  /** Over hit files that carry any technique label; undefined when it hit none. */
  precision?: number;
  /** Undefined when no file carries its techniques. */
  recall?: number;
  /** Detections in files not labelled with its techniques. */
  backgroundEvents: number;
  /** Hits on files without any technique label (not counted against precision). */
  unlabelledFilesHit: number;
  flags: RuleFlag[];
}

/** A rule is noisy when it fires on this share of all files… */
export const NOISY_FILE_SHARE = 0.25;
/** …or on at least this many files of other techniques with precision below `NOISY_PRECISION`. */
export const NOISY_MIN_WRONG_FILES = 10;
export const NOISY_PRECISION = 0.1;

function fileMatches(f: LabelledLogFile, techniques: readonly string[]): boolean {
  return f.techniques.some((t) => techniques.includes(parentOf(t)));
}

export function ruleOutcome(run: BacktestRun, id: string): RuleOutcome {
  const techniques = run.techniques.get(id) ?? [];
  const hit = run.hits.get(id) ?? new Map<number, number>();
  let eventsHit = 0;
  let correct = 0;
  let labelledHit = 0;
  let unlabelled = 0;
  let background = 0;
  for (const [fi, n] of hit) {
    eventsHit += n;
    const f = run.files[fi]!;
    const ok = fileMatches(f, techniques);
    if (f.techniques.length === 0) unlabelled++;
    else {
      labelledHit++;
      if (ok) correct++;
    }
    if (!ok) background += n;
  }
  const relevant = run.files.filter((f) => fileMatches(f, techniques)).length;
  const flags: RuleFlag[] = [];
  if (hit.size === 0) flags.push('no-hits');
  const precision = labelledHit > 0 ? correct / labelledHit : undefined;
  if (hit.size >= NOISY_FILE_SHARE * run.files.length || (labelledHit - correct >= NOISY_MIN_WRONG_FILES && (precision ?? 0) < NOISY_PRECISION)) flags.push('noisy');
  const out: RuleOutcome = {
    id,
    title: run.titles.get(id) ?? id,
    techniques,
    filesHit: hit.size,
    eventsHit,
    correctFiles: correct,
    relevantFiles: relevant,
    backgroundEvents: background,
    unlabelledFilesHit: unlabelled,
    flags,
  };
  if (precision !== undefined) out.precision = precision;
  if (relevant > 0) out.recall = correct / relevant;
  return out;
}

export interface PairMetrics {
  rules: number;
  /** (technique, file) pairs some rule of the technique fired on (labelled files only). */
  hitPairs: number;
  correctPairs: number;
  /** (technique, file) pairs where the file is labelled with the technique. */
  labelledPairs: number;
  precision?: number;
  recall?: number;
  filesHit: number;
  backgroundEvents: number;
}

/**
 * A rule set scored over a set of (parent-level) techniques: only its rules'
 * techniques that are in `scope` count, so two sets compare on the same
 * techniques.
 */
export function pairMetrics(run: BacktestRun, ruleIds: readonly string[], scope: ReadonlySet<string>): PairMetrics {
  const hitPairs = new Set<string>();
  const correct = new Set<string>();
  const files = new Set<number>();
  let background = 0;
  let rules = 0;
  for (const id of ruleIds) {
    const techs = (run.techniques.get(id) ?? []).filter((t) => scope.has(t));
    if (techs.length === 0) continue;
    rules++;
    for (const [fi, n] of run.hits.get(id) ?? []) {
      const f = run.files[fi]!;
      files.add(fi);
      const labels = new Set(f.techniques.map(parentOf));
      let any = false;
      for (const t of techs) {
        if (f.techniques.length === 0) continue;
        hitPairs.add(`${t}\0${fi}`);
        if (labels.has(t)) {
          correct.add(`${t}\0${fi}`);
          any = true;
        }
      }
      if (!any) background += n;
    }
  }
  let labelled = 0;
  for (const f of run.files) for (const t of new Set(f.techniques.map(parentOf))) if (scope.has(t)) labelled++;
  const out: PairMetrics = { rules, hitPairs: hitPairs.size, correctPairs: correct.size, labelledPairs: labelled, filesHit: files.size, backgroundEvents: background };
  if (hitPairs.size > 0) out.precision = correct.size / hitPairs.size;
  if (labelled > 0) out.recall = correct.size / labelled;
  return out;
}

/** Techniques (parent level) that the labelled files carry. */
export function labelledTechniques(files: readonly LabelledLogFile[]): Set<string> {
  return new Set(files.flatMap((f) => f.techniques.map(parentOf)));
}
