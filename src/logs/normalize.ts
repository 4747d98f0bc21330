/**
 * `LogRecord` → `NormalizedEvent`, for every source the readers produce:
 * Windows flavours and Sysmon for Linux (same event ids and field names),
 * auditd events, DARPA CDM events. The mapping per source is documented in
 * docs/logs.md. Records that carry no event (CDM entity records) give
 * undefined silently; records that should but cannot be normalized (no usable
 * time, unknown JSON) give undefined and an `Issue`.
 */
import type { Issue } from '../common/errors.js';
import type { NormalizedEvent } from './event.js';
import type { LogRecord } from './record.js';
import { fileClockKnown, needsFileClock, normalizeWindows, windowsTime } from './normalize/windows.js';
import { normalizeAuditd } from './normalize/auditd.js';
import { normalizeCdm } from './normalize/cdm.js';

export { parseTimestamp, epochToMs } from './normalize/time.js';
export { guidOf, pidOf } from './normalize/windows.js';

export interface NormalizeOptions {
  onIssue?: (issue: Issue) => void;
}

export function normalize(record: LogRecord, opts: NormalizeOptions = {}): NormalizedEvent | undefined {
  let ev: NormalizedEvent | undefined;
  switch (record.format) {
    case 'cdm':
      if (record.fields.cdm_type !== 'Event') return undefined;
      ev = normalizeCdm(record);
      break;
    case 'auditd':
      ev = normalizeAuditd(record);
      break;
    case 'json':
      if (record.fields.EventID === undefined) {
        opts.onIssue?.({ severity: 'warning', code: 'normalize-unknown', message: 'record of an unknown JSON shape cannot be normalized', place: record.source });
        return undefined;
      }
      ev = normalizeWindows(record);
      break;
    default:
      ev = normalizeWindows(record);
  }
  if (!ev) opts.onIssue?.({ severity: 'warning', code: 'normalize-no-time', message: 'record has no usable timestamp', place: record.source });
  return ev;
}

const WINDOWS_FORMATS = new Set(['evtx', 'win-flat', 'win-secdatasets', 'win-secdatasets-nested', 'win-nested', 'ecs']);
const MAX_HELD = 50_000;

/**
 * Normalize a stream of records, dropping those that give no event. Unlike
 * calling `normalize` record by record, this fixes the times of Windows events
 * that carry only a zoneless local `TimeCreated` (some nxlog exports) even
 * when they come before the first event that reveals the file's offset: such
 * events are held (at most 50,000) until the offset is known or the input
 * ends, then released in their original order.
 */
export async function* normalizeAll(records: AsyncIterable<LogRecord> | Iterable<LogRecord>, opts: NormalizeOptions = {}): AsyncGenerator<NormalizedEvent> {
  const normalizer = new Normalizer(opts);
  const out: NormalizedEvent[] = [];
  const collect = (ev: NormalizedEvent) => void out.push(ev);
  for await (const r of records) {
    normalizer.push(r, collect);
    if (out.length > 0) {
      yield* out;
      out.length = 0;
    }
  }
  normalizer.flush(collect);
  yield* out;
}

/** `normalizeAll` one record at a time, for synchronous consumers: events go to a callback, in order. */
export class Normalizer {
  private held: NormalizedEvent[] = [];

  constructor(private readonly opts: NormalizeOptions = {}) {}

  /** Normalize one record; the events this releases (its own, or held ones with it) go to `emit`. */
  push(r: LogRecord, emit: (ev: NormalizedEvent) => void): void {
    const ev = normalize(r, this.opts);
    if (!ev) return;
    const waiting = WINDOWS_FORMATS.has(r.format) && needsFileClock(r.fields) && !fileClockKnown(r.source.file);
    if (this.held.length > 0 || waiting) {
      this.held.push(ev);
      if (this.held.length >= MAX_HELD || fileClockKnown(this.held[0]!.source.file)) this.flush(emit);
      return;
    }
    emit(ev);
  }

  /** Release the held events (at the end of the input). */
  flush(emit: (ev: NormalizedEvent) => void): void {
    const held = this.held;
    this.held = [];
    for (const ev of held) {
      retime(ev);
      emit(ev);
    }
  }
}

/** Recompute the time of a held event now that its file's offset may be known. */
function retime(ev: NormalizedEvent): void {
  if (!needsFileClock(ev.raw)) return;
  const t = windowsTime(ev.raw, ev.source.file);
  if (t === undefined || t === ev.time) return;
  if (ev.subject?.startTime === ev.time) ev.subject.startTime = t;
  ev.time = t;
}
