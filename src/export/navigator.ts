/**
 * ATT&CK Navigator layers (layer format 4.5, Navigator ≥ 4.9). The schema
 * checks what the Navigator itself requires when it opens a file, so a layer
 * we write loads there; `navigatorLayer` builds one with our conventions:
 * scores 0–100 on a white→red gradient, evidence in comments and metadata,
 * the ATT&CK release stamped in `versions.attack`.
 */
import { z } from 'zod';

export const NAVIGATOR_LAYER_VERSION = '4.5';
export const NAVIGATOR_VERSION = '5.1.0';

const techniqueId = z.string().regex(/^T\d{4}(\.\d{3})?$/, 'an ATT&CK technique id');
const MetadataSchema = z.union([z.object({ name: z.string(), value: z.string() }), z.object({ divider: z.boolean() })]);
const LinkSchema = z.union([z.object({ label: z.string(), url: z.string().regex(/^[a-z][a-z0-9+.-]*:\/\//i, 'a URL with a protocol') }), z.object({ divider: z.boolean() })]);
const color = z.string().regex(/^#[0-9a-fA-F]{6}$/, 'a #rrggbb colour');

export const LayerTechniqueSchema = z.object({
  techniqueID: techniqueId,
  tactic: z.string().regex(/^[a-z-]+$/).optional(),
  comment: z.string().optional(),
  enabled: z.boolean().optional(),
  score: z.number().optional(),
  color: z.union([color, z.literal('')]).optional(),
  metadata: z.array(MetadataSchema).optional(),
  links: z.array(LinkSchema).optional(),
  showSubtechniques: z.boolean().optional(),
});

export const NavigatorLayerSchema = z.object({
  name: z.string().min(1),
  versions: z.object({
    attack: z.string().optional(),
    navigator: z.string().regex(/^\d+\.\d+(\.\d+)?$/),
    layer: z.literal(NAVIGATOR_LAYER_VERSION),
  }),
  domain: z.enum(['enterprise-attack', 'mobile-attack', 'ics-attack']),
  description: z.string().optional(),
  filters: z.object({ platforms: z.array(z.string()) }).optional(),
  sorting: z.union([z.literal(0), z.literal(1), z.literal(2), z.literal(3)]).optional(),
  layout: z
    .object({
      layout: z.enum(['side', 'flat', 'mini']).optional(),
      showID: z.boolean().optional(),
      showName: z.boolean().optional(),
      showAggregateScores: z.boolean().optional(),
      countUnscored: z.boolean().optional(),
      aggregateFunction: z.enum(['average', 'min', 'max', 'sum']).optional(),
      expandedSubtechniques: z.enum(['none', 'all', 'annotated']).optional(),
    })
    .optional(),
  hideDisabled: z.boolean().optional(),
  techniques: z.array(LayerTechniqueSchema),
  gradient: z
    .object({ colors: z.array(color).min(2), minValue: z.number(), maxValue: z.number() })
    .refine((g) => g.maxValue > g.minValue, 'gradient maxValue must be greater than minValue')
    .optional(),
  legendItems: z.array(z.object({ label: z.string(), color })).optional(),
  showTacticRowBackground: z.boolean().optional(),
  tacticRowBackground: color.optional(),
  selectTechniquesAcrossTactics: z.boolean().optional(),
  selectSubtechniquesWithParent: z.boolean().optional(),
  selectVisibleTechniques: z.boolean().optional(),
  metadata: z.array(MetadataSchema).optional(),
  links: z.array(LinkSchema).optional(),
});
export type NavigatorLayer = z.infer<typeof NavigatorLayerSchema>;
export type LayerTechnique = z.infer<typeof LayerTechniqueSchema>;

export interface LayerInput {
  name: string;
  description?: string;
  /** ATT&CK release of the knowledge base the ids come from, e.g. `18.1`. */
  attackVersion: string;
  techniques: LayerTechnique[];
  platforms?: string[];
  /** Layer-level metadata (tool version, inputs, model). */
  metadata?: { name: string; value: string }[];
  navigatorVersion?: string;
}

/** The Navigator caps comments in its tooltip; keep ours readable there. */
const MAX_COMMENT = 4000;

/** Build a layer; throws on an invalid technique entry (a bug in the caller, not user input). */
export function navigatorLayer(o: LayerInput): NavigatorLayer {
  const techniques = [...o.techniques]
    .map((t) => ({ ...t, ...(t.comment !== undefined ? { comment: t.comment.slice(0, MAX_COMMENT) } : {}) }))
    .sort((a, b) => (a.techniqueID === b.techniqueID ? (a.tactic ?? '').localeCompare(b.tactic ?? '') : a.techniqueID < b.techniqueID ? -1 : 1));
  const parentsWithAnnotatedChildren = new Set(techniques.filter((t) => t.techniqueID.includes('.')).map((t) => t.techniqueID.slice(0, 5)));
  for (const t of techniques) if (parentsWithAnnotatedChildren.has(t.techniqueID)) t.showSubtechniques = true;
  const layer: NavigatorLayer = {
    name: o.name,
    versions: { attack: o.attackVersion, navigator: o.navigatorVersion ?? NAVIGATOR_VERSION, layer: NAVIGATOR_LAYER_VERSION },
    domain: 'enterprise-attack',
    ...(o.description ? { description: o.description } : {}),
    ...(o.platforms && o.platforms.length > 0 ? { filters: { platforms: o.platforms } } : {}),
    sorting: 3,
    layout: { layout: 'side', showID: true, showName: true, showAggregateScores: false, countUnscored: false, aggregateFunction: 'max', expandedSubtechniques: 'annotated' },
    hideDisabled: false,
    techniques,
    gradient: { colors: ['#ffffff', '#ff6666'], minValue: 0, maxValue: 100 },
    legendItems: [],
    showTacticRowBackground: false,
    selectTechniquesAcrossTactics: true,
    selectSubtechniquesWithParent: false,
    selectVisibleTechniques: false,
    ...(o.metadata && o.metadata.length > 0 ? { metadata: o.metadata } : {}),
  };
  return NavigatorLayerSchema.parse(layer);
}
