/**
 * Streaming splitter for JSON documents that are not one-object-per-line: a
 * top-level array of objects, or objects concatenated one after another
 * (pretty-printed, as the Sigma regression samples are). It only tracks
 * brackets and strings to find where each object ends, then hands that slice
 * to `JSON.parse`, so memory is bounded by the largest object (capped), not
 * by the file. Junk between values is skipped and reported once per run.
 */
import type { IssueSink } from './io.js';
import { DEFAULT_MAX_LINE_BYTES } from './io.js';

export interface JsonValue {
  value: unknown;
  /** 1-based line where the value starts. */
  line: number;
  /** Byte offset where the value starts (decompressed content). */
  offset: number;
  /** 0-based index of the value in the stream / array. */
  index: number;
}

export interface JsonStreamOptions {
  file: string;
  maxValueBytes?: number;
  onIssue?: IssueSink;
  signal?: AbortSignal;
}

const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LBRACK = 0x5b;
const RBRACK = 0x5d;
const QUOTE = 0x22;
const BSLASH = 0x5c;
const NL = 0x0a;

function isWs(b: number): boolean {
  return b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
}

export async function* jsonValues(chunks: AsyncIterable<Buffer>, opts: JsonStreamOptions): AsyncGenerator<JsonValue> {
  const max = opts.maxValueBytes ?? DEFAULT_MAX_LINE_BYTES;
  // `base` is the depth at which records live: 0 for concatenated objects, 1 inside a top-level array.
  let base = 0;
  let depth = 0;
  let inString = false;
  let escape = false;
  let line = 1;
  let offset = 0; // offset of chunk start
  let index = 0;
  // current value
  let inValue = false;
  let pieces: Buffer[] = [];
  let size = 0;
  let tooBig = false;
  let valueLine = 0;
  let valueOffset = 0;
  let valueStartInChunk = 0;
  let junk = false;
  let stringIsJunk = false;

  const reportJunk = (i: number) => {
    if (junk) return;
    junk = true;
    opts.onIssue?.({
      severity: 'error',
      code: 'json-junk',
      message: 'skipped bytes that are not a JSON object',
      place: { file: opts.file, line, offset: offset + i },
    });
  };

  const finish = (chunk: Buffer, end: number): JsonValue | undefined => {
    inValue = false;
    const idx = index++;
    if (tooBig) {
      tooBig = false;
      pieces = [];
      size = 0;
      opts.onIssue?.({
        severity: 'error',
        code: 'value-too-large',
        message: `JSON value larger than ${max} bytes skipped`,
        place: { file: opts.file, line: valueLine, offset: valueOffset, record: idx },
      });
      return undefined;
    }
    const part = chunk.subarray(valueStartInChunk, end);
    const whole = pieces.length === 0 ? part : Buffer.concat([...pieces, part], size + part.length);
    pieces = [];
    size = 0;
    try {
      return { value: JSON.parse(whole.toString('utf8')), line: valueLine, offset: valueOffset, index: idx };
    } catch (err) {
      opts.onIssue?.({
        severity: 'error',
        code: 'json-parse',
        message: `invalid JSON: ${(err as Error).message.slice(0, 200)}`,
        place: { file: opts.file, line: valueLine, offset: valueOffset, record: idx },
      });
      return undefined;
    }
  };

  for await (const chunk of chunks) {
    opts.signal?.throwIfAborted();
    const len = chunk.length;
    let i = 0;
    let nextQ = chunk.indexOf(QUOTE);
    let nextBs = chunk.indexOf(BSLASH);
    valueStartInChunk = 0;
    while (i < len) {
      if (inString) {
        if (escape) {
          escape = false;
          i++;
          continue;
        }
        // next quote / backslash, cached per chunk so long runs of strings stay linear
        if (nextQ !== -1 && nextQ < i) nextQ = chunk.indexOf(QUOTE, i);
        if (nextBs !== -1 && nextBs < i) nextBs = chunk.indexOf(BSLASH, i);
        const q = nextQ;
        const bs = nextBs;
        if (bs !== -1 && (q === -1 || bs < q)) {
          if (bs + 1 >= len) {
            escape = true;
            i = len;
          } else i = bs + 2;
          continue;
        }
        if (q === -1) {
          i = len;
          continue;
        }
        inString = false;
        i = q + 1;
        if (stringIsJunk) stringIsJunk = false;
        continue;
      }
      const b = chunk[i]!;
      if (b === NL) line++;
      if (inValue) {
        if (b === QUOTE) inString = true;
        else if (b === LBRACE || b === LBRACK) depth++;
        else if (b === RBRACE || b === RBRACK) {
          depth--;
          if (depth === base) {
            const v = finish(chunk, i + 1);
            if (v) yield v;
          }
        }
        i++;
        continue;
      }
      // between values
      if (isWs(b)) {
        i++;
        continue;
      }
      if (b === LBRACE || (b === LBRACK && base === 1)) {
        // a record starts (an object, or a nested array inside the top-level array)
        junk = false;
        inValue = true;
        valueLine = line;
        valueOffset = offset + i;
        valueStartInChunk = i;
        pieces = [];
        size = 0;
        tooBig = false;
        depth++;
        i++;
        continue;
      }
      if (b === LBRACK && depth === 0) {
        base = 1;
        depth = 1;
        junk = false;
        i++;
        continue;
      }
      if (b === RBRACK && base === 1 && depth === 1) {
        base = 0;
        depth = 0;
        junk = false;
        i++;
        continue;
      }
      if (b === 0x2c && base === 1) {
        junk = false;
        i++;
        continue;
      }
      if (b === QUOTE) {
        inString = true;
        stringIsJunk = true;
      }
      reportJunk(i);
      i++;
    }
    if (inValue) {
      const part = chunk.subarray(valueStartInChunk);
      if (!tooBig) {
        if (size + part.length > max) {
          tooBig = true;
          pieces = [];
          size = 0;
        } else {
          pieces.push(part);
          size += part.length;
        }
      }
    }
    offset += len;
  }
  if (inValue) {
    opts.onIssue?.({
      severity: 'error',
      code: 'json-truncated',
      message: 'file ends inside a JSON value',
      place: { file: opts.file, line: valueLine, offset: valueOffset, record: index },
    });
  }
}
