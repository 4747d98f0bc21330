/**
 * Scanning one input (a whole file, or a block of JSON Lines cut from a big
 * file) against a compiled rule set, producing timeline rows. The same code
 * runs on the main thread and in workers. Input goes through the log readers
 * (src/logs): their line splitter, JSON record decoder and, for every other
 * container (EVTX, JSON arrays, auditd, XML), `openLogSource().records()`.
 *
 * JSON Lines fast path: a line the rule set rules out on its raw text
 * (`mayMatchRaw`) is not parsed at all. Lines that do not even look like a
 * JSON object are always parsed, so malformed lines are reported. A parsed
 * line goes to `matchEvent` with the record when the decoder kept its values
 * as they are (`keepsJsonValues`), so keyword searches can rule themselves out
 * on it (`compile/raw-gate.ts`).
 */
import type { Issue } from '../../common/errors.js';
import { stat } from 'node:fs/promises';
import { byteChunks, DEFAULT_MAX_LINE_BYTES, isGzip, PeekedChunks, readHead, splitLines } from '../../logs/io.js';
import { JsonRecordDecoder, keepsJsonValues } from '../../logs/json-records.js';
import { openLogSource, parseRecordLine, sniffContainer, type ContainerFormat } from '../../logs/read.js';
import type { LogRecord } from '../../logs/record.js';
import type { CompiledRuleSet } from '../compile/types.js';
import type { ProcessingPipeline } from '../rule/types.js';
import { eventRow, type TimelineRow } from '../output/timeline.js';

export interface ScanCounters {
  /** Records (events) read. */
  events: number;
  /** Records parsed and matched (the rest were ruled out on their raw text). */
  parsed: number;
  /** Lines seen in line-oriented inputs (including blank and bad ones). */
  lines: number;
  /** Decompressed bytes. */
  bytes: number;
  /** Detections found (also when rows are not kept). */
  detections: number;
}

export function newCounters(): ScanCounters {
  return { events: 0, parsed: 0, lines: 0, bytes: 0, detections: 0 };
}

export interface ScanContext {
  rules: CompiledRuleSet;
  /** Per rule index: fields shown as key fields. */
  keyFields: ReadonlyArray<readonly string[]>;
  rows: TimelineRow[];
  /** Count detections without keeping rows (benchmarks). */
  countOnly?: boolean;
  counters: ScanCounters;
  onIssue: (issue: Issue) => void;
  maxLineBytes?: number;
  signal?: AbortSignal;
  /** Called every 16,384 events (progress on long files). */
  onTick?: () => void;
}

/**
 * Key fields per compiled rule: the Sigma `fields:` list first, then what the
 * detection reads, then the names a pipeline branch maps those to (Security
 * 4688's NewProcessName for Image); only fields an event has are shown.
 */
export function keyFieldsOf(rules: CompiledRuleSet, pipeline?: ProcessingPipeline): string[][] {
  return rules.rules.map((r) => {
    const own = [...(r.rule.fields ?? []), ...r.fields];
    const mapped: string[] = [];
    for (const b of pipeline?.logsourceBranches?.(r.rule.logsource) ?? []) {
      for (const f of r.fields) {
        const t = b.fieldMap?.[f];
        if (t !== undefined) mapped.push(...(typeof t === 'string' ? [t] : t));
      }
    }
    return [...new Set([...own, ...mapped])];
  });
}

/** `rawText`: the JSON text the record was decoded from, when its values are that text's (`keepsJsonValues`). */
export function matchRecord(rec: LogRecord, ctx: ScanContext, rawText?: string): void {
  const matches = ctx.rules.matchEvent(rec.fields, rawText);
  if (matches.length === 0) return;
  ctx.counters.detections += matches.length;
  if (ctx.countOnly) return;
  for (const m of matches) {
    ctx.rows.push(eventRow(m.rule.index, ctx.keyFields[m.rule.index] ?? m.rule.fields, rec.fields, m.selections, rec.source));
  }
}

/** A JSON Lines line worth parsing: the rule set may match it, or it is not a plain `{…}` object line. */
export function worthParsing(text: string, rules: CompiledRuleSet): boolean {
  const first = text.charCodeAt(0);
  const last = text.charCodeAt(text.length - 1);
  if (first !== 0x7b || last !== 0x7d) return true; // '{' … '}': anything else gets parsed (and reported)
  return rules.mayMatchRaw(text);
}

/** Lines → records → rows, with the raw-text prefilter. */
async function scanLines(lines: AsyncIterable<{ text: string; line: number; offset: number }>, file: string, ctx: ScanContext): Promise<void> {
  const decoder = new JsonRecordDecoder({ file, onIssue: ctx.onIssue });
  const c = ctx.counters;
  for await (const l of lines) {
    if ((++c.events & 0x3fff) === 0) ctx.onTick?.();
    if (!worthParsing(l.text, ctx.rules)) continue;
    c.parsed++;
    const rec = parseRecordLine(l, file, decoder, ctx.onIssue);
    if (rec) matchRecord(rec, ctx, keepsJsonValues(rec.format) ? l.text : undefined);
  }
}

async function* once(buf: Buffer): AsyncGenerator<Buffer> {
  yield buf;
}

/**
 * One block of whole JSON Lines (ends with a newline). Line numbers and
 * offsets in rows and issues are relative to the block (1-based lines,
 * 0-based offsets); the caller adds the block's base.
 */
export async function scanJsonlBlock(block: Buffer, file: string, ctx: ScanContext): Promise<{ lines: number }> {
  const counters = { lines: 0 };
  const lines = splitLines(once(block), { file, maxLineBytes: ctx.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES, onIssue: ctx.onIssue, counters, ...(ctx.signal ? { signal: ctx.signal } : {}) });
  await scanLines(lines, file, ctx);
  ctx.counters.lines += counters.lines;
  ctx.counters.bytes += block.length;
  return { lines: counters.lines };
}

const SNIFF_BYTES = 64 * 1024;

export interface SniffedFile {
  container: ContainerFormat;
  compressed: boolean;
  /** The decompressed content from the start (the sniffed head replayed); close it if unused. */
  chunks: AsyncIterable<Buffer> & { close(): Promise<void> };
}

/** Detect a file's container from its (decompressed) first bytes, keeping the stream for reuse. */
export async function sniffFile(path: string, opts: { onIssue: (i: Issue) => void; counters?: { compressedBytes: number; bytes: number }; signal?: AbortSignal }): Promise<SniffedFile> {
  const raw = await readHead(path, SNIFF_BYTES);
  const compressed = isGzip(raw);
  const streamOpts = { onIssue: opts.onIssue, ...(opts.counters ? { counters: opts.counters } : {}), ...(opts.signal ? { signal: opts.signal } : {}) };
  const peeked = await PeekedChunks.open(byteChunks(path, compressed, streamOpts), SNIFF_BYTES);
  const container = sniffContainer(compressed ? peeked.head : raw);
  return { container, compressed, chunks: { [Symbol.asyncIterator]: () => peeked[Symbol.asyncIterator](), close: () => peeked.close() } };
}

/** A whole file, any format the log readers know. */
export async function scanFile(path: string, ctx: ScanContext): Promise<void> {
  const signalOpt = ctx.signal ? { signal: ctx.signal } : {};
  const counters = { lines: 0, compressedBytes: 0, bytes: 0 };
  let sniffed: SniffedFile;
  try {
    const st = await stat(path);
    if (!st.isFile()) throw new Error('not a regular file');
    sniffed = await sniffFile(path, { onIssue: ctx.onIssue, counters, ...signalOpt });
  } catch (err) {
    ctx.onIssue({ severity: 'error', code: 'io', message: `cannot read log file: ${err instanceof Error ? err.message : String(err)}`, place: { file: path } });
    return;
  }
  if (sniffed.container === 'jsonl') {
    const lines = splitLines(sniffed.chunks, { file: path, maxLineBytes: ctx.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES, onIssue: ctx.onIssue, counters, ...signalOpt });
    await scanLines(lines, path, ctx);
    ctx.counters.lines += counters.lines;
    ctx.counters.bytes += counters.bytes;
    return;
  }
  await sniffed.chunks.close();
  if (sniffed.container === 'empty') {
    ctx.onIssue({ severity: 'warning', code: 'empty-file', message: 'file is empty or blank (no events)', place: { file: path } });
    return;
  }
  let src;
  try {
    src = await openLogSource(path, { onIssue: ctx.onIssue, ...(sniffed.container !== 'unknown' ? { container: sniffed.container } : {}), ...(ctx.maxLineBytes ? { maxLineBytes: ctx.maxLineBytes } : {}), ...signalOpt });
  } catch (err) {
    ctx.onIssue({ severity: 'error', code: 'io', message: `cannot read log file: ${err instanceof Error ? err.message : String(err)}`, place: { file: path } });
    return;
  }
  for await (const rec of src.records()) {
    if ((++ctx.counters.events & 0x3fff) === 0) ctx.onTick?.();
    ctx.counters.parsed++;
    matchRecord(rec, ctx);
  }
  ctx.counters.lines += src.stats.lines;
  ctx.counters.bytes += src.stats.bytes;
}
