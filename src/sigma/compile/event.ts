/**
 * One event as matchers see it. Field lookups (including the dotted-path
 * fallback for nested objects) and the lowercased / windash-normalized
 * string forms are computed at most once per event and field; the view is
 * reused across events so the hot path allocates only the cache entries.
 */
import type { EventFields } from './types.js';
import { windashNormalize } from '../modifiers/encode.js';
import { hasOptionalEscape } from './raw-gate.js';

const MISSING = Symbol('missing');

/** String form of a scalar event value as Sigma compares it. */
export function scalarText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return undefined;
}

/** Joins value texts for one-pass keyword search; Sigma keywords never contain it (a NUL). */
export const TEXT_SEPARATOR = '\u0000';

const NUMERIC = /^\s*-?\d+(\.\d+)?\s*$/;

/**
 * The text a dispatch condition compares: numbers and numeric-looking strings
 * in canonical form (`" 0517"` → `"517"`, as numeric Sigma values compare),
 * everything else lowercased (as plain Sigma strings compare).
 */
export function keyText(t: string): string {
  const c = t.charCodeAt(0);
  // ASCII letters and punctuation after the digits cannot start a number (or whitespace: \s has non-ASCII members)
  if ((c < 0x3a || c >= 0x80) && NUMERIC.test(t)) return String(Number(t));
  return t.toLowerCase();
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

function walkTexts(v: unknown, depth: number, out: string[], lower = true): void {
  if (depth > 16) return;
  const t = scalarText(v);
  if (t !== undefined) out.push(lower ? t.toLowerCase() : t);
  else if (Array.isArray(v)) for (const x of v) walkTexts(x, depth + 1, out, lower);
  else if (typeof v === 'object' && v !== null) for (const x of Object.values(v)) walkTexts(x, depth + 1, out, lower);
}

/**
 * Field slots: every field name a compiled matcher reads gets a small integer
 * once (module-wide, so any view serves any compiled set), and per-event
 * caches are arrays indexed by slot and stamped with the event's epoch:
 * resetting the view for the next event is one increment, not a clear.
 */
const slotIds = new Map<string, number>();

/** The slot of a field name (assigned on first use). */
export function fieldSlot(name: string): number {
  let s = slotIds.get(name);
  if (s === undefined) {
    s = slotIds.size;
    slotIds.set(name, s);
  }
  return s;
}

const hasOwn = Object.prototype.hasOwnProperty;

/**
 * The values of a flat event (every own value a string, number or boolean:
 * the common case) joined by `TEXT_SEPARATOR` natively, or undefined when
 * some value is null, an object or an array. `join` spells numbers and
 * booleans as `scalarText` does.
 */
function flatJoined(f: EventFields): string | undefined {
  const vals = Object.values(f);
  for (let i = 0; i < vals.length; i++) {
    const t = typeof vals[i];
    if (t !== 'string' && t !== 'number' && t !== 'boolean') return undefined;
  }
  return vals.join(TEXT_SEPARATOR);
}

/** Every scalar value's text (nested objects and arrays walked), joined by `TEXT_SEPARATOR`. */
function nestedJoined(f: EventFields): string {
  // top-level values by concatenation (cheap ropes, flattened once by the caller's toLowerCase); nested ones walked
  let out = '';
  let first = true;
  for (const k in f) {
    if (!hasOwn.call(f, k)) continue;
    const v = f[k];
    let t: string | undefined;
    if (typeof v === 'string') t = v;
    else if (typeof v === 'object' && v !== null) {
      const nested: string[] = [];
      walkTexts(v, 1, nested, false);
      if (nested.length === 0) continue;
      t = nested.join(TEXT_SEPARATOR);
    } else t = scalarText(v);
    if (t === undefined) continue;
    out = first ? t : out + TEXT_SEPARATOR + t;
    first = false;
  }
  return out;
}

export class EventView {
  fields: EventFields = {};
  private epoch = 1;
  private cap = 0;
  private rawS: Uint32Array = new Uint32Array(0);
  private rawV: unknown[] = [];
  private lowS: Uint32Array = new Uint32Array(0);
  private lowV: Array<string | undefined> = [];
  private dashS: Uint32Array = new Uint32Array(0);
  private dashV: Array<string | undefined> = [];
  private dashCasedS: Uint32Array = new Uint32Array(0);
  private dashCasedV: Array<string | undefined> = [];
  private keyS: Uint32Array = new Uint32Array(0);
  private keyV: Array<readonly string[] | undefined> = [];
  private allText: string[] | undefined;
  private allJoined: string | undefined;
  private rawJoined: string | undefined;
  private scanned: string[] | undefined;
  private scannedKeys: ReadonlySet<string> | undefined;
  /**
   * The JSON text this event's values were read from unchanged, when the reader says so (`matchEvent`'s
   * second argument); keyword items may rule themselves out on it (`raw-gate.ts`, via `decidableRawText`).
   */
  private rawText: string | undefined;
  private rawDecidable: boolean | undefined;

  reset(fields: EventFields, rawText?: string): this {
    this.fields = fields;
    this.rawText = rawText;
    this.rawDecidable = undefined;
    this.epoch = (this.epoch + 1) >>> 0;
    if (this.epoch === 0) {
      for (const a of [this.rawS, this.lowS, this.dashS, this.dashCasedS, this.keyS]) a.fill(0);
      this.epoch = 1;
    }
    this.allText = undefined;
    this.allJoined = undefined;
    this.rawJoined = undefined;
    this.scanned = undefined;
    return this;
  }

  private grow(slot: number): void {
    const cap = Math.max(slot + 1, this.cap * 2, 64);
    const g = (a: Uint32Array): Uint32Array => {
      const b = new Uint32Array(cap);
      b.set(a);
      return b;
    };
    this.rawS = g(this.rawS);
    this.lowS = g(this.lowS);
    this.dashS = g(this.dashS);
    this.dashCasedS = g(this.dashCasedS);
    this.keyS = g(this.keyS);
    this.cap = cap;
  }

  /** The value of the field in `slot` (named `name`); `undefined` when absent (a present `null` is returned as null). */
  getSlot(slot: number, name: string): unknown {
    const f = this.fields;
    const direct = f[name];
    // A primitive found by name is the event's own (Object.prototype holds only functions and __proto__).
    if (direct !== undefined && ((typeof direct !== 'object' && typeof direct !== 'function') || hasOwn.call(f, name))) return direct;
    if (slot >= this.cap) this.grow(slot);
    if (this.rawS[slot] === this.epoch) {
      const v = this.rawV[slot];
      return v === MISSING ? undefined : v;
    }
    const v = lookupPath(f, name);
    this.rawS[slot] = this.epoch;
    this.rawV[slot] = v;
    return v === MISSING ? undefined : v;
  }

  hasSlot(slot: number, name: string): boolean {
    if (hasOwn.call(this.fields, name)) return true;
    this.getSlot(slot, name);
    return this.rawV[slot] !== MISSING;
  }

  /** Lowercased string form of a scalar field (undefined for absent/null/objects). */
  lowerSlot(slot: number, name: string): string | undefined {
    if (slot >= this.cap) this.grow(slot);
    if (this.lowS[slot] === this.epoch) return this.lowV[slot];
    const t = scalarText(this.getSlot(slot, name));
    const s = t === undefined ? undefined : t.toLowerCase();
    this.lowS[slot] = this.epoch;
    this.lowV[slot] = s;
    return s;
  }

  /** Windash-normalized string form (lowercased when `fold`). */
  dashSlot(slot: number, name: string, fold: boolean): string | undefined {
    if (slot >= this.cap) this.grow(slot);
    const stamps = fold ? this.dashS : this.dashCasedS;
    const vals = fold ? this.dashV : this.dashCasedV;
    if (stamps[slot] === this.epoch) return vals[slot];
    const t = fold ? this.lowerSlot(slot, name) : scalarText(this.getSlot(slot, name));
    const s = t === undefined ? undefined : windashNormalize(t);
    stamps[slot] = this.epoch;
    vals[slot] = s;
    return s;
  }

  /** Dispatch key texts of a field (`keyText` of the value, or of each scalar element of an array); undefined when absent or not scalar. */
  keysSlot(slot: number, name: string): readonly string[] | undefined {
    if (slot >= this.cap) this.grow(slot);
    if (this.keyS[slot] === this.epoch) return this.keyV[slot];
    const raw = this.getSlot(slot, name);
    const t = scalarText(raw);
    let k: readonly string[] | undefined;
    if (t !== undefined) k = [keyText(t)];
    else if (Array.isArray(raw)) {
      const out: string[] = [];
      for (const x of raw) {
        const xt = scalarText(x);
        if (xt !== undefined) out.push(keyText(xt));
      }
      k = out.length > 0 ? out : undefined;
    }
    this.keyS[slot] = this.epoch;
    this.keyV[slot] = k;
    return k;
  }

  /**
   * Lowercased texts of a field for the literal prefilter: its scalar value,
   * or every scalar inside an array or object value (superset of what any
   * matcher compares). Written to `out[0..n)`; returns n.
   */
  scanTextsOf(slot: number, name: string, out: string[]): number {
    const t = this.lowerSlot(slot, name);
    if (t !== undefined) {
      out[0] = t;
      return 1;
    }
    const raw = this.getSlot(slot, name);
    if (typeof raw !== 'object' || raw === null) return 0;
    const nested: string[] = [];
    walkTexts(raw, 1, nested);
    for (let i = 0; i < nested.length; i++) out[i] = nested[i]!;
    return nested.length;
  }

  // ---- by name (the public API; matchers use the slot forms)

  /** The field's value, `undefined` when the field is absent (a present `null` is returned as null). */
  get(name: string): unknown {
    return this.getSlot(fieldSlot(name), name);
  }

  has(name: string): boolean {
    return this.hasSlot(fieldSlot(name), name);
  }

  /** Lowercased string form of a scalar field (undefined for absent/null/objects). */
  lowerText(name: string): string | undefined {
    return this.lowerSlot(fieldSlot(name), name);
  }

  /** Lowercased and windash-normalized string form. */
  dashText(name: string, fold: boolean): string | undefined {
    return this.dashSlot(fieldSlot(name), name, fold);
  }

  /** Dispatch key texts of a field; undefined when absent or not scalar. */
  dispatchKeys(name: string): readonly string[] | undefined {
    return this.keysSlot(fieldSlot(name), name);
  }

  /**
   * Lowercased string forms of the values under the given top-level keys
   * (nested values included). Cached per event.
   */
  scanTexts(keys: ReadonlySet<string>): string[] {
    if (this.scanned && this.scannedKeys === keys) return this.scanned;
    const out: string[] = [];
    const f = this.fields;
    for (const k in f) {
      if (!keys.has(k) || !hasOwn.call(f, k)) continue;
      const v = f[k];
      const t = scalarText(v);
      if (t !== undefined) out.push(t.toLowerCase());
      else if (typeof v === 'object' && v !== null) walkTexts(v, 1, out);
    }
    this.scanned = out;
    this.scannedKeys = keys;
    return out;
  }

  /** The event's JSON text when keyword literals can be decided on it (no optional escapes), else undefined. Cached per event. */
  decidableRawText(): string | undefined {
    const t = this.rawText;
    if (t === undefined) return undefined;
    this.rawDecidable ??= !hasOptionalEscape(t);
    return this.rawDecidable ? t : undefined;
  }

  /** Every scalar value's text as is (not lowercased), joined by `TEXT_SEPARATOR`. */
  allRawJoined(): string {
    if (this.rawJoined === undefined) this.rawJoined = flatJoined(this.fields) ?? nestedJoined(this.fields);
    return this.rawJoined;
  }

  /** `allLowerTexts()` joined by `TEXT_SEPARATOR` (substring keywords search it in one call). */
  allLowerJoined(): string {
    // One toLowerCase over the joined text equals lowercasing each value: the only context-dependent
    // mapping (final sigma) treats the NUL separator like the end of a string.
    if (this.allJoined === undefined) this.allJoined = this.allRawJoined().toLowerCase();
    return this.allJoined;
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
