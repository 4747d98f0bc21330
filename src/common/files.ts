/** File writing shared by the modules that keep state in the data dir. */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Write `data` to `path` through a temp file and a rename, creating the folder:
 * a reader (or a later run after a crash) sees the old file or the new one,
 * never half of one.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}
