/**
 * One detection item (`Field|modifiers: values`) → a predicate over an
 * EventView, plus the literals a match requires (for prefilters).
 * Regular expressions run on re2js (linear time: no ReDoS from rule authors
 * or attacker-controlled values).
 */
import { RE2JS } from 're2js';
import type { DetectionItem, Modifier, SigmaString, SigmaValue, StringPart } from '../rule/types.js';
import { plainText, hasWildcards } from '../rule/values.js';
import { cidrContains, parseIp } from '../modifiers/cidr.js';
import { base64, base64Offsets, bytesAsText, encodeText, windashNormalize, type Utf16Mode } from '../modifiers/encode.js';
import { TIME_MODIFIERS } from '../modifiers/validate.js';
import type { EventView } from './event.js';
import { fieldSlot, scalarText, TEXT_SEPARATOR } from './event.js';
import type { MemoBudget } from './literal-memo.js';
import { regexMinLength, runLengthTest } from './regex-length.js';
import { nativePrefilter } from './regex-native.js';
import { compileAnyString, compileStringTest, requiredLiteral, type StringTest } from './strings.js';
import { keywordRawGate } from './raw-gate.js';

export type Pred = (v: EventView) => boolean;

/**
 * How a literal sits in the lowercased field value of every match: the whole
 * value (`eq`), its start, its end, or anywhere. Only `contains` needs the
 * value scanned; the others are checked by lookups at the value's ends.
 */
export type LiteralKind = 'eq' | 'prefix' | 'suffix' | 'contains';

/**
 * A literal a match needs: lowercase text that occurs (as `kind` says) in the
 * value of one of `fields` (the event fields the item reads, after mapping),
 * or in any value when `fields` is null (keyword searches).
 */
export interface NeedLiteral {
  text: string;
  kind: LiteralKind;
  fields: readonly string[] | null;
}

/** A literal before it is tied to fields. */
interface Lit {
  text: string;
  kind: LiteralKind;
}

export interface CompiledItem {
  test: Pred;
  /**
   * Prefilter, in conjunctive form: for every clause, at least one of its
   * literals appears (lowercased) in one of its fields in every matching
   * event. `[]` = no constraint known (always try).
   */
  needs: NeedLiteral[][];
}

export class CompileError extends Error {
  constructor(message: string, readonly code: string) {
    super(message);
  }
}

const MAX_EXPANSIONS = 4096;

/** Expand `%placeholder%` parts into alternatives. */
function expandPlaceholders(s: SigmaString, placeholders: Record<string, readonly string[]> | undefined): StringPart[][] {
  let out: StringPart[][] = [[]];
  for (const p of s.parts) {
    if (p.kind !== 'placeholder') {
      for (const o of out) o.push(p);
      continue;
    }
    const vals = placeholders?.[p.name];
    if (!vals || vals.length === 0) throw new CompileError(`placeholder %${p.name}% has no values (pass them with the placeholder map or a pipeline)`, 'unresolved-placeholder');
    const next: StringPart[][] = [];
    for (const o of out) {
      for (const v of vals) {
        // Placeholder values are Sigma strings themselves: wildcards in them count.
        const parts: StringPart[] = [...o];
        let buf = '';
        for (let i = 0; i < v.length; i++) {
          const c = v[i]!;
          if (c === '\\' && (v[i + 1] === '*' || v[i + 1] === '?' || v[i + 1] === '\\')) { buf += v[++i]!; continue; }
          if (c === '*' || c === '?') {
            if (buf) parts.push({ kind: 'text', text: buf });
            buf = '';
            parts.push(c === '*' ? { kind: 'any' } : { kind: 'one' });
          } else buf += c;
        }
        if (buf) parts.push({ kind: 'text', text: buf });
        next.push(parts);
      }
    }
    if (next.length > MAX_EXPANSIONS) throw new CompileError(`placeholder expansion exceeds ${MAX_EXPANSIONS} values`, 'too-many-values');
    out = next;
  }
  return out;
}

/** Apply encoding modifiers to a wildcard-free text; returns alternatives. */
function encodeAlternatives(text: string, mods: readonly Modifier[]): string[] {
  const utf = mods.find((m) => m === 'utf16le' || m === 'utf16be' || m === 'utf16' || m === 'wide');
  const mode: Utf16Mode | undefined = utf === undefined ? undefined : utf === 'wide' ? 'utf16le' : (utf as Utf16Mode);
  if (mods.includes('base64')) return [base64(encodeText(text, mode))];
  if (mods.includes('base64offset')) return base64Offsets(encodeText(text, mode));
  if (mode) return [bytesAsText(encodeText(text, mode))];
  return [text];
}

function withAnchors(parts: StringPart[], mods: readonly Modifier[]): StringPart[] {
  const out = parts.slice();
  const any = { kind: 'any' as const };
  if (mods.includes('contains')) {
    if (out[0]?.kind !== 'any') out.unshift(any);
    if (out[out.length - 1]?.kind !== 'any') out.push(any);
  } else if (mods.includes('startswith')) {
    if (out[out.length - 1]?.kind !== 'any') out.push(any);
  } else if (mods.includes('endswith')) {
    if (out[0]?.kind !== 'any') out.unshift(any);
  }
  return out;
}

function contains(text: string): Lit {
  return { text, kind: 'contains' };
}

interface StringPlan {
  tests: StringTest[];
  literals: Lit[];
}

/**
 * The literal a string test needs, positioned as the test positions it. The
 * event side is lowercased: exact for a folded test (which compares the
 * lowercased value itself); for a `cased` test a necessary condition, since
 * lowercasing is a function of the string, except around the one
 * context-dependent mapping (Greek final sigma), which gets no literal.
 */
function testLiteral(t: StringTest, fold: boolean): Lit {
  const text = fold ? requiredLiteral(t) : requiredLiteral(t).toLowerCase();
  if (!fold && /[\u03a3\u03c2]/.test(text)) return { text: '', kind: 'contains' };
  const kind: LiteralKind = t.kind === 'eq' ? 'eq' : t.kind === 'prefix' ? 'prefix' : t.kind === 'suffix' ? 'suffix' : 'contains';
  return { text, kind };
}

/** Build string tests for one Sigma string under a modifier chain. */
function planString(s: SigmaString, mods: readonly Modifier[], fold: boolean, dash: boolean, keyword: boolean, placeholders: Record<string, readonly string[]> | undefined): StringPlan {
  const expanded = mods.includes('expand') ? expandPlaceholders(s, placeholders) : [s.parts];
  const encoding = mods.some((m) => m === 'base64' || m === 'base64offset' || m === 'utf16le' || m === 'utf16be' || m === 'utf16' || m === 'wide');
  const tests: StringTest[] = [];
  const literals: Lit[] = [];
  for (const parts0 of expanded) {
    let variants: StringPart[][];
    if (encoding) {
      const text = plainText({ type: 'string', parts: parts0, raw: '' });
      if (text === undefined) throw new CompileError(`cannot encode a value with wildcards (${s.raw}) — write the wildcard outside the encoded part or drop it`, 'bad-value');
      variants = encodeAlternatives(text, mods).map((t) => (t === '' ? [] : [{ kind: 'text' as const, text: t }]));
    } else variants = [parts0];
    for (let parts of variants) {
      if (dash) parts = parts.map((p) => (p.kind === 'text' ? { kind: 'text' as const, text: windashNormalize(p.text) } : p));
      parts = keyword && !mods.some((m) => m === 'startswith' || m === 'endswith') ? withAnchors(parts, ['contains']) : withAnchors(parts, mods);
      const t = compileStringTest(parts, fold);
      tests.push(t);
      literals.push(testLiteral(t, fold));
    }
  }
  return { tests, literals };
}

/** Apply `fn` to the field's value, or to each element when the value is an array (any element counts). */
function onValues(raw: unknown, fn: (x: unknown) => boolean): boolean {
  if (Array.isArray(raw)) {
    for (const x of raw) if (fn(x)) return true;
    return false;
  }
  return fn(raw);
}

function toNumber(x: unknown): number | undefined {
  if (typeof x === 'number') return x;
  if (typeof x === 'bigint') return Number(x);
  if (typeof x === 'string' && x.trim() !== '') {
    const t = x.trim();
    const n = /^0x[0-9a-f]+$/i.test(t) ? parseInt(t, 16) : Number(t);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

function timePart(x: unknown, mod: Modifier): number | undefined {
  let d: Date;
  if (x instanceof Date) d = x;
  else if (typeof x === 'number') d = new Date(x > 1e12 ? x : x * 1000);
  else if (typeof x === 'string') {
    // Windows SystemTime often has 7 fractional digits and a trailing Z; Date.parse copes with ≤3, so trim.
    const t = x.trim().replace(/(\.\d{3})\d+/, '$1').replace(' ', 'T');
    d = new Date(t);
  } else return undefined;
  const ms = d.getTime();
  if (!Number.isFinite(ms)) return undefined;
  switch (mod) {
    case 'minute': return d.getUTCMinutes();
    case 'hour': return d.getUTCHours();
    case 'day': return d.getUTCDate();
    case 'month': return d.getUTCMonth() + 1;
    case 'year': return d.getUTCFullYear();
    case 'week': {
      // ISO week number.
      const day = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
      const dow = day.getUTCDay() || 7;
      day.setUTCDate(day.getUTCDate() + 4 - dow);
      const yearStart = Date.UTC(day.getUTCFullYear(), 0, 1);
      return Math.ceil(((day.getTime() - yearStart) / 86400000 + 1) / 7);
    }
    default: return undefined;
  }
}

function compareNum(a: number, b: number, mods: readonly Modifier[]): boolean {
  if (mods.includes('gt')) return a > b;
  if (mods.includes('gte')) return a >= b;
  if (mods.includes('lt')) return a < b;
  if (mods.includes('lte')) return a <= b;
  return a === b;
}

export function compileRegex(pattern: string, flags: { i: boolean; m: boolean; s: boolean }): RE2JS {
  let f = 0;
  if (flags.i) f |= RE2JS.CASE_INSENSITIVE;
  if (flags.m) f |= RE2JS.MULTILINE;
  if (flags.s) f |= RE2JS.DOTALL;
  try {
    return RE2JS.compile(pattern, f);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    const hint = /\(\?[<=!]|\(\?<[=!]/.test(pattern) ? ' (lookarounds are not supported: the engine is linear-time RE2)' : /\\[1-9]/.test(pattern) ? ' (backreferences are not supported: the engine is linear-time RE2)' : '';
    throw new CompileError(`regular expression cannot be compiled: ${msg}${hint}`, 'bad-regex');
  }
}

/**
 * Longest literal run every match of a regex contains (lowercased; '' if none
 * can be proven). Conservative: groups, classes, escapes other than escaped
 * punctuation, and optional quantifiers all end a run; top-level alternation
 * gives up.
 */
export function regexLiteral(pattern: string): string {
  let best = '';
  let cur = '';
  const flush = (): void => {
    if (cur.length > best.length) best = cur;
    cur = '';
  };
  const n = pattern.length;
  // Reads a quantifier at i; returns [length, minimum repetitions] or [0, 1] when none.
  const quant = (i: number): [number, number] => {
    const c = pattern[i];
    if (c === '*' || c === '?') return [pattern[i + 1] === '?' || pattern[i + 1] === '+' ? 2 : 1, 0];
    if (c === '+') return [pattern[i + 1] === '?' || pattern[i + 1] === '+' ? 2 : 1, 1];
    if (c === '{') {
      const m = /^\{(\d*)(,\d*)?\}\??/.exec(pattern.slice(i));
      if (m) return [m[0].length, m[1] === '' ? 0 : Number(m[1])];
    }
    return [0, 1];
  };
  let i = 0;
  while (i < n) {
    const c = pattern[i]!;
    if (c === '|') return '';
    if (c === '(' || c === '[') {
      // Skip the group or class (balanced, honouring escapes and nested classes).
      let depth = 0;
      let inClass = false;
      let j = i;
      for (; j < n; j++) {
        const d = pattern[j]!;
        if (d === '\\') { j++; continue; }
        if (inClass) { if (d === ']' && j > i + 1) inClass = false; continue; }
        if (d === '[') { inClass = true; if (c === '[') break; continue; }
        if (d === '(') depth++;
        else if (d === ')') { depth--; if (depth === 0) break; }
      }
      if (c === '[') {
        // find the end of the class
        j = i + 1;
        if (pattern[j] === '^') j++;
        if (pattern[j] === ']') j++;
        for (; j < n && pattern[j] !== ']'; j++) if (pattern[j] === '\\') j++;
      }
      flush();
      i = j + 1;
      i += quant(i)[0];
      continue;
    }
    let lit: string | undefined;
    let len = 1;
    if (c === '\\') {
      const e = pattern[i + 1];
      len = 2;
      if (e !== undefined && /[^A-Za-z0-9]/.test(e)) lit = e;
    } else if (!'.^$*+?{}'.includes(c)) lit = c;
    const [ql, min] = quant(i + len);
    if (lit === undefined || min === 0) {
      flush();
    } else if (ql > 0) {
      cur += lit;
      flush(); // repeated: the run cannot continue past it
    } else cur += lit;
    i += len + ql;
  }
  flush();
  return best.toLowerCase();
}

export interface ItemContext {
  placeholders: Record<string, readonly string[]> | undefined;
  /** Remember single-field items' answers per value (`literal-memo.ts`); absent: test every time. */
  memos?: MemoBudget;
  /** Items compiled so far by (fields, modifiers, values), shared when `memos` is set. */
  compiled?: Map<string, CompiledItem>;
}

/**
 * Compile one item for the given event field(s) (`fields` may hold several
 * names when a pipeline maps a rule field to alternatives; any of them counts).
 */
export function compileItem(item: DetectionItem, fields: readonly string[] | null, ctx: ItemContext): CompiledItem {
  if (ctx.memos === undefined) return compileItemOnce(item, fields, ctx);
  // the same item in many rules (`Image|endswith: \\powershell.exe`) is one test and one memo
  const key = JSON.stringify([fields, item.modifiers, item.values]);
  const cache = (ctx.compiled ??= new Map());
  let c = cache.get(key);
  if (c === undefined) cache.set(key, (c = compileItemOnce(item, fields, ctx)));
  return c;
}

function compileItemOnce(item: DetectionItem, fields: readonly string[] | null, ctx: ItemContext): CompiledItem {
  const mods = item.modifiers;
  const fold = !mods.includes('cased');
  const dash = mods.includes('windash');
  const all = mods.includes('all');
  const neq = mods.includes('neq');
  const keyword = fields === null;
  const timeMod = mods.find((m) => TIME_MODIFIERS.has(m));

  type ValuePred = (raw: unknown, v: EventView, field: string, slot: number) => boolean;
  const valuePreds: ValuePred[] = [];
  const literalsPerValue: Array<Lit[] | undefined> = [];

  /** Every value's string tests (when all values are strings, the item is one test of their union). */
  const stringTests: StringTest[] = [];

  /** A value predicate passing when the field's value (as the modifiers view it) passes one of `tests`. */
  function stringPred(tests: StringTest[]): ValuePred {
    const any = compileAnyString(tests);
    if (keyword) {
      // Plain substring keywords search all values at once (joined by a separator no keyword contains).
      // (A per-value memo here measured slower: one map lookup per field of every event, most of them cache misses.)
      if (!dash && tests.every((t) => t.kind === 'contains' && !t.text.includes(TEXT_SEPARATOR))) return (_raw, v) => any(v.allLowerJoined());
      return (_raw, v) => {
        for (const t of v.allLowerTexts()) if (any(dash ? windashNormalize(t) : t)) return true;
        return false;
      };
    }
    return (raw, v, field, slot) => {
      if (!Array.isArray(raw)) {
        const t = dash ? v.dashSlot(slot, field, fold) : fold ? v.lowerSlot(slot, field) : scalarText(raw);
        return t !== undefined && any(t);
      }
      return onValues(raw, (x) => {
        let t = scalarText(x);
        if (t === undefined) return false;
        if (fold) t = t.toLowerCase();
        if (dash) t = windashNormalize(t);
        return any(t);
      });
    };
  }

  for (const val of item.values) {
    const { pred, literals } = compileValue(val);
    valuePreds.push(pred);
    literalsPerValue.push(literals);
  }

  function compileValue(val: SigmaValue): { pred: ValuePred; literals: Lit[] | undefined } {
    switch (val.type) {
      case 'string': {
        if (timeMod) {
          const n = toNumber(plainText(val) ?? '');
          if (n === undefined) throw new CompileError(`time modifier '${timeMod}' needs a number, got '${val.raw}'`, 'bad-value');
          return { pred: (raw) => onValues(raw, (x) => { const p = timePart(x, timeMod); return p !== undefined && compareNum(p, n, mods); }), literals: undefined };
        }
        const plan = planString(val, mods, fold, dash, keyword, ctx.placeholders);
        const lits = plan.literals.some((l) => l.text.length === 0) ? undefined : plan.literals;
        stringTests.push(...plan.tests);
        return { pred: stringPred(plan.tests), literals: lits };
      }
      case 'number': {
        const n = val.value;
        if (timeMod) return { pred: (raw) => onValues(raw, (x) => { const p = timePart(x, timeMod); return p !== undefined && compareNum(p, n, mods); }), literals: undefined };
        if (mods.some((m) => m === 'gt' || m === 'gte' || m === 'lt' || m === 'lte')) {
          return { pred: (raw) => onValues(raw, (x) => { const a = toNumber(x); return a !== undefined && compareNum(a, n, mods); }), literals: undefined };
        }
        const rawLower = val.raw.toLowerCase();
        const text = String(n);
        return {
          pred: (raw) => onValues(raw, (x) => {
            if (typeof x === 'number') return x === n;
            const t = scalarText(x);
            if (t === undefined) return false;
            if (t === text || t.toLowerCase() === rawLower) return true;
            return /^\s*-?\d+(\.\d+)?\s*$/.test(t) && Number(t) === n;
          }),
          // numeric strings compare by value (' 0517' is 517): the digits occur, not necessarily as the whole value
          literals: (keyword ? [text] : [text.length >= rawLower.length ? text : rawLower].filter((s) => s.length > 0)).map(contains),
        };
      }
      case 'bool': {
        const b = val.value;
        return { pred: (raw) => onValues(raw, (x) => (typeof x === 'boolean' ? x === b : typeof x === 'string' && x.toLowerCase() === String(b))), literals: [contains(String(b))] };
      }
      case 'null':
        return { pred: (raw) => raw === undefined || raw === null, literals: undefined };
      case 'exists': {
        const want = val.value;
        return { pred: (_raw, v, field, slot) => v.hasSlot(slot, field) === want, literals: undefined };
      }
      case 'regex': {
        const re = compileRegex(val.pattern, val.flags);
        const run = runLengthTest(val.pattern, val.flags);
        if (run !== undefined) return { pred: (raw) => onValues(raw, (x) => { const t = scalarText(x); return t !== undefined && run(t); }), literals: undefined };
        const lit = regexLiteral(val.pattern);
        // values shorter than any match are ruled out without running the matcher, and most others by a native regex
        const minLength = regexMinLength(val.pattern);
        const native = nativePrefilter(val.pattern, val.flags);
        return {
          pred: native
            ? (raw) => onValues(raw, (x) => { const t = scalarText(x); return t !== undefined && t.length >= minLength && native.test(t) && re.test(t); })
            : (raw) => onValues(raw, (x) => { const t = scalarText(x); return t !== undefined && t.length >= minLength && re.test(t); }),
          literals: lit.length >= 1 ? [contains(lit)] : undefined,
        };
      }
      case 'cidr': {
        const { bytes, prefix } = val;
        return { pred: (raw) => onValues(raw, (x) => { const t = scalarText(x); if (t === undefined) return false; const ip = parseIp(t); return ip !== undefined && cidrContains(bytes, prefix, ip); }), literals: undefined };
      }
      case 'fieldref': {
        const other = val.field;
        const otherSlot = fieldSlot(other);
        const op = mods.includes('startswith') ? 'prefix' : mods.includes('endswith') ? 'suffix' : mods.includes('contains') ? 'contains' : 'eq';
        return {
          pred: (raw, v) => {
            const o = v.getSlot(otherSlot, other);
            if (o === undefined) return false;
            let ot = scalarText(o);
            if (ot === undefined) return false;
            if (fold) ot = ot.toLowerCase();
            return onValues(raw, (x) => {
              let t = scalarText(x);
              if (t === undefined) return false;
              if (fold) t = t.toLowerCase();
              return op === 'eq' ? t === ot : op === 'prefix' ? t.startsWith(ot!) : op === 'suffix' ? t.endsWith(ot!) : t.includes(ot!);
            });
          },
          literals: undefined,
        };
      }
    }
  }

  // Several string values under "any": one test of all their string tests (a value list searched at once).
  if (!all && !neq && !timeMod && valuePreds.length > 1 && item.values.every((x) => x.type === 'string')) valuePreds.splice(0, valuePreds.length, stringPred(stringTests));

  // Combine values: any (default) or all; neq negates the whole item but needs the field present.
  const n = valuePreds.length;
  const one = (v: EventView, field: string, slot: number): boolean => {
    const raw = keyword ? undefined : v.getSlot(slot, field);
    if (neq) {
      if (raw === undefined || raw === null) return false;
      for (let i = 0; i < n; i++) if (valuePreds[i]!(raw, v, field, slot)) return false;
      return true;
    }
    if (all) {
      for (let i = 0; i < n; i++) if (!valuePreds[i]!(raw, v, field, slot)) return false;
      return true;
    }
    for (let i = 0; i < n; i++) if (valuePreds[i]!(raw, v, field, slot)) return true;
    return false;
  };

  // Prefilter clauses (AND of ORs of literals): without `all`, every value must name a literal
  // (one clause); with `all`, each value that names literals is a clause of its own.
  // windash compares a normalised value: only the longest dash-free piece is known, somewhere in it.
  const dashFree = (l: Lit): Lit => (dash ? contains(l.text.split(/[-\/\u2013\u2014\u2015]/).reduce((a, b) => (b.length > a.length ? b : a), '')) : l);
  let lits: Lit[][] = [];
  if (!neq) {
    if (all) lits = literalsPerValue.filter((l): l is Lit[] => l !== undefined).map((l) => l.map(dashFree));
    else if (literalsPerValue.every((l) => l !== undefined)) lits = [(literalsPerValue.flat() as Lit[]).map(dashFree)];
  }
  const needs = lits.map((clause) => clause.map((l): NeedLiteral => ({ text: l.text, kind: l.kind, fields })));
  let test: Pred;
  if (keyword) {
    // the event's JSON text, when the reader gives it, rules out most events before any value is joined
    const gate = keywordRawGate(needs);
    test =
      gate === undefined
        ? (v) => one(v, '', -1)
        : (v) => {
            const text = v.decidableRawText();
            return (text === undefined || !gate.rulesOut(text)) && one(v, '', -1);
          };
  }
  else if (fields!.length === 1) {
    const f = fields![0]!;
    const slot = fieldSlot(f);
    // a field reference reads another field (not a function of this one's value); exists/null tests cost less than a lookup
    const memo = ctx.memos !== undefined && !item.values.some((x) => x.type === 'fieldref' || x.type === 'exists' || x.type === 'null') ? ctx.memos.itemMemo() : undefined;
    test =
      memo === undefined
        ? (v) => one(v, f, slot)
        : (v) => {
            const raw = v.getSlot(slot, f);
            if (typeof raw !== 'string' || !memo.admits(raw)) return one(v, f, slot);
            const known = memo.get(raw);
            if (known !== undefined) return known;
            const answer = one(v, f, slot);
            memo.set(raw, answer);
            return answer;
          };
  } else {
    const fs = fields!;
    const slots = fs.map(fieldSlot);
    // A field mapped to alternatives: null/exists-false need all alternatives absent; others any present one.
    const negative = item.values.every((x) => x.type === 'null' || (x.type === 'exists' && !x.value));
    test = negative
      ? (v) => {
          for (let i = 0; i < fs.length; i++) if (!one(v, fs[i]!, slots[i]!)) return false;
          return true;
        }
      : (v) => {
          for (let i = 0; i < fs.length; i++) if (one(v, fs[i]!, slots[i]!)) return true;
          return false;
        };
  }

  return { test, needs };
}

export { hasWildcards };
