/**
 * The streaming detector. Records come in (Sigma rules run on each record's
 * fields), normalised events follow; events are gathered into time windows
 * (all hosts of one stretch of time together, one provenance graph and one
 * sequence builder per window), and when the stream moves past a window it
 * is closed and released:
 *   behaviour sequences → pattern and lineage spread (over every host of the
 *   window and all windows before) → semantic candidates (cached by text) →
 *   Sigma hits attached by event → calibrated scores → alerts → scenario
 *   fragments from the window's graph.
 * Memory is bounded by the window (`windowMs`, `maxWindowEvents`) plus what
 * is kept across windows: the lineage cache, the spread counters (both
 * capped), alerts and scenario fragments.
 */
import type { NormalizedEvent } from '../logs/event.js';
import type { LogRecord, SourceLocation } from '../logs/record.js';
import { GraphBuilder, SequenceBuilder, abstractFileName, type BehaviourSequence, type ProvenanceGraph, type SequenceOptions } from '../provenance/index.js';
import { sequenceText } from '../embed/sequence-text.js';
import { eventTime } from '../sigma/index.js';
import { alertOf } from './alert.js';
import type { UnitScorer } from './calibration/score.js';
import { LineageCache } from './lineage.js';
import { cellOf, lineageHash, patternHash, SpreadCounter } from './rarity.js';
import type { RuleTable } from './rules.js';
import { assembleScenarios, type ScenarioOptions } from './scenario/assemble.js';
import { imageName } from './scenario/causal.js';
import { buildFragments, type ScenarioFragment } from './scenario/fragment.js';
import type { SemanticMatcher } from './semantic.js';
import type { TechniqueInfo } from './techniques.js';
import type { Alert, EvidenceEvent, Scenario } from './types.js';
import { MAX_UNIT_EVIDENCE, type DetectionUnit, type RawRuleHit } from './unit.js';

export interface DetectorOptions {
  info: TechniqueInfo;
  /** Semantic detection (off when absent). */
  matcher?: SemanticMatcher;
  /** Sigma rules (off when absent). */
  rules?: RuleTable;
  /** Turns units into alerts (without it units are only reported through `onUnit`). */
  scorer?: UnitScorer;
  /** Span of a window (ms). Default 1 hour. */
  windowMs?: number;
  /** Events this much later than a window's span still go to it (ms). Default 5 minutes. */
  latenessMs?: number;
  /** A window is closed early at this many events. Default 400,000. */
  maxWindowEvents?: number;
  /** …and is not closed by time before it holds this many. Default 50,000. */
  minWindowEvents?: number;
  sequences?: SequenceOptions;
  /** Scenario construction (false: alerts only). */
  scenarios?: ScenarioOptions | false;
  onUnit?: (unit: DetectionUnit) => void;
  onAlert?: (alert: Alert) => void;
  /** Called when a window closes (progress). */
  onWindow?: (events: number, sequences: number) => void;
}

interface PendingHit {
  rules: number[];
  time: number | undefined;
  host: string;
  source: SourceLocation;
}

interface WindowHit {
  rules: number[];
  host: string;
  time: number;
  source: SourceLocation;
  what: string;
}

class Window {
  readonly graphs = new GraphBuilder();
  readonly sequences: SequenceBuilder;
  readonly hits = new Map<string, WindowHit>();
  /** `lineOf` every hit in `hits` was added with: a sequence event on no such line needs no `eventKey` (a string per event) to be ruled out. */
  readonly hitLines = new Set<number>();
  /** Rule hits on records that gave no event. */
  readonly orphans: PendingHit[] = [];
  events = 0;
  constructor(
    readonly index: number,
    readonly start: number,
    options: SequenceOptions | undefined,
  ) {
    this.sequences = new SequenceBuilder(options);
  }
}

export function eventKey(s: SourceLocation): string {
  return `${s.file}\0${s.line ?? ''}\0${s.record ?? ''}`;
}

/** The number in a source location that tells records of one file apart best (equal `eventKey`s have equal `lineOf`s). */
function lineOf(s: SourceLocation): number {
  return s.line ?? s.record ?? -1;
}

const HOUR = 3_600_000;

export class Detector {
  private window: Window | undefined;
  private windowCount = 0;
  private readonly pending = new Map<string, PendingHit>();
  /**
   * Pending hits per `lineOf` their record: an event whose line has none needs no `eventKey` (a string
   * built per event otherwise, for as long as a hit whose record gave no event waits for the end of the file).
   */
  private readonly pendingLines = new Map<number, number>();
  private readonly lineage = new LineageCache();
  private readonly patternSpread = new SpreadCounter();
  private readonly lineageSpread = new SpreadCounter();
  private readonly fragments: ScenarioFragment[] = [];
  readonly alerts: Alert[] = [];
  readonly counts = { records: 0, events: 0, sequences: 0, ruleHits: 0, units: 0, windows: 0 };
  private readonly windowMs: number;
  private readonly latenessMs: number;
  private readonly maxWindowEvents: number;
  private readonly minWindowEvents: number;

  constructor(private readonly opts: DetectorOptions) {
    this.windowMs = Math.max(1000, opts.windowMs ?? HOUR);
    this.latenessMs = Math.max(0, opts.latenessMs ?? 5 * 60_000);
    this.maxWindowEvents = Math.max(1000, opts.maxWindowEvents ?? 400_000);
    this.minWindowEvents = Math.min(this.maxWindowEvents, Math.max(0, opts.minWindowEvents ?? 50_000));
  }

  /** Run the rules on a record (before it is normalised). */
  addRecord(rec: LogRecord): void {
    this.counts.records++;
    const set = this.opts.rules?.set;
    if (!set) return;
    const matches = set.matchEvent(rec.fields);
    if (matches.length === 0) return;
    this.counts.ruleHits += matches.length;
    const f = rec.fields;
    const host = String(f.Computer ?? f.Hostname ?? f.hostname ?? f.host ?? 'unknown');
    const k = eventKey(rec.source);
    if (!this.pending.has(k)) {
      const line = lineOf(rec.source);
      this.pendingLines.set(line, (this.pendingLines.get(line) ?? 0) + 1);
    }
    this.pending.set(k, { rules: matches.map((m) => m.rule.index), time: eventTime(f), host, source: rec.source });
  }

  addEvent(ev: NormalizedEvent): void {
    this.counts.events++;
    const t = ev.time;
    let w = this.window;
    // Close on time only once the window is big enough: recordings mix clocks (channels a few hours apart,
    // events without a time), and a window per clock jump would cut every process apart. Earlier events
    // simply join the open window.
    if (!w || w.events >= this.maxWindowEvents || (w.events >= this.minWindowEvents && Number.isFinite(t) && t >= w.start + this.windowMs + this.latenessMs)) {
      if (w) this.closeWindow();
      w = this.window = new Window(this.windowCount++, Number.isFinite(t) ? t : 0, this.opts.sequences);
    }
    w.events++;
    this.lineage.observe(ev, w.index);
    w.graphs.add(ev);
    w.sequences.add(ev);
    if (this.pending.size > 0 && this.pendingLines.has(lineOf(ev.source))) {
      const k = eventKey(ev.source);
      const p = this.pending.get(k);
      if (p) {
        this.pending.delete(k);
        const line = lineOf(ev.source);
        const left = this.pendingLines.get(line)! - 1;
        if (left === 0) this.pendingLines.delete(line);
        else this.pendingLines.set(line, left);
        w.hitLines.add(line);
        w.hits.set(k, { rules: p.rules, host: ev.host || 'unknown', time: ev.time, source: ev.source, what: `${ev.kind} ${ev.eventId ?? ''} ${ev.subject?.image ?? ''}`.trim() });
      }
    }
  }

  /** The end of an input file: rule hits whose record gave no event become lone-event units. */
  endFile(): void {
    if (this.pending.size === 0) return;
    if (!this.window) this.window = new Window(this.windowCount++, 0, this.opts.sequences);
    this.window.orphans.push(...this.pending.values());
    this.pending.clear();
    this.pendingLines.clear();
  }

  /** Close the last window: the alerts and the scenario fragments (not yet merged across inputs). */
  finishParts(): { alerts: Alert[]; fragments: ScenarioFragment[] } {
    this.endFile();
    if (this.window) this.closeWindow();
    return { alerts: this.alerts, fragments: this.fragments };
  }

  /** Close the last window and assemble scenarios. */
  finish(): { alerts: Alert[]; scenarios: Scenario[] } {
    const { alerts, fragments } = this.finishParts();
    const scenarios = this.opts.scenarios === false ? [] : assembleScenarios(fragments, this.opts.info, this.opts.scenarios ?? {});
    return { alerts, scenarios };
  }

  private closeWindow(): void {
    const w = this.window!;
    this.window = undefined;
    this.counts.windows++;
    const seqs = w.sequences.finish();
    const graphs = w.graphs.graphs;
    this.counts.sequences += seqs.length;

    // spread first, so every unit of the window is scored against all hosts of the window
    const prepared = seqs.map((seq) => {
      const lineage = lineageOf(seq, graphs.get(seq.host));
      const pattern = patternHash(seq.tokens);
      const lh = lineageHash(lineage);
      const cell = cellOf(seq.host, seq.start);
      this.patternSpread.add(pattern, cell);
      this.lineageSpread.add(lh, cell);
      return { seq, lineage, pattern, lh };
    });

    // rule hits go to the sequence of the process the event created, else the first sequence holding the event
    const hitsOf = new Map<BehaviourSequence, RawRuleHit[]>();
    const claim = (seq: BehaviourSequence, ref: EvidenceEvent) => {
      // equal keys have equal lines, so a line without a hit cannot hold one
      if (!w.hitLines.has(lineOf(ref))) return;
      const k = eventKey(ref);
      const h = w.hits.get(k);
      if (!h) return;
      w.hits.delete(k);
      let list = hitsOf.get(seq);
      if (!list) hitsOf.set(seq, (list = []));
      for (const r of h.rules) list.push({ rule: r, event: ref });
    };
    if (w.hits.size > 0) {
      for (const { seq } of prepared) if (seq.window === 0 && seq.events.length === seq.actions.length + 1) claim(seq, seq.events[0]!);
      for (const { seq } of prepared) {
        if (w.hits.size === 0) break;
        for (const ref of seq.events) claim(seq, ref);
      }
    }

    const units: DetectionUnit[] = [];
    const matcher = this.opts.matcher;
    // the window's sequences searched together (see `SemanticMatcher.matchMany`)
    const candidates = matcher ? matcher.matchMany(prepared.map((p) => sequenceText(p.seq))) : [];
    for (let i = 0; i < prepared.length; i++) {
      const { seq, lineage, pattern, lh } = prepared[i]!;
      units.push({
        id: seq.id,
        host: seq.host,
        kind: 'sequence',
        process: seq.process,
        start: seq.start,
        end: seq.end,
        tokens: seq.tokens,
        text: seq.text,
        evidence: seq.events.slice(0, MAX_UNIT_EVIDENCE),
        eventCount: seq.events.length,
        candidates: candidates[i] ?? [],
        hits: hitsOf.get(seq) ?? [],
        pattern,
        patternCells: this.patternSpread.count(pattern),
        patternRepeats: this.patternSpread.repeats(pattern),
        lineage,
        lineageHash: lh,
        lineageCells: this.lineageSpread.count(lh),
        lineageRepeats: this.lineageSpread.repeats(lh),
        file: seq.events[0]?.file ?? '',
      });
    }
    for (const h of [...w.hits.values(), ...w.orphans.map((o): WindowHit => ({ rules: o.rules, host: o.host, time: o.time ?? 0, source: o.source, what: 'record' }))]) {
      units.push(this.eventUnit(h));
    }

    const byHost = new Map<string, Alert[]>();
    for (const u of units) {
      this.counts.units++;
      this.opts.onUnit?.(u);
      const scorer = this.opts.scorer;
      if (!scorer) continue;
      const alert = alertOf(u, scorer.score(u), scorer.baseline);
      if (!alert) continue;
      this.alerts.push(alert);
      this.opts.onAlert?.(alert);
      let list = byHost.get(alert.host);
      if (!list) byHost.set(alert.host, (list = []));
      list.push(alert);
    }
    if (this.opts.scenarios !== false) {
      for (const [host, alerts] of byHost) {
        const g = graphs.get(host);
        if (g) this.fragments.push(...buildFragments(g, alerts, this.opts.scenarios ?? {}));
      }
    }
    this.opts.onWindow?.(w.events, seqs.length);
  }

  private eventUnit(h: WindowHit): DetectionUnit {
    const ref: EvidenceEvent = { ...h.source, time: h.time };
    const rules = this.opts.rules?.rules ?? [];
    const sig = `event:${h.rules.map((r) => rules[r]?.id ?? r).join(',')}`;
    const pattern = patternHash([sig]);
    const cell = cellOf(h.host, h.time);
    this.patternSpread.add(pattern, cell);
    const where = h.source.line !== undefined ? `${h.source.line}` : `r${h.source.record ?? ''}`;
    return {
      id: `${h.host}|event|${h.source.file}:${where}`,
      host: h.host,
      kind: 'event',
      process: { key: '', image: '' },
      start: h.time,
      end: h.time,
      tokens: [sig],
      text: h.what,
      evidence: [ref],
      eventCount: 1,
      candidates: [],
      hits: h.rules.map((rule) => ({ rule, event: ref })),
      pattern,
      patternCells: this.patternSpread.count(pattern),
      patternRepeats: this.patternSpread.repeats(pattern),
      lineage: '',
      lineageHash: 0,
      lineageCells: 1,
      lineageRepeats: 1,
      file: h.source.file,
    };
  }
}

function imageToken(image: string | undefined): string {
  const name = imageName(image);
  return name ? abstractFileName(name) || name : 'unknown';
}

/** grandparent > parent > image, as abstracted program names. */
function lineageOf(seq: BehaviourSequence, graph: ProvenanceGraph | undefined): string {
  const names = [imageToken(seq.process.image)];
  const node = graph?.nodeByKey(seq.process.key);
  if (graph && node !== undefined) {
    let p = graph.processInfo(node).parent;
    for (let i = 0; i < 2 && p !== undefined; i++) {
      names.unshift(imageToken(graph.processInfo(p).image ?? graph.nameOf(p)));
      p = graph.processInfo(p).parent;
    }
  } else if (seq.process.parentImage) names.unshift(imageToken(seq.process.parentImage));
  return names.join(' > ');
}
