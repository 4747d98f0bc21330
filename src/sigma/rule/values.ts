/**
 * Sigma string parsing: wildcards `*` `?`, the `\` escape (spec "Escape
 * Character": `\` escapes `*`, `?` and `\`; before anything else it is a
 * plain backslash), and `%placeholder%` when `expand` is in effect (`\%` is a
 * plain percent sign then).
 */
import type { SigmaString, StringPart } from './types.js';

function pushText(parts: StringPart[], text: string): void {
  if (text === '') return;
  const last = parts[parts.length - 1];
  if (last && last.kind === 'text') last.text += text;
  else parts.push({ kind: 'text', text });
}

export function parseSigmaString(raw: string, expand = false): SigmaString {
  const parts: StringPart[] = [];
  let buf = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c === '\\') {
      const n = raw[i + 1];
      if (n === '*' || n === '?' || n === '\\' || (expand && n === '%')) {
        buf += n;
        i++;
      } else {
        buf += '\\';
      }
    } else if (c === '*' || c === '?') {
      pushText(parts, buf);
      buf = '';
      parts.push(c === '*' ? { kind: 'any' } : { kind: 'one' });
    } else if (c === '%' && expand) {
      const end = raw.indexOf('%', i + 1);
      const name = end > i + 1 ? raw.slice(i + 1, end) : '';
      if (name !== '' && /^[A-Za-z0-9_.\-]+$/.test(name)) {
        pushText(parts, buf);
        buf = '';
        parts.push({ kind: 'placeholder', name });
        i = end;
      } else {
        buf += c;
      }
    } else {
      buf += c;
    }
  }
  pushText(parts, buf);
  return { type: 'string', parts, raw };
}

/** A plain (wildcard-free) Sigma string. */
export function plainString(text: string): SigmaString {
  return { type: 'string', parts: text === '' ? [] : [{ kind: 'text', text }], raw: text.replace(/[\\*?]/g, (m) => '\\' + m) };
}

export function hasWildcards(s: SigmaString): boolean {
  return s.parts.some((p) => p.kind === 'any' || p.kind === 'one');
}

export function hasPlaceholders(s: SigmaString): boolean {
  return s.parts.some((p) => p.kind === 'placeholder');
}

/** The literal text when the string has no wildcards or placeholders. */
export function plainText(s: SigmaString): string | undefined {
  let out = '';
  for (const p of s.parts) {
    if (p.kind !== 'text') return undefined;
    out += p.text;
  }
  return out;
}

/** Render back to Sigma syntax (escaping what needs it). */
export function renderSigmaString(s: SigmaString): string {
  let out = '';
  for (const p of s.parts) {
    if (p.kind === 'text') out += p.text.replace(/[*?]|\\(?=[*?\\]|$)/g, (m) => '\\' + m);
    else if (p.kind === 'any') out += '*';
    else if (p.kind === 'one') out += '?';
    else out += `%${p.name}%`;
  }
  return out;
}
