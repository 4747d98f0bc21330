/**
 * Linter configuration file (the shape sigma-cli's `check` config uses):
 *   validators: [all, -tag-format]        # selection, applied in order
 *   exclusions:                           # per rule id: validators not run on it
 *     5f3a...: field-unknown
 *     9b1c...: [wildcard-redundant, value-duplicate]
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { UserError, errorMessage } from '../../common/errors.js';

export interface LintConfig {
  validators: string[];
  /** rule id (lower case) → validator ids switched off for it. */
  exclusions: Map<string, Set<string>>;
}

export function emptyLintConfig(): LintConfig {
  return { validators: [], exclusions: new Map() };
}

export function parseLintConfig(text: string, file: string): LintConfig {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (e) {
    throw new UserError(`invalid linter config YAML: ${errorMessage(e).split('\n')[0]}`, { file });
  }
  const cfg = emptyLintConfig();
  if (doc === null || doc === undefined) return cfg;
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new UserError('linter config must be a map with `validators` and/or `exclusions`', { file });
  const o = doc as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (k !== 'validators' && k !== 'exclusions') throw new UserError(`unknown key "${k}" in linter config`, { file, path: k }, 'known keys: validators, exclusions');
  }
  if (o.validators !== undefined) {
    const v = Array.isArray(o.validators) ? o.validators : [o.validators];
    cfg.validators = v.map((x, i) => {
      if (typeof x !== 'string') throw new UserError('validator names must be strings', { file, path: `validators[${i}]` });
      return x;
    });
  }
  if (o.exclusions !== undefined && o.exclusions !== null) {
    if (typeof o.exclusions !== 'object' || Array.isArray(o.exclusions)) throw new UserError('`exclusions` must map rule ids to validator names', { file, path: 'exclusions' });
    for (const [id, v] of Object.entries(o.exclusions as Record<string, unknown>)) {
      const list = Array.isArray(v) ? v : [v];
      const set = cfg.exclusions.get(id.toLowerCase()) ?? new Set<string>();
      for (const x of list) {
        if (typeof x !== 'string') throw new UserError('validator names must be strings', { file, path: `exclusions.${id}` });
        set.add(x);
      }
      cfg.exclusions.set(id.toLowerCase(), set);
    }
  }
  return cfg;
}

export function readLintConfig(file: string): LintConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new UserError(`cannot read linter config: ${errorMessage(e)}`, { file });
  }
  return parseLintConfig(text, file);
}
