/**
 * A source taken from a local mirror laid out like ../shared/data: the
 * wanted files are hashed in place (to decide whether anything changed) and
 * copied into a staging folder, hashing again on the way so a mirror that
 * changes during the copy is noticed.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Progress } from '../common/progress.js';
import { forEachLimit, hashFile, listFiles, sha256Hex, type FileEntry } from './tree.js';

export interface MirrorFile {
  /** Path inside the mirror folder. */
  from: string;
  /** Installed path inside the source folder. */
  to: string;
}

/** The files of a mirror folder that `select` keeps, in path order. */
export async function selectMirrorFiles(root: string, select: (rel: string) => string | null): Promise<MirrorFile[]> {
  const out: MirrorFile[] = [];
  for (const rel of await listFiles(root)) {
    const to = select(rel);
    if (to !== null) out.push({ from: rel, to });
  }
  return out;
}

export async function hashMirrorFiles(root: string, files: readonly MirrorFile[], signal?: AbortSignal, progress?: Progress): Promise<FileEntry[]> {
  const entries: FileEntry[] = new Array(files.length);
  let done = 0;
  await forEachLimit(files, 16, async (f, i) => {
    signal?.throwIfAborted();
    const { sha256, size } = await hashFile(join(root, f.from));
    entries[i] = { path: f.to, size, sha256 };
    progress?.update(++done, files.length, 'files hashed');
  });
  return entries;
}

/** Files above this size are streamed; smaller ones are read whole (fewer syscalls for thousands of rules). */
const STREAM_ABOVE = 4 << 20;

export async function copyMirrorFiles(
  root: string,
  files: readonly MirrorFile[],
  destDir: string,
  signal?: AbortSignal,
  progress?: Progress,
): Promise<FileEntry[]> {
  const entries: FileEntry[] = new Array(files.length);
  const made = new Map<string, Promise<unknown>>();
  let done = 0;
  await forEachLimit(files, 16, async (f, i) => {
    signal?.throwIfAborted();
    const src = join(root, f.from);
    const dest = join(destDir, ...f.to.split('/'));
    const dir = dirname(dest);
    let mkdirDone = made.get(dir);
    if (!mkdirDone) {
      mkdirDone = mkdir(dir, { recursive: true });
      made.set(dir, mkdirDone);
    }
    await mkdirDone;
    entries[i] = { path: f.to, ...(await copyHashing(src, dest, signal)) };
    progress?.update(++done, files.length, 'files copied');
  });
  return entries;
}

async function copyHashing(src: string, dest: string, signal?: AbortSignal): Promise<{ size: number; sha256: string }> {
  if ((await stat(src)).size <= STREAM_ABOVE) {
    const data = await readFile(src);
    await writeFile(dest, data, { flag: 'wx' });
    return { size: data.length, sha256: sha256Hex(data) };
  }
  const hash = createHash('sha256');
  let size = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      if (signal?.aborted) {
        cb(signal.reason as Error);
        return;
      }
      size += chunk.length;
      hash.update(chunk);
      cb(null, chunk);
    },
  });
  await pipeline(createReadStream(src, { highWaterMark: 1 << 20 }), tap, createWriteStream(dest, { flags: 'wx' }));
  return { size, sha256: hash.digest('hex') };
}
