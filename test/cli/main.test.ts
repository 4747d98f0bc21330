import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../helpers.js';

test('--help lists the program and exits 0', () => {
  const r = runCli(['--help']);
  assert.equal(r.status, 0);
  assert.match(r.stdout, /Usage: ttpscope/);
});

test('an unknown command is a usage error: one line prefixed ttpscope:, exit 2', () => {
  const r = runCli(['no-such-command']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /^ttpscope: /);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace for a user mistake');
});
