/**
 * Results remembered per field value: the literal index's scans, and the
 * tests of detection items that read one field. Within a dispatch group, what the
 * literal index finds in a field is a pure function of the field's value, and
 * log values repeat: on the python-evtx and Security-Datasets recordings
 * (distinct lines, each read once) 88–99 % of `Image` values, 92 % of
 * `ParentImage`, 79–90 % of `Hashes`, 93 % of PowerShell's `Payload` and 98.6 %
 * of Sysmon 10's `CallTrace` had been seen before in the same recording. So a
 * field's scan is run once per distinct value and its anchors recorded
 * (`HitState.recording`, before the per-event de-duplication); a repeat
 * replays them in the same order, which leaves the event's hit state exactly
 * as the scan would. Likewise an item that reads one field (no field
 * reference, not a keyword) is a pure function of that field's value, so its
 * answer per string value is kept (`ItemMemo`); items with the same field,
 * modifiers and values share one compiled test and one memo across rules.
 *
 * Long values: many are unique (PowerShell's `ContextInfo`, Security-Datasets'
 * `Message`: none of 23,148 repeats), but others repeat as often as short ones
 * (a long `ParentCommandLine` comes with every child of that parent: 38 of the
 * python-evtx recordings' 41 over 2,048 characters had been seen before, and
 * 78 % of PowerShell `Payload` characters), and a repeat is worth remembering.
 * So a value over `MEMO_MAX_CHARS` is remembered only from its second sighting
 * (`admits`: the first is kept by a fingerprint of its length and sampled
 * characters, which costs no full hash; the second must equal it in full), and
 * never above `MEMO_LONG_MAX_CHARS`. In full, because PowerShell 4103's
 * 5,000-character `ContextInfo` values differ from one another only in a
 * `Sequence Number` the fingerprint rarely samples: admitted on the fingerprint
 * alone, each was remembered and never met again, and the budget (below) was
 * spent every thousand events (177 resets in 172k Security-Datasets 4103 events;
 * 7 since). The literal index scans such values line by line instead
 * (`literal-index.ts`).
 *
 * Keys over `HASHED_MAX_CHARS` are not looked up by V8's string hash: it reads
 * every character (~1.7 ns each on this machine's Node 24, so 8.5 µs for a
 * 5,000-character PowerShell host command line, against 0.5 µs to compare it),
 * and each event brings fresh strings whose hash is not computed yet. They sit
 * in buckets by fingerprint instead, each entry verified by comparing the whole
 * key; a bucket holds at most `BUCKET_MAX` (values that differ only where the
 * fingerprint does not look share one), the oldest making way.
 *
 * Bounded: all memos of a rule set share one budget; when it is spent they
 * are all emptied and fill again from what the stream holds now.
 */
import { markPairs, type HitState } from './literal-hits.js';

/** Values up to this length are remembered when first seen. */
export const MEMO_MAX_CHARS = 2048;
/** Longer values up to this length are remembered from their second sighting; longer ones never. */
export const MEMO_LONG_MAX_CHARS = 65536;
/** Long values seen once, per memo, before the set starts over: at most this many, of at most this many characters in all. */
const LONG_SEEN_MAX = 4096;
const LONG_SEEN_MAX_CHARS = 4 * 1024 * 1024;
/** Characters a long value's fingerprint samples (evenly spaced, plus both ends). */
const FINGERPRINT_SAMPLES = 32;

/** Characters of keys plus anchors held by all memos of one rule set (≈ 2 bytes each): ~32 MiB. */
export const MEMO_BUDGET = 16 * 1024 * 1024;
/** What a remembered entry costs beyond its key and anchors (map slot, array header), in budget units. */
const ENTRY_OVERHEAD = 48;
const NONE = new Int32Array(0);
/** The same for an item's remembered answer. */
const ITEM_OVERHEAD = 24;

/** Keys up to this length are looked up by V8's string hash; longer ones by fingerprint (module comment). */
export const HASHED_MAX_CHARS = 256;
/** Entries per fingerprint bucket. */
const BUCKET_MAX = 4;

/**
 * A cheap identity of a long value: its length and a hash of sampled characters (collisions are harmless),
 * kept a small integer so that it is a cheap map key.
 */
function fingerprint(s: string): number {
  const n = s.length;
  let h = Math.imul(n, 0x9e3779b1);
  const step = Math.max(1, Math.floor(n / FINGERPRINT_SAMPLES));
  for (let i = 0; i < n; i += step) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  for (let i = Math.max(0, n - 8); i < n; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h & 0x3fffffff;
}

interface LongEntry<V> {
  key: string;
  value: V;
}

/** Answers per string value, charged to the rule set's budget (the shared half of both memos). */
abstract class ValueMemo<V> {
  private readonly byValue = new Map<string, V>();
  private readonly byPrint = new Map<number, Array<LongEntry<V>>>();
  private longEntries = 0;
  /** Long values seen once, by fingerprint (the latest of those sharing one). */
  private readonly longSeen = new Map<number, string>();
  private longSeenChars = 0;
  hits = 0;
  scans = 0;

  constructor(private readonly budget: MemoBudget) {}

  /**
   * Whether `raw` may be looked up and remembered (see the module comment on long values). `keep`: the form of `raw` to hold while waiting for its second sighting, when `raw` is a slice of a
   * larger string that should not be kept alive with it (`literal-index.ts`, lines of a long value).
   */
  admits(raw: string, keep?: (s: string) => string): boolean {
    if (raw.length <= MEMO_MAX_CHARS) return true;
    if (raw.length > MEMO_LONG_MAX_CHARS) return false;
    const fp = fingerprint(raw);
    const seen = this.longSeen.get(fp);
    // compared in full: values that differ only where the fingerprint does not look (a counter inside a
    // long text) are not repeats, and admitting them would spend the budget on values never seen again
    if (seen === raw) return true;
    if (seen !== undefined) this.longSeenChars -= seen.length;
    if (this.longSeen.size >= LONG_SEEN_MAX || this.longSeenChars + raw.length > LONG_SEEN_MAX_CHARS) {
      this.longSeen.clear();
      this.longSeenChars = 0;
    }
    this.longSeen.set(fp, keep === undefined ? raw : keep(raw));
    this.longSeenChars += raw.length;
    return false;
  }

  get size(): number {
    return this.byValue.size + this.longEntries;
  }

  clear(): void {
    this.byValue.clear();
    this.byPrint.clear();
    this.longEntries = 0;
    this.longSeen.clear();
    this.longSeenChars = 0;
  }

  /** The remembered answer for `raw`, undefined when new. */
  protected lookup(raw: string): V | undefined {
    if (raw.length <= HASHED_MAX_CHARS) return this.byValue.get(raw);
    const bucket = this.byPrint.get(fingerprint(raw));
    if (bucket !== undefined) for (let i = 0; i < bucket.length; i++) if (bucket[i]!.key === raw) return bucket[i]!.value;
    return undefined;
  }

  protected store(raw: string, value: V, extraUnits: number): void {
    this.scans++;
    if (raw.length <= HASHED_MAX_CHARS) this.byValue.set(raw, value);
    else {
      const fp = fingerprint(raw);
      let bucket = this.byPrint.get(fp);
      if (bucket === undefined) this.byPrint.set(fp, (bucket = []));
      if (bucket.length >= BUCKET_MAX) bucket.shift();
      else this.longEntries++;
      bucket.push({ key: raw, value });
    }
    this.budget.charge(raw.length + extraUnits);
  }
}

/** How the memos of one rule set did: lookups answered from memory, values scanned or tested, entries held, budget resets. */
export interface MemoStats {
  hits: number;
  scans: number;
  entries: number;
  resets: number;
}

export class MemoBudget {
  private used = 0;
  private readonly memos: Array<ValueMemo<unknown>> = [];
  /** Times the budget was spent and every memo emptied. */
  resets = 0;

  constructor(readonly limit: number = MEMO_BUDGET) {}

  scanMemo(): ScanMemo {
    const m = new ScanMemo(this);
    this.memos.push(m);
    return m;
  }

  itemMemo(): ItemMemo {
    const m = new ItemMemo(this);
    this.memos.push(m);
    return m;
  }

  charge(units: number): void {
    this.used += units;
    if (this.used <= this.limit) return;
    for (const m of this.memos) m.clear();
    this.used = 0;
    this.resets++;
  }

  /** Over all memos (statistics for benchmarks). */
  stats(): MemoStats {
    let hits = 0;
    let scans = 0;
    let entries = 0;
    for (const m of this.memos) {
      hits += m.hits;
      scans += m.scans;
      entries += m.size;
    }
    return { hits, scans, entries, resets: this.resets };
  }
}

/** One field's memo within one dispatch group's literal index. */
export class ScanMemo extends ValueMemo<Int32Array> {
  private readonly pairs: number[] = [];

  /** A known value: its recorded anchors marked, true. A new one: false, and the caller scans it between `record` and `remember`. */
  replay(raw: string, stamp: number, st: HitState): boolean {
    const known = this.lookup(raw);
    if (known === undefined) return false;
    this.hits++;
    if (known.length > 0) markPairs(st, stamp, known);
    return true;
  }

  record(st: HitState): void {
    this.pairs.length = 0;
    st.recording = this.pairs;
  }

  /** After the scan of the new value `raw` (also when it threw: then nothing is remembered). */
  remember(raw: string, st: HitState, completed: boolean): void {
    st.recording = null;
    if (!completed) return;
    const rec = this.pairs;
    const found = rec.length === 0 ? NONE : Int32Array.from(rec);
    this.store(raw, found, found.length + ENTRY_OVERHEAD);
  }
}

/** One item's answers per string value of its field. */
export class ItemMemo extends ValueMemo<boolean> {
  /** The remembered answer for `raw`, undefined when new. */
  get(raw: string): boolean | undefined {
    const r = this.lookup(raw);
    if (r !== undefined) this.hits++;
    return r;
  }

  set(raw: string, answer: boolean): void {
    this.store(raw, answer, ITEM_OVERHEAD);
  }
}
