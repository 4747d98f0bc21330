/**
 * The public entry to every log reader: open a file, detect what it holds from
 * its first bytes (not its name), and stream `LogRecord`s.
 *
 *   for await (const rec of readRecords(path, { onIssue })) …
 *
 * Containers: EVTX (magic `ElfFile\0`, read by `readEvtx` from `src/logs/evtx/`), JSON Lines,
 * JSON arrays / concatenated JSON objects, auditd text, and `<Event>` XML
 * lines (Sysmon for Linux via syslog, Windows XML exports); any of them may be
 * gzipped (detected by magic bytes). The record flavour (Windows python-evtx,
 * Security-Datasets, nested XML-as-JSON, ECS/Winlogbeat, CDM, …) is decided per
 * JSON object. Bad input never throws: it becomes an `Issue` with the file and
 * line (or byte offset), and reading continues where it can.
 */
import { stat } from 'node:fs/promises';
import { errorMessage, type Issue } from '../common/errors.js';
import type { LogRecord, RecordFormat, SourceLocation } from './record.js';
import { byteChunks, DEFAULT_MAX_LINE_BYTES, isEvtx, isGzip, PeekedChunks, readHead, splitLineBatches, splitLines, type Line } from './io.js';
import { jsonValues } from './json-stream.js';
import { JsonRecordDecoder } from './json-records.js';
import { AuditGrouper, auditEventFields, auditRecordFields, parseAuditLine, type AuditEvent, type AuditLine } from './auditd.js';
import { parseSysmonLinuxXml } from './xml-event.js';
import { readEvtx } from './evtx/index.js';

/** What a file holds, as detected from its content. */
export type ContainerFormat =
  | 'evtx'
  | 'jsonl' // one JSON object per line
  | 'json' // a JSON array of objects, or objects one after another (pretty-printed)
  | 'auditd' // raw auditd text
  | 'xml-events' // <Event> XML, one per line (syslog) or spread over lines
  | 'empty'
  | 'unknown';

export interface ReadOptions {
  /** Called for every problem that did not stop the reading. */
  onIssue?: (issue: Issue) => void;
  signal?: AbortSignal;
  /** Longest line (or JSON value) accepted; longer ones are skipped with an Issue. Default 16 MiB. */
  maxLineBytes?: number;
  /**
   * auditd: `events` (default) yields one record per event (all records of one
   * serial merged); `records` yields one record per audit line, which is what
   * Sigma's auditd rules (`type: EXECVE`, `a0: …`) expect.
   */
  auditd?: 'events' | 'records';
  /** Skip content detection and read as this container format. */
  container?: Exclude<ContainerFormat, 'empty' | 'unknown'>;
}

/** Counters of one read, updated while it streams. */
export interface ReadStats {
  /** Bytes of the file read so far (compressed size for .gz). */
  fileBytes: number;
  /** Decompressed bytes read so far. */
  bytes: number;
  /** Lines seen (text containers). */
  lines: number;
  /** Records yielded. */
  records: number;
  /** Source records consumed: audit lines for auditd (several per event), JSON values, EVTX records. */
  sourceRecords: number;
  errors: number;
  warnings: number;
  /** Records per flavour. */
  formats: Partial<Record<RecordFormat, number>>;
}

export interface LogSource {
  path: string;
  container: ContainerFormat;
  compressed: boolean;
  /** Size of the file on disk. */
  size: number;
  stats: ReadStats;
  /** Stream the records (once). */
  records(): AsyncIterable<LogRecord>;
  /** The same records in arrays (one per decompressed chunk for JSON Lines; one record each otherwise). Use either this or `records`, once. */
  batches(): AsyncIterable<LogRecord[]>;
}

const SNIFF_BYTES = 64 * 1024;

/** Decide the container format from the first (decompressed) bytes. */
export function sniffContainer(head: Uint8Array): ContainerFormat {
  if (isEvtx(head)) return 'evtx';
  const buf = Buffer.from(head.buffer, head.byteOffset, head.byteLength);
  let i = 0;
  if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) i = 3;
  while (i < buf.length && (buf[i] === 0x20 || buf[i] === 0x0a || buf[i] === 0x0d || buf[i] === 0x09)) i++;
  if (i >= buf.length) return 'empty';
  const c = buf[i];
  if (c === 0x5b) return 'json';
  if (c === 0x7b) return jsonOrLines(buf.toString('utf8', i), buf.length >= SNIFF_BYTES);
  // text: look at the first lines
  const text = buf.toString('utf8', i, Math.min(buf.length, i + 16384));
  let binary = 0;
  for (let j = 0; j < Math.min(text.length, 4096); j++) {
    const cc = text.charCodeAt(j);
    if ((cc < 0x20 && cc !== 0x0a && cc !== 0x0d && cc !== 0x09 && cc !== 0x1d) || cc === 0xfffd) binary++;
  }
  if (binary > 64) return 'unknown';
  const lines = text.split('\n', 20);
  if (lines.some((l) => /\btype=\S+ msg=audit\(\d/.test(l))) return 'auditd';
  if (lines.some((l) => /<Event[\s>]/.test(l))) return 'xml-events';
  if (/^<\?xml/.test(text) && text.includes('<Event')) return 'xml-events';
  return 'unknown';
}

/**
 * JSON Lines if any of the first complete lines is a whole JSON object on its
 * own (so one corrupt first line does not turn a JSONL file into one giant
 * value); otherwise objects spread over lines (pretty-printed or concatenated).
 */
function jsonOrLines(text: string, truncated: boolean): ContainerFormat {
  const lines = text.split('\n', 21);
  // the last piece may be cut by the sniff window
  const complete = truncated || !text.endsWith('\n') ? lines.slice(0, -1) : lines;
  if (complete.length === 0) return truncated ? 'jsonl' : 'json';
  for (const l of complete.slice(0, 20)) {
    const t = l.trim();
    if (!t.startsWith('{') || !t.endsWith('}')) continue;
    try {
      JSON.parse(t);
      return 'jsonl';
    } catch {
      // try the next line
    }
  }
  return 'json';
}

/**
 * Open a log file and detect its format. Throws only when the file cannot be
 * opened at all (missing, a directory, unreadable); everything about its
 * content is reported through `onIssue` while reading.
 */
export async function openLogSource(path: string, opts: ReadOptions = {}): Promise<LogSource> {
  const st = await stat(path);
  if (st.isDirectory()) throw Object.assign(new Error(`is a directory: ${path}`), { code: 'EISDIR' });
  const stats: ReadStats = { fileBytes: 0, bytes: 0, lines: 0, records: 0, sourceRecords: 0, errors: 0, warnings: 0, formats: {} };
  const userIssue = opts.onIssue;
  const onIssue = (i: Issue) => {
    if (i.severity === 'error') stats.errors++;
    else stats.warnings++;
    userIssue?.(i);
  };
  const raw = await readHead(path, SNIFF_BYTES);
  const compressed = isGzip(raw);
  let container: ContainerFormat;
  let peeked: PeekedChunks | undefined;
  const counters = { compressedBytes: 0, bytes: 0 };
  if (opts.container) container = opts.container;
  else if (!compressed) container = sniffContainer(raw);
  else {
    peeked = await PeekedChunks.open(byteChunks(path, true, { signal: opts.signal, onIssue, counters }), SNIFF_BYTES);
    container = sniffContainer(peeked.head);
  }
  const source: LogSource = {
    path,
    container,
    compressed,
    size: st.size,
    stats,
    records: () => unbatch(source.batches()),
    batches: () => {
      const chunks = () => peeked ?? byteChunks(path, compressed, { signal: opts.signal, onIssue, counters });
      return counting(batchesOf(path, container, chunks, { ...opts, onIssue }, stats), stats, counters);
    },
  };
  return source;
}

async function* counting(gen: AsyncIterable<LogRecord[]>, stats: ReadStats, counters: { compressedBytes: number; bytes: number }): AsyncGenerator<LogRecord[]> {
  try {
    for await (const batch of gen) {
      stats.records += batch.length;
      for (const r of batch) stats.formats[r.format] = (stats.formats[r.format] ?? 0) + 1;
      stats.fileBytes = counters.compressedBytes;
      stats.bytes = counters.bytes;
      yield batch;
    }
  } finally {
    stats.fileBytes = counters.compressedBytes;
    stats.bytes = counters.bytes;
  }
}

async function* unbatch(batches: AsyncIterable<LogRecord[]>): AsyncGenerator<LogRecord> {
  for await (const batch of batches) yield* batch;
}

/** Stream every record of a log file (format detected from content). */
export async function* readRecords(path: string, opts: ReadOptions = {}): AsyncGenerator<LogRecord> {
  yield* unbatch(readRecordBatches(path, opts));
}

/**
 * `readRecords` in arrays of records (one per decompressed chunk for JSON
 * Lines, one record each for the other containers): for consumers that
 * handle many records per await.
 */
export async function* readRecordBatches(path: string, opts: ReadOptions = {}): AsyncGenerator<LogRecord[]> {
  let src: LogSource;
  try {
    src = await openLogSource(path, opts);
  } catch (err) {
    opts.onIssue?.({ severity: 'error', code: 'io', message: `cannot read file: ${errorMessage(err)}`, place: { file: path } });
    return;
  }
  try {
    yield* src.batches();
  } catch (err) {
    if (opts.signal?.aborted) throw err;
    // the file went away or became unreadable mid-way: say so, keep what was read
    opts.onIssue?.({ severity: 'error', code: 'io', message: `read failed: ${errorMessage(err)}`, place: { file: path, offset: src.stats.bytes } });
  }
}

type Chunks = () => AsyncIterable<Buffer>;

async function* batchesOf(path: string, container: ContainerFormat, chunks: Chunks, opts: ReadOptions & { onIssue: (i: Issue) => void }, stats: ReadStats): AsyncGenerator<LogRecord[]> {
  if (container === 'jsonl') {
    const max = opts.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
    const decoder = new JsonRecordDecoder({ file: path, onIssue: opts.onIssue });
    for await (const lines of splitLineBatches(chunks(), { file: path, maxLineBytes: max, onIssue: opts.onIssue, signal: opts.signal, counters: stats })) {
      const out: LogRecord[] = [];
      for (const l of lines) {
        stats.sourceRecords++;
        const rec = parseRecordLine(l, path, decoder, opts.onIssue);
        if (rec) out.push(rec);
      }
      if (out.length > 0) yield out;
    }
    return;
  }
  for await (const rec of recordsOf(path, container, chunks, opts, stats)) yield [rec];
}

async function* recordsOf(path: string, container: Exclude<ContainerFormat, 'jsonl'>, chunks: Chunks, opts: ReadOptions & { onIssue: (i: Issue) => void }, stats: ReadStats): AsyncGenerator<LogRecord> {
  const max = opts.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  const lineOpts = { file: path, maxLineBytes: max, onIssue: opts.onIssue, signal: opts.signal, counters: stats };
  switch (container) {
    case 'empty':
      return;
    case 'unknown':
      opts.onIssue({
        severity: 'error',
        code: 'unsupported-format',
        message: 'not a recognised log format (expected EVTX, JSON/JSON Lines, auditd or <Event> XML)',
        place: { file: path, offset: 0 },
      });
      return;
    case 'evtx':
      yield* readEvtxDelegate(path, opts, stats);
      return;
    case 'json': {
      const decoder = new JsonRecordDecoder({ file: path, onIssue: opts.onIssue });
      for await (const v of jsonValues(chunks(), { file: path, maxValueBytes: max, onIssue: opts.onIssue, signal: opts.signal })) {
        stats.sourceRecords++;
        const rec = decoder.decode(v.value, { file: path, line: v.line, record: v.index, offset: v.offset });
        if (rec) yield rec;
      }
      return;
    }
    case 'auditd':
      yield* readAuditLines(splitLines(chunks(), lineOpts), path, opts, stats);
      return;
    case 'xml-events':
      yield* readXmlEvents(splitLines(chunks(), lineOpts), path, opts, stats, max);
      return;
  }
}

/**
 * One JSON Lines line → a record (undefined with an Issue when it is not a JSON
 * object). Exposed for workers that split lines themselves; pass one decoder
 * per file (CDM references resolve within it).
 */
export function parseRecordLine(l: Line, file: string, decoder: JsonRecordDecoder, onIssue?: (i: Issue) => void): LogRecord | undefined {
  const place: SourceLocation = { file, line: l.line, offset: l.offset };
  let value: unknown;
  try {
    value = JSON.parse(l.text);
  } catch (err) {
    onIssue?.({ severity: 'error', code: 'json-parse', message: `invalid JSON: ${errorMessage(err).slice(0, 200)}`, place });
    return undefined;
  }
  return decoder.decode(value, place);
}

/** Records from lines that are already split (e.g. by a worker or a test). */
export async function* readRecordsFromLines(lines: AsyncIterable<Line> | Iterable<Line>, file: string, opts: ReadOptions = {}): AsyncGenerator<LogRecord> {
  const decoder = new JsonRecordDecoder({ file, onIssue: opts.onIssue });
  for await (const l of lines) {
    const rec = parseRecordLine(l, file, decoder, opts.onIssue);
    if (rec) yield rec;
  }
}

async function* readAuditLines(lines: AsyncIterable<Line>, path: string, opts: ReadOptions & { onIssue: (i: Issue) => void }, stats: ReadStats): AsyncGenerator<LogRecord> {
  const perRecord = opts.auditd === 'records';
  const grouper = new AuditGrouper();
  const toRecord = (g: AuditEvent): LogRecord => {
    const first = g.lines[0]!;
    const source = { file: path, line: first.line, offset: first.offset };
    const fields = auditEventFields(g.lines);
    if (g.dropped) {
      fields.dropped_records = g.dropped;
      opts.onIssue({ severity: 'warning', code: 'auditd-group-cap', message: `event has more records than kept; ${g.dropped} dropped`, place: source });
    }
    return { fields, format: 'auditd', source };
  };
  let junkRun = false;
  for await (const l of lines) {
    const record = parseAuditLine(l.text);
    if (!record) {
      if (!junkRun) {
        opts.onIssue({ severity: 'error', code: 'auditd-parse', message: 'not an audit record (expected `type=… msg=audit(…)`)', place: { file: path, line: l.line, offset: l.offset } });
      }
      junkRun = true;
      continue;
    }
    junkRun = false;
    stats.sourceRecords++;
    const al: AuditLine = { record, raw: l.text, line: l.line, offset: l.offset };
    if (perRecord) {
      yield { fields: auditRecordFields(al), format: 'auditd', source: { file: path, line: l.line, offset: l.offset } };
      continue;
    }
    for (const g of grouper.push(al)) yield toRecord(g);
  }
  for (const g of grouper.flush()) yield toRecord(g);
}

const EVENT_START = /<Event[\s>]/;

async function* readXmlEvents(lines: AsyncIterable<Line>, path: string, opts: ReadOptions & { onIssue: (i: Issue) => void }, stats: ReadStats, max: number): AsyncGenerator<LogRecord> {
  let buf = '';
  let start: Line | undefined;
  let index = 0;
  const malformed = (at: Line, message: string) =>
    opts.onIssue({ severity: 'error', code: 'xml-parse', message, place: { file: path, line: at.line, offset: at.offset, record: index++ } });
  for await (const l of lines) {
    let text = l.text;
    const m = EVENT_START.exec(text);
    if (m) {
      // a new event starts while one is open: the open one never closed
      if (start) malformed(start, 'unterminated <Event> element');
      text = text.slice(m.index);
      start = l;
      buf = '';
    } else if (!start) continue; // syslog lines without an event, XML prolog, <Events> wrapper
    const searchFrom = Math.max(0, buf.length - 8);
    buf += buf ? '\n' + text : text;
    if (buf.length > max) {
      opts.onIssue({ severity: 'error', code: 'value-too-large', message: `XML event larger than ${max} bytes skipped`, place: { file: path, line: start.line, offset: start.offset } });
      buf = '';
      start = undefined;
      continue;
    }
    const end = buf.indexOf('</Event>', searchFrom);
    if (end === -1) continue;
    const xml = buf.slice(0, end + 8);
    const place: SourceLocation = { file: path, line: start.line, offset: start.offset, record: index };
    const first = start;
    buf = '';
    start = undefined;
    stats.sourceRecords++;
    const fields = parseSysmonLinuxXml(xml);
    if (!fields) {
      malformed(first, 'malformed <Event> XML');
      continue;
    }
    index++;
    const linux = typeof fields.Provider_Name === 'string' && /linux/i.test(fields.Provider_Name as string);
    yield { fields, format: linux ? 'sysmon-linux' : 'win-nested', source: place };
  }
  if (start) opts.onIssue({ severity: 'error', code: 'xml-truncated', message: 'file ends inside an <Event> element', place: { file: path, line: start.line, offset: start.offset } });
}

async function* readEvtxDelegate(path: string, opts: ReadOptions & { onIssue: (i: Issue) => void }, stats: ReadStats): AsyncGenerator<LogRecord> {
  for await (const r of readEvtx(path, { onIssue: opts.onIssue, ...(opts.signal ? { signal: opts.signal } : {}) })) {
    stats.sourceRecords++;
    yield r;
  }
}
