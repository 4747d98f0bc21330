/**
 * Collecting detection units from labelled files, one file at a time (each
 * file is its own input, as an analyst would run it): what calibration
 * learns from (training files) and what the evaluation scores (the rest).
 * Units are slimmed to what scoring reads (no token lists or readable text).
 */
import type { Issue } from '../common/errors.js';
import { Detector } from './detector.js';
import type { LabelledFile } from './labelled.js';
import type { RuleTable } from './rules.js';
import { feedFile } from './run.js';
import type { SemanticMatcher } from './semantic.js';
import type { TechniqueInfo } from './techniques.js';
import type { DetectionUnit } from './unit.js';

export interface CollectedFile {
  file: LabelledFile;
  units: DetectionUnit[];
  records: number;
  events: number;
  wallMs: number;
  cpuMs: number;
}

export interface CollectOptions {
  info: TechniqueInfo;
  matcher?: SemanticMatcher;
  rules?: RuleTable;
  maxRecords?: number;
  onIssue?: (i: Issue) => void;
  onFile?: (file: LabelledFile, done: number, total: number) => void;
}

function slim(u: DetectionUnit): DetectionUnit {
  return { ...u, tokens: [], text: '', evidence: u.evidence.slice(0, 2), hits: u.hits.map((h) => ({ rule: h.rule, event: h.event })) };
}

export async function collectUnits(files: readonly LabelledFile[], opts: CollectOptions): Promise<CollectedFile[]> {
  const out: CollectedFile[] = [];
  let done = 0;
  for (const file of files) {
    opts.onFile?.(file, done++, files.length);
    const units: DetectionUnit[] = [];
    const detector = new Detector({
      info: opts.info,
      ...(opts.matcher ? { matcher: opts.matcher } : {}),
      ...(opts.rules ? { rules: opts.rules } : {}),
      scenarios: false,
      onUnit: (u) => units.push(slim(u)),
    });
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const fed = await feedFile(detector, file.path, { ...(opts.onIssue ? { onIssue: opts.onIssue } : {}), ...(opts.maxRecords ? { maxRecords: opts.maxRecords } : {}) });
    detector.finish();
    const cpu = process.cpuUsage(cpu0);
    out.push({ file, units, records: fed.records, events: fed.events, wallMs: performance.now() - t0, cpuMs: (cpu.user + cpu.system) / 1000 });
  }
  return out;
}
