/**
 * How much text a hunt will scan, estimated before reading: what `threads:
 * 'auto'` decides on. A gzip file's scan costs what its decompressed text
 * costs, and logs compress 8–15×, so the file size alone undercounts gzip
 * input by that much; the gzip trailer's ISIZE field (the last 4 bytes: the
 * uncompressed length of the last member, modulo 2^32) gives it for the
 * price of one 4-byte read.
 *
 * Why the estimate matters (2026-12-04, 2 cores, Node 24, `ttpscope hunt`
 * end to end): every worker loads the modules and compiles the rule set
 * itself, and two compiles at once contend for the cores (each uses more
 * than one: V8's helper threads), so two workers are ready after ~2–2.8 s
 * where one thread has compiled in ~1.1 s; rows then cross from the workers
 * and are merged. Measured: a 195 MB python-evtx JSONL file 3.1–3.2 s on
 * one thread against 4.1–4.8 s on two workers; the same repeated to 976 MB
 * 8.8–10.1 s against 9.7–10.2 s; Security-Datasets (85 .gz files, 63 MB,
 * 1.05 GB of text) 5.3–5.9 s against 6.1–7.3 s, and three copies of it
 * (3.1 GB of text) 11.2–12.3 s against 12.2–13.0 s; two workers also hold
 * 2–2.7× the memory. On two cores they never won by much end to end (the
 * scan alone is 1.3–1.8× faster: `npm run bench -- sigma`), so they are the
 * default only from 1 GiB of text on, about where they break even here and
 * where a machine with more cores gains from them; the old threshold (32 MiB
 * of file bytes, gzip counted compressed) sent all of these inputs to them. (On gzip input the workers' collections are also
 * erratic: in some runs one worker spends 0.6–1.4 s in young-generation
 * pauses that take 5–10× their usual time for the same volume, in others
 * 0.1 s; `node --single-threaded-gc` removes that, but V8 flags are process
 * wide and that one makes `detect` 1.5× slower, so it is not used.)
 */
import { open } from 'node:fs/promises';

/** `threads: 'auto'` uses worker threads from this much (estimated) text on. */
export const PARALLEL_MIN_TEXT_BYTES = 1024 * 1024 * 1024;

/**
 * A gzip file this large (compressed) counts as large whatever its trailer says: ISIZE wraps at 4 GiB and
 * describes only the last member of a concatenated file, so past this size it could undercount a file that is
 * plainly big enough for the workers.
 */
const GZIP_TRUST_MAX_BYTES = 128 * 1024 * 1024;

/** The text a file will yield: its size, or for gzip its trailer's uncompressed size. Unreadable files count their size. */
export async function estimatedTextBytes(path: string, size: number): Promise<number> {
  if (size < 18) return size; // smaller than a gzip header + trailer
  let fh;
  try {
    fh = await open(path, 'r');
    const head = Buffer.alloc(2);
    await fh.read(head, 0, 2, 0);
    if (head[0] !== 0x1f || head[1] !== 0x8b) return size;
    if (size >= GZIP_TRUST_MAX_BYTES) return Math.max(size, PARALLEL_MIN_TEXT_BYTES);
    const tail = Buffer.alloc(4);
    await fh.read(tail, 0, 4, size - 4);
    return Math.max(size, tail.readUInt32LE(0));
  } catch {
    return size; // the scan reports what is wrong with the file
  } finally {
    await fh?.close();
  }
}

/** The sum over the files (read a few at a time: a folder may hold thousands). */
export async function estimatedInputText(files: ReadonlyArray<{ path: string; size: number }>): Promise<number> {
  let total = 0;
  const batch = 16;
  for (let i = 0; i < files.length; i += batch) {
    const sizes = await Promise.all(files.slice(i, i + batch).map((f) => estimatedTextBytes(f.path, f.size)));
    for (const s of sizes) total += s;
  }
  return total;
}
