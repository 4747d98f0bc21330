/**
 * Feeding log files through a detector: each file is read by the log
 * readers (format from content, .gz transparent), every record goes to the
 * rules, then through the normaliser, then the event to the detector. Input
 * problems never stop the run; they are counted per code with the first ones
 * kept.
 */
import type { Issue } from '../common/errors.js';
import type { NormalizedEvent } from '../logs/event.js';
import { Normalizer } from '../logs/normalize.js';
import { readRecordBatches } from '../logs/read.js';
import type { Detector } from './detector.js';

export class IssueCollector {
  readonly kept: Issue[] = [];
  readonly byCode = new Map<string, number>();
  total = 0;
  constructor(private readonly keep = 1000) {}
  add = (i: Issue): void => {
    this.total++;
    const code = i.code ?? 'other';
    this.byCode.set(code, (this.byCode.get(code) ?? 0) + 1);
    if (this.kept.length < this.keep) this.kept.push(i);
  };
}

export interface FeedOptions {
  onIssue?: (issue: Issue) => void;
  signal?: AbortSignal;
  /** Progress: after every 16,384 records. */
  onTick?: (records: number, file: string) => void;
  /** Read at most this many records per file. */
  maxRecords?: number;
}

/** Stream one file through the detector. */
export async function feedFile(detector: Detector, file: string, opts: FeedOptions = {}): Promise<{ records: number; events: number }> {
  let records = 0;
  let events = 0;
  let issues = 0;
  const max = opts.maxRecords ?? Infinity;
  const onIssue = (i: Issue): void => {
    issues++;
    opts.onIssue?.(i);
  };
  const readOpts = { onIssue, ...(opts.signal ? { signal: opts.signal } : {}) };
  // records a chunk at a time, each through the rules and the normaliser into the detector, without an await per record
  const normalizer = new Normalizer({ onIssue });
  const toDetector = (ev: NormalizedEvent) => {
    detector.addEvent(ev);
    events++;
  };
  reading: for await (const batch of readRecordBatches(file, readOpts)) {
    for (const rec of batch) {
      detector.addRecord(rec);
      records++;
      if ((records & 0x3fff) === 0) opts.onTick?.(records, file);
      normalizer.push(rec, toDetector);
      if (records >= max) break reading;
    }
  }
  normalizer.flush(toDetector);
  // a file that gave nothing and no reason why (empty, blank lines only) is worth a word: it may be the wrong file
  if (records === 0 && issues === 0) onIssue({ severity: 'warning', code: 'empty-file', message: 'file is empty or blank (no events)', place: { file } });
  detector.endFile();
  return { records, events };
}
