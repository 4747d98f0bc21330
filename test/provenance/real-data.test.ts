import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { sharedData } from '../helpers.js';
import { normalize } from '../../src/logs/normalize.js';
import { readRecords } from '../../src/logs/read.js';
import type { NormalizedEvent } from '../../src/logs/event.js';
import { buildGraphsSync, buildSequences, trackBackward, type ProvenanceGraph } from '../../src/provenance/index.js';

const file = join(sharedData, 'logs', 'evtx-attack-samples', 'AutomatedTestingTools', 'panache_sysmon_vs_EDRTestingScript.jsonl');

async function events(): Promise<NormalizedEvent[]> {
  const out: NormalizedEvent[] = [];
  for await (const rec of readRecords(file)) {
    const ev = normalize(rec);
    if (ev) out.push(ev);
  }
  return out;
}

test('real Sysmon log: every process creation is a spawn edge from the reported parent, and backward tracking finds the whole ancestry', async (t) => {
  if (!existsSync(file)) {
    t.skip(`reference data not found: ${file}`);
    return;
  }
  const evs = await events();
  const creations = evs.filter((e) => e.kind === 'process_create' && e.subject?.guid && e.subject.parent?.guid);
  assert.ok(creations.length >= 90, `${creations.length} process creations`);
  const { graphs } = buildGraphsSync(evs);
  for (const c of creations) {
    const g: ProvenanceGraph = graphs.get(c.host)!;
    const child = g.nodeByKey('proc:g:' + c.subject!.guid!.toLowerCase());
    const parent = g.nodeByKey('proc:g:' + c.subject!.parent!.guid!.toLowerCase());
    assert.ok(child !== undefined && parent !== undefined);
    const spawn = [...g.inEdgesOf(child)].filter((e) => g.edgeTypeOf(e) === 'spawn' && g.edgeSrcOf(e) === parent);
    assert.equal(spawn.length, 1, `spawn edge into ${c.subject!.image}`);
    assert.ok(g.edgeFirstTime(spawn[0]!) <= c.time);
    // the ancestry by parent links is inside the backward tracking result
    const back = new Set(trackBackward(g, [child]).nodes);
    for (let p = g.processInfo(child).parent, hops = 0; p !== undefined && hops < 64; p = g.processInfo(p).parent, hops++) {
      assert.ok(back.has(p), `ancestor ${g.nameOf(p)} of ${g.nameOf(child)}`);
    }
  }
  const seqs = await buildSequences(evs);
  const withParent = seqs.filter((s) => s.window === 0 && creations.some((c) => 'proc:g:' + c.subject!.guid!.toLowerCase() === s.process.key));
  assert.equal(new Set(withParent.map((s) => s.process.key)).size, new Set(creations.map((c) => c.subject!.guid!.toLowerCase())).size);
  for (const s of withParent) assert.ok(s.tokens.some((tok) => tok.startsWith('parent:')), s.text);
  // no raw user profile path or address leaks into the tokens
  assert.doesNotMatch(seqs.flatMap((s) => s.tokens).join(' '), /c:\\users\\[a-z]|\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b/i);
});
