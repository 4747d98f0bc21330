/**
 * The loaded knowledge base: the model (model.ts) plus lookup indexes by
 * ATT&CK id, name, alias and tactic shortname, procedure examples per
 * technique, detection chains, Sigma tag resolution and lexical search.
 */
import type {
  Analytic,
  Campaign,
  DataComponent,
  DetectionStrategy,
  Group,
  KbData,
  KbInfo,
  Mitigation,
  Procedure,
  Software,
  Tactic,
  Technique,
} from './model.js';
import { resolveAttackTag, type AttackTagResolution } from './tags.js';
import type { TechniqueSearch, TechniqueSearchOptions, TechniqueHit } from './search.js';

export type KbEntity =
  | { kind: 'technique'; item: Technique }
  | { kind: 'tactic'; item: Tactic }
  | { kind: 'group'; item: Group }
  | { kind: 'software'; item: Software }
  | { kind: 'campaign'; item: Campaign }
  | { kind: 'mitigation'; item: Mitigation }
  | { kind: 'detection-strategy'; item: DetectionStrategy }
  | { kind: 'analytic'; item: Analytic }
  | { kind: 'data-component'; item: DataComponent };
export type KbKind = KbEntity['kind'];
type EntityOf<K extends KbKind> = Extract<KbEntity, { kind: K }> extends { item: infer I } ? I : never;

export interface LookupResult {
  entity: KbEntity;
  matchedBy: 'id' | 'name' | 'alias' | 'shortname';
  /** The revoked id the query named, when the result is its replacement. */
  redirectedFrom?: string;
  note?: string;
}

export interface KbCounts {
  techniques: number;
  subtechniques: number;
  tactics: number;
  groups: number;
  software: number;
  campaigns: number;
  mitigations: number;
  procedures: number;
  detectionStrategies: number;
  analytics: number;
  dataComponents: number;
}

export interface DetectionChain {
  strategy: DetectionStrategy;
  analytics: Analytic[];
}

const isActive = (x: { status: string }) => x.status === 'active';

export class KnowledgeBase {
  readonly info: KbInfo;
  /** Tactics in matrix order. */
  readonly tactics: readonly Tactic[];
  /** Active techniques and sub-techniques, sorted by id. */
  readonly techniques: readonly Technique[];
  readonly groups: readonly Group[];
  readonly software: readonly Software[];
  readonly campaigns: readonly Campaign[];
  readonly mitigations: readonly Mitigation[];
  readonly detectionStrategies: readonly DetectionStrategy[];
  readonly analytics: readonly Analytic[];
  readonly dataComponents: readonly DataComponent[];
  /** Active procedure examples, sorted by technique id then source name. */
  readonly procedures: readonly Procedure[];
  readonly issues: KbData['issues'];
  /** The raw model (every status), e.g. for caching or export. */
  readonly data: KbData;

  private readonly byId = new Map<string, KbEntity>();
  private readonly byName = new Map<string, { entity: KbEntity; matchedBy: 'name' | 'alias' }[]>();
  private readonly tacticByKey = new Map<string, Tactic>();
  private readonly proceduresByTechnique = new Map<string, Procedure[]>();
  private readonly proceduresBySource = new Map<string, Procedure[]>();
  private searchIndex: TechniqueSearch | undefined;
  /** Supplies the search index (from cache or built); set by the loader. */
  searchProvider: ((kb: KnowledgeBase) => TechniqueSearch) | undefined;

  constructor(data: KbData) {
    this.data = data;
    this.info = data.info;
    this.tactics = data.tactics;
    this.techniques = data.techniques.filter(isActive);
    this.groups = data.groups.filter(isActive);
    this.software = data.software.filter(isActive);
    this.campaigns = data.campaigns.filter(isActive);
    this.mitigations = data.mitigations.filter(isActive);
    this.detectionStrategies = data.detectionStrategies;
    this.analytics = data.analytics;
    this.dataComponents = data.dataComponents.filter(isActive);
    this.procedures = data.procedures;
    this.issues = data.issues;

    const add = (entity: KbEntity, id: string, names: string[], aliases: string[]) => {
      const prev = this.byId.get(id);
      if (!prev || (prev.item as { status?: string }).status !== 'active') this.byId.set(id, entity);
      for (const [list, matchedBy] of [
        [names, 'name'],
        [aliases, 'alias'],
      ] as const) {
        for (const n of list) {
          const key = n.trim().toLowerCase();
          if (!key) continue;
          const l = this.byName.get(key);
          if (l) {
            if (!l.some((x) => x.entity.item === entity.item)) l.push({ entity, matchedBy });
          } else this.byName.set(key, [{ entity, matchedBy }]);
        }
      }
    };
    for (const t of data.tactics) {
      add({ kind: 'tactic', item: t }, t.id, [t.name], []);
      this.tacticByKey.set(t.id.toLowerCase(), t);
      this.tacticByKey.set(t.shortname.toLowerCase(), t);
      this.tacticByKey.set(t.name.toLowerCase(), t);
    }
    for (const t of data.techniques) add({ kind: 'technique', item: t }, t.id, [t.name], []);
    for (const g of data.groups) add({ kind: 'group', item: g }, g.id, [g.name], g.aliases);
    for (const s of data.software) add({ kind: 'software', item: s }, s.id, [s.name], s.aliases);
    for (const c of data.campaigns) add({ kind: 'campaign', item: c }, c.id, [c.name], c.aliases);
    for (const m of data.mitigations) add({ kind: 'mitigation', item: m }, m.id, [m.name], []);
    for (const d of data.detectionStrategies) add({ kind: 'detection-strategy', item: d }, d.id, [], []);
    for (const a of data.analytics) add({ kind: 'analytic', item: a }, a.id, [], []);
    for (const d of data.dataComponents) add({ kind: 'data-component', item: d }, d.id, [d.name], []);
    for (const p of data.procedures) {
      let l = this.proceduresByTechnique.get(p.techniqueId);
      if (!l) this.proceduresByTechnique.set(p.techniqueId, (l = []));
      l.push(p);
      let s = this.proceduresBySource.get(p.sourceId);
      if (!s) this.proceduresBySource.set(p.sourceId, (s = []));
      s.push(p);
    }
  }

  /** Counts of active objects (what `kb info` prints). */
  counts(): KbCounts {
    return {
      techniques: this.techniques.filter((t) => !t.isSubtechnique).length,
      subtechniques: this.techniques.filter((t) => t.isSubtechnique).length,
      tactics: this.tactics.length,
      groups: this.groups.length,
      software: this.software.length,
      campaigns: this.campaigns.length,
      mitigations: this.mitigations.length,
      procedures: this.procedures.length,
      detectionStrategies: this.detectionStrategies.length,
      analytics: this.analytics.length,
      dataComponents: this.dataComponents.length,
    };
  }

  /** The technique with exactly this id (any status; check `status`), case-insensitive. No redirect. */
  technique(id: string): Technique | undefined {
    const e = this.byId.get(id.trim().toUpperCase());
    return e?.kind === 'technique' ? e.item : undefined;
  }

  /** Tactic by id (`TA0002`), shortname (`execution`) or name (`Execution`), case-insensitive. */
  tactic(key: string): Tactic | undefined {
    return this.tacticByKey.get(key.trim().toLowerCase().replace(/_/g, '-')) ?? this.tacticByKey.get(key.trim().toLowerCase());
  }

  group(idOrName: string): Group | undefined {
    return this.first(idOrName, 'group');
  }
  softwareBy(idOrName: string): Software | undefined {
    return this.first(idOrName, 'software');
  }
  campaign(idOrName: string): Campaign | undefined {
    return this.first(idOrName, 'campaign');
  }
  mitigation(id: string): Mitigation | undefined {
    return this.first(id, 'mitigation');
  }
  detectionStrategy(id: string): DetectionStrategy | undefined {
    return this.first(id, 'detection-strategy');
  }
  analytic(id: string): Analytic | undefined {
    return this.first(id, 'analytic');
  }
  dataComponent(idOrName: string): DataComponent | undefined {
    return this.first(idOrName, 'data-component');
  }

  private first<K extends KbKind>(query: string, kind: K): EntityOf<K> | undefined {
    const hit = this.lookup(query).find((r) => r.entity.kind === kind);
    return hit ? (hit.entity.item as EntityOf<K>) : undefined;
  }

  /**
   * An object by ATT&CK id; a revoked id is followed to its replacement
   * (`redirectedFrom`, `note`); a deprecated one is returned with a note.
   */
  resolveId(id: string): { kind: KbKind; item: KbEntity['item']; redirectedFrom?: string; note?: string } | undefined {
    const key = id.trim().toUpperCase();
    const found = this.byId.get(key);
    if (!found) return undefined;
    let e: KbEntity = found;
    const status = (x: KbEntity) => (x.item as { status?: string }).status ?? 'active';
    let hops = 0;
    while (status(e) === 'revoked' && hops < 10) {
      const next: string | undefined = (e.item as { revokedBy?: string }).revokedBy;
      const target: KbEntity | undefined = next ? this.byId.get(next) : undefined;
      if (!target) break;
      e = target;
      hops++;
    }
    const version = this.info.attackVersion;
    if (hops > 0) return { kind: e.kind, item: e.item, redirectedFrom: key, note: `${key} was revoked by ${e.item.id} in ATT&CK ${version}` };
    if (status(e) === 'revoked') return { kind: e.kind, item: e.item, note: `${key} is revoked in ATT&CK ${version}` };
    if (status(e) === 'deprecated') return { kind: e.kind, item: e.item, note: `${key} is deprecated in ATT&CK ${version}` };
    return { kind: e.kind, item: e.item };
  }

  /**
   * Anything by ATT&CK id (any type, revoked ids redirect), by name or alias
   * (case-insensitive), or a tactic by shortname. Several results when a name
   * is shared (e.g. sub-techniques named "Domain Account"); active first.
   */
  lookup(query: string): LookupResult[] {
    const q = query.trim();
    if (!q) return [];
    const byId = this.resolveId(q);
    if (byId) {
      const entity = { kind: byId.kind, item: byId.item } as KbEntity;
      return [{ entity, matchedBy: 'id', ...(byId.redirectedFrom ? { redirectedFrom: byId.redirectedFrom } : {}), ...(byId.note ? { note: byId.note } : {}) }];
    }
    const key = q.toLowerCase();
    const tactic = this.tacticByKey.get(key);
    if (tactic && tactic.shortname === key) return [{ entity: { kind: 'tactic', item: tactic }, matchedBy: 'shortname' }];
    const hits = this.byName.get(key) ?? [];
    const rank = (h: { entity: KbEntity; matchedBy: string }) =>
      ((h.entity.item as { status?: string }).status ?? 'active') === 'active' ? (h.matchedBy === 'name' ? 0 : 1) : 2;
    return [...hits].sort((a, b) => rank(a) - rank(b)).map((h) => ({ entity: h.entity, matchedBy: h.matchedBy }));
  }

  /** Active techniques and sub-techniques of a tactic (id, shortname or name), sorted by id. */
  techniquesByTactic(tactic: string): Technique[] {
    const t = this.tactic(tactic);
    if (!t) return [];
    return this.techniques.filter((x) => x.tactics.includes(t.shortname));
  }

  /** Procedure examples of a technique; with `includeSubtechniques`, those of its sub-techniques too. */
  proceduresFor(techniqueId: string, opts: { includeSubtechniques?: boolean } = {}): Procedure[] {
    const id = techniqueId.trim().toUpperCase();
    const own = this.proceduresByTechnique.get(id) ?? [];
    if (!opts.includeSubtechniques) return own;
    const t = this.technique(id);
    return [...own, ...(t?.subtechniques ?? []).flatMap((s) => this.proceduresByTechnique.get(s) ?? [])];
  }

  /** Procedure examples of a group, software or campaign (by its id). */
  proceduresBy(sourceId: string): Procedure[] {
    return this.proceduresBySource.get(sourceId.trim().toUpperCase()) ?? [];
  }

  /** Detection strategies of a technique with their analytics (and so log sources). */
  detectionsFor(techniqueId: string): DetectionChain[] {
    const t = this.technique(techniqueId);
    if (!t) return [];
    return t.detectionStrategies
      .map((id) => this.detectionStrategy(id))
      .filter((s): s is DetectionStrategy => s !== undefined)
      .map((strategy) => ({ strategy, analytics: strategy.analytics.map((a) => this.analytic(a)).filter((a): a is Analytic => a !== undefined) }));
  }

  /** Resolve a Sigma-style tag (`attack.t1059.001`, `attack.execution`, `attack.g0016`). */
  resolveAttackTag(tag: string): AttackTagResolution {
    return resolveAttackTag(this, tag);
  }

  /** The technique search index (built or read from cache on first use). */
  searchIndexOf(): TechniqueSearch {
    if (!this.searchIndex) {
      if (!this.searchProvider) throw new Error('knowledge base has no search provider');
      this.searchIndex = this.searchProvider(this);
    }
    return this.searchIndex;
  }

  /** Rank active techniques for a free-text query (BM25F); see search.ts. */
  search(query: string, opts: TechniqueSearchOptions = {}): TechniqueHit[] {
    return this.searchIndexOf().search(query, opts);
  }
}
