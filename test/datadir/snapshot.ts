/**
 * Every file and folder under a directory, to assert "nothing changed, no litter":
 * with content hashes, or (for large trees) with size, mtime and inode, which
 * any rewrite or replacement changes.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export function snapshot(root: string, mode: 'content' | 'stat' = 'content'): Record<string, string> {
  const out: Record<string, string> = {};
  if (!existsSync(root)) return out;
  const walk = (dir: string, rel: string): void => {
    for (const item of readdirSync(dir, { withFileTypes: true })) {
      const r = rel ? `${rel}/${item.name}` : item.name;
      if (item.isDirectory()) {
        out[r + '/'] = 'dir';
        walk(join(dir, item.name), r);
      } else if (mode === 'stat') {
        const st = statSync(join(dir, item.name));
        out[r] = `${st.size} ${st.mtimeMs} ${st.ino}`;
      } else {
        out[r] = createHash('sha256').update(readFileSync(join(dir, item.name))).digest('hex');
      }
    }
  };
  walk(root, '');
  return out;
}
