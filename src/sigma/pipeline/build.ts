/**
 * Turns pipeline specs into the engine's `ProcessingPipeline` hook: field
 * renames on the rule (`transformRule`) and logsource → event conditions
 * (`logsourceBranches`). Several specs combine into one pipeline (a file's
 * `include:` list, or several `--pipeline` options), in order.
 */
import type {
  DetectionItem,
  DetectionSection,
  Logsource,
  LogsourceBranch,
  ProcessingPipeline,
  SearchIdentifier,
  SigmaRule,
  SigmaValue,
} from '../rule/types.js';
import type { FieldTargets, LogsourceEntrySpec, PipelineSpec } from './spec.js';

/** How one spec answers for a logsource. */
type Decision =
  | { kind: 'branches'; branches: LogsourceBranch[] }
  | { kind: 'always' }
  | { kind: 'never' }
  | { kind: 'ignore' };

/** Expanding "any of these fields" multiplies alternatives; past this many the rule keeps the first target only. */
const MAX_ALTERNATIVES = 256;

/** The pipeline as ttpscope uses it: the engine hook plus what the linter and the CLI need. */
export interface Pipeline extends ProcessingPipeline {
  /** Names of the specs combined into this pipeline, in order. */
  readonly parts: readonly string[];
  readonly description: string;
  /** Field names events of this logsource carry, or undefined when no spec knows them. */
  knownFields(logsource: Logsource): ReadonlySet<string> | undefined;
  /** Whether some spec has an entry for this logsource (as opposed to a fallback). */
  coversLogsource(logsource: Logsource): boolean;
  /** Rule field → event field(s) after the global renames (identity when unmapped). */
  mapField(field: string): readonly string[];
}

function lsValue(ls: Logsource, key: string): string | undefined {
  const v = ls[key];
  return typeof v === 'string' ? v.toLowerCase() : undefined;
}

/** The entries that match `ls` with the most keys (the most specific ones). */
function bestEntries(spec: PipelineSpec, ls: Logsource): LogsourceEntrySpec[] {
  let best: LogsourceEntrySpec[] = [];
  let bestKeys = 0;
  for (const e of spec.logsources) {
    const keys = Object.keys(e.logsource);
    if (!keys.every((k) => lsValue(ls, k) === e.logsource[k])) continue;
    if (keys.length > bestKeys) {
      best = [e];
      bestKeys = keys.length;
    } else if (keys.length === bestKeys) best.push(e);
  }
  return best;
}

function decide(spec: PipelineSpec, ls: Logsource, transformBranchMap: (m: Record<string, FieldTargets>) => Record<string, string | readonly string[]>): Decision {
  const entries = bestEntries(spec, ls);
  if (entries.length === 0) return { kind: spec.unmatched === 'ignore' ? 'ignore' : spec.unmatched };
  if (entries.some((e) => e.always)) return { kind: 'always' };
  const branches: LogsourceBranch[] = [];
  for (const e of entries) {
    for (const b of e.branches) {
      // plain objects (the spec's maps have no prototype)
      const branch: LogsourceBranch = { conditions: Object.fromEntries(Object.entries(b.conditions)) };
      if (Object.keys(b.fieldmappings).length > 0) branch.fieldMap = transformBranchMap(b.fieldmappings);
      branches.push(branch);
    }
  }
  return { kind: 'branches', branches };
}

function combine(decisions: Decision[], unmatched: Decision['kind']): Decision {
  if (decisions.some((d) => d.kind === 'always')) return { kind: 'always' };
  const branches = decisions.flatMap((d) => (d.kind === 'branches' ? d.branches : []));
  if (branches.length > 0) return { kind: 'branches', branches };
  if (decisions.some((d) => d.kind === 'never')) return { kind: 'never' };
  if (unmatched === 'never' || unmatched === 'always') return { kind: unmatched };
  return { kind: 'ignore' };
}

/** Rename fields in one search identifier; "any of" targets expand into alternatives. */
function renameSearch(search: SearchIdentifier, map: (field: string) => readonly string[]): SearchIdentifier {
  const alternatives: DetectionItem[][] = [];
  for (const alt of search.alternatives) {
    let expanded: DetectionItem[][] = [[]];
    for (const item of alt) {
      const targets = item.field === null ? [null] : map(item.field);
      const values = item.values.map((v) => renameValue(v, map));
      if (targets.length === 1 || expanded.length * targets.length > MAX_ALTERNATIVES) {
        const t = targets[0] ?? item.field;
        for (const e of expanded) e.push({ ...item, field: t, values });
      } else {
        const next: DetectionItem[][] = [];
        for (const e of expanded) for (const t of targets) next.push([...e, { ...item, field: t, values }]);
        expanded = next;
      }
    }
    alternatives.push(...expanded);
  }
  return { ...search, alternatives };
}

function renameValue(v: SigmaValue, map: (field: string) => readonly string[]): SigmaValue {
  if (v.type !== 'fieldref') return v;
  const t = map(v.field)[0];
  return t === undefined || t === v.field ? v : { type: 'fieldref', field: t };
}

export function renameDetection(det: DetectionSection, map: (field: string) => readonly string[]): DetectionSection {
  const searches = new Map<string, SearchIdentifier>();
  for (const [name, s] of det.searches) searches.set(name, renameSearch(s, map));
  return { ...det, searches };
}

/** Combine specs (in order) into one pipeline. `name` names the result. */
export function buildPipeline(specs: readonly PipelineSpec[], name = specs.map((s) => s.name).join('+')): Pipeline {
  // Global renames: later specs see the names earlier specs produced.
  const mapField = (field: string): readonly string[] => {
    let current: readonly string[] = [field];
    for (const spec of specs) {
      const next: string[] = [];
      for (const f of current) {
        const t = Object.hasOwn(spec.fieldmappings, f) ? spec.fieldmappings[f] : undefined;
        if (t) next.push(...t);
        else if (spec.fieldPrefix !== undefined && !f.startsWith(spec.fieldPrefix)) next.push(spec.fieldPrefix + f, f);
        else next.push(f);
      }
      current = [...new Set(next)];
    }
    return current;
  };
  const hasRenames = specs.some((s) => Object.keys(s.fieldmappings).length > 0 || s.fieldPrefix !== undefined);
  const toBranchMap = (m: Record<string, FieldTargets>): Record<string, string | readonly string[]> => {
    return Object.fromEntries(Object.entries(m).map(([k, v]) => [k, v.length === 1 ? v[0]! : v]));
  };
  const lastUnmatched = specs.length > 0 ? specs[specs.length - 1]!.unmatched : 'ignore';
  const placeholders: Record<string, string[]> = {};
  for (const s of specs) Object.assign(placeholders, s.placeholders);

  const branchesFor = (ls: Logsource): Decision => combine(specs.map((s) => decide(s, ls, toBranchMap)), lastUnmatched);

  const pipeline: Pipeline = {
    name,
    parts: specs.map((s) => s.name),
    description: specs.map((s) => s.description).filter(Boolean).join('; '),
    placeholders,
    logsourceBranches(ls) {
      const d = branchesFor(ls);
      if (d.kind === 'branches') return d.branches;
      if (d.kind === 'never') return [];
      return undefined;
    },
    knownFields(ls) {
      let out: Set<string> | undefined;
      for (const s of specs) {
        for (const e of bestEntries(s, ls)) {
          if (!e.fields) continue;
          out ??= new Set();
          for (const f of e.fields) out.add(f);
          for (const f of s.commonFields) out.add(f);
          for (const b of e.branches) {
            for (const k of Object.keys(b.conditions)) out.add(k);
            // the rule-side names of renamed fields are known by definition
            for (const k of Object.keys(b.fieldmappings)) out.add(k);
          }
        }
      }
      return out;
    },
    coversLogsource(ls) {
      return specs.some((s) => bestEntries(s, ls).length > 0);
    },
    mapField,
  };
  if (hasRenames) {
    pipeline.transformRule = (rule: SigmaRule): SigmaRule => {
      const out: SigmaRule = { ...rule, detection: renameDetection(rule.detection, mapField) };
      return out;
    };
  }
  return pipeline;
}
