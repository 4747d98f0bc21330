import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

// `npm ci && npx ttpscope …` on a fresh clone runs the built entry through the shell, so the build must leave it executable
test('the build leaves the CLI entry executable and it runs by its shebang', () => {
  // inside node_modules so the built files resolve the project's dependencies
  const cache = join('node_modules', '.cache');
  mkdirSync(cache, { recursive: true });
  const out = mkdtempSync(join(cache, 'ttpscope-build-'));
  try {
    const build = spawnSync(process.execPath, ['scripts/build.mjs', '--outDir', out], { encoding: 'utf8' });
    assert.equal(build.status, 0, build.stderr + build.stdout);
    const bin = join(out, 'cli', 'main.js');
    assert.equal(statSync(bin).mode & 0o111, 0o111, 'x bit for user, group and others');
    const run = spawnSync(bin, ['--version'], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /^\d+\.\d+\.\d+/);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
