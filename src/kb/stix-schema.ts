/**
 * Zod schemas for the STIX 2.0 / 2.1 objects the knowledge base reads. Only the
 * fields we use are declared (the rest is stripped), so a bundle that adds
 * fields still loads and a malformed object is reported with its place.
 */
import { z } from 'zod';

export const externalReferenceSchema = z.object({
  source_name: z.string(),
  external_id: z.string().optional(),
  url: z.string().optional(),
  description: z.string().optional(),
});
export type ExternalReference = z.infer<typeof externalReferenceSchema>;

const common = {
  id: z.string().min(1),
  created: z.string().optional(),
  modified: z.string().optional(),
  revoked: z.boolean().optional(),
  x_mitre_deprecated: z.boolean().optional(),
  x_mitre_version: z.string().optional(),
  spec_version: z.string().optional(),
  external_references: z.array(externalReferenceSchema).optional(),
};
const named = { ...common, name: z.string(), description: z.string().optional() };

export const attackPatternSchema = z.object({
  ...named,
  type: z.literal('attack-pattern'),
  kill_chain_phases: z.array(z.object({ kill_chain_name: z.string(), phase_name: z.string() })).optional(),
  x_mitre_platforms: z.array(z.string()).optional(),
  x_mitre_is_subtechnique: z.boolean().optional(),
});
export const tacticSchema = z.object({ ...named, type: z.literal('x-mitre-tactic'), x_mitre_shortname: z.string() });
export const matrixSchema = z.object({ ...named, type: z.literal('x-mitre-matrix'), tactic_refs: z.array(z.string()) });
export const intrusionSetSchema = z.object({ ...named, type: z.literal('intrusion-set'), aliases: z.array(z.string()).optional() });
export const softwareSchema = z.object({
  ...named,
  type: z.enum(['malware', 'tool']),
  x_mitre_aliases: z.array(z.string()).optional(),
  x_mitre_platforms: z.array(z.string()).optional(),
});
export const campaignSchema = z.object({
  ...named,
  type: z.literal('campaign'),
  aliases: z.array(z.string()).optional(),
  first_seen: z.string().optional(),
  last_seen: z.string().optional(),
});
export const courseOfActionSchema = z.object({ ...named, type: z.literal('course-of-action') });
export const detectionStrategySchema = z.object({
  ...named,
  type: z.literal('x-mitre-detection-strategy'),
  x_mitre_analytic_refs: z.array(z.string()).optional(),
});
export const analyticSchema = z.object({
  ...named,
  type: z.literal('x-mitre-analytic'),
  x_mitre_platforms: z.array(z.string()).optional(),
  x_mitre_log_source_references: z
    .array(z.object({ x_mitre_data_component_ref: z.string().optional(), name: z.string(), channel: z.string().optional() }))
    .optional(),
});
export const dataComponentSchema = z.object({
  ...named,
  type: z.literal('x-mitre-data-component'),
  x_mitre_log_sources: z.array(z.object({ name: z.string(), channel: z.string().optional() })).optional(),
});
export const collectionSchema = z.object({ ...named, type: z.literal('x-mitre-collection'), x_mitre_version: z.string().optional() });
export const relationshipSchema = z.object({
  ...common,
  type: z.literal('relationship'),
  relationship_type: z.string(),
  source_ref: z.string(),
  target_ref: z.string(),
  description: z.string().optional(),
});

/** Schemas by STIX type; objects of other types are ignored. */
export const schemasByType = {
  'attack-pattern': attackPatternSchema,
  'x-mitre-tactic': tacticSchema,
  'x-mitre-matrix': matrixSchema,
  'intrusion-set': intrusionSetSchema,
  malware: softwareSchema,
  tool: softwareSchema,
  campaign: campaignSchema,
  'course-of-action': courseOfActionSchema,
  'x-mitre-detection-strategy': detectionStrategySchema,
  'x-mitre-analytic': analyticSchema,
  'x-mitre-data-component': dataComponentSchema,
  'x-mitre-collection': collectionSchema,
  relationship: relationshipSchema,
} as const;

export type StixType = keyof typeof schemasByType;
export type AttackPattern = z.infer<typeof attackPatternSchema>;
export type StixTactic = z.infer<typeof tacticSchema>;
export type StixMatrix = z.infer<typeof matrixSchema>;
export type IntrusionSet = z.infer<typeof intrusionSetSchema>;
export type StixSoftware = z.infer<typeof softwareSchema>;
export type StixCampaign = z.infer<typeof campaignSchema>;
export type CourseOfAction = z.infer<typeof courseOfActionSchema>;
export type StixDetectionStrategy = z.infer<typeof detectionStrategySchema>;
export type StixAnalytic = z.infer<typeof analyticSchema>;
export type StixDataComponent = z.infer<typeof dataComponentSchema>;
export type StixCollection = z.infer<typeof collectionSchema>;
export type Relationship = z.infer<typeof relationshipSchema>;

/** The bundle envelope: STIX 2.0 has `spec_version` on the bundle, 2.1 on each object. */
export const bundleSchema = z.object({
  type: z.literal('bundle'),
  id: z.string(),
  spec_version: z.string().optional(),
  objects: z.array(z.unknown()),
});

/** attack-stix-data's index.json: the list of ATT&CK releases per domain. */
export const attackIndexSchema = z.object({
  collections: z.array(
    z.object({
      id: z.string(),
      name: z.string().optional(),
      versions: z.array(z.object({ version: z.string(), url: z.string().optional(), modified: z.string() })),
    }),
  ),
});
export type AttackIndex = z.infer<typeof attackIndexSchema>;
