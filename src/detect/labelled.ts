/**
 * The labelled log files of the reference data (`logs/` of ../shared/data)
 * as detection sees them: per file its technique labels (EVTX-ATTACK-SAMPLES:
 * stated and inferred from the file name; Security-Datasets: upstream
 * metadata), its tactic labels (the EVTX folder's tactic, reliable; the
 * Security-Datasets metadata tactics), and its split — the encoder's
 * file-level split (`splitOf` over the same relative path), so nothing
 * detection tunes on was held out from the encoder, and nothing held out is
 * tuned on.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KnowledgeBase } from '../kb/index.js';
import { parseCsv } from '../embed/data/csv.js';
import { canonicalTechniques } from '../embed/data/labels.js';
import { splitOf } from '../embed/data/labelled-logs.js';

/** The encoder's share of dev files (see `labelledLogFiles`). */
export const DEV_SHARE = 0.25;

export interface LabelledFile {
  /** Path relative to the logs dir: the split key. */
  file: string;
  path: string;
  source: 'evtx-attack-samples' | 'security-datasets';
  split: 'train' | 'dev';
  techniques: string[];
  /** Tactic shortnames. */
  tactics: string[];
  /** Events the manifest counts. */
  events: number;
}

function tacticsOf(kb: KnowledgeBase, ids: string): string[] {
  const out = new Set<string>();
  for (const id of ids.split(';')) {
    const t = id.trim() ? kb.tactic(id.trim()) : undefined;
    if (t) out.add(t.shortname);
  }
  return [...out];
}

export function labelledFiles(kb: KnowledgeBase, logsDir: string): LabelledFile[] {
  const out: LabelledFile[] = [];
  const evtx = join(logsDir, 'evtx-attack-samples', 'manifest.csv');
  if (existsSync(evtx)) {
    for (const r of parseCsv(readFileSync(evtx, 'utf8'))) {
      if (!r.jsonl_file) continue;
      const file = join('evtx-attack-samples', r.jsonl_file);
      const techniques = canonicalTechniques(kb, [...(r.technique_stated_current ?? '').split(';'), ...(r.technique_inferred ?? '').split(';')]);
      const tactics = tacticsOf(kb, r.tactic_id ?? '');
      if (techniques.length === 0 && tactics.length === 0) continue;
      out.push({ file, path: join(logsDir, file), source: 'evtx-attack-samples', split: splitOf(file, DEV_SHARE), techniques, tactics, events: Number(r.event_count) || 0 });
    }
  }
  const sd = join(logsDir, 'security-datasets', 'manifest.csv');
  if (existsSync(sd)) {
    for (const r of parseCsv(readFileSync(sd, 'utf8'))) {
      if (r.kind !== 'atomic' || !r.file) continue;
      const file = join('security-datasets', r.file);
      const techniques = canonicalTechniques(kb, (r.techniques ?? '').split(';'));
      const tactics = tacticsOf(kb, r.tactics ?? '');
      if (techniques.length === 0 && tactics.length === 0) continue;
      out.push({ file, path: join(logsDir, file), source: 'security-datasets', split: splitOf(file, DEV_SHARE), techniques, tactics, events: Number(r.event_count) || 0 });
    }
  }
  return out.filter((f) => existsSync(f.path)).sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
}
