/**
 * Character-level cleaning of extracted text. Report text is attacker
 * influenced: control characters, bidirectional overrides (Trojan Source) and
 * zero-width characters are dropped, exotic spaces become spaces, line ends
 * become `\n`, runs of spaces and of blank lines are collapsed, lone
 * surrogates become U+FFFD. Returns the offset map back to the input so
 * callers can relate positions (the TRAM evaluation maps gold spans with it).
 */
import { MappedWriter, type OffsetMap } from './offsets.js';

export interface CleanResult {
  text: string;
  map: OffsetMap;
  /** Control, bidi-override and zero-width characters removed. */
  dropped: number;
}

type CharClass = 'keep' | 'space' | 'newline' | 'cr' | 'drop' | 'surrogate';

function classify(c: number): CharClass {
  if (c >= 0x21 && c < 0x7f) return 'keep';
  if (c === 0x20 || c === 0x09 || c === 0x0b || c === 0x0c) return 'space';
  if (c === 0x0a) return 'newline';
  if (c === 0x0d) return 'cr';
  if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) return 'drop';
  if (c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x202f || c === 0x205f || c === 0x3000) return 'space';
  if ((c >= 0x200b && c <= 0x200f) || c === 0x2060 || c === 0xfeff || c === 0x00ad) return 'drop';
  if ((c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) || c === 0x061c) return 'drop';
  if (c === 0x2028 || c === 0x2029) return 'newline';
  if (c >= 0xd800 && c <= 0xdfff) return 'surrogate';
  return 'keep';
}

export interface CleanOptions {
  /** Keep runs of spaces and tabs (as spaces): code, where indentation matters. */
  keepSpaces?: boolean;
  /** Most consecutive line ends kept (default 2: one blank line). */
  maxNewlines?: number;
}

export function cleanText(raw: string, opts: CleanOptions = {}): CleanResult {
  const maxNewlines = opts.maxNewlines ?? 2;
  const w = new MappedWriter();
  let dropped = 0;
  let runStart = 0;
  let pendingSpace = -1;
  let newlines = maxNewlines; // leading blank lines are dropped
  let lineHasText = false;
  const flush = (i: number) => {
    if (i > runStart) w.copy(raw.slice(runStart, i), runStart);
    runStart = i;
  };
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    let k = classify(c);
    if (k === 'space' && c === 0x20 && lineHasText && pendingSpace < 0 && !opts.keepSpaces) {
      // A single plain space between words stays in the verbatim run.
      const next = i + 1 < raw.length ? classify(raw.charCodeAt(i + 1)) : 'newline';
      if (next === 'keep' || next === 'surrogate') continue;
    }
    if (k === 'surrogate') {
      const paired =
        (c <= 0xdbff && i + 1 < raw.length && (raw.charCodeAt(i + 1) & 0xfc00) === 0xdc00) ||
        (c >= 0xdc00 && i > 0 && (raw.charCodeAt(i - 1) & 0xfc00) === 0xd800);
      if (paired) k = 'keep';
    }
    if (k === 'keep') {
      if (pendingSpace >= 0) {
        if (lineHasText) w.replace(' ', pendingSpace, i);
        else w.skip(i);
        pendingSpace = -1;
        runStart = i;
      }
      lineHasText = true;
      newlines = 0;
      continue;
    }
    flush(i);
    if (k === 'cr') {
      if (raw.charCodeAt(i + 1) === 0x0a) {
        // the \n that follows ends the line
        w.skip(i + 1);
        runStart = i + 1;
        continue;
      }
      k = 'newline'; // a lone CR ends a line
    }
    switch (k) {
      case 'space':
        if (opts.keepSpaces) {
          w.replace(' ', i, i + 1);
          lineHasText = true;
          newlines = 0;
        } else if (pendingSpace < 0) {
          pendingSpace = i;
        }
        break;
      case 'newline':
        pendingSpace = -1;
        if (newlines < maxNewlines) {
          w.replace('\n', i, i + 1);
          newlines++;
        } else {
          w.skip(i + 1);
        }
        lineHasText = false;
        break;
      case 'drop':
        dropped++;
        w.skip(i + 1);
        break;
      case 'surrogate':
        w.replace('\ufffd', i, i + 1);
        lineHasText = true;
        newlines = 0;
        break;
    }
    runStart = i + 1;
  }
  flush(raw.length);
  let text = w.toString();
  // Trailing whitespace carries nothing; cutting only at the end leaves every offset intact.
  let end = text.length;
  while (end > 0 && (text.charCodeAt(end - 1) === 0x20 || text.charCodeAt(end - 1) === 0x0a)) end--;
  if (end < text.length) text = text.slice(0, end);
  return { text, map: w.map, dropped };
}
