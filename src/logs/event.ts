/**
 * The normalized event: one shape for every log source, what the provenance
 * graph and the behaviour sequences are built from. Raw fields stay attached
 * so Sigma can still match on them.
 */
import { z } from 'zod';

export const eventKinds = [
  'process_create',
  'process_exit',
  'file_create',
  'file_write',
  'file_read',
  'file_delete',
  'file_rename',
  'registry_create',
  'registry_set',
  'registry_delete',
  'network_connect',
  'network_accept',
  'dns_query',
  'image_load',
  'pipe',
  'remote_thread',
  'process_access',
  'wmi',
  'powershell_script',
  'logon',
  'service_install',
  'scheduled_task',
  'other',
] as const;
export const EventKindSchema = z.enum(eventKinds);
export type EventKind = z.infer<typeof EventKindSchema>;

export const SourceLocationSchema = z.object({
  file: z.string(),
  line: z.number().int().optional(),
  record: z.number().int().optional(),
  offset: z.number().int().optional(),
});

export const ProcessRefSchema = z.object({
  pid: z.number().int().optional(),
  /** Sysmon ProcessGuid or CDM subject UUID: the stable identity when present. */
  guid: z.string().optional(),
  image: z.string().optional(),
  commandLine: z.string().optional(),
  user: z.string().optional(),
  integrity: z.string().optional(),
  /** Start time of the process instance (ms since epoch) when known. */
  startTime: z.number().optional(),
});
export type ProcessRef = z.infer<typeof ProcessRefSchema>;

export const SubjectSchema = ProcessRefSchema.extend({
  /** The creator, when the source reports it (always for process_create). */
  parent: ProcessRefSchema.optional(),
});
export type Subject = z.infer<typeof SubjectSchema>;

export const EventObjectSchema = z.object({
  /** Target process: process_access, remote_thread (the process acted on). */
  process: ProcessRefSchema.optional(),
  file: z.object({ path: z.string(), newPath: z.string().optional() }).optional(),
  registry: z.object({ key: z.string(), value: z.string().optional(), data: z.string().optional() }).optional(),
  network: z
    .object({
      protocol: z.string().optional(),
      direction: z.enum(['outbound', 'inbound']).optional(),
      localAddress: z.string().optional(),
      localPort: z.number().int().optional(),
      remoteAddress: z.string().optional(),
      remotePort: z.number().int().optional(),
    })
    .optional(),
  domain: z.string().optional(),
  module: z.string().optional(),
  pipe: z.string().optional(),
  logon: z.object({ user: z.string().optional(), type: z.string().optional(), sourceAddress: z.string().optional() }).optional(),
  service: z.object({ name: z.string().optional(), image: z.string().optional() }).optional(),
  task: z.object({ name: z.string().optional(), command: z.string().optional() }).optional(),
  /** PowerShell script block text or WMI consumer command. */
  script: z.string().optional(),
});
export type EventObject = z.infer<typeof EventObjectSchema>;

export const NormalizedEventSchema = z.object({
  /** UTC, milliseconds since the epoch (sub-millisecond precision is kept in `raw`). */
  time: z.number(),
  host: z.string(),
  provider: z.string().optional(),
  channel: z.string().optional(),
  eventId: z.union([z.number().int(), z.string()]).optional(),
  kind: EventKindSchema,
  /**
   * The process the event is about. For process_create this is the created
   * process and `subject.parent` its creator, as Sysmon EID 1 and Security
   * 4688 report it; for every other kind it is the acting process.
   */
  subject: SubjectSchema.optional(),
  object: EventObjectSchema.optional(),
  /** The record's fields exactly as the reader produced them (Sigma matches on these). */
  raw: z.record(z.string(), z.unknown()),
  source: SourceLocationSchema,
});
export type NormalizedEvent = z.infer<typeof NormalizedEventSchema>;
