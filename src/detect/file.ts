/**
 * Detection over one input file, on its own: a fresh detector (windows,
 * spread counters, lineage cache) per file, so files can be processed in any
 * order and on any thread with the same result. What crosses files is
 * merged afterwards: alerts are concatenated, scenario fragments of the same
 * host that share a process are merged (`assembleScenarios`). Commonness
 * across many inputs comes from the calibration's baseline (training files).
 */
import type { Issue } from '../common/errors.js';
import type { UnitScorer } from './calibration/score.js';
import { Detector } from './detector.js';
import type { RuleTable } from './rules.js';
import { feedFile, IssueCollector } from './run.js';
import type { ScenarioOptions } from './scenario/assemble.js';
import type { ScenarioFragment } from './scenario/fragment.js';
import type { SemanticMatcher } from './semantic.js';
import type { TechniqueInfo } from './techniques.js';
import type { Alert } from './types.js';

export interface FileDetectContext {
  info: TechniqueInfo;
  matcher: SemanticMatcher;
  rules: RuleTable | undefined;
  scorer: UnitScorer;
  windowMs?: number;
  scenarios?: ScenarioOptions | false;
}

export interface FileCounts {
  records: number;
  events: number;
  sequences: number;
  ruleHits: number;
  units: number;
  windows: number;
}

export interface FileResult {
  file: string;
  alerts: Alert[];
  fragments: ScenarioFragment[];
  counts: FileCounts;
  issues: { total: number; byCode: [string, number][]; kept: Issue[] };
  /** CPU time of the process while this file ran (process-wide: on a worker thread it includes the others). */
  cpuMs: number;
}

export async function detectFile(ctx: FileDetectContext, file: string, opts: { onTick?: (records: number, file: string) => void; maxIssues?: number; signal?: AbortSignal } = {}): Promise<FileResult> {
  const issues = new IssueCollector(opts.maxIssues ?? 1000);
  const detector = new Detector({
    info: ctx.info,
    matcher: ctx.matcher,
    ...(ctx.rules ? { rules: ctx.rules } : {}),
    scorer: ctx.scorer,
    ...(ctx.windowMs ? { windowMs: ctx.windowMs } : {}),
    scenarios: ctx.scenarios ?? {},
  });
  const cpu0 = process.cpuUsage();
  await feedFile(detector, file, { onIssue: issues.add, ...(opts.onTick ? { onTick: opts.onTick } : {}), ...(opts.signal ? { signal: opts.signal } : {}) });
  const { alerts, fragments } = detector.finishParts();
  const cpu = process.cpuUsage(cpu0);
  return { file, alerts, fragments, counts: { ...detector.counts }, issues: { total: issues.total, byCode: [...issues.byCode], kept: issues.kept }, cpuMs: (cpu.user + cpu.system) / 1000 };
}
