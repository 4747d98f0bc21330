import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mdText, mdCode, mdCodeBlock, mdTable } from '../../src/export/index.js';

test('mdText neutralises links, images, HTML, headings and control characters', () => {
  const hostile = '# Title\n![x](http://evil/p.png) [click](javascript:alert(1)) <script>alert(1)</script> *bold* \u202Egnp.exe\u0007';
  const out = mdText(hostile);
  assert.ok(!out.includes('\n'));
  assert.ok(!out.includes('<script>'));
  assert.ok(!/\]\(/.test(out.replace(/\\\]\\\(/g, '')), 'no unescaped link syntax');
  assert.ok(!out.includes('\u202E') && !out.includes('\u0007'));
  assert.ok(out.startsWith('\\#'));
  assert.ok(out.includes('&lt;script&gt;'));
});

test('mdCode and mdCodeBlock fence longer than any backtick run inside', () => {
  assert.equal(mdCode('a`b'), '``a`b``');
  assert.equal(mdCode('`x`'), '`` `x` ``');
  const block = mdCodeBlock('```\nrm -rf /\n````', 'sh;rm');
  assert.ok(block.startsWith('`````sh\n'));
  assert.ok(block.endsWith('\n`````'));
});

test('mdTable escapes unescaped pipes once, also inside code spans', () => {
  const t = mdTable(['a', 'b'], [[mdText('x|y'), mdCode('cmd | findstr')]]);
  const row = t.split('\n')[2]!;
  assert.equal(row, '| x\\|y | `cmd \\| findstr` |');
  assert.equal(row.split(/(?<!\\)\|/).length, 4, 'three cell boundaries only');
});
