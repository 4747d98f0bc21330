/**
 * The labelled log files in ../shared/data/logs (EVTX-ATTACK-SAMPLES as
 * JSONL, OTRF Security-Datasets), with per-file technique labels from their
 * manifests, split by FILE into train and dev (a stable hash of the path, so
 * no event of a dev file is ever trained on). Each file is read with the log
 * readers, normalised and cut into behaviour sequences by the provenance
 * builder. Labels are per file and recordings are mostly benign background,
 * so only distinctive sequences are kept: those whose token text occurs in at
 * most `maxFileFrequency` files of the whole collection.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KnowledgeBase } from '../../kb/index.js';
import { normalize } from '../../logs/normalize.js';
import { readRecords } from '../../logs/read.js';
import { SequenceBuilder } from '../../provenance/index.js';
import { hashString } from '../hash.js';
import { sequenceText } from '../sequence-text.js';
import { parseCsv } from './csv.js';
import { canonicalTechniques } from './labels.js';

export interface LabelledLogFile {
  /** Path relative to the logs dir. */
  file: string;
  split: 'train' | 'dev';
  labels: string[];
  /** Sequence texts (see `sequenceText`), distinctive ones only, most informative first. */
  sequences: string[];
}

export interface LabelledLogOptions {
  /** Share of files in dev (default 0.25). */
  devShare?: number;
  /** Records read per file at most (default 60,000): large recordings are mostly background. */
  maxRecords?: number;
  /** Sequences kept per file at most (default 24). */
  maxSequences?: number;
  /** Keep sequences seen in at most this many files (default 2). */
  maxFileFrequency?: number;
  onFile?: (file: string, done: number, total: number) => void;
}

interface ManifestFile {
  file: string;
  labels: string[];
}

function manifestFiles(kb: KnowledgeBase, logsDir: string): ManifestFile[] {
  const out: ManifestFile[] = [];
  const evtx = join(logsDir, 'evtx-attack-samples', 'manifest.csv');
  if (existsSync(evtx)) {
    for (const r of parseCsv(readFileSync(evtx, 'utf8'))) {
      const labels = canonicalTechniques(kb, [...(r.technique_stated_current ?? '').split(';'), ...(r.technique_inferred ?? '').split(';')]);
      if (labels.length && r.jsonl_file) out.push({ file: join('evtx-attack-samples', r.jsonl_file), labels });
    }
  }
  const sd = join(logsDir, 'security-datasets', 'manifest.csv');
  if (existsSync(sd)) {
    for (const r of parseCsv(readFileSync(sd, 'utf8'))) {
      if (r.kind !== 'atomic') continue;
      const labels = canonicalTechniques(kb, (r.techniques ?? '').split(';'));
      if (labels.length && r.file) out.push({ file: join('security-datasets', r.file), labels });
    }
  }
  return out.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
}

/** Stable split by file path. */
export function splitOf(file: string, devShare: number): 'train' | 'dev' {
  return hashString(file, 0x2545f491) / 4294967296 < devShare ? 'dev' : 'train';
}

/** Token text without the command line: what identifies "the same behaviour" across files. */
function signature(tokens: readonly string[]): string {
  return tokens.join(' ');
}

export async function labelledLogFiles(kb: KnowledgeBase, logsDir: string, opts: LabelledLogOptions = {}): Promise<LabelledLogFile[]> {
  const devShare = opts.devShare ?? 0.25;
  const maxRecords = opts.maxRecords ?? 60_000;
  const maxSequences = opts.maxSequences ?? 24;
  const maxDf = opts.maxFileFrequency ?? 2;
  const files = manifestFiles(kb, logsDir);
  const perFile: { mf: ManifestFile; seqs: { sig: string; text: string; size: number }[] }[] = [];
  const df = new Map<string, number>();
  let done = 0;
  for (const mf of files) {
    const path = join(logsDir, mf.file);
    opts.onFile?.(mf.file, done++, files.length);
    if (!existsSync(path)) continue;
    const builder = new SequenceBuilder();
    let n = 0;
    try {
      for await (const rec of readRecords(path)) {
        const ev = normalize(rec);
        if (ev) builder.add(ev);
        if (++n >= maxRecords) break;
      }
    } catch {
      continue; // an unreadable file is skipped: it only costs training data
    }
    const seen = new Set<string>();
    const seqs: { sig: string; text: string; size: number }[] = [];
    for (const s of builder.finish()) {
      const sig = signature(s.tokens);
      if (seen.has(sig)) continue;
      seen.add(sig);
      seqs.push({ sig, text: sequenceText(s), size: s.tokens.length + s.actions.length });
    }
    for (const sig of seen) df.set(sig, (df.get(sig) ?? 0) + 1);
    perFile.push({ mf, seqs });
  }
  return perFile.map(({ mf, seqs }) => {
    const kept = seqs
      .filter((s) => (df.get(s.sig) ?? 0) <= maxDf)
      .sort((a, b) => b.size - a.size || (a.sig < b.sig ? -1 : a.sig > b.sig ? 1 : 0))
      .slice(0, maxSequences)
      .map((s) => s.text);
    return { file: mf.file, split: splitOf(mf.file, devShare), labels: mf.labels, sequences: kept };
  });
}
