/**
 * Behaviour sequences: per process instance (and time window), its ordered
 * actions with abstracted objects. These are the "log sequences" the dual
 * encoder embeds and the units that detection scores.
 */
import type { EventKind } from '../logs/event.js';
import type { SourceLocation } from '../logs/record.js';

/** A pointer back to the evidence: the source record and its time. */
export interface EventRef extends SourceLocation {
  time: number;
}

export interface BehaviourAction {
  time: number;
  kind: EventKind;
  /** The object after abstraction, e.g. `%TEMP%\<rand>.exe`, `public:443`, `HKCU\...\Run\<rand>`. */
  object: string;
  event: EventRef;
}

/** The process a behaviour sequence (and an alert on it) is about. */
export interface SequenceProcess {
  /** Graph node key of the process instance. */
  key: string;
  image: string;
  commandLine?: string;
  user?: string;
  parentImage?: string;
  parentCommandLine?: string;
}

export interface BehaviourSequence {
  /** Stable id: host, process key and window index. */
  id: string;
  host: string;
  process: SequenceProcess;
  /** Window index when a long-lived process is cut into several sequences. */
  window: number;
  start: number;
  end: number;
  actions: BehaviourAction[];
  /** Token sequence for the encoder. */
  tokens: string[];
  /** One readable line for people. */
  text: string;
  /** Every source record the sequence was built from. */
  events: EventRef[];
}
