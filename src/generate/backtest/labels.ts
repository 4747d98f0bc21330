/**
 * The labelled log files under ../shared/data/logs (or any folder laid out
 * the same way): EVTX-ATTACK-SAMPLES as JSON Lines (techniques stated in the
 * file name for a few, inferred from file-name keywords for most) and OTRF
 * Security-Datasets (techniques from the upstream metadata). Labels are per
 * file. Files without a technique label are kept: they are background, and
 * hits on them are counted apart.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../../common/errors.js';
import { parseCsv } from '../../embed/data/csv.js';
import { canonicalTechniques } from '../../embed/data/labels.js';
import type { KnowledgeBase } from '../../kb/index.js';

export interface LabelledLogFile {
  /** Absolute path. */
  path: string;
  /** Path relative to the logs folder. */
  file: string;
  /** Technique ids (active in the loaded ATT&CK when a knowledge base is given). */
  techniques: string[];
  /** How the labels were obtained. */
  labelSource: 'stated' | 'inferred' | 'metadata' | 'none';
  collection: 'evtx-attack-samples' | 'security-datasets';
}

const ID = /^T\d{4}(?:\.\d{3})?$/;

function ids(kb: KnowledgeBase | undefined, raw: string[]): string[] {
  const clean = raw.map((s) => s.trim().toUpperCase()).filter((s) => ID.test(s));
  return kb ? canonicalTechniques(kb, clean) : [...new Set(clean)].sort();
}

/** Every labelled log file in `logsDir` (sorted by path); a usage error when neither manifest is there. */
export function labelledLogFiles(logsDir: string, kb?: KnowledgeBase): LabelledLogFile[] {
  const out: LabelledLogFile[] = [];
  const evtx = join(logsDir, 'evtx-attack-samples', 'manifest.csv');
  const sd = join(logsDir, 'security-datasets', 'manifest.csv');
  if (!existsSync(evtx) && !existsSync(sd)) {
    throw new UserError('no labelled logs here (expected evtx-attack-samples/manifest.csv or security-datasets/manifest.csv)', { file: logsDir }, 'point --backtest at ../shared/data/logs');
  }
  if (existsSync(evtx)) {
    for (const r of parseCsv(readFileSync(evtx, 'utf8'))) {
      if (!r.jsonl_file) continue;
      const stated = ids(kb, (r.technique_stated_current || r.technique_stated || '').split(';'));
      const inferred = ids(kb, (r.technique_inferred ?? '').split(';'));
      const techniques = [...new Set([...stated, ...inferred])].sort();
      const path = join(logsDir, 'evtx-attack-samples', r.jsonl_file);
      if (!existsSync(path)) continue;
      out.push({ path, file: join('evtx-attack-samples', r.jsonl_file), techniques, labelSource: stated.length > 0 ? 'stated' : inferred.length > 0 ? 'inferred' : 'none', collection: 'evtx-attack-samples' });
    }
  }
  if (existsSync(sd)) {
    for (const r of parseCsv(readFileSync(sd, 'utf8'))) {
      if (!r.file) continue;
      const path = join(logsDir, 'security-datasets', r.file);
      if (!existsSync(path)) continue;
      const techniques = ids(kb, (r.techniques ?? '').split(';'));
      out.push({ path, file: join('security-datasets', r.file), techniques, labelSource: techniques.length > 0 ? 'metadata' : 'none', collection: 'security-datasets' });
    }
  }
  return out.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
}
