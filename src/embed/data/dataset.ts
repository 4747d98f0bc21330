/**
 * Assembles the training set from the reference data: ATT&CK texts, TRAM
 * train-split sentences, Sigma rule renderings, Atomic Red Team renderings and
 * the train files of the labelled logs. Returns what each source contributed
 * and a hash over everything trained on (stored in the model file).
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { KnowledgeBase } from '../../kb/index.js';
import { LOG_TOWER, TEXT_TOWER } from '../model.js';
import type { TrainingQuery, TrainingSet } from '../train.js';
import { atomicSequences } from './atomic-sequences.js';
import { attackQueries, hardNegatives, techniqueTexts } from './attack-texts.js';
import { labelledLogFiles, type LabelledLogFile } from './labelled-logs.js';
import { sigmaSequences } from './sigma-sequences.js';
import { tramExtraSentences, tramSentences, type TramSentence } from './tram.js';

export interface TrainingSources {
  /** TRAM data dir (`tram/` of the reference data). */
  tramDir?: string;
  /** Sigma rule dirs (e.g. `sigma/rules`, `sigma/rules-emerging-threats`, `sigma/rules-threat-hunting`). */
  sigmaDirs?: string[];
  /** Atomic Red Team `atomics/` dir. */
  atomicsDir?: string;
  /** Labelled logs dir (`logs/` of the reference data). */
  logsDir?: string;
}

/** The reference data layout (`../shared/data`): every source that exists there. */
export function sourcesFromSharedData(dir: string): TrainingSources {
  const has = (p: string) => existsSync(join(dir, p));
  const sigmaDirs = ['sigma/rules', 'sigma/rules-emerging-threats', 'sigma/rules-threat-hunting'].filter(has).map((p) => join(dir, p));
  return {
    ...(has('tram/tram2-annotated-reports.jsonl') ? { tramDir: join(dir, 'tram') } : {}),
    ...(sigmaDirs.length ? { sigmaDirs } : {}),
    ...(has('atomic-red-team/atomics') ? { atomicsDir: join(dir, 'atomic-red-team', 'atomics') } : {}),
    ...(has('logs') ? { logsDir: join(dir, 'logs') } : {}),
  };
}

export interface SourceSummary {
  source: string;
  tower: 'text' | 'log';
  items: number;
  techniques: number;
  note?: string;
}

export interface BuiltTrainingData {
  set: TrainingSet;
  /** Dev files of the labelled logs (never trained on). */
  devLogs: LabelledLogFile[];
  summary: SourceSummary[];
  /** sha256 over every text and label trained on, in order. */
  sha256: string;
  /** TRAM sentences of the `val` documents (never trained on): fusion fitting and the text dev metric. */
  tramVal: TramSentence[];
  /** Labelled sentences trained on (TRAM `fit` documents and the filtered extra sets): the ranker's memory. */
  tramMemory: TramSentence[];
}

export interface BuildOptions {
  /** Sigma renderings per rule (default 3). */
  sigmaVariants?: number;
  seed?: number;
  /** Labelled-log reading limits. */
  maxRecordsPerLogFile?: number;
  /** How often each TRAM train sentence appears per epoch (default 2: report prose is what text queries look like). */
  tramRepeat?: number;
  onStage?: (stage: string) => void;
}

function summarize(source: string, tower: 'text' | 'log', qs: readonly TrainingQuery[], note?: string): SourceSummary {
  const techs = new Set<string>();
  for (const q of qs) for (const l of q.labels) techs.add(l);
  return { source, tower, items: qs.length, techniques: techs.size, ...(note ? { note } : {}) };
}

export async function buildTrainingData(kb: KnowledgeBase, sources: TrainingSources, opts: BuildOptions = {}): Promise<BuiltTrainingData> {
  const stage = opts.onStage ?? (() => {});
  const queries: TrainingQuery[] = [];
  const summary: SourceSummary[] = [];
  const add = (source: string, tower: 'text' | 'log', qs: TrainingQuery[], note?: string) => {
    queries.push(...qs);
    summary.push(summarize(source, tower, qs, note));
  };

  stage('ATT&CK texts');
  const attack = attackQueries(kb);
  for (const src of ['attack-procedure', 'attack-description', 'attack-name']) add(src, 'text', attack.filter((q) => q.source === src));

  let tramVal: TramSentence[] = [];
  let tramMemory: TramSentence[] = [];
  if (sources.tramDir) {
    stage('TRAM train split');
    const train = tramSentences(kb, sources.tramDir, 'fit');
    tramVal = tramSentences(kb, sources.tramDir, 'val');
    const repeat = Math.max(1, opts.tramRepeat ?? 2);
    const qs: TrainingQuery[] = [];
    for (let r = 0; r < repeat; r++) for (const s of train) qs.push({ text: s.text, tower: TEXT_TOWER, labels: s.labels, source: 'tram-train' });
    add('tram-train', 'text', qs, `${train.length} sentences around labelled spans of the SoK train documents outside the val share, each seen ${repeat}× per epoch; ${tramVal.length} val sentences held out`);
    const extra = tramExtraSentences(kb, sources.tramDir, 'fit');
    add(
      'tram-extra',
      'text',
      extra.sentences.map((s) => ({ text: s.text, tower: TEXT_TOWER, labels: s.labels, source: 'tram-extra' })),
      `single_label.json + bootstrap-training-data.json without the ${extra.dropped} sentences found in test or val reports`,
    );
    tramMemory = [...train, ...extra.sentences];
  }
  if (sources.sigmaDirs?.length) {
    stage('Sigma renderings');
    const res = await sigmaSequences(kb, sources.sigmaDirs, { variants: opts.sigmaVariants ?? 3, seed: opts.seed ?? 1 });
    add('sigma', 'log', res.sequences.map((s) => ({ text: s.text, tower: LOG_TOWER, labels: s.labels, source: 'sigma' })), `${res.tagged} of ${res.rules} rules carry a technique known to this ATT&CK version`);
  }
  if (sources.atomicsDir) {
    stage('Atomic Red Team renderings');
    const res = atomicSequences(kb, sources.atomicsDir);
    add('atomic', 'log', res.sequences.map((s) => ({ text: s.text, tower: LOG_TOWER, labels: s.labels, source: 'atomic' })), `${res.tests} tests with a runnable executor`);
  }
  let devLogs: LabelledLogFile[] = [];
  if (sources.logsDir) {
    stage('labelled logs');
    const files = await labelledLogFiles(kb, sources.logsDir, { maxRecords: opts.maxRecordsPerLogFile ?? 20_000 });
    const train = files.filter((f) => f.split === 'train');
    devLogs = files.filter((f) => f.split === 'dev' && f.sequences.length > 0);
    const qs = train.flatMap((f) => f.sequences.map((text) => ({ text, tower: LOG_TOWER as typeof LOG_TOWER, labels: f.labels, source: 'logs' })));
    add('logs-train', 'log', qs, `${train.length} train files (${devLogs.length} dev files held out by file)`);
  }

  const texts = techniqueTexts(kb);
  const hash = createHash('sha256');
  for (const [id, text] of [...texts.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))) hash.update(`T\0${id}\0${text}\n`);
  for (const q of queries) hash.update(`${q.source}\0${q.tower}\0${q.labels.join(',')}\0${q.text}\n`);
  return { set: { queries, techniqueTexts: texts, hardNegatives: hardNegatives(kb) }, devLogs, summary, sha256: hash.digest('hex'), tramVal, tramMemory };
}
