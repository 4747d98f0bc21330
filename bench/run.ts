/**
 * `npm run bench -- <name> [args]` runs bench/<name>.ts. Each benchmark reads
 * the reference data from ../shared/data (or $TTPSCOPE_SHARED_DATA), prints
 * throughput and peak memory, and the command that reproduces it.
 */
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const [name, ...rest] = process.argv.slice(2);
const available = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts' && f !== 'util.ts')
  .map((f) => f.slice(0, -3))
  .sort();
if (!name || !available.includes(name)) {
  console.error(`usage: npm run bench -- <${available.join('|')}> [args]`);
  process.exit(2);
}
const file = join(here, `${name}.ts`);
if (!existsSync(file)) process.exit(2);
process.argv = [process.argv[0]!, file, ...rest];
const mod = (await import(pathToFileURL(file).href)) as { main?: (args: string[]) => Promise<void> };
if (typeof mod.main !== 'function') {
  console.error(`bench/${name}.ts exports no main()`);
  process.exit(2);
}
await mod.main(rest);
