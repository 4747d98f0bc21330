/**
 * How much text a set of log files holds, estimated before reading them:
 * what `hunt` and `detect` decide `--threads auto` on. Reading a gzip file
 * costs what its decompressed text costs, and logs compress 8–15×, so its
 * size on disk undercounts it by that much; the gzip trailer's ISIZE field
 * (the last 4 bytes: the uncompressed length of the last member, modulo
 * 2^32) gives it for the price of one 4-byte read per file. Other files
 * (plain JSON Lines, EVTX, XML) count their size.
 */
import { closeSync, openSync, readSync } from 'node:fs';

/**
 * A gzip file this large (compressed) counts as at least `LARGE_TEXT_BYTES` whatever its trailer says: ISIZE wraps
 * at 4 GiB and describes only the last member of a concatenated file, so past this size it could undercount a file
 * that is plainly large.
 */
const GZIP_TRUST_MAX_BYTES = 128 * 1024 * 1024;
const LARGE_TEXT_BYTES = 4 * 1024 * 1024 * 1024;

/** The text a file will yield: its size, or for gzip its trailer's uncompressed size. Unreadable files count their size. */
export function estimatedTextBytes(path: string, size: number): number {
  if (size < 18) return size; // smaller than a gzip header and trailer
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const buf = Buffer.alloc(4);
    readSync(fd, buf, 0, 2, 0);
    if (buf[0] !== 0x1f || buf[1] !== 0x8b) return size;
    if (size >= GZIP_TRUST_MAX_BYTES) return Math.max(size, LARGE_TEXT_BYTES);
    readSync(fd, buf, 0, 4, size - 4);
    return Math.max(size, buf.readUInt32LE(0));
  } catch {
    return size; // the reader reports what is wrong with the file
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** The sum over the files. */
export function estimatedInputText(files: ReadonlyArray<{ path: string; size: number }>): number {
  let total = 0;
  for (const f of files) total += estimatedTextBytes(f.path, f.size);
  return total;
}
