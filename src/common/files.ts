/** File writing shared by the modules that keep state in the data dir. */
import { randomBytes } from 'node:crypto';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Write `data` to `path` through a temp file and a rename, creating the folder:
 * a reader (or a later run after a crash) sees the old file or the new one,
 * never half of one. The temp name is unique per call (worker threads share
 * a pid), and a failed write removes its temp file before rethrowing.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}
