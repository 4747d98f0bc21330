#!/usr/bin/env node
// Runs the test suite with Node's own test runner. Node 20 does not expand
// globs for --test, so the files are listed here; arguments narrow the run to
// files under the given paths (e.g. `npm test -- test/kb`).
import { readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';

function collect(dir, out) {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) collect(path, out);
    else if (name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

const root = resolve(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..');
const filters = process.argv.slice(2).map((p) => resolve(p));
const files = collect(join(root, 'test'), []).filter(
  (f) => filters.length === 0 || filters.some((p) => f === p || f.startsWith(p + '/')),
);
if (files.length === 0) {
  console.error('ttpscope tests: no test files matched');
  process.exit(2);
}
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=2', ...files.map((f) => relative(root, f))],
  { stdio: 'inherit', cwd: root },
);
process.exit(result.status ?? 1);
