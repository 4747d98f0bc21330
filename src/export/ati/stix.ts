/**
 * An ATI document as a STIX 2.1 bundle: a report object referencing
 * everything; one attack-pattern per technique (ATT&CK id as external
 * reference) with a note carrying its evidence quotes and score; the groups,
 * malware, tools and campaigns the report names; indicators with STIX
 * patterns for the IOCs (types STIX cannot pattern are left out); `uses`
 * relationships from the software or group a procedure names to its
 * technique, `indicates` from indicators to the report's main group or
 * malware; and the attack chain as an Attack Flow (one attack-action per
 * procedure in chain order, its command as a process observable, the files,
 * keys and hosts it touches as attack-assets). Ids are deterministic: the
 * same document and `created` give the same bundle.
 */
import { addAttackFlow, StixBundleBuilder, stixPatternForIoc, stripControls, validateBundle, type FlowAction, type FlowAsset, type StixBundle } from '../index.js';
import { UserError } from '../../common/errors.js';
import type { AtiDocument, Entity, Procedure } from '../../intel/schema.js';

export interface AtiStixOptions {
  /** created/modified of every object (ISO time); pass a fixed one for reproducible output. */
  created: string;
  /** ATT&CK STIX ids of techniques, groups and software (so platforms merge with their ATT&CK objects). */
  attackStixId?: (attackId: string) => string | undefined;
  /** ATT&CK tactic id (`TA0002`) of a tactic shortname, for Attack Flow's `tactic_id`. */
  tacticId?: (shortname: string) => string | undefined;
}

const MAX_TEXT = 2000;

/** Report text is hostile: no control or invisible characters, bounded length. */
function clean(s: string, max = MAX_TEXT): string {
  const t = stripControls(s);
  return t.length > max ? t.slice(0, max - 1) + '…' : t;
}

function entityObject(b: StixBundleBuilder, e: Entity, stix?: string): string {
  const o = { name: clean(e.name, 300), ...(e.attackId ? { attackId: e.attackId } : {}), ...(stix ? { stixId: stix } : {}), ...(e.matched && e.matched !== e.name ? { aliases: [clean(e.matched, 300)] } : {}) };
  switch (e.kind) {
    case 'group':
      return b.intrusionSet(o);
    case 'malware':
      return b.malware(o);
    case 'tool':
      return b.tool(o);
    case 'campaign':
      return b.campaign(o);
  }
}

function flowAssets(p: Procedure): FlowAsset[] {
  return p.objects.slice(0, 8).map((o, i) => ({ key: `${p.id}-asset-${i + 1}`, name: clean(o.value, 300) || o.kind, description: o.kind }));
}

export function atiToStix(doc: AtiDocument, opts: AtiStixOptions): StixBundle {
  const b = new StixBundleBuilder({ created: opts.created });
  const ref = opts.attackStixId ?? (() => undefined);
  const patternIds = new Map<string, string>();
  for (const t of doc.techniques) {
    const id = b.attackPattern({ id: t.id, name: clean(t.name, 300), tactics: t.tactics, ...(ref(t.id) ? { stixId: ref(t.id)! } : {}) });
    patternIds.set(t.id, id);
    const quotes = t.evidence.slice(0, 5).map((e) => `“${clean(e.quote, 400)}” (chars ${e.start}–${e.end}${e.method ? `, ${e.method}` : ''}${e.score !== undefined ? ` ${e.score.toFixed(3)}` : ''})`);
    b.note(`${t.id} ${clean(t.name, 300)}: score ${t.score.toFixed(3)}.\nEvidence:\n${quotes.join('\n')}`, [id], `Evidence for ${t.id}`);
  }
  const entityIds = new Map<string, string>();
  for (const e of doc.entities) entityIds.set(`${e.kind}:${e.attackId ?? e.name}`, entityObject(b, e, e.attackId ? ref(e.attackId) : undefined));
  const byName = new Map(doc.entities.map((e) => [e.name, e]));
  // uses: the software named by a procedure, and the group it names as actor.
  for (const p of doc.procedures) {
    const target = patternIds.get(p.technique);
    if (!target) continue;
    const tool = p.tool ? byName.get(p.tool.name) : undefined;
    if (tool) b.relationship(entityIds.get(`${tool.kind}:${tool.attackId ?? tool.name}`)!, 'uses', target, clean(p.action, 500));
    const actor = p.actor ? byName.get(p.actor) : undefined;
    if (actor && (actor.kind === 'group' || actor.kind === 'campaign' || actor.kind === 'malware') && actor !== tool) b.relationship(entityIds.get(`${actor.kind}:${actor.attackId ?? actor.name}`)!, 'uses', target, clean(p.action, 500));
  }
  // Indicators point at the report's most-named group, else its most-named malware.
  const main = [...doc.entities].filter((e) => e.kind === 'group').sort((x, y) => y.evidence.length - x.evidence.length)[0] ?? [...doc.entities].filter((e) => e.kind === 'malware').sort((x, y) => y.evidence.length - x.evidence.length)[0];
  const mainId = main ? entityIds.get(`${main.kind}:${main.attackId ?? main.name}`) : undefined;
  for (const ioc of doc.iocs) {
    const pattern = stixPatternForIoc(ioc.type, ioc.value);
    if (!pattern) continue;
    const id = b.indicator({ name: clean(`${ioc.type} ${ioc.value}`, 300), pattern, description: clean(`From the report: “${ioc.evidence[0]?.quote ?? ioc.value}”`, 600) });
    if (mainId) b.relationship(id, 'indicates', mainId);
  }
  if (doc.procedures.length > 0) {
    const actions: FlowAction[] = doc.procedures.map((p, i) => {
      const t = doc.techniques.find((x) => x.id === p.technique);
      const tactic = p.tactic ? opts.tacticId?.(p.tactic) : undefined;
      const techRef = patternIds.get(p.technique);
      const assets = flowAssets(p);
      return {
        key: p.id,
        name: clean(`${p.technique} ${t?.name ?? ''}`.trim(), 300),
        techniqueId: p.technique,
        ...(techRef ? { techniqueRef: techRef } : {}),
        ...(tactic ? { tacticId: tactic } : {}),
        description: clean(`Step ${p.order}${p.tactic ? ` (${p.tactic})` : ''}: ${p.actor ? `${p.actor} ` : ''}${p.action}${p.tool ? ` [tool: ${p.tool.name}]` : ''}. Evidence: “${p.evidence[0]?.quote ?? ''}”`),
        confidence: p.score * 100,
        ...(p.commands[0] ? { command: clean(p.commands[0].text, 4000) } : {}),
        ...(assets.length ? { assetKeys: assets.map((a) => a.key) } : {}),
        ...(i + 1 < doc.procedures.length ? { next: [doc.procedures[i + 1]!.id] } : {}),
      };
    });
    addAttackFlow(b, {
      key: doc.report.id,
      name: clean(`Attack chain: ${doc.report.title}`, 300),
      description: clean(`Procedures extracted by ttpscope from ${doc.report.source.path} (sha256 ${doc.report.source.sha256}), ordered by tactic and by where the report tells them.`),
      scope: main?.kind === 'group' ? 'threat-actor' : main?.kind === 'malware' ? 'malware' : 'incident',
      actions,
      assets: doc.procedures.flatMap(flowAssets),
      startKeys: [actions[0]!.key],
    });
  }
  b.report({
    key: doc.report.id,
    name: clean(doc.report.title || doc.report.source.path, 300),
    description: clean(`Attack-driven threat intelligence extracted by ttpscope ${doc.generator.version} (ATT&CK ${doc.generator.attackVersion}${doc.generator.model ? `, model ${doc.generator.model}` : ''}${doc.generator.llm ? `, LLM ${doc.generator.llm}` : ''}) from ${doc.report.source.path}: ${doc.techniques.length} techniques, ${doc.procedures.length} procedures, ${doc.iocs.length} IOCs.`),
    externalReferences: [{ source_name: 'report-sha256', description: doc.report.source.sha256 }],
  });
  return b.build();
}

/** Object types an Attack Flow bundle keeps: the flow, what its actions and assets reference, and their authors. */
const FLOW_TYPES = new Set(['attack-flow', 'attack-action', 'attack-asset', 'process', 'attack-pattern', 'extension-definition', 'identity']);

/** Only the attack chain, as an Attack Flow bundle (what the Attack Flow Builder opens). */
export function atiToAttackFlow(doc: AtiDocument, opts: AtiStixOptions): StixBundle {
  if (doc.procedures.length === 0) throw new UserError('no procedures were extracted, so there is no attack flow to write', { file: doc.report.source.path }, 'use --format stix or json');
  const full = atiToStix(doc, opts);
  const bundle: StixBundle = { ...full, objects: full.objects.filter((o) => FLOW_TYPES.has(o.type)) };
  const errors = validateBundle(bundle).filter((i) => i.severity === 'error');
  if (errors.length) throw new Error(`internal error: the Attack Flow bundle does not validate: ${errors[0]!.message}`);
  return bundle;
}
