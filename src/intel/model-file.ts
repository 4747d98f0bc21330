/**
 * Technique model files: magic, a JSON header (format version, vocabulary,
 * labels, aggregator, training metadata, sha256 of the payload) and the
 * pruned weights as little-endian typed arrays. Default path
 * `<data>/models/ttp-techniques.bin`. A damaged or foreign file is a
 * `UserError` naming it; loading never trains.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { UserError } from '../common/errors.js';
import { dataLayout } from '../datadir/paths.js';
import { TechniqueClassifier } from './classifier.js';
import { Vocabulary } from './features.js';
import { SparseLinearModel } from './linear.js';
import { TechniqueModel } from './technique-model.js';
import { writeFileAtomic } from '../common/files.js';

export const TECHNIQUE_MODEL_FILE = 'ttp-techniques.bin';
export const TECHNIQUE_MODEL_FORMAT = 1;
const MAGIC = Buffer.from('TTPTECH\n', 'latin1');

export function defaultTechniqueModelPath(dataDir: string): string {
  return join(dataLayout(dataDir).modelsDir, TECHNIQUE_MODEL_FILE);
}

const HeaderSchema = z.object({
  format: z.literal(TECHNIQUE_MODEL_FORMAT),
  labels: z.array(z.string()),
  terms: z.array(z.string()),
  idf: z.array(z.number()),
  features: z.object({ charGrams: z.number().int().nonnegative().optional() }).default({}),
  nnz: z.number().int().nonnegative(),
  aggregator: z.object({
    weights: z.array(z.number()),
    labelBias: z.record(z.string(), z.number()),
    defaultBias: z.number(),
    threshold: z.number(),
    calibrated: z.array(z.string()),
  }),
  meta: z.record(z.string(), z.unknown()),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});

function asBytes(a: ArrayBufferView): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

export function encodeTechniqueModel(model: TechniqueModel): Buffer {
  const clf = model.classifier;
  const w = clf.model;
  if (!(w instanceof SparseLinearModel)) throw new Error('prune the classifier before saving');
  const payload = Buffer.concat([asBytes(w.bias), asBytes(w.offsets), asBytes(w.values), asBytes(w.labels)]);
  const header = {
    format: TECHNIQUE_MODEL_FORMAT,
    labels: clf.labels,
    terms: clf.vocabulary.terms,
    idf: [...clf.vocabulary.idf],
    features: clf.vocabulary.options,
    nnz: w.values.length,
    aggregator: model.aggregator.snapshot,
    meta: model.meta,
    sha256: createHash('sha256').update(payload).digest('hex'),
  };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32LE(json.length);
  // Pad so the typed arrays in the payload start 4-byte aligned.
  const pad = Buffer.alloc((4 - ((MAGIC.length + 4 + json.length) % 4)) % 4, 0x20);
  return Buffer.concat([MAGIC, len, json, pad, payload]);
}

export function decodeTechniqueModel(bytes: Uint8Array, file = '<model>'): TechniqueModel {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < MAGIC.length + 4 || !buf.subarray(0, MAGIC.length).equals(MAGIC)) throw new UserError('not a ttpscope technique model', { file }, 'rebuild it: ttpscope extract --rebuild-model');
  const len = buf.readUInt32LE(MAGIC.length);
  const start = MAGIC.length + 4;
  if (start + len > buf.length) throw new UserError('technique model file is truncated', { file }, 'rebuild it: ttpscope extract --rebuild-model');
  let header: z.infer<typeof HeaderSchema>;
  try {
    const parsed = HeaderSchema.safeParse(JSON.parse(buf.subarray(start, start + len).toString('utf8')));
    if (!parsed.success) throw new Error(parsed.error.issues[0]?.message ?? 'bad header');
    header = parsed.data;
  } catch (e) {
    throw new UserError(`technique model header is damaged or of another version (${(e as Error).message})`, { file }, 'rebuild it: ttpscope extract --rebuild-model');
  }
  let off = start + len;
  off += (4 - (off % 4)) % 4;
  const payload = buf.subarray(off);
  if (createHash('sha256').update(payload).digest('hex') !== header.sha256) throw new UserError('technique model payload does not match its checksum', { file }, 'rebuild it: ttpscope extract --rebuild-model');
  const K = header.labels.length;
  const F = header.terms.length;
  const need = 4 * K + 4 * (F + 1) + 4 * header.nnz + 2 * header.nnz;
  if (payload.length !== need) throw new UserError('technique model payload has the wrong size', { file });
  // Copy into fresh aligned arrays (the file buffer's offset may not be aligned).
  const copy = new Uint8Array(payload);
  let p = 0;
  const take = <T>(n: number, make: (b: ArrayBuffer, o: number, l: number) => T, size: number): T => {
    const arr = make(copy.buffer, copy.byteOffset + p, n);
    p += n * size;
    return arr;
  };
  const bias = take(K, (b, o, l) => new Float32Array(b, o, l), 4);
  const offsets = take(F + 1, (b, o, l) => new Uint32Array(b, o, l), 4);
  const values = take(header.nnz, (b, o, l) => new Float32Array(b, o, l), 4);
  const labels = take(header.nnz, (b, o, l) => new Uint16Array(b, o, l), 2);
  if (offsets[F] !== header.nnz) throw new UserError('technique model weights are inconsistent', { file });
  for (let i = 0; i < labels.length; i++) if (labels[i]! >= K) throw new UserError('technique model weights are inconsistent', { file });
  const model = new SparseLinearModel(F, K, offsets, labels, values, bias);
  const clf = new TechniqueClassifier(new Vocabulary({ terms: header.terms, idf: header.idf, options: header.features }), header.labels, model);
  return new TechniqueModel(clf, header.aggregator, { ...header.meta, sha256: createHash('sha256').update(buf).digest('hex') });
}

export function saveTechniqueModel(path: string, model: TechniqueModel): { bytes: number; sha256: string } {
  const bytes = encodeTechniqueModel(model);
  writeFileAtomic(path, bytes);
  return { bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
}

export function loadTechniqueModel(path: string): TechniqueModel {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserError(code === 'ENOENT' ? 'no technique model' : `cannot read the technique model (${code})`, { file: path }, 'build it: ttpscope setup --from ../shared/data (or ttpscope extract builds it on first use)');
  }
  return decodeTechniqueModel(bytes, path);
}
