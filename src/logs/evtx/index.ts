/**
 * Native EVTX (Windows XML event log) reader.
 *
 *   readEvtx(path, { shape: 'flat' | 'nested', onIssue })  → AsyncIterable<LogRecord>
 *   readEvtxStream(byteChunks, { file, shape, onIssue })   → AsyncIterable<LogRecord>  (e.g. gunzipped)
 *   parseEvtxBuffer(buf, { file, shape })                  → { records, issues }
 *
 * The file is read chunk by chunk (4 KiB header, then 64 KiB chunks), so
 * memory stays bounded by one chunk and its decoded records whatever the
 * file size. Damage never throws: it is reported as Issue values (file and
 * byte offset) and reading goes on with the next record or chunk.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import type { Issue } from '../../common/errors.js';
import type { LogRecord } from '../record.js';
import { CHUNK_SIZE, FILE_HEADER_SIZE, decodeChunk, parseFileHeader } from './chunk.js';
import { isElement, type EvtxRecord, type EvtxValue, type XElement } from './model.js';
import { flattenEvent } from './shape-flat.js';
import { nestEvent } from './shape-nested.js';

export type EvtxShape = 'flat' | 'nested';

export interface ReadEvtxOptions {
  /** Called for every problem found (bad checksum, skipped record, …). Default: ignore. */
  onIssue?: (issue: Issue) => void;
  /** `flat` (default): python-evtx JSONL fields; `nested`: `{Event: {System, EventData|UserData}}`. */
  shape?: EvtxShape;
  /** Stops the read (between chunks) with the signal's reason. */
  signal?: AbortSignal;
}

export { isEvtxSignature, parseFileHeader, type FileHeader } from './chunk.js';
export type { EvtxRecord, EvtxValue, XElement, XChild, XAttribute } from './model.js';
export { ValueType } from './model.js';
export { flattenEvent } from './shape-flat.js';
export { nestEvent } from './shape-nested.js';
export { crc32 } from './crc32.js';

/**
 * The event's System/EventRecordID; the record header's id when absent. The
 * two differ in re-exported logs (header ids renumbered from 1), and tools and
 * people cite the one in the XML.
 */
function eventRecordId(r: EvtxRecord): number {
  const sys = r.root?.children.find((c) => isElement(c) && c.name === 'System') as XElement | undefined;
  const el = sys?.children.find((c) => isElement(c) && c.name === 'EventRecordID') as XElement | undefined;
  const v = el?.children.find((c) => !isElement(c)) as EvtxValue | undefined;
  if (v && (typeof v.value === 'number' || typeof v.value === 'bigint')) return Number(v.value);
  if (v && typeof v.value === 'string' && /^\d+$/.test(v.value)) return Number(v.value);
  return Number(r.recordId);
}

function toLogRecord(r: EvtxRecord, file: string, shape: EvtxShape): LogRecord | null {
  if (!r.root) return null;
  const fields = shape === 'nested' ? nestEvent(r.root) : flattenEvent(r.root);
  return { fields, format: 'evtx', source: { file, record: eventRecordId(r), offset: r.offset } };
}

function checkHeader(header: Buffer, file: string, onIssue: (i: Issue) => void): void {
  const h = parseFileHeader(header);
  if (!h) {
    onIssue({
      severity: 'error',
      code: 'evtx-file-signature',
      message: header.length < FILE_HEADER_SIZE ? 'file too short for an EVTX header' : 'not an EVTX file header (ElfFile signature missing); scanning for chunks anyway',
      place: { file, offset: 0 },
    });
  } else {
    if (!h.checksumOk) onIssue({ severity: 'warning', code: 'evtx-file-header-crc', message: 'file header checksum mismatch', place: { file, offset: 124 } });
    if (header.length < FILE_HEADER_SIZE) {
      onIssue({ severity: 'error', code: 'evtx-truncated', message: 'file ends inside the 4 KiB file header: no chunks', place: { file, offset: header.length } });
    }
  }
}

/** Decode a whole EVTX image held in memory (tests, fuzzing, small inputs). Never throws on bad bytes. */
export function parseEvtxBuffer(buf: Uint8Array, opts: { file?: string; shape?: EvtxShape } = {}): { records: LogRecord[]; issues: Issue[] } {
  const file = opts.file ?? '<buffer>';
  const shape = opts.shape ?? 'flat';
  const issues: Issue[] = [];
  const onIssue = (i: Issue) => issues.push(i);
  const data = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  checkHeader(data.subarray(0, FILE_HEADER_SIZE), file, onIssue);
  const records: LogRecord[] = [];
  for (let off = FILE_HEADER_SIZE; off < data.length; off += CHUNK_SIZE) {
    const chunk = data.subarray(off, Math.min(off + CHUNK_SIZE, data.length));
    if (chunk.length < CHUNK_SIZE) truncated(chunk.length, off, file, onIssue);
    for (const r of decodeChunk(chunk, off, file, onIssue)) {
      const lr = toLogRecord(r, file, shape);
      if (lr) records.push(lr);
    }
  }
  return { records, issues };
}

function truncated(length: number, offset: number, file: string, onIssue: (i: Issue) => void): void {
  onIssue({
    severity: 'warning',
    code: 'evtx-truncated',
    message: `last chunk is truncated (${length} of ${CHUNK_SIZE} bytes); reading the records it still holds`,
    place: { file, offset },
  });
}

/**
 * Stream the records of an EVTX file, one 64 KiB chunk in memory at a time.
 * Throws only if the file cannot be opened or read (or on abort); damaged
 * content is reported through `onIssue`.
 */
export async function* readEvtx(path: string, opts: ReadEvtxOptions = {}): AsyncGenerator<LogRecord> {
  const onIssue = opts.onIssue ?? (() => {});
  const shape = opts.shape ?? 'flat';
  const fh = await open(path, 'r');
  try {
    const header = Buffer.alloc(FILE_HEADER_SIZE);
    const { bytesRead } = await fh.read(header, 0, FILE_HEADER_SIZE, 0);
    if (bytesRead >= 2 && header[0] === 0x1f && header[1] === 0x8b) {
      // gzip: decompress on the fly, still one chunk at a time.
      yield* readGzipped(path, opts);
      return;
    }
    checkHeader(header.subarray(0, bytesRead), path, onIssue);
    if (bytesRead < FILE_HEADER_SIZE) return;
    // One buffer for every chunk: decoded records hold copies, never views into it.
    const chunk = Buffer.alloc(CHUNK_SIZE);
    for (let off = FILE_HEADER_SIZE; ; off += CHUNK_SIZE) {
      opts.signal?.throwIfAborted();
      let filled = 0;
      while (filled < CHUNK_SIZE) {
        const { bytesRead: n } = await fh.read(chunk, filled, CHUNK_SIZE - filled, off + filled);
        if (n === 0) break;
        filled += n;
      }
      if (filled === 0) break;
      if (filled < CHUNK_SIZE) truncated(filled, off, path, onIssue);
      const decoded = decodeChunk(chunk.subarray(0, filled), off, path, onIssue);
      for (const r of decoded) {
        const lr = toLogRecord(r, path, shape);
        if (lr) yield lr;
      }
      if (filled < CHUNK_SIZE) break;
    }
  } finally {
    await fh.close();
  }
}

/**
 * Stream the records of an EVTX image arriving as byte chunks of any size (a
 * decompressed `.evtx.gz`, a network stream). `file` names the source in
 * issues and records. Memory stays at one 64 KiB chunk plus its records.
 */
export async function* readEvtxStream(
  bytes: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  opts: ReadEvtxOptions & { file: string },
): AsyncGenerator<LogRecord> {
  const onIssue = opts.onIssue ?? (() => {});
  const shape = opts.shape ?? 'flat';
  const file = opts.file;
  const header = Buffer.alloc(FILE_HEADER_SIZE);
  const chunk = Buffer.alloc(CHUNK_SIZE);
  let headerFilled = 0;
  let filled = 0;
  let off = FILE_HEADER_SIZE;
  function* flush(length: number): Generator<LogRecord> {
    if (length < CHUNK_SIZE) truncated(length, off, file, onIssue);
    for (const r of decodeChunk(chunk.subarray(0, length), off, file, onIssue)) {
      const lr = toLogRecord(r, file, shape);
      if (lr) yield lr;
    }
    off += CHUNK_SIZE;
  }
  for await (const piece of bytes) {
    opts.signal?.throwIfAborted();
    let p = 0;
    if (headerFilled < FILE_HEADER_SIZE) {
      const n = Math.min(piece.length, FILE_HEADER_SIZE - headerFilled);
      header.set(piece.subarray(0, n), headerFilled);
      headerFilled += n;
      p = n;
      if (headerFilled === FILE_HEADER_SIZE) checkHeader(header, file, onIssue);
    }
    while (p < piece.length) {
      const n = Math.min(piece.length - p, CHUNK_SIZE - filled);
      chunk.set(piece.subarray(p, p + n), filled);
      filled += n;
      p += n;
      if (filled === CHUNK_SIZE) {
        yield* flush(CHUNK_SIZE);
        filled = 0;
      }
    }
  }
  if (headerFilled < FILE_HEADER_SIZE) checkHeader(header.subarray(0, headerFilled), file, onIssue);
  else if (filled > 0) yield* flush(filled);
}

async function* readGzipped(path: string, opts: ReadEvtxOptions): AsyncGenerator<LogRecord> {
  const gunzip = createReadStream(path).pipe(createGunzip());
  try {
    yield* readEvtxStream(gunzip as AsyncIterable<Buffer>, { ...opts, file: path });
  } catch (err) {
    if (opts.signal?.aborted) throw err;
    // A damaged gzip stream ends the data; what was decoded before stays valid.
    const message = err instanceof Error ? err.message : String(err);
    opts.onIssue?.({ severity: 'error', code: 'evtx-gzip', message: `gzip stream error: ${message}`, place: { file: path } });
  } finally {
    gunzip.destroy();
  }
}

