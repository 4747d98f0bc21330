/**
 * The Sigma engine's library surface: stream events through a compiled rule
 * set and get detections, including correlation detections over the
 * time-ordered stream.
 */
import type { LogRecord } from '../logs/record.js';
import type { CompiledRuleSet, Detection, DetectedEvent, EventFields } from './compile/types.js';
import { CorrelationEngine } from './correlation/engine.js';
import { eventTime } from './correlation/time.js';

export interface HuntOptions {
  /** Emit event detections of rules referenced by correlations even without `generate: true`. */
  emitReferencedRules?: boolean;
}

function isLogRecord(x: Record<string, unknown> | LogRecord): x is LogRecord {
  return typeof (x as LogRecord).fields === 'object' && (x as LogRecord).fields !== null && typeof (x as LogRecord).source === 'object' && typeof (x as LogRecord).format === 'string';
}

/**
 * Match every event against the rule set. Accepts bare field records or
 * `LogRecord`s (then detections carry the source location).
 */
export async function* hunt(
  events: AsyncIterable<EventFields | LogRecord> | Iterable<EventFields | LogRecord>,
  rules: CompiledRuleSet,
  options: HuntOptions = {},
): AsyncIterable<Detection> {
  const corr = rules.correlations.length > 0 ? new CorrelationEngine(rules) : undefined;
  for await (const item of events) {
    const rec = isLogRecord(item) ? item : undefined;
    const fields = rec ? rec.fields : (item as EventFields);
    const matches = rules.matchEvent(fields);
    if (matches.length === 0) continue;
    const ts = eventTime(fields);
    const detected: DetectedEvent = rec ? { fields, source: rec.source } : { fields };
    for (const m of matches) {
      const suppressed = corr !== undefined && !options.emitReferencedRules && corr.suppressesStandalone(m.rule);
      if (!suppressed) {
        const d: Detection = { kind: 'event', rule: m.rule.ref, event: detected, selections: m.selections };
        if (ts !== undefined) d.timestamp = new Date(ts).toISOString();
        yield d;
      }
      if (corr) {
        for (const cd of corr.push(m.rule, detected, ts)) yield cd;
      }
    }
  }
}

/** Convenience: collect every detection (tests, small inputs). */
export async function huntAll(
  events: AsyncIterable<EventFields | LogRecord> | Iterable<EventFields | LogRecord>,
  rules: CompiledRuleSet,
  options: HuntOptions = {},
): Promise<Detection[]> {
  const out: Detection[] = [];
  for await (const d of hunt(events, rules, options)) out.push(d);
  return out;
}
