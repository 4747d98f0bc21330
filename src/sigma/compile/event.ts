/**
 * One event as matchers see it. Field lookups (including the dotted-path
 * fallback for nested objects) and the lowercased / windash-normalized
 * string forms are computed at most once per event and field; the view is
 * reused across events so the hot path allocates only the cache entries.
 */
import type { EventFields } from './types.js';
import { windashNormalize } from '../modifiers/encode.js';

const MISSING = Symbol('missing');

/** String form of a scalar event value as Sigma compares it. */
export function scalarText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return undefined;
}

function lookupPath(obj: EventFields, name: string): unknown {
  // Exact key first (flat records keep dotted keys such as `process.command_line` at top level sometimes).
  if (Object.prototype.hasOwnProperty.call(obj, name)) return obj[name];
  if (!name.includes('.')) return MISSING;
  let cur: unknown = obj;
  const parts = name.split('.');
  for (let i = 0; i < parts.length; i++) {
    if (typeof cur !== 'object' || cur === null || Array.isArray(cur)) return MISSING;
    const o = cur as Record<string, unknown>;
    // Allow a remaining dotted suffix to be a flat key inside the nested object.
    const rest = parts.slice(i).join('.');
    if (i > 0 && Object.prototype.hasOwnProperty.call(o, rest)) return o[rest];
    const p = parts[i]!;
    if (!Object.prototype.hasOwnProperty.call(o, p)) return MISSING;
    cur = o[p];
  }
  return cur;
}

function walkTexts(v: unknown, depth: number, out: string[]): void {
  if (depth > 16) return;
  const t = scalarText(v);
  if (t !== undefined) out.push(t.toLowerCase());
  else if (Array.isArray(v)) for (const x of v) walkTexts(x, depth + 1, out);
  else if (typeof v === 'object' && v !== null) for (const x of Object.values(v)) walkTexts(x, depth + 1, out);
}

export class EventView {
  fields: EventFields = {};
  private raw = new Map<string, unknown>();
  private lower = new Map<string, string | undefined>();
  private dash = new Map<string, string | undefined>();
  private allText: string[] | undefined;
  private scanned: string[] | undefined;
  private scannedKeys: ReadonlySet<string> | undefined;

  reset(fields: EventFields): this {
    this.fields = fields;
    this.raw.clear();
    this.lower.clear();
    this.dash.clear();
    this.allText = undefined;
    this.scanned = undefined;
    return this;
  }

  /** The field's value, `undefined` when the field is absent (a present `null` is returned as null). */
  get(name: string): unknown {
    const f = this.fields;
    if (Object.prototype.hasOwnProperty.call(f, name)) return f[name];
    let v = this.raw.get(name);
    if (v === undefined && !this.raw.has(name)) {
      v = lookupPath(f, name);
      this.raw.set(name, v);
    }
    return v === MISSING ? undefined : v;
  }

  has(name: string): boolean {
    const f = this.fields;
    if (Object.prototype.hasOwnProperty.call(f, name)) return true;
    this.get(name);
    return this.raw.get(name) !== MISSING;
  }

  /** Lowercased string form of a scalar field (undefined for absent/null/objects). */
  lowerText(name: string): string | undefined {
    let s = this.lower.get(name);
    if (s === undefined && !this.lower.has(name)) {
      const t = scalarText(this.get(name));
      s = t === undefined ? undefined : t.toLowerCase();
      this.lower.set(name, s);
    }
    return s;
  }

  /** Lowercased and windash-normalized string form. */
  dashText(name: string, fold: boolean): string | undefined {
    const key = fold ? name : '\u0000' + name;
    let s = this.dash.get(key);
    if (s === undefined && !this.dash.has(key)) {
      const t = fold ? this.lowerText(name) : scalarText(this.get(name));
      s = t === undefined ? undefined : windashNormalize(t);
      this.dash.set(key, s);
    }
    return s;
  }

  /**
   * Lowercased string forms of the values under the given top-level keys
   * (nested values included), for the literal prefilter. Cached per event.
   */
  scanTexts(keys: ReadonlySet<string>): string[] {
    if (this.scanned && this.scannedKeys === keys) return this.scanned;
    const out: string[] = [];
    const f = this.fields;
    for (const k in f) {
      if (!keys.has(k) || !Object.prototype.hasOwnProperty.call(f, k)) continue;
      const v = f[k];
      if (typeof v === 'string') out.push(v.toLowerCase());
      else {
        const t = scalarText(v);
        if (t !== undefined) out.push(t.toLowerCase());
        else if (typeof v === 'object' && v !== null) walkTexts(v, 1, out);
      }
    }
    this.scanned = out;
    this.scannedKeys = keys;
    return out;
  }

  /** Lowercased string forms of every scalar value in the event (nested objects and arrays included), for keyword searches. */
  allLowerTexts(): string[] {
    if (this.allText) return this.allText;
    const out: string[] = [];
    walkTexts(this.fields, 0, out);
    this.allText = out;
    return out;
  }
}
