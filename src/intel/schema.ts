/**
 * Attack-driven threat intelligence (ATI): what `ttpscope extract` produces
 * from a report and what `ttpscope generate` consumes. Layered as the
 * ThreatPilot paper describes it: tactic → technique → procedure (who did
 * what, with which tool or command, to what, in which order) → procedure
 * variants, plus IOCs and the named groups, software and campaigns.
 *
 * Every claim carries evidence: character spans into the report's extracted
 * text (`ReportText.text`), the quoted text, and a score. The schema is the
 * boundary: an ATI file written by us or by someone else is parsed with
 * `AtiDocumentSchema` before anything else reads it.
 */
import { z } from 'zod';

export const ATI_SCHEMA_VERSION = 'ttpscope.ati/1' as const;

const attackId = z.string().regex(/^T\d{4}(\.\d{3})?$/, 'an ATT&CK technique id such as T1059 or T1059.001');
const tacticShortname = z.string().regex(/^[a-z][a-z-]*$/, 'an ATT&CK tactic shortname such as execution');

/** A span of the report's extracted text: `text.slice(start, end) === quote`. */
export const EvidenceSpanSchema = z.object({
  start: z.number().int().nonnegative(),
  end: z.number().int().nonnegative(),
  /** The quoted text (cut to 500 characters for long spans; `start`/`end` stay exact). */
  quote: z.string(),
  /** Index of the sentence in `ReportText.sentences`, when the span lies in one sentence. */
  sentence: z.number().int().nonnegative().optional(),
  /** What found it. */
  method: z.enum(['encoder', 'lexical', 'context', 'classifier', 'llm', 'pattern', 'entity']).optional(),
  score: z.number().optional(),
});
export type EvidenceSpan = z.infer<typeof EvidenceSpanSchema>;

export const IocTypeSchema = z.enum([
  'ipv4',
  'ipv6',
  'domain',
  'url',
  'email',
  'md5',
  'sha1',
  'sha256',
  'sha512',
  'ssdeep',
  'cve',
  'file-name',
  'file-path',
  'registry-key',
  'btc',
  'eth',
  'xmr',
  'asn',
  'mutex',
  'user-agent',
]);
export type IocType = z.infer<typeof IocTypeSchema>;

export const IocSchema = z.object({
  /** Stable within the document, e.g. `ioc-3`. */
  id: z.string(),
  type: IocTypeSchema,
  /** Refanged, canonical value (lower-cased where the type is case-insensitive). */
  value: z.string(),
  /** As written in the report when it differed (e.g. `hxxp://evil[.]com`). */
  original: z.string().optional(),
  evidence: z.array(EvidenceSpanSchema).min(1),
});
export type Ioc = z.infer<typeof IocSchema>;

/** An ATT&CK group, software or campaign named in the report. */
export const EntitySchema = z.object({
  kind: z.enum(['group', 'malware', 'tool', 'campaign']),
  /** ATT&CK id (G…, S…, C…) when the name resolved in the knowledge base. */
  attackId: z.string().optional(),
  name: z.string(),
  /** The alias or spelling used in the report. */
  matched: z.string().optional(),
  evidence: z.array(EvidenceSpanSchema).min(1),
});
export type Entity = z.infer<typeof EntitySchema>;

/**
 * What a procedure acts on: a file, registry key, process, network address,
 * account, service, scheduled task… `value` is as precise as the report is.
 */
export const ProcedureObjectSchema = z.object({
  kind: z.enum(['file', 'registry', 'process', 'network', 'domain', 'url', 'account', 'service', 'task', 'share', 'other']),
  value: z.string(),
});
export type ProcedureObject = z.infer<typeof ProcedureObjectSchema>;

/** A command as the report gives it (code span, quoted command line). */
export const CommandSchema = z.object({
  text: z.string(),
  /** The shell or interpreter, when known or inferable. */
  interpreter: z.enum(['cmd', 'powershell', 'sh', 'bash', 'python', 'wmic', 'other']).optional(),
  evidence: EvidenceSpanSchema.optional(),
});
export type Command = z.infer<typeof CommandSchema>;

/** One step the adversary took, as the report describes it. */
export const ProcedureSchema = z.object({
  id: z.string(),
  technique: attackId,
  tactic: tacticShortname.optional(),
  /** Position in the attack chain (1-based), by narrative and tactic order. */
  order: z.number().int().positive(),
  /** Who did it: a group, software or "the actor". */
  actor: z.string().optional(),
  /** The verb phrase: "dumped credentials from", "created a scheduled task". */
  action: z.string(),
  /** Tool or software used (name, with the ATT&CK id when known). */
  tool: z.object({ name: z.string(), attackId: z.string().optional() }).optional(),
  commands: z.array(CommandSchema).default([]),
  objects: z.array(ProcedureObjectSchema).default([]),
  /** Ids of IOCs (in `AtiDocument.iocs`) mentioned in this procedure's evidence. */
  iocs: z.array(z.string()).default([]),
  evidence: z.array(EvidenceSpanSchema).min(1),
  score: z.number(),
});
export type Procedure = z.infer<typeof ProcedureSchema>;

/** Another way this technique was (or is known to be) carried out. */
export const ProcedureVariantSchema = z.object({
  technique: attackId,
  source: z.enum(['report', 'attack-procedure', 'atomic-red-team', 'sigma']),
  /** Report procedure id, ATT&CK relationship id, Atomic test GUID or Sigma rule id. */
  ref: z.string(),
  description: z.string(),
  tool: z.string().optional(),
  command: z.string().optional(),
  platforms: z.array(z.string()).default([]),
});
export type ProcedureVariant = z.infer<typeof ProcedureVariantSchema>;

export const TechniqueFindingSchema = z.object({
  id: attackId,
  name: z.string(),
  tactics: z.array(tacticShortname),
  /** Report-level confidence in [0, 1] after calibration. */
  score: z.number(),
  evidence: z.array(EvidenceSpanSchema).min(1),
  /** Ids of the procedures (in `AtiDocument.procedures`) that carry this technique out. */
  procedures: z.array(z.string()).default([]),
  variants: z.array(ProcedureVariantSchema).default([]),
});
export type TechniqueFinding = z.infer<typeof TechniqueFindingSchema>;

export const TacticLayerSchema = z.object({
  shortname: tacticShortname,
  id: z.string(),
  name: z.string(),
  /** Technique ids, best first. */
  techniques: z.array(attackId),
});
export type TacticLayer = z.infer<typeof TacticLayerSchema>;

export const StatedTechniqueSchema = z.object({
  id: attackId,
  name: z.string(),
  evidence: z.array(EvidenceSpanSchema).min(1),
});
export type StatedTechnique = z.infer<typeof StatedTechniqueSchema>;

export const ReportSourceSchema = z.object({
  /** Path or `-` for stdin. */
  path: z.string(),
  format: z.enum(['pdf', 'html', 'markdown', 'text']),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  bytes: z.number().int().nonnegative(),
});

export const AtiDocumentSchema = z.object({
  schema: z.literal(ATI_SCHEMA_VERSION),
  report: z.object({
    /** Stable id derived from the content hash. */
    id: z.string(),
    title: z.string(),
    source: ReportSourceSchema,
    /** Length of the extracted text that evidence spans point into. */
    textLength: z.number().int().nonnegative(),
  }),
  /** What produced the document: ATT&CK release, model file hash, LLM endpoint if one was used. */
  generator: z.object({
    tool: z.literal('ttpscope'),
    version: z.string(),
    attackVersion: z.string(),
    model: z.string().optional(),
    llm: z.string().optional(),
  }),
  tactics: z.array(TacticLayerSchema),
  techniques: z.array(TechniqueFindingSchema),
  /** The attack chain: procedures in `order`. */
  procedures: z.array(ProcedureSchema),
  iocs: z.array(IocSchema),
  entities: z.array(EntitySchema),
  /**
   * Added in ttpscope.ati/1 without a version change (optional): ATT&CK
   * techniques the report cites by id (e.g. in a mapping table) that
   * identification did not select. Listed with their places, not claimed.
   */
  stated: z.array(StatedTechniqueSchema).optional(),
  /** Added without a version change (optional): every command the report quotes, whether or not a procedure uses it. */
  commands: z.array(CommandSchema).optional(),
});
export type AtiDocument = z.infer<typeof AtiDocumentSchema>;
