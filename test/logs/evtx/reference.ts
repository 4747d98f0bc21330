/** Reference conversions shipped beside the EVTX samples, and the comparison used by the parity test. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';

export function evtxFilesUnder(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) evtxFilesUnder(path, out);
    else if (name.endsWith('.evtx')) out.push(path);
  }
  return out;
}

/** python-evtx flat JSONL: one object per line. */
export function readJsonl(path: string): Record<string, unknown>[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Regression `.json`: pretty-printed objects concatenated (not an array). */
export function readConcatenatedJson(path: string): unknown[] {
  const text = readFileSync(path, 'utf8');
  const out: unknown[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  let escaped = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (escaped) escaped = false;
      else if (c === '\\') escaped = true;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === '{') {
      if (depth++ === 0) start = i;
    } else if (c === '}') {
      if (--depth === 0) out.push(JSON.parse(text.slice(start, i + 1)));
    }
  }
  return out;
}

/** Paths (a.b.c) where two JSON values differ, at most `limit` of them. */
export function differences(got: unknown, want: unknown, path = '', limit = 5, out: string[] = []): string[] {
  if (out.length >= limit || isDeepStrictEqual(got, want)) return out;
  if (got && want && typeof got === 'object' && typeof want === 'object' && !Array.isArray(got) && !Array.isArray(want)) {
    for (const k of new Set([...Object.keys(got), ...Object.keys(want)])) {
      differences((got as Record<string, unknown>)[k], (want as Record<string, unknown>)[k], `${path}.${k}`, limit, out);
    }
    return out;
  }
  out.push(`${path}: got ${JSON.stringify(got)?.slice(0, 120)} want ${JSON.stringify(want)?.slice(0, 120)}`);
  return out;
}
