/**
 * The calibration file: what turns raw similarities and rule hits into
 * calibrated scores and alert decisions. Learned by `ttpscope detect
 * calibrate` on the TRAINING split of the labelled logs only (the same
 * file-level split the encoder uses) and tied to the model it was learned
 * with: a calibration for other model parameters is refused, not silently
 * applied. Parsed with zod at the boundary like any other input.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { UserError, errorMessage } from '../../common/errors.js';
import { writeFileAtomic } from '../../common/files.js';

export const CALIBRATION_FORMAT = 'ttpscope-detect-calibration';
export const CALIBRATION_VERSION = 1;
export const DEFAULT_CALIBRATION_FILE = 'detect-calibration.json';

export function defaultCalibrationPath(modelsDir: string): string {
  return join(modelsDir, DEFAULT_CALIBRATION_FILE);
}

const unit = z.number().min(0).max(1);
const ThresholdSetSchema = z.object({ global: unit, techniques: z.record(z.string(), unit) });

const LogisticSchema = z
  .object({ mean: z.array(z.number()), std: z.array(z.number().positive()), weights: z.array(z.number()), bias: z.number() })
  .refine((m) => m.mean.length === m.weights.length && m.std.length === m.weights.length, 'mean, std and weights must have one value per feature');

const HashCounts = z.array(z.tuple([z.number().int().nonnegative(), z.number().int().positive()]));

export const CalibrationSchema = z.object({
  format: z.literal(CALIBRATION_FORMAT),
  version: z.literal(CALIBRATION_VERSION),
  /** The encoder the similarities came from (its parameter hash). */
  model: z.object({ paramSha256: z.string(), dim: z.number().int().positive() }),
  attackVersion: z.string(),
  /** Semantic candidates per sequence the calibration was learned with. */
  topK: z.number().int().positive(),
  split: z.object({ devShare: z.number().min(0).max(1), trainFiles: z.array(z.string()) }),
  features: z.array(z.string()),
  semanticModel: LogisticSchema,
  semantic: ThresholdSetSchema,
  fused: ThresholdSetSchema,
  rules: z.object({
    /** Pseudo-count of the level prior in a rule's smoothed precision. */
    alpha: z.number().positive(),
    levelPrior: z.record(z.string(), unit),
    /** rule id → [correct, total] units on training files. */
    stats: z.record(z.string(), z.tuple([z.number().int().nonnegative(), z.number().int().nonnegative()])),
  }),
  baseline: z.object({
    files: z.number().int().nonnegative(),
    units: z.number().int().nonnegative(),
    /** pattern hash → training files holding it. */
    patterns: HashCounts,
    lineages: HashCounts,
    /** technique → false candidates per 1,000 training units. */
    noise: z.record(z.string(), z.number().nonnegative()),
  }),
  /** Training-split figures (for the record; never evaluation figures). */
  training: z.record(z.string(), z.unknown()),
});
export type Calibration = z.infer<typeof CalibrationSchema>;

export function readCalibration(path: string): Calibration {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
    throw new UserError(
      missing ? 'no detection calibration' : `cannot read the detection calibration (${errorMessage(err)})`,
      { file: path },
      'run: ttpscope detect calibrate --from ../shared/data   (learns thresholds on the training split of the labelled logs)',
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new UserError(`detection calibration is not JSON (${errorMessage(err)})`, { file: path }, 'run: ttpscope detect calibrate --from ../shared/data');
  }
  const parsed = CalibrationSchema.safeParse(json);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new UserError(`not a detection calibration: ${first?.message ?? 'invalid'}`, { file: path, ...(first?.path.length ? { path: first.path.join('.') } : {}) }, 'run: ttpscope detect calibrate --from ../shared/data');
  }
  return parsed.data;
}

export function writeCalibration(path: string, cal: Calibration): void {
  writeFileAtomic(path, JSON.stringify(cal) + '\n');
}

/** A calibration learned with other model parameters is refused: its thresholds mean nothing for this model. */
export function checkCalibrationModel(cal: Calibration, paramSha256: string, where: string): void {
  if (cal.model.paramSha256 !== paramSha256) {
    throw new UserError(
      'the detection calibration was learned with another encoder model',
      { file: where },
      'run: ttpscope detect calibrate --from ../shared/data   (again, after every model training)',
    );
  }
}
