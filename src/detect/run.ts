/**
 * Feeding log files through a detector: each file is read by the log
 * readers (format from content, .gz transparent), every record goes to the
 * rules, then through the normaliser, then the event to the detector. Input
 * problems never stop the run; they are counted per code with the first ones
 * kept.
 */
import type { Issue } from '../common/errors.js';
import { normalizeAll } from '../logs/normalize.js';
import { readRecords } from '../logs/read.js';
import type { LogRecord } from '../logs/record.js';
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
  async function* tapped(): AsyncGenerator<LogRecord> {
    for await (const rec of readRecords(file, readOpts)) {
      detector.addRecord(rec);
      records++;
      if ((records & 0x3fff) === 0) opts.onTick?.(records, file);
      yield rec;
      if (records >= max) break;
    }
  }
  for await (const ev of normalizeAll(tapped(), { onIssue })) {
    detector.addEvent(ev);
    events++;
  }
  // a file that gave nothing and no reason why (empty, blank lines only) is worth a word: it may be the wrong file
  if (records === 0 && issues === 0) onIssue({ severity: 'warning', code: 'empty-file', message: 'file is empty or blank (no events)', place: { file } });
  detector.endFile();
  return { records, events };
}
