/**
 * Model file: `TTPSEMB\0` magic, u32 LE header length, a JSON header
 * (format version, model config, training metadata: hyperparameters, data
 * hashes, metrics), zero padding to a multiple of 4, then the flat Float32
 * parameters in little-endian order. Nothing time-dependent goes in, so the
 * same training gives the same bytes.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { UserError } from '../common/errors.js';
import { EmbedModel, paramLayout, type ModelConfig } from './model.js';
import { writeFileAtomic } from '../common/files.js';

/**
 * 2: adds the text ranker (fusion weights fitted on held-out train documents
 * and its memory of labelled sentences). Version 1 files lack it.
 */
export const MODEL_FORMAT_VERSION = 2;
const MAGIC = Buffer.from('TTPSEMB\0', 'latin1');
/** A header larger than this is not one of ours. */
const MAX_HEADER_BYTES = 16 * 1024 * 1024;

const ConfigSchema = z.object({
  features: z.object({
    buckets: z.number().int().positive(),
    charMin: z.number().int().min(0).max(16),
    charMax: z.number().int().min(0).max(16),
    bigrams: z.boolean(),
    maxTokens: z.number().int().positive(),
  }),
  dim: z.number().int().min(2).max(4096),
  pooling: z.enum(['sqrtn', 'mean']),
});

const RankerSchema = z.object({
  features: z.array(z.string()),
  weights: z.array(z.number()),
  k: z.number().int().positive(),
  tau: z.number().positive(),
  shortlist: z.number().int().positive(),
  /** Labelled sentences the model was trained with (TRAM train split), the k-NN memory. */
  memory: z.array(z.object({ text: z.string(), labels: z.array(z.string()) })),
  /** How the weights were fitted and what they gave on the held-out sentences. */
  fit: z.record(z.string(), z.unknown()).default({}),
});
export type RankerSpec = z.infer<typeof RankerSchema>;

const HeaderSchema = z.object({
  format: z.literal('ttpscope-embed'),
  version: z.number().int(),
  config: ConfigSchema,
  paramCount: z.number().int(),
  paramSha256: z.string(),
  /** Free-form training metadata: hyperparameters, data sources and hashes, metrics. */
  training: z.record(z.string(), z.unknown()).default({}),
  /** Absent when the model was trained without TRAM (nothing to fit the weights on). */
  ranker: RankerSchema.optional(),
});
export type ModelHeader = z.infer<typeof HeaderSchema>;

export interface LoadedModel {
  model: EmbedModel;
  header: ModelHeader;
}

/** Serialise a model to bytes. `training` must be JSON and deterministic. */
export function encodeModelFile(model: EmbedModel, training: Record<string, unknown> = {}, ranker?: RankerSpec): Buffer {
  const params = Buffer.from(model.params.buffer, model.params.byteOffset, model.params.byteLength);
  const le = isLittleEndian() ? params : swap32(params);
  const header: ModelHeader = {
    format: 'ttpscope-embed',
    version: MODEL_FORMAT_VERSION,
    config: model.config,
    paramCount: model.params.length,
    paramSha256: createHash('sha256').update(le).digest('hex'),
    training,
    ...(ranker ? { ranker } : {}),
  };
  let json = Buffer.from(JSON.stringify(header), 'utf8');
  const pad = (4 - ((MAGIC.length + 4 + json.length) % 4)) % 4;
  if (pad) json = Buffer.concat([json, Buffer.alloc(pad, 0x20)]);
  const len = Buffer.alloc(4);
  len.writeUInt32LE(json.length, 0);
  return Buffer.concat([MAGIC, len, json, le]);
}

export function decodeModelFile(bytes: Uint8Array, file = '<model>'): LoadedModel {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < MAGIC.length + 4 || !buf.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw new UserError('not a ttpscope model file (bad magic)', { file, offset: 0 }, 'train one with `ttpscope model train`');
  }
  const hlen = buf.readUInt32LE(MAGIC.length);
  const start = MAGIC.length + 4;
  if (hlen > MAX_HEADER_BYTES || start + hlen > buf.length) throw new UserError('model file header is truncated or too large', { file, offset: MAGIC.length });
  let raw: unknown;
  try {
    raw = JSON.parse(buf.subarray(start, start + hlen).toString('utf8'));
  } catch {
    throw new UserError('model file header is not valid JSON', { file, offset: start });
  }
  const version = (raw as { version?: unknown } | null)?.version;
  if (typeof version === 'number' && version !== MODEL_FORMAT_VERSION) {
    throw new UserError(
      `model file format version ${version} is not supported (this ttpscope reads version ${MODEL_FORMAT_VERSION})`,
      { file },
      'retrain the model: `ttpscope model train` (or `ttpscope setup`, which trains the default model)',
    );
  }
  const parsed = HeaderSchema.safeParse(raw);
  if (!parsed.success) throw new UserError(`model file header is invalid: ${parsed.error.issues[0]?.message ?? 'schema'}`, { file, offset: start });
  const header = parsed.data;
  if (header.version !== MODEL_FORMAT_VERSION) {
    throw new UserError(`model file format version ${header.version} is not supported (this ttpscope reads ${MODEL_FORMAT_VERSION})`, { file }, 'retrain with `ttpscope model train`');
  }
  const config = header.config as ModelConfig;
  let layout;
  try {
    layout = paramLayout(config);
  } catch {
    throw new UserError('model file config is invalid', { file });
  }
  const body = buf.subarray(start + hlen);
  if (layout.total !== header.paramCount || body.length !== layout.total * 4) {
    throw new UserError(`model file has ${body.length} parameter bytes, its config needs ${layout.total * 4}`, { file, offset: start + hlen });
  }
  if (createHash('sha256').update(body).digest('hex') !== header.paramSha256) {
    throw new UserError('model file parameters do not match their checksum (corrupt file)', { file, offset: start + hlen });
  }
  // in shared memory, so detection worker threads can use the same parameters without a copy
  const params = new Float32Array(new SharedArrayBuffer(layout.total * Float32Array.BYTES_PER_ELEMENT));
  const view = Buffer.from(params.buffer);
  body.copy(view);
  if (!isLittleEndian()) swap32(view, true);
  let model: EmbedModel;
  try {
    model = new EmbedModel(config, params);
  } catch (e) {
    throw new UserError(`model file config is invalid: ${(e as Error).message}`, { file });
  }
  return { model, header };
}

export function saveModel(path: string, model: EmbedModel, training: Record<string, unknown> = {}, ranker?: RankerSpec): { bytes: number; sha256: string } {
  const bytes = encodeModelFile(model, training, ranker);
  writeFileAtomic(path, bytes);
  return { bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
}

export function loadModel(path: string): LoadedModel {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserError(code === 'ENOENT' ? 'no model file' : `cannot read model file (${code ?? 'error'})`, { file: path }, 'train one with `ttpscope model train`');
  }
  return decodeModelFile(bytes, path);
}

function isLittleEndian(): boolean {
  return new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
}

function swap32(b: Buffer, inPlace = false): Buffer {
  const out = inPlace ? b : Buffer.from(b);
  out.swap32();
  return out;
}
