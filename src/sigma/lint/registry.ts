/** Every validator by id, and choosing which run (`all`, `-id` to switch one off, or a list). */
import { UserError } from '../../common/errors.js';
import type { Validator } from './types.js';
import { collectionValidators } from './validators/collection.js';
import { detectionValidators } from './validators/detection.js';
import { metadataValidators } from './validators/metadata.js';
import { tagValidators } from './validators/tags.js';

export const VALIDATORS: readonly Validator[] = [...metadataValidators, ...tagValidators, ...detectionValidators, ...collectionValidators];

/** Off unless asked for: noisy on rule sets that follow other conventions. */
export const OFF_BY_DEFAULT: ReadonlySet<string> = new Set(['description-missing', 'status-deprecated']);

export function validatorIds(): string[] {
  return VALIDATORS.map((v) => v.id);
}

/**
 * Resolve a selection such as `['all', '-tag-format']` or `['unused-selection']`.
 * An empty selection means the defaults (all but the off-by-default ones).
 */
export function selectValidators(selection: readonly string[], place?: { file?: string; path?: string }): Validator[] {
  const ids = new Set(validatorIds());
  let chosen: Set<string>;
  const items = selection.flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean);
  const positive = items.filter((s) => !s.startsWith('-'));
  if (positive.length === 0) chosen = new Set([...ids].filter((id) => !OFF_BY_DEFAULT.has(id)));
  else chosen = new Set();
  for (const s of items) {
    const off = s.startsWith('-');
    const id = off ? s.slice(1) : s;
    if (id === 'all' || id === 'defaults') {
      const add = id === 'all' ? [...ids] : [...ids].filter((x) => !OFF_BY_DEFAULT.has(x));
      for (const x of add) (off ? chosen.delete(x) : chosen.add(x));
      continue;
    }
    if (!ids.has(id)) throw new UserError(`unknown validator "${id}"`, place, `validators: ${validatorIds().join(', ')}`);
    if (off) chosen.delete(id);
    else chosen.add(id);
  }
  return VALIDATORS.filter((v) => chosen.has(v.id));
}
