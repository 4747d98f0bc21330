/**
 * Validated STIX objects → the knowledge-base model (model.ts). Relationships
 * are resolved here once: sub-technique-of, detects, mitigates, uses,
 * attributed-to and revoked-by.
 */
import type { AttackIndex } from './stix-schema.js';
import { attackVersionOf } from './attack-version.js';
import type {
  Analytic,
  Campaign,
  Citation,
  DataComponent,
  DetectionStrategy,
  Group,
  KbData,
  Mitigation,
  ObjectStatus,
  Procedure,
  ProcedureSourceKind,
  Software,
  Tactic,
  Technique,
} from './model.js';
import type { ReadBundle } from './read-bundle.js';
import type { ExternalReference } from './stix-schema.js';

interface StixCommon {
  id: string;
  revoked?: boolean | undefined;
  x_mitre_deprecated?: boolean | undefined;
  external_references?: ExternalReference[] | undefined;
  modified?: string | undefined;
}

function mitreRef(o: StixCommon): ExternalReference | undefined {
  return o.external_references?.find((r) => r.external_id !== undefined && /^mitre-(?:[a-z]+-)?attack$/.test(r.source_name));
}

function statusOf(o: StixCommon): ObjectStatus {
  return o.revoked ? 'revoked' : o.x_mitre_deprecated ? 'deprecated' : 'active';
}

/**
 * Citations are shared: the same source is cited by hundreds of procedures.
 * One object per distinct reference keeps memory down and lets V8
 * serialisation (the cache) write each one once.
 */
function citationInterner(): (o: StixCommon) => Citation[] {
  const seen = new Map<string, Citation>();
  return (o) => {
    const out: Citation[] = [];
    for (const r of o.external_references ?? []) {
      if (r.external_id && /^mitre-(?:[a-z]+-)?attack$/.test(r.source_name)) continue;
      const key = `${r.source_name}\u0000${r.description ?? ''}\u0000${r.url ?? ''}`;
      let c = seen.get(key);
      if (!c) {
        c = { source: r.source_name };
        if (r.description) c.description = r.description;
        if (r.url) c.url = r.url;
        seen.set(key, c);
      }
      out.push(c);
    }
    return out;
  };
}

const byId = <T extends { id: string }>(a: T, b: T) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

export function buildModel(bundle: ReadBundle, bundlePath: string, index?: AttackIndex): KbData {
  const o = bundle.objects;
  const citationsOf = citationInterner();
  const issues = [...bundle.issues];
  /** STIX id → ATT&CK id, for every object that has one. */
  const attackIdOf = new Map<string, string>();
  const statusOfStix = new Map<string, ObjectStatus>();
  let newestModified: string | undefined;
  const note = (obj: StixCommon) => {
    const ref = mitreRef(obj);
    if (ref?.external_id) attackIdOf.set(obj.id, ref.external_id);
    statusOfStix.set(obj.id, statusOf(obj));
    if (obj.modified && (!newestModified || obj.modified > newestModified)) newestModified = obj.modified;
  };
  for (const list of Object.values(o)) for (const obj of list as StixCommon[]) note(obj);

  // Tactics in matrix order.
  const matrix = o['x-mitre-matrix'].find((m) => statusOf(m) === 'active') ?? o['x-mitre-matrix'][0];
  const tacticByStix = new Map(o['x-mitre-tactic'].map((t) => [t.id, t]));
  const orderedTactics = [
    ...(matrix?.tactic_refs ?? []).map((ref) => tacticByStix.get(ref)).filter((t) => t !== undefined),
    ...o['x-mitre-tactic'].filter((t) => !matrix?.tactic_refs.includes(t.id)),
  ].filter((t) => statusOf(t) === 'active' && mitreRef(t));
  const tactics: Tactic[] = orderedTactics.map((t, order) => {
    const ref = mitreRef(t)!;
    return {
      id: ref.external_id!,
      stixId: t.id,
      name: t.name,
      shortname: t.x_mitre_shortname,
      description: t.description ?? '',
      order,
      ...(ref.url ? { url: ref.url } : {}),
    };
  });
  const tacticOrder = new Map(tactics.map((t) => [t.shortname, t.order]));

  // Relationships, indexed by kind.
  const subOf = new Map<string, string>();
  const revokedBy = new Map<string, string>();
  const detects = new Map<string, string[]>();
  const mitigates = new Map<string, string[]>();
  const mitigationTechniques = new Map<string, string[]>();
  const strategyTechniques = new Map<string, string[]>();
  const usesSoftware = new Map<string, string[]>();
  const attributed = new Map<string, string[]>();
  const push = (m: Map<string, string[]>, k: string, v: string) => {
    const l = m.get(k);
    if (l) l.push(v);
    else m.set(k, [v]);
  };
  const procedureRels = [];
  for (const r of o.relationship) {
    if (r.revoked || r.x_mitre_deprecated) continue;
    const src = attackIdOf.get(r.source_ref);
    const dst = attackIdOf.get(r.target_ref);
    switch (r.relationship_type) {
      case 'subtechnique-of':
        if (src && dst) subOf.set(src, dst);
        break;
      case 'revoked-by':
        if (src && dst) revokedBy.set(r.source_ref, dst);
        break;
      case 'detects':
        if (src && dst && r.source_ref.startsWith('x-mitre-detection-strategy--')) {
          push(detects, dst, src);
          push(strategyTechniques, src, dst);
        }
        break;
      case 'mitigates':
        if (src && dst && statusOfStix.get(r.source_ref) === 'active') {
          push(mitigates, dst, src);
          push(mitigationTechniques, src, dst);
        }
        break;
      case 'attributed-to':
        if (src && dst && r.source_ref.startsWith('campaign--')) push(attributed, src, dst);
        break;
      case 'uses':
        if (!src || !dst) break;
        if (statusOfStix.get(r.source_ref) !== 'active' || statusOfStix.get(r.target_ref) !== 'active') break;
        if (r.target_ref.startsWith('attack-pattern--')) procedureRels.push(r);
        else if (r.target_ref.startsWith('malware--') || r.target_ref.startsWith('tool--')) push(usesSoftware, src, dst);
        break;
    }
  }
  const uniqSorted = (l: string[] | undefined) => [...new Set(l ?? [])].sort();

  // Techniques (one per ATT&CK id; an active object wins over a revoked one with the same id).
  const techById = new Map<string, Technique>();
  for (const ap of o['attack-pattern']) {
    const ref = mitreRef(ap);
    if (!ref?.external_id) {
      issues.push({ message: `attack-pattern ${ap.id} has no ATT&CK id`, code: 'no-attack-id' });
      continue;
    }
    const id = ref.external_id;
    const status = statusOf(ap);
    const existing = techById.get(id);
    if (existing && (existing.status === 'active' || status !== 'active')) continue;
    const isSub = ap.x_mitre_is_subtechnique ?? id.includes('.');
    const tacticNames = [...new Set((ap.kill_chain_phases ?? []).map((p) => p.phase_name))].sort(
      (a, b) => (tacticOrder.get(a) ?? 99) - (tacticOrder.get(b) ?? 99),
    );
    const parent = isSub ? (subOf.get(id) ?? id.split('.')[0]) : undefined;
    const t: Technique = {
      id,
      stixId: ap.id,
      name: ap.name,
      description: ap.description ?? '',
      tactics: tacticNames,
      platforms: ap.x_mitre_platforms ?? [],
      isSubtechnique: isSub,
      ...(parent ? { parent } : {}),
      subtechniques: [],
      detectionStrategies: uniqSorted(detects.get(id)),
      mitigations: uniqSorted(mitigates.get(id)),
      status,
      ...(revokedBy.has(ap.id) ? { revokedBy: revokedBy.get(ap.id)! } : {}),
      ...(ap.x_mitre_version ? { version: ap.x_mitre_version } : {}),
      ...(ap.created ? { created: ap.created } : {}),
      ...(ap.modified ? { modified: ap.modified } : {}),
      ...(ref.url ? { url: ref.url } : {}),
      citations: citationsOf(ap),
    };
    techById.set(id, t);
  }
  for (const t of techById.values()) {
    if (t.parent && t.status === 'active') {
      const p = techById.get(t.parent);
      if (p) p.subtechniques.push(t.id);
    }
  }
  const techniques = [...techById.values()].sort(byId);
  for (const t of techniques) t.subtechniques.sort();

  const groups: Group[] = [];
  for (const g of o['intrusion-set']) {
    const ref = mitreRef(g);
    if (!ref?.external_id) continue;
    groups.push({
      id: ref.external_id,
      stixId: g.id,
      name: g.name,
      aliases: (g.aliases ?? []).filter((a) => a !== g.name),
      description: g.description ?? '',
      software: uniqSorted(usesSoftware.get(ref.external_id)),
      status: statusOf(g),
      ...(revokedBy.has(g.id) ? { revokedBy: revokedBy.get(g.id)! } : {}),
      ...(ref.url ? { url: ref.url } : {}),
      citations: citationsOf(g),
    });
  }
  const software: Software[] = [];
  for (const s of [...o.malware, ...o.tool]) {
    const ref = mitreRef(s);
    if (!ref?.external_id) continue;
    software.push({
      id: ref.external_id,
      stixId: s.id,
      kind: s.type,
      name: s.name,
      aliases: (s.x_mitre_aliases ?? []).filter((a) => a !== s.name),
      platforms: s.x_mitre_platforms ?? [],
      description: s.description ?? '',
      status: statusOf(s),
      ...(revokedBy.has(s.id) ? { revokedBy: revokedBy.get(s.id)! } : {}),
      ...(ref.url ? { url: ref.url } : {}),
      citations: citationsOf(s),
    });
  }
  const campaigns: Campaign[] = [];
  for (const c of o.campaign) {
    const ref = mitreRef(c);
    if (!ref?.external_id) continue;
    campaigns.push({
      id: ref.external_id,
      stixId: c.id,
      name: c.name,
      aliases: (c.aliases ?? []).filter((a) => a !== c.name),
      description: c.description ?? '',
      ...(c.first_seen ? { firstSeen: c.first_seen } : {}),
      ...(c.last_seen ? { lastSeen: c.last_seen } : {}),
      attributedTo: uniqSorted(attributed.get(ref.external_id)),
      software: uniqSorted(usesSoftware.get(ref.external_id)),
      status: statusOf(c),
      ...(revokedBy.has(c.id) ? { revokedBy: revokedBy.get(c.id)! } : {}),
      ...(ref.url ? { url: ref.url } : {}),
      citations: citationsOf(c),
    });
  }
  const mitigations: Mitigation[] = [];
  for (const m of o['course-of-action']) {
    const ref = mitreRef(m);
    // Pre-2019 mitigations were keyed by their technique's id (T1086); only M-ids are mitigations today.
    if (!ref?.external_id || !/^M\d{4}$/.test(ref.external_id)) continue;
    mitigations.push({
      id: ref.external_id,
      name: m.name,
      description: m.description ?? '',
      techniques: uniqSorted(mitigationTechniques.get(ref.external_id)),
      status: statusOf(m),
    });
  }

  const dataComponents: DataComponent[] = [];
  const dcByStix = new Map<string, DataComponent>();
  for (const d of o['x-mitre-data-component']) {
    const ref = mitreRef(d);
    if (!ref?.external_id) continue;
    const dc: DataComponent = {
      id: ref.external_id,
      name: d.name,
      description: d.description ?? '',
      logSources: (d.x_mitre_log_sources ?? []).map((l) => ({ name: l.name, ...(l.channel ? { channel: l.channel } : {}) })),
      status: statusOf(d),
    };
    dataComponents.push(dc);
    dcByStix.set(d.id, dc);
  }
  const analytics: Analytic[] = [];
  for (const a of o['x-mitre-analytic']) {
    const ref = mitreRef(a);
    if (!ref?.external_id || statusOf(a) !== 'active') continue;
    analytics.push({
      id: ref.external_id,
      name: a.name,
      description: a.description ?? '',
      platforms: a.x_mitre_platforms ?? [],
      logSources: (a.x_mitre_log_source_references ?? []).map((l) => {
        const dc = l.x_mitre_data_component_ref ? dcByStix.get(l.x_mitre_data_component_ref) : undefined;
        return {
          ...(dc ? { dataComponent: dc.id, dataComponentName: dc.name } : {}),
          name: l.name,
          ...(l.channel ? { channel: l.channel } : {}),
        };
      }),
    });
  }
  const detectionStrategies: DetectionStrategy[] = [];
  for (const d of o['x-mitre-detection-strategy']) {
    const ref = mitreRef(d);
    if (!ref?.external_id || statusOf(d) !== 'active') continue;
    detectionStrategies.push({
      id: ref.external_id,
      name: d.name,
      analytics: (d.x_mitre_analytic_refs ?? []).map((r) => attackIdOf.get(r)).filter((x): x is string => x !== undefined),
      techniques: uniqSorted(strategyTechniques.get(ref.external_id)),
    });
  }

  const nameOf = new Map<string, string>();
  for (const x of [...groups, ...software, ...campaigns]) nameOf.set(x.id, x.name);
  const kindOf = (stixRef: string): ProcedureSourceKind | undefined =>
    stixRef.startsWith('intrusion-set--') ? 'group' : stixRef.startsWith('campaign--') ? 'campaign' : stixRef.startsWith('malware--') || stixRef.startsWith('tool--') ? 'software' : undefined;
  const procedures: Procedure[] = [];
  for (const r of procedureRels) {
    const sourceKind = kindOf(r.source_ref);
    const description = r.description?.trim() ?? '';
    if (!sourceKind || !description) continue;
    const sourceId = attackIdOf.get(r.source_ref)!;
    procedures.push({
      stixId: r.id,
      techniqueId: attackIdOf.get(r.target_ref)!,
      sourceId,
      sourceKind,
      sourceName: nameOf.get(sourceId) ?? sourceId,
      description,
      citations: citationsOf(r),
    });
  }
  procedures.sort((a, b) =>
    a.techniqueId !== b.techniqueId ? (a.techniqueId < b.techniqueId ? -1 : 1) : a.sourceName !== b.sourceName ? (a.sourceName < b.sourceName ? -1 : 1) : a.stixId < b.stixId ? -1 : 1,
  );

  const collections = o['x-mitre-collection'];
  const version = attackVersionOf(collections, matrix?.name, newestModified, index);
  const domainRef = matrix ? mitreRef(matrix) : undefined;
  return {
    info: {
      attackVersion: version.version,
      versionSource: version.source,
      stixVersion: bundle.specVersion,
      domain: domainRef?.external_id ?? 'unknown',
      bundlePath,
      ...(newestModified ? { newestModified } : {}),
    },
    tactics,
    techniques,
    groups: groups.sort(byId),
    software: software.sort(byId),
    campaigns: campaigns.sort(byId),
    mitigations: mitigations.sort(byId),
    detectionStrategies: detectionStrategies.sort(byId),
    analytics: analytics.sort(byId),
    dataComponents: dataComponents.sort(byId),
    procedures,
    issues,
  };
}
