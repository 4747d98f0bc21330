/**
 * TRAM annotated reports (`tram/tram2-annotated-reports.jsonl`) and the SoK
 * document split (`tram/sok-doc-split.json`). The classifier learns from the
 * train reports only; the evaluation scores the test reports only. Gold spans
 * are mapped onto the loaded ATT&CK (revoked ids follow their replacement).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { UserError } from '../common/errors.js';
import type { KnowledgeBase } from '../kb/index.js';
import { canonicalTechnique } from '../embed/data/labels.js';

export interface TramSpan {
  start: number;
  end: number;
  /** Technique id on the loaded ATT&CK. */
  technique: string;
  /** `label`: one of TRAM's typed labels; `other`: an `[OTHER]` span with the id in its comment. */
  kind: 'label' | 'other';
}

export interface TramReport {
  file: string;
  title: string;
  text: string;
  spans: TramSpan[];
}

export interface TramData {
  train: TramReport[];
  test: TramReport[];
  /** Technique ids TRAM's typed labels use (77), on the loaded ATT&CK. */
  labelIds: Set<string>;
}

const SplitSchema = z.object({ train: z.array(z.object({ file: z.string() })), test: z.array(z.object({ file: z.string() })) });
const ReportSchema = z.object({
  file: z.string(),
  title: z.string(),
  text: z.string(),
  spans: z.array(z.object({ start: z.number().int(), end: z.number().int(), technique_id: z.string().nullable(), kind: z.string() })),
});

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new UserError(`cannot read ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing file' : 'bad JSON'}`, { file: path }, 'TRAM data is read from ../shared/data/tram');
  }
}

export function readTram(kb: KnowledgeBase, tramDir: string): TramData {
  const splitPath = join(tramDir, 'sok-doc-split.json');
  const split = SplitSchema.safeParse(readJson(splitPath));
  if (!split.success) throw new UserError('not a document split (train/test lists of {file})', { file: splitPath });
  const trainFiles = new Set(split.data.train.map((d) => d.file));
  const testFiles = new Set(split.data.test.map((d) => d.file));
  const path = join(tramDir, 'tram2-annotated-reports.jsonl');
  let lines: string[];
  try {
    lines = readFileSync(path, 'utf8').split('\n');
  } catch {
    throw new UserError('cannot read the TRAM reports', { file: path });
  }
  const data: TramData = { train: [], test: [], labelIds: new Set() };
  lines.forEach((line, i) => {
    if (!line.trim()) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      throw new UserError('bad JSON line', { file: path, line: i + 1 });
    }
    const r = ReportSchema.safeParse(parsed);
    if (!r.success) throw new UserError('not a TRAM report record', { file: path, line: i + 1 });
    const spans: TramSpan[] = [];
    for (const s of r.data.spans) {
      if (!s.technique_id || (s.kind !== 'label' && s.kind !== 'other')) continue;
      const technique = canonicalTechnique(kb, s.technique_id);
      if (!technique || s.end <= s.start) continue;
      spans.push({ start: s.start, end: s.end, technique, kind: s.kind });
      if (s.kind === 'label') data.labelIds.add(technique);
    }
    const rep: TramReport = { file: r.data.file, title: r.data.title, text: r.data.text, spans };
    if (trainFiles.has(rep.file)) data.train.push(rep);
    else if (testFiles.has(rep.file)) data.test.push(rep);
  });
  const byFile = (a: TramReport, b: TramReport) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0);
  data.train.sort(byFile);
  data.test.sort(byFile);
  if (data.train.length !== trainFiles.size || data.test.length !== testFiles.size) {
    throw new UserError(`split names ${trainFiles.size}+${testFiles.size} reports, found ${data.train.length}+${data.test.length}`, { file: path });
  }
  return data;
}

/** Parent technique id (`T1059.001` → `T1059`). */
export function parentOf(id: string): string {
  const dot = id.indexOf('.');
  return dot < 0 ? id : id.slice(0, dot);
}
