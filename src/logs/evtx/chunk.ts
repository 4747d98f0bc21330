/**
 * EVTX file header and 64 KiB chunks: signatures, CRC32 checks, and the walk
 * over event records, with recovery. A chunk whose checksums fail is still
 * read (its records are flagged `suspect`); a record whose header or binary
 * XML is broken is skipped up to the next `**\0\0` signature in the chunk.
 * Every problem becomes an Issue with the file and absolute byte offset.
 */
import type { Issue } from '../../common/errors.js';
import { ChunkDecoder, EvtxFormatError } from './binxml.js';
import { crc32, crc32Update } from './crc32.js';
import { isElement, type EvtxRecord } from './model.js';

export const FILE_HEADER_SIZE = 4096;
export const CHUNK_SIZE = 65536;
const CHUNK_HEADER_SIZE = 512;
const RECORD_HEADER_SIZE = 24;
/** "**\0\0" read as a little-endian uint32. */
const RECORD_MAGIC = 0x00002a2a;

export interface FileHeader {
  chunkCount: number;
  nextRecordId: bigint;
  majorVersion: number;
  minorVersion: number;
  dirty: boolean;
  full: boolean;
  checksumOk: boolean;
}

const FILE_MAGIC = Buffer.from('ElfFile\0', 'latin1');
const CHUNK_MAGIC = Buffer.from('ElfChnk\0', 'latin1');

/** Parse the file header; null when the bytes are not an EVTX file header. */
export function parseFileHeader(buf: Buffer): FileHeader | null {
  if (buf.length < 128 || !buf.subarray(0, 8).equals(FILE_MAGIC)) return null;
  const flags = buf.readUInt32LE(120);
  return {
    nextRecordId: buf.readBigUInt64LE(24),
    minorVersion: buf.readUInt16LE(36),
    majorVersion: buf.readUInt16LE(38),
    chunkCount: buf.readUInt16LE(42),
    dirty: (flags & 1) !== 0,
    full: (flags & 2) !== 0,
    checksumOk: crc32(buf, 0, 120) === buf.readUInt32LE(124),
  };
}

export function isEvtxSignature(buf: Uint8Array): boolean {
  return buf.length >= 8 && Buffer.from(buf.buffer, buf.byteOffset, 8).equals(FILE_MAGIC);
}

const ZEROS = Buffer.alloc(CHUNK_SIZE);

function allZero(buf: Buffer): boolean {
  for (let at = 0; at < buf.length; at += ZEROS.length) {
    const part = buf.subarray(at, Math.min(buf.length, at + ZEROS.length));
    if (!part.equals(ZEROS.subarray(0, part.length))) return false;
  }
  return true;
}

/**
 * Decode every record of one chunk. `chunk` is exactly the chunk's bytes
 * (shorter if the file was truncated); `fileOffset` is where it starts in the file.
 */
export function decodeChunk(chunk: Buffer, fileOffset: number, file: string, onIssue: (i: Issue) => void): EvtxRecord[] {
  const issue = (severity: Issue['severity'], code: string, message: string, offset: number): void =>
    onIssue({ severity, code, message, place: { file, offset: fileOffset + offset } });

  if (chunk.length < CHUNK_HEADER_SIZE || !chunk.subarray(0, 8).equals(CHUNK_MAGIC)) {
    // Never-used chunks at the end of a log are zero-filled: nothing lost there.
    if (!allZero(chunk)) issue('error', 'evtx-chunk-signature', 'not an EVTX chunk (bad signature or truncated header); chunk skipped', 0);
    return [];
  }
  let suspect = false;
  const headerCrc = crc32Update(crc32(chunk, 0, 120), chunk, 128, CHUNK_HEADER_SIZE);
  if (headerCrc !== chunk.readUInt32LE(124)) {
    suspect = true;
    issue('warning', 'evtx-chunk-header-crc', 'chunk header checksum mismatch; reading its records anyway', 0);
  }
  let freeSpace = chunk.readUInt32LE(48);
  if (freeSpace < CHUNK_HEADER_SIZE || freeSpace > chunk.length) {
    suspect = true;
    issue('warning', 'evtx-chunk-free-space', `chunk free-space offset ${freeSpace} is out of range; scanning the whole chunk`, 48);
    freeSpace = chunk.length;
  } else if (crc32(chunk, CHUNK_HEADER_SIZE, freeSpace) !== chunk.readUInt32LE(52)) {
    suspect = true;
    issue('warning', 'evtx-chunk-data-crc', 'event records checksum mismatch; reading its records anyway', 52);
  }

  const decoder = new ChunkDecoder(chunk);
  const records: EvtxRecord[] = [];
  let pos = CHUNK_HEADER_SIZE;
  while (pos + RECORD_HEADER_SIZE <= freeSpace) {
    const magic = chunk.readUInt32LE(pos);
    const size = chunk.readUInt32LE(pos + 4);
    const sizeOk = magic === RECORD_MAGIC && size >= RECORD_HEADER_SIZE + 4 && pos + size <= chunk.length && chunk.readUInt32LE(pos + size - 4) === size;
    if (!sizeOk) {
      // A zeroed tail after the last record is normal slack, not damage.
      if (magic === 0 && size === 0 && allZero(chunk.subarray(pos, freeSpace))) break;
      const next = nextSignature(chunk, pos + 1, freeSpace);
      issue('error', 'evtx-record-header', `bad record header (signature or size); skipped ${next - pos} bytes`, pos);
      pos = next;
      continue;
    }
    try {
      const nodes = decoder.decodeFragment(pos + RECORD_HEADER_SIZE, pos + size - 4);
      let root = null;
      for (const n of nodes) {
        if (isElement(n)) {
          root = n;
          break;
        }
      }
      records.push({
        recordId: chunk.readBigUInt64LE(pos + 8),
        writtenTime: chunk.readBigUInt64LE(pos + 16),
        offset: fileOffset + pos,
        root,
        suspect,
      });
      if (!root) issue('warning', 'evtx-record-empty', 'record holds no XML element', pos);
    } catch (err) {
      if (err instanceof EvtxFormatError) {
        issue('error', 'evtx-binxml', `record skipped: ${err.message} (at offset ${fileOffset + err.chunkOffset})`, pos);
      } else {
        // A decoder bug must not lose the rest of the file: report it against the record and go on.
        issue('error', 'evtx-internal', `record skipped: decoder failure: ${err instanceof Error ? err.message : String(err)}`, pos);
      }
    }
    pos += size;
  }
  return records;
}

function nextSignature(chunk: Buffer, from: number, end: number): number {
  for (let p = from; p + 4 <= end; p++) {
    if (chunk[p] === 0x2a && chunk[p + 1] === 0x2a && chunk[p + 2] === 0 && chunk[p + 3] === 0) return p;
  }
  return end;
}
