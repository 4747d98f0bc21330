/**
 * Attack Flow 2.0 objects (the CTID's STIX extension): a flow of actions,
 * each a technique carried out, linked by `effect_refs` to what follows, with
 * the assets they touch. Both report chains and log-derived attack scenarios
 * are written through this one function.
 */
import type { StixBundleBuilder } from './bundle.js';
import { ATTACK_FLOW_EXTENSION_ID } from './schema.js';
import { stixId } from './ids.js';

export interface FlowAction {
  /** Unique within the flow; other actions name it in `next`. */
  key: string;
  name: string;
  techniqueId?: string;
  /** STIX id of the technique's attack-pattern in the same bundle. */
  techniqueRef?: string;
  tacticId?: string;
  description?: string;
  assetKeys?: string[];
  /** Keys of the actions that follow this one. */
  next?: string[];
  /** 0–100. */
  confidence?: number;
  executionStart?: string;
  executionEnd?: string;
  /** A command line: written as a `process` observable and referenced by `command_ref`. */
  command?: string;
}

export interface FlowAsset {
  key: string;
  name: string;
  description?: string;
  /** STIX id of an object in the bundle with structured data about the asset. */
  objectRef?: string;
}

export interface FlowInput {
  /** Identifies the flow across runs (e.g. the report id or scenario id). */
  key: string;
  name: string;
  description?: string;
  scope: 'incident' | 'campaign' | 'threat-actor' | 'malware' | 'attack-tree' | 'other';
  actions: FlowAction[];
  assets?: FlowAsset[];
  /** Keys of the first actions. */
  startKeys: string[];
}

const EXT = { [ATTACK_FLOW_EXTENSION_ID]: { extension_type: 'new-sdo' as const } };

/** Add the flow's objects to the bundle; returns the attack-flow id. Unknown keys in `next`/`startKeys` are a programming error. */
export function addAttackFlow(b: StixBundleBuilder, flow: FlowInput): string {
  if (flow.actions.length === 0) throw new Error('an attack flow needs at least one action');
  b.ensureAttackFlowExtension();
  const actionId = new Map(flow.actions.map((a) => [a.key, stixId('attack-action', `${flow.key}|${a.key}`)]));
  const assetId = new Map((flow.assets ?? []).map((a) => [a.key, stixId('attack-asset', `${flow.key}|${a.key}`)]));
  const resolve = (map: Map<string, string>, key: string, what: string): string => {
    const id = map.get(key);
    if (!id) throw new Error(`attack flow ${flow.key}: unknown ${what} key ${key}`);
    return id;
  };
  for (const asset of flow.assets ?? []) {
    b.add({
      ...b.common('attack-asset', resolve(assetId, asset.key, 'asset')),
      extensions: EXT,
      name: asset.name,
      ...(asset.description ? { description: asset.description } : {}),
      ...(asset.objectRef ? { object_ref: asset.objectRef } : {}),
    });
  }
  for (const a of flow.actions) {
    let commandRef: string | undefined;
    if (a.command) {
      commandRef = stixId('process', `${flow.key}|${a.key}`);
      b.add({ type: 'process', spec_version: '2.1', id: commandRef, command_line: a.command });
    }
    const effects = (a.next ?? []).map((k) => resolve(actionId, k, 'action'));
    const assets = (a.assetKeys ?? []).map((k) => resolve(assetId, k, 'asset'));
    b.add({
      ...b.common('attack-action', resolve(actionId, a.key, 'action')),
      extensions: EXT,
      name: a.name,
      ...(a.techniqueId ? { technique_id: a.techniqueId } : {}),
      ...(a.techniqueRef ? { technique_ref: a.techniqueRef } : {}),
      ...(a.tacticId ? { tactic_id: a.tacticId } : {}),
      ...(a.description ? { description: a.description } : {}),
      ...(a.confidence !== undefined ? { confidence: Math.max(0, Math.min(100, Math.round(a.confidence))) } : {}),
      ...(a.executionStart ? { execution_start: new Date(a.executionStart).toISOString() } : {}),
      ...(a.executionEnd ? { execution_end: new Date(a.executionEnd).toISOString() } : {}),
      ...(commandRef ? { command_ref: commandRef } : {}),
      ...(assets.length > 0 ? { asset_refs: assets } : {}),
      ...(effects.length > 0 ? { effect_refs: effects } : {}),
    });
  }
  return b.add({
    ...b.common('attack-flow', stixId('attack-flow', flow.key)),
    extensions: EXT,
    name: flow.name,
    ...(flow.description ? { description: flow.description } : {}),
    scope: flow.scope,
    start_refs: flow.startKeys.map((k) => resolve(actionId, k, 'action')),
  });
}
