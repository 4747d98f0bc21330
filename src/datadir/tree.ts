/**
 * Files of an installed source as data: relative POSIX paths, sizes and
 * sha256 digests, and one hash for the whole tree so two copies of the same
 * content (from a mirror or from a download) compare equal.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';

export interface FileEntry {
  /** Relative to the source's folder, `/`-separated. */
  path: string;
  size: number;
  sha256: string;
}

/**
 * sha256 over the sorted lines `<sha256>  <size>  <path>\n` (as `sha256sum`
 * prints, with the size added): stable across machines and file orders.
 */
export function treeHash(entries: readonly FileEntry[]): string {
  const sorted = [...entries].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const h = createHash('sha256');
  for (const e of sorted) h.update(`${e.sha256}  ${e.size}  ${e.path}\n`);
  return h.digest('hex');
}

export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

export async function hashFile(path: string, signal?: AbortSignal): Promise<{ sha256: string; size: number }> {
  const h = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20, signal })) {
    const buf = chunk as Buffer;
    size += buf.length;
    h.update(buf);
  }
  return { sha256: h.digest('hex'), size };
}

/**
 * Regular files under `root` as relative paths, sorted. Symbolic links and
 * other special files are skipped: a mirror must not make setup read outside it.
 */
export async function listFiles(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string, rel: string): Promise<void> => {
    const items = await readdir(dir, { withFileTypes: true });
    for (const item of items) {
      const childRel = rel ? `${rel}/${item.name}` : item.name;
      if (item.isDirectory()) await walk(join(dir, item.name), childRel);
      else if (item.isFile()) out.push(childRel);
    }
  };
  await walk(root, '');
  return out.sort();
}

/** File count and total bytes of an installed tree, or undefined when it is missing. */
export async function treeStats(root: string): Promise<{ files: number; size: number } | undefined> {
  try {
    if (!(await lstat(root)).isDirectory()) return undefined;
  } catch {
    return undefined;
  }
  const files = await listFiles(root);
  let size = 0;
  await forEachLimit(files, 32, async (rel) => {
    const st = await lstat(join(root, rel)); // read before adding: `size += await …` would lose updates
    size += st.size;
  });
  return { files: files.length, size };
}

/** Run `fn` over `items` with at most `limit` in flight; stops at the first error. */
export async function forEachLimit<T>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (!failed && next < items.length) {
      const i = next++;
      try {
        await fn(items[i]!, i);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  const workers = Array.from({ length: Math.min(limit, items.length) }, worker);
  const results = await Promise.allSettled(workers);
  for (const r of results) if (r.status === 'rejected') throw r.reason;
}
