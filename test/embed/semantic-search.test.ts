import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { attackQueries, hardNegatives, techniqueTexts } from '../../src/embed/data/attack-texts.js';
import { TEXT_TOWER, type ModelConfig } from '../../src/embed/model.js';
import { buildTechniqueIndex, semanticSearch } from '../../src/embed/semantic-search.js';
import { defaultTrainOptions, train } from '../../src/embed/train.js';
import { loadKnowledgeBaseFromFile } from '../../src/kb/index.js';
import { repoRoot } from '../helpers.js';

const cfg: ModelConfig = { features: { buckets: 4096, charMin: 3, charMax: 4, bigrams: true, maxTokens: 64 }, dim: 24, pooling: 'sqrtn' };

test('semanticSearch ranks techniques (one result per technique, best entry as evidence) with filters', async () => {
  const kb = await loadKnowledgeBaseFromFile(join(repoRoot, 'test', 'fixtures', 'embed', 'ref', 'attack', 'enterprise-attack.json'));
  const set = { queries: attackQueries(kb), techniqueTexts: techniqueTexts(kb), hardNegatives: hardNegatives(kb) };
  // parent (sibling family) and a technique the same tool (Fetcher) uses
  assert.deepEqual(set.hardNegatives.get('T1059.001'), ['T1059', 'T1105']);
  const { model } = await train(set, cfg, { ...defaultTrainOptions, epochs: 40, batchSize: 8, hardNegatives: 2, workers: 0 });
  const index = buildTechniqueIndex(model, kb);
  assert.equal(index.size, kb.techniques.length + kb.procedures.length);
  const hits = semanticSearch(model, index, 'the malware downloaded a payload using certutil', { top: 3 });
  assert.equal(hits[0]!.id, 'T1105');
  assert.equal(new Set(hits.map((h) => h.id)).size, hits.length);
  assert.ok(hits.every((h, i) => i === 0 || hits[i - 1]!.score >= h.score));
  assert.equal(hits[0]!.evidence.meta.technique, 'T1105');
  const discovery = semanticSearch(model, index, 'the malware downloaded a payload using certutil', { top: 3, tower: TEXT_TOWER, filter: { tactic: 'discovery' } });
  assert.deepEqual(discovery.map((h) => h.id), ['T1033']);
  const onlyTechniques = semanticSearch(model, index, 'whoami', { filter: { source: 'technique' } });
  assert.ok(onlyTechniques.every((h) => h.evidence.meta.source === 'technique'));
});
