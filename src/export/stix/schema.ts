/**
 * Zod schemas for the STIX 2.1 objects ttpscope emits (and reads back), the
 * Attack Flow 2.0 extension objects included, and `validateBundle`, which
 * checks a whole bundle: every object against its schema, ids unique, and
 * every `*_ref` / `*_refs` pointing at an object in the bundle.
 *
 * The schemas follow the STIX 2.1 specification's required properties and
 * value formats; optional properties we never write are allowed through
 * (`.loose()`), so bundles from other producers still parse.
 */
import { z } from 'zod';
import type { Issue } from '../../common/errors.js';

export const ATTACK_FLOW_EXTENSION_ID = 'extension-definition--fb9c968a-745b-4ade-9b25-c324172197f4';

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}';
const identifier = z.string().regex(new RegExp(`^[a-z][a-z0-9-]*[a-z0-9]--${UUID}$`), 'a STIX identifier <type>--<uuid>');
const idOf = (type: string) => z.string().regex(new RegExp(`^${type}--${UUID}$`), `a ${type} identifier`);
const refTo = (...types: string[]) =>
  z.string().regex(new RegExp(`^(${types.join('|')})--${UUID}$`), `a reference to ${types.join(' or ')}`);
/** RFC 3339 in UTC with a `Z`, as STIX requires. */
const timestamp = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/, 'an RFC 3339 UTC timestamp');

export const ExternalReferenceSchema = z
  .object({
    source_name: z.string().min(1),
    description: z.string().optional(),
    url: z.string().optional(),
    external_id: z.string().optional(),
  })
  .loose();

export const KillChainPhaseSchema = z.object({ kill_chain_name: z.string().min(1), phase_name: z.string().min(1) });

/** Properties every domain object and relationship carries. */
function sdo<T extends string, S extends z.ZodRawShape>(type: T, shape: S) {
  return z
    .object({
      type: z.literal(type),
      spec_version: z.literal('2.1'),
      id: idOf(type),
      created: timestamp,
      modified: timestamp,
      created_by_ref: refTo('identity').optional(),
      labels: z.array(z.string()).optional(),
      confidence: z.number().int().min(0).max(100).optional(),
      external_references: z.array(ExternalReferenceSchema).optional(),
      object_marking_refs: z.array(refTo('marking-definition')).optional(),
      extensions: z.record(z.string(), z.record(z.string(), z.unknown())).optional(),
    })
    .extend(shape)
    .loose();
}

/** Properties every cyber-observable carries (no created/modified). */
function sco<T extends string, S extends z.ZodRawShape>(type: T, shape: S) {
  return z
    .object({
      type: z.literal(type),
      spec_version: z.literal('2.1').optional(),
      id: idOf(type),
    })
    .extend(shape)
    .loose();
}

/** Attack Flow objects are new SDOs that name the extension definition. */
const flowExtension = z.object({
  [ATTACK_FLOW_EXTENSION_ID]: z.object({ extension_type: z.literal('new-sdo') }).loose(),
});

export const IdentitySchema = sdo('identity', { name: z.string().min(1), identity_class: z.string().optional(), description: z.string().optional() });
export const ReportSchema = sdo('report', {
  name: z.string().min(1),
  description: z.string().optional(),
  report_types: z.array(z.string()).optional(),
  published: timestamp,
  object_refs: z.array(identifier).min(1),
});
export const AttackPatternSchema = sdo('attack-pattern', {
  name: z.string().min(1),
  description: z.string().optional(),
  kill_chain_phases: z.array(KillChainPhaseSchema).optional(),
});
export const IntrusionSetSchema = sdo('intrusion-set', { name: z.string().min(1), description: z.string().optional(), aliases: z.array(z.string()).optional() });
export const MalwareSchema = sdo('malware', {
  name: z.string().min(1),
  description: z.string().optional(),
  is_family: z.boolean(),
  malware_types: z.array(z.string()).optional(),
  aliases: z.array(z.string()).optional(),
});
export const ToolSchema = sdo('tool', { name: z.string().min(1), description: z.string().optional(), tool_types: z.array(z.string()).optional(), aliases: z.array(z.string()).optional() });
export const CampaignSchema = sdo('campaign', { name: z.string().min(1), description: z.string().optional(), aliases: z.array(z.string()).optional() });
export const IndicatorSchema = sdo('indicator', {
  name: z.string().optional(),
  description: z.string().optional(),
  indicator_types: z.array(z.string()).optional(),
  pattern: z.string().min(1),
  pattern_type: z.string().min(1),
  valid_from: timestamp,
  kill_chain_phases: z.array(KillChainPhaseSchema).optional(),
});
export const NoteSchema = sdo('note', { abstract: z.string().optional(), content: z.string().min(1), object_refs: z.array(identifier).min(1) });
export const ObservedDataSchema = sdo('observed-data', {
  first_observed: timestamp,
  last_observed: timestamp,
  number_observed: z.number().int().min(1).max(999_999_999),
  object_refs: z.array(identifier).min(1),
});
export const RelationshipSchema = sdo('relationship', {
  relationship_type: z.string().regex(/^[a-z0-9-]+$/, 'a relationship type such as uses'),
  description: z.string().optional(),
  source_ref: identifier,
  target_ref: identifier,
});
export const ExtensionDefinitionSchema = sdo('extension-definition', {
  created_by_ref: refTo('identity'),
  name: z.string().min(1),
  description: z.string().optional(),
  schema: z.string().min(1),
  version: z.string().min(1),
  extension_types: z.array(z.enum(['new-sdo', 'new-sco', 'new-sro', 'property-extension', 'toplevel-property-extension'])).min(1),
});

export const AttackFlowSchema = sdo('attack-flow', {
  extensions: flowExtension,
  name: z.string().min(1),
  description: z.string().optional(),
  scope: z.enum(['incident', 'campaign', 'threat-actor', 'malware', 'attack-tree', 'other']),
  start_refs: z.array(refTo('attack-action', 'attack-condition')).min(1),
});
export const AttackActionSchema = sdo('attack-action', {
  extensions: flowExtension,
  name: z.string().min(1),
  tactic_id: z.string().optional(),
  tactic_ref: identifier.optional(),
  technique_id: z.string().optional(),
  technique_ref: refTo('attack-pattern').optional(),
  description: z.string().optional(),
  execution_start: timestamp.optional(),
  execution_end: timestamp.optional(),
  command_ref: refTo('process').optional(),
  asset_refs: z.array(refTo('attack-asset')).min(1).optional(),
  effect_refs: z.array(refTo('attack-action', 'attack-operator', 'attack-condition')).min(1).optional(),
});
export const AttackAssetSchema = sdo('attack-asset', {
  extensions: flowExtension,
  name: z.string().min(1),
  description: z.string().optional(),
  object_ref: identifier.optional(),
});
export const AttackConditionSchema = sdo('attack-condition', {
  extensions: flowExtension,
  description: z.string().min(1),
  pattern: z.string().optional(),
  pattern_type: z.string().optional(),
  on_true_refs: z.array(refTo('attack-action', 'attack-operator', 'attack-condition')).min(1).optional(),
  on_false_refs: z.array(refTo('attack-action', 'attack-operator', 'attack-condition')).min(1).optional(),
});
export const AttackOperatorSchema = sdo('attack-operator', {
  extensions: flowExtension,
  operator: z.enum(['AND', 'OR']),
  effect_refs: z.array(refTo('attack-action', 'attack-operator', 'attack-condition')).min(1),
});

export const FileSchema = sco('file', { name: z.string().optional(), hashes: z.record(z.string(), z.string()).optional(), parent_directory_ref: refTo('directory').optional() });
export const DirectorySchema = sco('directory', { path: z.string().min(1) });
export const DomainNameSchema = sco('domain-name', { value: z.string().min(1) });
export const Ipv4Schema = sco('ipv4-addr', { value: z.string().min(1) });
export const Ipv6Schema = sco('ipv6-addr', { value: z.string().min(1) });
export const UrlSchema = sco('url', { value: z.string().min(1) });
export const EmailAddrSchema = sco('email-addr', { value: z.string().min(1) });
export const RegistryKeySchema = sco('windows-registry-key', { key: z.string().optional() });
export const ProcessSchema = sco('process', { command_line: z.string().optional(), pid: z.number().int().optional() });
export const NetworkTrafficSchema = sco('network-traffic', {
  protocols: z.array(z.string()).min(1),
  dst_ref: refTo('ipv4-addr', 'ipv6-addr', 'domain-name', 'mac-addr').optional(),
  dst_port: z.number().int().min(0).max(65535).optional(),
});

const objectSchemas = [
  IdentitySchema,
  ReportSchema,
  AttackPatternSchema,
  IntrusionSetSchema,
  MalwareSchema,
  ToolSchema,
  CampaignSchema,
  IndicatorSchema,
  NoteSchema,
  ObservedDataSchema,
  RelationshipSchema,
  ExtensionDefinitionSchema,
  AttackFlowSchema,
  AttackActionSchema,
  AttackAssetSchema,
  AttackConditionSchema,
  AttackOperatorSchema,
  FileSchema,
  DirectorySchema,
  DomainNameSchema,
  Ipv4Schema,
  Ipv6Schema,
  UrlSchema,
  EmailAddrSchema,
  RegistryKeySchema,
  ProcessSchema,
  NetworkTrafficSchema,
] as const;

export const StixObjectSchema = z.discriminatedUnion('type', objectSchemas);
export type StixObject = z.infer<typeof StixObjectSchema>;
export type StixObjectType = StixObject['type'];
export type StixObjectOf<T extends StixObjectType> = Extract<StixObject, { type: T }>;
export const STIX_OBJECT_TYPES: readonly StixObjectType[] = objectSchemas.map((s) => s.shape.type.value);

export const StixBundleSchema = z.object({
  type: z.literal('bundle'),
  id: idOf('bundle'),
  objects: z.array(z.record(z.string(), z.unknown())),
});
export type StixBundle = { type: 'bundle'; id: string; objects: StixObject[] };

/** Every `*_ref` / `*_refs` value of an object (top level and inside extensions), with its property path. */
function referencesOf(obj: Record<string, unknown>, prefix = ''): { path: string; ref: string }[] {
  const out: { path: string; ref: string }[] = [];
  for (const [key, value] of Object.entries(obj)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (key.endsWith('_ref') && typeof value === 'string') out.push({ path, ref: value });
    else if (key.endsWith('_refs') && Array.isArray(value)) value.forEach((v, i) => typeof v === 'string' && out.push({ path: `${path}[${i}]`, ref: v }));
    else if (key === 'extensions' && value && typeof value === 'object') {
      for (const [ext, body] of Object.entries(value as Record<string, unknown>)) {
        if (body && typeof body === 'object') out.push(...referencesOf(body as Record<string, unknown>, `${path}.${ext}`));
      }
    }
  }
  return out;
}

/**
 * Check a bundle: envelope, each object against its type's schema (types we
 * have no schema for are reported as warnings, not errors), unique ids, and
 * references that resolve inside the bundle. `file` names the bundle in the
 * issues' places.
 */
export function validateBundle(bundle: unknown, file?: string): Issue[] {
  const issues: Issue[] = [];
  const place = (path: string) => (file === undefined ? { path } : { file, path });
  const envelope = StixBundleSchema.safeParse(bundle);
  if (!envelope.success) {
    for (const e of envelope.error.issues) issues.push({ severity: 'error', code: 'stix-bundle', message: e.message, place: place(e.path.join('.') || '(bundle)') });
    return issues;
  }
  const known = new Set<string>(STIX_OBJECT_TYPES);
  const ids = new Set<string>();
  envelope.data.objects.forEach((obj, i) => {
    const at = `objects[${i}]`;
    const id = typeof obj.id === 'string' ? obj.id : undefined;
    if (id !== undefined) {
      if (ids.has(id)) issues.push({ severity: 'error', code: 'stix-duplicate-id', message: `duplicate id ${id}`, place: place(at) });
      ids.add(id);
    }
    if (typeof obj.type !== 'string' || !known.has(obj.type)) {
      issues.push({ severity: 'warning', code: 'stix-unknown-type', message: `object type ${String(obj.type)} is not checked`, place: place(at) });
      return;
    }
    const parsed = StixObjectSchema.safeParse(obj);
    if (!parsed.success) {
      for (const e of parsed.error.issues) issues.push({ severity: 'error', code: 'stix-object', message: `${obj.type}: ${e.message}`, place: place(`${at}.${e.path.join('.')}`) });
    }
  });
  envelope.data.objects.forEach((obj, i) => {
    for (const { path, ref } of referencesOf(obj)) {
      if (!ids.has(ref)) issues.push({ severity: 'error', code: 'stix-dangling-ref', message: `${path} → ${ref} is not in the bundle`, place: place(`objects[${i}].${path}`) });
    }
  });
  return issues;
}
