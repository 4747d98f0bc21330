/**
 * Which modifier chains are valid, and what type each written value becomes
 * under them. Errors come back as messages (the parser attaches the place).
 */
import { MODIFIERS, type Modifier, type SigmaValue } from '../rule/types.js';
import { parseSigmaString } from '../rule/values.js';
import { parseCidr } from './cidr.js';

const KNOWN = new Set<string>(MODIFIERS);

export const STRING_MODIFIERS = new Set<Modifier>(['contains', 'startswith', 'endswith']);
export const ENCODING_MODIFIERS = new Set<Modifier>(['base64', 'base64offset', 'utf16le', 'utf16be', 'utf16', 'wide', 'windash']);
export const NUMERIC_MODIFIERS = new Set<Modifier>(['lt', 'lte', 'gt', 'gte']);
export const TIME_MODIFIERS = new Set<Modifier>(['minute', 'hour', 'day', 'week', 'month', 'year']);

export type ModifierResult = { ok: true; modifiers: Modifier[] } | { ok: false; message: string; code: string };

/** Split `Field|mod1|mod2` and check the chain. */
export function parseModifierChain(names: string[]): ModifierResult {
  const mods: Modifier[] = [];
  for (const n of names) {
    if (!KNOWN.has(n)) return { ok: false, code: 'unknown-modifier', message: `unknown modifier '${n}'` };
    mods.push(n as Modifier);
  }
  const has = (m: Modifier): boolean => mods.includes(m);
  const seen = new Set<string>();
  for (const m of mods) {
    if (seen.has(m)) return { ok: false, code: 'modifier-conflict', message: `modifier '${m}' given twice` };
    seen.add(m);
  }
  const flags = mods.filter((m) => m === 'i' || m === 'm' || m === 's');
  if (flags.length > 0) {
    const reAt = mods.indexOf('re');
    if (reAt < 0 || mods.some((m, k) => (m === 'i' || m === 'm' || m === 's') && k < reAt)) {
      return { ok: false, code: 'modifier-conflict', message: `regex flag(s) '${flags.join('|')}' must follow 're'` };
    }
  }
  const strMods = mods.filter((m) => STRING_MODIFIERS.has(m));
  if (strMods.length > 1) return { ok: false, code: 'modifier-conflict', message: `modifiers '${strMods.join("', '")}' exclude each other` };
  const exclusive: Modifier[] = ['re', 'cidr', 'exists', 'fieldref'];
  for (const x of exclusive) {
    if (!has(x)) continue;
    const others = mods.filter((m) => m !== x && m !== 'all' && m !== 'cased' && !(x === 're' && (m === 'i' || m === 'm' || m === 's')) && !(x === 'fieldref' && (m === 'neq' || STRING_MODIFIERS.has(m))));
    if (others.length > 0) return { ok: false, code: 'modifier-conflict', message: `modifier '${x}' cannot be combined with '${others.join("', '")}'` };
  }
  const num = mods.filter((m) => NUMERIC_MODIFIERS.has(m));
  if (num.length > 1) return { ok: false, code: 'modifier-conflict', message: `modifiers '${num.join("', '")}' exclude each other` };
  if (num.length > 0 && mods.some((m) => STRING_MODIFIERS.has(m) || ENCODING_MODIFIERS.has(m))) {
    return { ok: false, code: 'modifier-conflict', message: `numeric modifier '${num[0]}' cannot be combined with string modifiers` };
  }
  const time = mods.filter((m) => TIME_MODIFIERS.has(m));
  if (time.length > 1) return { ok: false, code: 'modifier-conflict', message: `time modifiers '${time.join("', '")}' exclude each other` };
  if (has('base64') && has('base64offset')) return { ok: false, code: 'modifier-conflict', message: `'base64' and 'base64offset' exclude each other` };
  const utf = mods.filter((m) => m === 'utf16le' || m === 'utf16be' || m === 'utf16' || m === 'wide');
  if (utf.length > 1) return { ok: false, code: 'modifier-conflict', message: `encodings '${utf.join("', '")}' exclude each other` };
  if (utf.length === 1 && !has('base64') && !has('base64offset')) {
    // Allowed: matches the raw UTF-16 code units as characters; noted for the linter only.
  }
  return { ok: true, modifiers: mods };
}

export type ValueResult = { ok: true; value: SigmaValue } | { ok: false; message: string; code: string };

/** Type one written value under a (valid) modifier chain. */
export function typeValue(raw: unknown, mods: readonly Modifier[]): ValueResult {
  const has = (m: Modifier): boolean => mods.includes(m);
  if (has('exists')) {
    if (typeof raw === 'boolean') return { ok: true, value: { type: 'exists', value: raw } };
    if (raw === 'true' || raw === 'false') return { ok: true, value: { type: 'exists', value: raw === 'true' } };
    return { ok: false, code: 'bad-value', message: `'exists' needs true or false, got ${JSON.stringify(raw)}` };
  }
  if (raw === null || raw === undefined) {
    if (mods.some((m) => m !== 'all' && m !== 'cased')) return { ok: false, code: 'bad-value', message: `null cannot take modifiers '${mods.join('|')}'` };
    return { ok: true, value: { type: 'null' } };
  }
  if (typeof raw === 'object') return { ok: false, code: 'bad-value', message: 'a value must be a scalar (string, number, boolean or null), not a map or list' };
  if (NUMERIC_MODIFIERS.has(mods.find((m) => NUMERIC_MODIFIERS.has(m)) as Modifier)) {
    const n = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
    if (!Number.isFinite(n)) return { ok: false, code: 'bad-value', message: `numeric modifier needs a number, got ${JSON.stringify(raw)}` };
    return { ok: true, value: { type: 'number', value: n, raw: String(raw) } };
  }
  if (has('re')) {
    if (typeof raw !== 'string') raw = String(raw);
    return { ok: true, value: { type: 'regex', pattern: raw as string, flags: { i: has('i'), m: has('m'), s: has('s') } } };
  }
  if (has('cidr')) {
    const c = parseCidr(String(raw));
    if (!c) return { ok: false, code: 'bad-value', message: `invalid CIDR network ${JSON.stringify(raw)}` };
    return { ok: true, value: { type: 'cidr', raw: String(raw), ...c } };
  }
  if (has('fieldref')) {
    if (typeof raw !== 'string' || raw === '') return { ok: false, code: 'bad-value', message: `'fieldref' needs a field name` };
    return { ok: true, value: { type: 'fieldref', field: raw } };
  }
  if (typeof raw === 'boolean') return { ok: true, value: { type: 'bool', value: raw } };
  if (typeof raw === 'number') {
    if (mods.some((m) => STRING_MODIFIERS.has(m) || ENCODING_MODIFIERS.has(m) || has('expand'))) {
      // A number under string modifiers is a string (e.g. `CommandLine|contains: 4444`).
      return { ok: true, value: parseSigmaString(String(raw)) };
    }
    return { ok: true, value: { type: 'number', value: raw, raw: String(raw) } };
  }
  if (typeof raw !== 'string') return { ok: false, code: 'bad-value', message: `unsupported value ${String(raw)}` };
  return { ok: true, value: parseSigmaString(raw, has('expand')) };
}
