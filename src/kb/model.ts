/**
 * The ATT&CK knowledge-base model: plain data, cross-referenced by ATT&CK ids
 * (T…, TA…, G…, S…, C…, M…, DET…, AN…, DC…), so it serialises as is (cache,
 * JSON output) and other modules never hold STIX objects.
 */

export type ObjectStatus = 'active' | 'deprecated' | 'revoked';

/** One entry of an object's `external_references` (the citations behind `(Citation: X)` markers). */
export interface Citation {
  source: string;
  description?: string;
  url?: string;
}

export interface Tactic {
  /** e.g. `TA0006` */
  id: string;
  stixId: string;
  name: string;
  /** e.g. `credential-access` (kill-chain phase name used by techniques and Sigma tags). */
  shortname: string;
  description: string;
  /** Position in the matrix (0-based), from the matrix's `tactic_refs`. */
  order: number;
  url?: string;
}

export interface Technique {
  /** e.g. `T1003` or `T1003.001` */
  id: string;
  stixId: string;
  name: string;
  /** ATT&CK markdown with `(Citation: X)` markers; see `plainText` in markdown.ts. */
  description: string;
  /** Tactic shortnames, in matrix order. */
  tactics: string[];
  platforms: string[];
  isSubtechnique: boolean;
  /** Parent technique id for a sub-technique. */
  parent?: string;
  /** Sub-technique ids (active ones), sorted. */
  subtechniques: string[];
  /** Detection strategy ids (`DET…`) that detect this technique. */
  detectionStrategies: string[];
  /** Mitigation ids (`M…`). */
  mitigations: string[];
  status: ObjectStatus;
  /** For a revoked technique: the id that replaced it. */
  revokedBy?: string;
  version?: string;
  created?: string;
  modified?: string;
  url?: string;
  citations: Citation[];
}

export interface LogSourceRef {
  /** Data component id (`DC…`) when the reference resolves. */
  dataComponent?: string;
  dataComponentName?: string;
  /** e.g. `WinEventLog:Security`, `auditd:SYSCALL` */
  name: string;
  /** e.g. `EventCode=4688` */
  channel?: string;
}

export interface Analytic {
  /** e.g. `AN0110` */
  id: string;
  name: string;
  description: string;
  platforms: string[];
  logSources: LogSourceRef[];
}

export interface DetectionStrategy {
  /** e.g. `DET0103` */
  id: string;
  name: string;
  /** Analytic ids (`AN…`). */
  analytics: string[];
  /** Technique ids this strategy detects. */
  techniques: string[];
}

export interface DataComponent {
  /** e.g. `DC0084` */
  id: string;
  name: string;
  description: string;
  logSources: { name: string; channel?: string }[];
  status: ObjectStatus;
}

export interface Mitigation {
  /** e.g. `M1031` */
  id: string;
  name: string;
  description: string;
  techniques: string[];
  status: ObjectStatus;
}

export interface Group {
  /** e.g. `G0016` */
  id: string;
  stixId: string;
  name: string;
  aliases: string[];
  description: string;
  /** Software ids the group uses. */
  software: string[];
  status: ObjectStatus;
  revokedBy?: string;
  url?: string;
  citations: Citation[];
}

export interface Software {
  /** e.g. `S0002` */
  id: string;
  stixId: string;
  kind: 'malware' | 'tool';
  name: string;
  aliases: string[];
  platforms: string[];
  description: string;
  status: ObjectStatus;
  revokedBy?: string;
  url?: string;
  citations: Citation[];
}

export interface Campaign {
  /** e.g. `C0022` */
  id: string;
  stixId: string;
  name: string;
  aliases: string[];
  description: string;
  firstSeen?: string;
  lastSeen?: string;
  /** Group ids the campaign is attributed to. */
  attributedTo: string[];
  software: string[];
  status: ObjectStatus;
  revokedBy?: string;
  url?: string;
  citations: Citation[];
}

export type ProcedureSourceKind = 'group' | 'software' | 'campaign';

/** A procedure example: a `uses` relationship from a group, software or campaign to a technique. */
export interface Procedure {
  /** The relationship's STIX id. */
  stixId: string;
  techniqueId: string;
  sourceId: string;
  sourceKind: ProcedureSourceKind;
  sourceName: string;
  /** ATT&CK markdown with `(Citation: X)` markers. */
  description: string;
  citations: Citation[];
}

export type VersionSource = 'collection' | 'index' | 'unknown';

export interface KbInfo {
  /** ATT&CK release, e.g. `18.1`; `unknown` when neither a collection object nor an index names it. */
  attackVersion: string;
  versionSource: VersionSource;
  /** STIX spec version of the bundle (`2.0` or `2.1`). */
  stixVersion: string;
  domain: string;
  bundlePath: string;
  /** Newest `modified` timestamp in the bundle. */
  newestModified?: string;
}

/** Everything the loader builds; the cache stores exactly this. */
export interface KbData {
  info: KbInfo;
  tactics: Tactic[];
  /** Every technique and sub-technique, active, deprecated and revoked (sorted by id). */
  techniques: Technique[];
  groups: Group[];
  software: Software[];
  campaigns: Campaign[];
  mitigations: Mitigation[];
  detectionStrategies: DetectionStrategy[];
  analytics: Analytic[];
  dataComponents: DataComponent[];
  /** Active procedure examples, grouped by technique id then source id. */
  procedures: Procedure[];
  /** Problems found in the bundle that did not stop loading. */
  issues: { message: string; path?: string; code?: string }[];
}
