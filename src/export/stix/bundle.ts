/**
 * Building a STIX 2.1 bundle: typed helpers for the objects ttpscope emits,
 * deterministic ids, one creator identity, and a final check with the same
 * validator users can run on any bundle. A bundle that fails that check is a
 * bug in ttpscope, so `build()` throws instead of writing it.
 */
import { validateBundle, ATTACK_FLOW_EXTENSION_ID, type StixBundle, type StixObject } from './schema.js';
import { formatIssue } from '../../common/errors.js';
import { stixId, uuidV5 } from './ids.js';

const ATTACK_URL = 'https://attack.mitre.org';

export interface BuilderOptions {
  /** ISO timestamp used as created/modified of every object; pass a fixed one for reproducible output. */
  created: string;
  /** Name of the creating identity (default `ttpscope`). */
  creator?: string;
}

interface AttackObjectInput {
  name: string;
  /** ATT&CK id (G0016, S0002, C0015): becomes a mitre-attack external reference. */
  attackId?: string;
  /** The object's id in the ATT&CK bundle, so platforms merge with what they already hold. */
  stixId?: string;
  aliases?: string[];
  description?: string;
}

function attackUrl(id: string): string | undefined {
  if (/^T\d{4}\.\d{3}$/.test(id)) return `${ATTACK_URL}/techniques/${id.replace('.', '/')}/`;
  if (/^T\d{4}$/.test(id)) return `${ATTACK_URL}/techniques/${id}/`;
  if (/^G\d{4}$/.test(id)) return `${ATTACK_URL}/groups/${id}/`;
  if (/^S\d{4}$/.test(id)) return `${ATTACK_URL}/software/${id}/`;
  if (/^C\d{4}$/.test(id)) return `${ATTACK_URL}/campaigns/${id}/`;
  if (/^TA\d{4}$/.test(id)) return `${ATTACK_URL}/tactics/${id}/`;
  return undefined;
}

function attackReference(id: string) {
  const url = attackUrl(id);
  return url ? { source_name: 'mitre-attack', external_id: id, url } : { source_name: 'mitre-attack', external_id: id };
}

/** A valid STIX id: the one given when it is well-formed for the type, else a derived one. */
function chooseId(type: string, given: string | undefined, key: string): string {
  return given && given.startsWith(`${type}--`) && /^[a-z-]+--[0-9a-f-]{36}$/.test(given) ? given : stixId(type, key);
}

export class StixBundleBuilder {
  readonly identityId: string;
  private readonly objects = new Map<string, StixObject>();
  private readonly created: string;

  constructor(opts: BuilderOptions) {
    this.created = new Date(opts.created).toISOString();
    const name = opts.creator ?? 'ttpscope';
    this.identityId = stixId('identity', name);
    this.objects.set(this.identityId, {
      type: 'identity',
      spec_version: '2.1',
      id: this.identityId,
      created: this.created,
      modified: this.created,
      name,
      identity_class: 'system',
    });
  }

  /** Common properties of a domain object created by us. */
  common<T extends string>(type: T, id: string) {
    return { type, spec_version: '2.1' as const, id, created: this.created, modified: this.created, created_by_ref: this.identityId };
  }

  /** Add an object; a second object with the same id is ignored (the first wins). Returns its id. */
  add<T extends StixObject>(obj: T): string {
    if (!this.objects.has(obj.id)) this.objects.set(obj.id, obj);
    return obj.id;
  }

  has(id: string): boolean {
    return this.objects.has(id);
  }

  attackPattern(t: { id: string; name: string; description?: string; tactics?: string[]; stixId?: string }): string {
    const id = chooseId('attack-pattern', t.stixId, t.id);
    return this.add({
      ...this.common('attack-pattern', id),
      name: t.name,
      ...(t.description ? { description: t.description } : {}),
      ...(t.tactics && t.tactics.length > 0 ? { kill_chain_phases: t.tactics.map((p) => ({ kill_chain_name: 'mitre-attack', phase_name: p })) } : {}),
      external_references: [attackReference(t.id)],
    });
  }

  private named<T extends 'intrusion-set' | 'tool' | 'campaign'>(type: T, o: AttackObjectInput) {
    const id = chooseId(type, o.stixId, o.attackId ?? o.name.toLowerCase());
    return {
      ...this.common(type, id),
      name: o.name,
      ...(o.description ? { description: o.description } : {}),
      ...(o.aliases && o.aliases.length > 0 ? { aliases: o.aliases } : {}),
      ...(o.attackId ? { external_references: [attackReference(o.attackId)] } : {}),
    };
  }

  intrusionSet(g: AttackObjectInput): string {
    return this.add(this.named('intrusion-set', g));
  }

  tool(s: AttackObjectInput): string {
    return this.add(this.named('tool', s));
  }

  campaign(c: AttackObjectInput): string {
    return this.add(this.named('campaign', c));
  }

  malware(s: AttackObjectInput & { isFamily?: boolean }): string {
    const id = chooseId('malware', s.stixId, s.attackId ?? s.name.toLowerCase());
    return this.add({
      ...this.common('malware', id),
      name: s.name,
      is_family: s.isFamily ?? true,
      ...(s.description ? { description: s.description } : {}),
      ...(s.aliases && s.aliases.length > 0 ? { aliases: s.aliases } : {}),
      ...(s.attackId ? { external_references: [attackReference(s.attackId)] } : {}),
    });
  }

  indicator(i: { name: string; pattern: string; description?: string; indicatorTypes?: string[] }): string {
    return this.add({
      ...this.common('indicator', stixId('indicator', i.pattern)),
      name: i.name,
      ...(i.description ? { description: i.description } : {}),
      indicator_types: i.indicatorTypes ?? ['malicious-activity'],
      pattern: i.pattern,
      pattern_type: 'stix',
      valid_from: this.created,
    });
  }

  relationship(source: string, type: string, target: string, description?: string): string {
    return this.add({
      ...this.common('relationship', stixId('relationship', `${source}|${type}|${target}`)),
      relationship_type: type,
      source_ref: source,
      target_ref: target,
      ...(description ? { description } : {}),
    });
  }

  note(content: string, objectRefs: string[], abstract?: string): string {
    return this.add({
      ...this.common('note', stixId('note', `${objectRefs.join(',')}|${content}`)),
      content,
      object_refs: objectRefs,
      ...(abstract ? { abstract } : {}),
    });
  }

  report(r: { key: string; name: string; description?: string; published?: string; reportTypes?: string[]; externalReferences?: { source_name: string; url?: string; description?: string }[] }): string {
    const refs = [...this.objects.keys()].filter((id) => id !== this.identityId);
    return this.add({
      ...this.common('report', stixId('report', r.key)),
      name: r.name,
      ...(r.description ? { description: r.description } : {}),
      report_types: r.reportTypes ?? ['threat-report'],
      published: r.published ? new Date(r.published).toISOString() : this.created,
      object_refs: refs.length > 0 ? refs : [this.identityId],
      ...(r.externalReferences && r.externalReferences.length > 0 ? { external_references: r.externalReferences } : {}),
    });
  }

  /** The Attack Flow extension definition and its author, added once when a flow is built. */
  ensureAttackFlowExtension(): void {
    if (this.objects.has(ATTACK_FLOW_EXTENSION_ID)) return;
    const ctid = 'identity--fb9c968a-745b-4ade-9b25-c324172197f4';
    const when = '2022-08-02T19:34:35.143Z';
    this.add({ type: 'identity', spec_version: '2.1', id: ctid, created: when, modified: when, name: 'MITRE Center for Threat-Informed Defense', identity_class: 'organization' });
    this.add({
      type: 'extension-definition',
      spec_version: '2.1',
      id: ATTACK_FLOW_EXTENSION_ID,
      created_by_ref: ctid,
      created: when,
      modified: when,
      name: 'Attack Flow',
      description: 'Extends STIX 2.1 with features to create Attack Flows.',
      schema: 'https://center-for-threat-informed-defense.github.io/attack-flow/stix/attack-flow-schema-2.0.0.json',
      version: '2.0.0',
      extension_types: ['new-sdo'],
      external_references: [
        { source_name: 'Documentation', url: 'https://center-for-threat-informed-defense.github.io/attack-flow' },
        { source_name: 'GitHub', url: 'https://github.com/center-for-threat-informed-defense/attack-flow' },
      ],
    });
  }

  /** The bundle, objects sorted by type then id; throws if it does not validate (a bug, not a user error). */
  build(): StixBundle {
    const objects = [...this.objects.values()].sort((a, b) => (a.type === b.type ? (a.id < b.id ? -1 : 1) : a.type < b.type ? -1 : 1));
    const bundle: StixBundle = { type: 'bundle', id: `bundle--${uuidV5('00000000-0000-4000-8000-000000000000', objects.map((o) => o.id).join(','))}`, objects };
    const errors = validateBundle(bundle).filter((i) => i.severity === 'error');
    if (errors.length > 0) throw new Error(`internal error: the STIX bundle does not validate:\n${errors.slice(0, 10).map(formatIssue).join('\n')}`);
    return bundle;
  }
}
