import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deserialize, serialize } from 'node:v8';
import { Bm25Builder, Bm25Index } from '../../src/kb/bm25.js';

function small() {
  const b = new Bm25Builder([{ name: 'title', weight: 3 }, { name: 'body' }]);
  b.add({ title: 'Credential dumping', body: 'Dump credentials from the memory of lsass.exe with a tool.' });
  b.add({ title: 'Scheduled task', body: 'Create a scheduled task with schtasks for persistence.' });
  b.add({ title: 'Screen capture', body: 'Take screenshots of the desktop. Screenshots are saved.' });
  b.add({ body: ['memory', 'a body with no title'] });
  return b.build();
}

test('ranks the document that matches the query terms, with field weights', () => {
  const idx = small();
  assert.equal(idx.docCount, 4);
  assert.equal(idx.search('dump lsass memory')[0]!.doc, 0);
  assert.equal(idx.search('schtasks')[0]!.doc, 1);
  // "memory" is in doc 0's body and doc 3's body; a title match outweighs it elsewhere
  assert.equal(idx.search('screenshot')[0]!.doc, 2);
  assert.deepEqual(idx.search('nothing-matches-this'), []);
});

test('BM25 scores follow the formula on a single-field index', () => {
  const b = new Bm25Builder([{ name: 'text', b: 0.75 }], { k1: 1.2 });
  b.add({ text: 'apple banana' });
  b.add({ text: 'banana cherry cherry' });
  b.add({ text: 'durian' });
  const idx = b.build();
  const hits = idx.search('cherry');
  assert.equal(hits.length, 1);
  const N = 3, n = 1, tf = 2, len = 3, avg = 6 / 3;
  const idf = Math.log(1 + (N - n + 0.5) / (n + 0.5));
  const norm = tf / (1 - 0.75 + (0.75 * len) / avg);
  const want = (idf * (norm * 2.2)) / (norm + 1.2);
  assert.ok(Math.abs(hits[0]!.score - want) < 1e-6, `${hits[0]!.score} vs ${want}`);
});

test('top-k, filter and minScore; scratch state does not leak between queries', () => {
  const idx = small();
  const all = idx.search('memory task screenshot');
  assert.equal(idx.search('memory task screenshot', { top: 2 }).length, 2);
  assert.deepEqual(idx.search('memory task screenshot', { top: 2 }), all.slice(0, 2));
  assert.ok(idx.search('memory', { filter: (d) => d !== 0 }).every((h) => h.doc !== 0));
  assert.deepEqual(idx.search('memory task screenshot'), all, 'same results on repeat');
  assert.deepEqual(idx.search('memory', { minScore: 1e9 }), []);
});

test('snapshot round-trips through V8 serialisation', () => {
  const idx = small();
  const copy = Bm25Index.fromSnapshot(deserialize(serialize(idx.toSnapshot())));
  assert.deepEqual(copy.search('dump lsass memory'), idx.search('dump lsass memory'));
});

test('custom tokenizer; empty index', () => {
  const b = new Bm25Builder([{ name: 'x' }], { tokenizer: (t) => t.split(',') });
  b.add({ x: 'a b,c' });
  b.add({ x: 'd' });
  assert.equal(b.build().search('a b')[0]!.doc, 0);
  assert.deepEqual(new Bm25Builder([{ name: 'x' }]).build().search('anything'), []);
});
