#!/usr/bin/env node
// Compiles src/ to dist/ and marks the CLI entry executable: tsc writes new files
// without the x bit, and on a fresh clone `npx ttpscope` (the README's first
// command) runs dist/cli/main.js through the shell, which needs it.
// `--outDir DIR` builds elsewhere (the test does, to leave dist/ alone).
import { chmodSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const root = resolve(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..');
const tsc = createRequire(join(root, 'package.json')).resolve('typescript/bin/tsc');
const outFlag = process.argv.indexOf('--outDir');
const outDir = outFlag === -1 ? join(root, 'dist') : resolve(process.argv[outFlag + 1] ?? '');
const result = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json'), '--outDir', outDir], { stdio: 'inherit', cwd: root });
if (result.status !== 0) process.exit(result.status ?? 1);
const bin = join(outDir, 'cli', 'main.js');
chmodSync(bin, statSync(bin).mode | 0o111);
