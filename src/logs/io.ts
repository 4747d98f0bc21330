/**
 * Byte and line streams under every text reader: a file opened as a stream of
 * decompressed chunks (gzip detected by its magic bytes, not the name), split
 * into lines with a hard cap on line length. Problems (truncated gzip, lines
 * over the cap, invalid UTF-8) become `Issue`s with the file and line; the
 * stream then goes on or ends cleanly, it never throws on bad content.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { isUtf8 } from 'node:buffer';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';
import { errorMessage, type Issue } from '../common/errors.js';

export const GZIP_MAGIC = [0x1f, 0x8b] as const;
export const EVTX_MAGIC = 'ElfFile\0';

/** Default cap on one line (or one JSON value in a JSON stream): 16 MiB. */
export const DEFAULT_MAX_LINE_BYTES = 16 * 1024 * 1024;

/** Bytes per read of a plain file (gunzip output comes in smaller chunks). */
export const READ_CHUNK_BYTES = 1024 * 1024;

export type IssueSink = (issue: Issue) => void;

/** Read the first `n` bytes of a file (fewer if it is shorter). */
export async function readHead(path: string, n: number): Promise<Buffer> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(n);
    const { bytesRead } = await fh.read(buf, 0, n, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

export function isGzip(head: Uint8Array): boolean {
  return head.length >= 2 && head[0] === GZIP_MAGIC[0] && head[1] === GZIP_MAGIC[1];
}

export function isEvtx(head: Uint8Array): boolean {
  if (head.length < 8) return false;
  for (let i = 0; i < 8; i++) if (head[i] !== EVTX_MAGIC.charCodeAt(i)) return false;
  return true;
}

export interface ByteStreamOptions {
  signal?: AbortSignal;
  onIssue?: IssueSink;
  /** Counters updated while reading. */
  counters?: { compressedBytes: number; bytes: number };
}

/**
 * The file's content as chunks, gunzipped when it starts with the gzip magic.
 * A truncated or corrupt gzip stream ends the iteration with an `Issue`
 * (code `gzip`) after yielding everything that could be decompressed.
 */
export async function* byteChunks(path: string, gzip: boolean, opts: ByteStreamOptions = {}): AsyncGenerator<Buffer> {
  const file = createReadStream(path, { highWaterMark: READ_CHUNK_BYTES });
  let source: Readable = file;
  if (gzip) {
    const gunzip = createGunzip({ chunkSize: 256 * 1024 });
    file.on('error', (err) => gunzip.destroy(err));
    if (opts.counters) {
      const c = opts.counters;
      file.on('data', (b: string | Buffer) => {
        c.compressedBytes += b.length;
      });
    }
    source = file.pipe(gunzip);
  }
  try {
    for await (const chunk of source) {
      opts.signal?.throwIfAborted();
      const b = chunk as Buffer;
      if (opts.counters) {
        opts.counters.bytes += b.length;
        if (!gzip) opts.counters.compressedBytes += b.length;
      }
      yield b;
    }
  } catch (err) {
    if (opts.signal?.aborted) throw err;
    const e = err as NodeJS.ErrnoException;
    if (gzip && (e.code?.startsWith('Z_') || /unexpected end of file|incorrect header|invalid/i.test(e.message ?? ''))) {
      opts.onIssue?.({
        severity: 'error',
        code: 'gzip',
        message: `gzip stream is truncated or corrupt (${errorMessage(err)}); read what came before`,
        place: { file: path, offset: opts.counters?.bytes },
      });
      return;
    }
    throw err;
  } finally {
    file.destroy();
    source.destroy();
  }
}

/**
 * A plain file's bytes as chunks read into one buffer that is reused: each
 * chunk is valid only until the next is requested. For a consumer that copies
 * what it keeps and allocates little else (the parallel hunt's block
 * splitter): there, a fresh buffer per chunk is external memory that only a
 * full collection would release, as no young-generation collections happen.
 */
export async function* reusedChunks(path: string, size = READ_CHUNK_BYTES): AsyncGenerator<Buffer> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(size);
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, size, null);
      if (bytesRead === 0) return;
      yield buf.subarray(0, bytesRead);
    }
  } finally {
    await fh.close();
  }
}

/**
 * Chunks with the first `head` bytes already pulled (for content sniffing),
 * replayed before the rest of the stream.
 */
export class PeekedChunks {
  private constructor(
    readonly head: Buffer,
    private readonly first: Buffer[],
    private readonly rest: AsyncGenerator<Buffer>,
    readonly ended: boolean,
  ) {}

  static async open(chunks: AsyncGenerator<Buffer>, want: number): Promise<PeekedChunks> {
    const first: Buffer[] = [];
    let have = 0;
    let ended = false;
    while (have < want) {
      const r = await chunks.next();
      if (r.done) {
        ended = true;
        break;
      }
      first.push(r.value);
      have += r.value.length;
    }
    const all = first.length === 1 ? first[0]! : Buffer.concat(first);
    return new PeekedChunks(all.subarray(0, Math.min(want, all.length)), first, chunks, ended);
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Buffer> {
    try {
      for (const b of this.first) yield b;
      if (!this.ended) yield* this.rest;
    } finally {
      await this.rest.return(undefined);
    }
  }

  async close(): Promise<void> {
    await this.rest.return(undefined);
  }
}

/** One line of text with its place. */
export interface Line {
  text: string;
  /** 1-based line number. */
  line: number;
  /** Byte offset of the line start in the decompressed content. */
  offset: number;
}

export interface LineOptions {
  file: string;
  maxLineBytes?: number;
  onIssue?: IssueSink;
  signal?: AbortSignal;
  /** Report lines that are not valid UTF-8 (decoded with U+FFFD replacements). */
  checkUtf8?: boolean;
  /** Counter of lines seen (including skipped ones). */
  counters?: { lines: number };
}

/**
 * Split chunks into lines (LF or CRLF). Blank lines are skipped (but counted).
 * A line longer than `maxLineBytes` is dropped with an `Issue` (code
 * `line-too-long`) and reading resumes at the next newline, so one huge line
 * costs no more memory than the cap.
 */
export async function* splitLines(chunks: AsyncIterable<Buffer>, opts: LineOptions): AsyncGenerator<Line> {
  for await (const lines of splitLineBatches(chunks, opts)) yield* lines;
}

/**
 * `splitLines`, one array of lines per chunk: for readers that handle a
 * chunk's lines in one go (one await per chunk instead of one per line).
 */
export async function* splitLineBatches(chunks: AsyncIterable<Buffer>, opts: LineOptions): AsyncGenerator<Line[]> {
  const max = opts.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  const checkUtf8 = opts.checkUtf8 ?? true;
  let carry: Buffer[] = [];
  let carryLen = 0;
  let overflow = false;
  let lineNo = 0;
  let lineStart = 0; // offset of the current line's first byte
  let base = 0; // offset of the current chunk's first byte

  const emit = (buf: Buffer, start: number, end: number, valid: boolean): Line | undefined => {
    lineNo++;
    if (opts.counters) opts.counters.lines = lineNo;
    if (end > start && buf[end - 1] === 0x0d) end--;
    // skip blank and whitespace-only lines cheaply
    let s = start;
    while (s < end && (buf[s] === 0x20 || buf[s] === 0x09)) s++;
    if (s === end) return undefined;
    if (checkUtf8 && !valid && !isUtf8(buf.subarray(start, end))) {
      opts.onIssue?.({
        severity: 'warning',
        code: 'invalid-utf8',
        message: 'line is not valid UTF-8; invalid bytes replaced by U+FFFD',
        place: { file: opts.file, line: lineNo, offset: lineStart },
      });
    }
    return { text: buf.toString('utf8', start, end), line: lineNo, offset: lineStart };
  };

  const reportOverflow = () => {
    opts.onIssue?.({
      severity: 'error',
      code: 'line-too-long',
      message: `line longer than ${max} bytes skipped`,
      place: { file: opts.file, line: lineNo, offset: lineStart },
    });
  };

  for await (const chunk of chunks) {
    opts.signal?.throwIfAborted();
    const out: Line[] = [];
    // a chunk that is valid UTF-8 as a whole needs no check per line (one cut inside a character makes it invalid: then each line is checked)
    const chunkValid = checkUtf8 && isUtf8(chunk);
    let pos = 0;
    while (pos < chunk.length) {
      const nl = chunk.indexOf(0x0a, pos);
      if (nl === -1) {
        const rest = chunk.length - pos;
        if (!overflow) {
          if (carryLen + rest > max) {
            overflow = true;
            carry = [];
            carryLen = 0;
          } else {
            carry.push(chunk.subarray(pos));
            carryLen += rest;
          }
        }
        break;
      }
      if (overflow) {
        lineNo++;
        if (opts.counters) opts.counters.lines = lineNo;
        reportOverflow();
        overflow = false;
      } else if (carryLen > 0) {
        if (carryLen + (nl - pos) > max) {
          lineNo++;
          if (opts.counters) opts.counters.lines = lineNo;
          reportOverflow();
        } else {
          carry.push(chunk.subarray(pos, nl));
          const whole = Buffer.concat(carry, carryLen + (nl - pos));
          const l = emit(whole, 0, whole.length, false);
          if (l) out.push(l);
        }
        carry = [];
        carryLen = 0;
      } else if (nl - pos > max) {
        lineNo++;
        if (opts.counters) opts.counters.lines = lineNo;
        reportOverflow();
      } else {
        const l = emit(chunk, pos, nl, chunkValid);
        if (l) out.push(l);
      }
      pos = nl + 1;
      lineStart = base + pos;
    }
    base += chunk.length;
    if (out.length > 0) yield out;
  }
  if (overflow) {
    lineNo++;
    if (opts.counters) opts.counters.lines = lineNo;
    reportOverflow();
  } else if (carryLen > 0) {
    const whole = Buffer.concat(carry, carryLen);
    const l = emit(whole, 0, whole.length, false);
    if (l) yield [l];
  }
}
