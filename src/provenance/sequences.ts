/**
 * Behaviour sequences: per process instance, its time-ordered actions with
 * abstracted objects, cut into windows, rendered as tokens (for the encoder)
 * and as one readable line (for people). Process identity is the graph's
 * (same keys), so a sequence points at its node.
 */
import type { EventKind, NormalizedEvent } from '../logs/event.js';
import type { SourceLocation } from '../logs/record.js';
import { abstractDomain, abstractEndpoint, abstractPath, abstractRegistryKey } from './abstract.js';
import type { EventSource } from './build.js';
import { commandLineTokens } from './cmdtokens.js';
import { ProvenanceGraph } from './graph.js';
import { ProcessTable } from './identity.js';
import { abstractFileName, abstractName } from './names.js';
import { baseName, isWindowsPath } from './paths.js';
import type { BehaviourAction, BehaviourSequence, EventRef } from './sequence.js';

export interface SequenceOptions {
  /** Cut a process's actions into a new window after this span (ms). Default 10 minutes. */
  windowMs?: number;
  /** …or after this many actions. Default 64. */
  maxActions?: number;
  /** Only this host (case-insensitive). */
  host?: string;
  /** Keep processes that did nothing but start (their header tokens only). Default true. */
  includeIdle?: boolean;
}

const DEFAULT_WINDOW_MS = 10 * 60_000;
const DEFAULT_MAX_ACTIONS = 64;
const MAX_SCRIPT_TOKENS = 8;

/** An action as collected: small, one object per event; tokens and references are made at the end. */
interface PendingAction {
  time: number;
  kind: EventKind;
  verb: string;
  object: string;
  source: SourceLocation;
  /** Tokens other than `verb:object` (script blocks give several); undefined, not absent, when there are none (`action`). */
  tokens: string[] | undefined;
}

// a spawn reads better with the program's name than with its whole abstracted path
const phraseOf = (a: PendingAction): string => (a.kind === 'process_create' && a.tokens ? a.tokens[0]!.replace(':', ' ') : `${a.verb} ${a.object}`);
const refOf = (a: PendingAction): EventRef => ({ ...a.source, time: a.time });

interface HostState {
  graph: ProvenanceGraph;
  processes: ProcessTable;
  actions: Map<number, PendingAction[]>;
  /** The record that created each process (first event of its window 0). */
  created: Map<number, EventRef>;
}

export class SequenceBuilder {
  private readonly hosts = new Map<string, HostState>();
  private readonly windowMs: number;
  private readonly maxActions: number;
  private readonly hostFilter: string | undefined;
  private readonly includeIdle: boolean;

  constructor(options: SequenceOptions = {}) {
    this.windowMs = Math.max(1, options.windowMs ?? DEFAULT_WINDOW_MS);
    this.maxActions = Math.max(1, Math.floor(options.maxActions ?? DEFAULT_MAX_ACTIONS));
    this.hostFilter = options.host?.toLowerCase();
    this.includeIdle = options.includeIdle ?? true;
  }

  add(ev: NormalizedEvent): void {
    const time = ev.time;
    if (typeof time !== 'number' || !Number.isFinite(time) || !ev.subject) return;
    const host = ev.host || 'unknown';
    if (this.hostFilter !== undefined && host.toLowerCase() !== this.hostFilter) return;
    const state = this.hostState(host);
    if (ev.kind === 'process_create') {
      const child = state.processes.resolve(ev.subject, time, true);
      if (child === undefined) return;
      if (!state.created.has(child)) state.created.set(child, { ...ev.source, time });
      if (!state.actions.has(child)) state.actions.set(child, []);
      const parentRef = ev.subject.parent;
      if (parentRef) {
        const parent = state.processes.resolve(parentRef, time, false);
        if (parent !== undefined && parent !== child) {
          state.graph.processInfo(child).parent ??= parent;
          const image = ev.subject.image ?? '';
          const name = image ? imageToken(image) : 'unknown';
          this.push(state, parent, {
            time,
            kind: 'process_create',
            verb: 'spawn',
            object: image ? abstractPath(image) : name,
            source: ev.source,
            tokens: [`spawn:${name}`],
          });
        }
      }
      return;
    }

    const actor = state.processes.resolve(ev.subject, time, false);
    if (actor === undefined) return;
    if (ev.subject.parent) {
      const parent = state.processes.resolve(ev.subject.parent, time, false);
      if (parent !== undefined && parent !== actor) state.graph.processInfo(actor).parent ??= parent;
    }
    if (ev.kind === 'process_exit') {
      state.processes.exited(actor, time);
      return;
    }
    const action = describe(ev, time);
    if (action) this.push(state, actor, action);
  }

  private push(state: HostState, node: number, action: PendingAction): void {
    let list = state.actions.get(node);
    if (!list) {
      list = [];
      state.actions.set(node, list);
    }
    list.push(action);
  }

  private hostState(host: string): HostState {
    let state = this.hosts.get(host);
    if (!state) {
      const graph = new ProvenanceGraph(host);
      state = { graph, processes: new ProcessTable(graph), actions: new Map(), created: new Map() };
      this.hosts.set(host, state);
    }
    return state;
  }

  /** All sequences, sorted by host, start time, process key and window. */
  finish(): BehaviourSequence[] {
    const out: BehaviourSequence[] = [];
    for (const [host, state] of this.hosts) {
      for (const [node, actions] of state.actions) {
        if (actions.length === 0 && !(this.includeIdle && state.created.has(node))) continue;
        actions.sort(compareActions);
        out.push(...this.windows(host, state, node, actions));
      }
    }
    out.sort((a, b) => cmp(a.host, b.host) || a.start - b.start || cmp(a.process.key, b.process.key) || a.window - b.window);
    return out;
  }

  private windows(host: string, state: HostState, node: number, actions: PendingAction[]): BehaviourSequence[] {
    const g = state.graph;
    const info = g.processInfo(node);
    const parentInfo = info.parent !== undefined ? g.processInfo(info.parent) : undefined;
    // an image the logs never named stays empty (its token is `proc:unknown`), not `pid 1234`
    const proc: BehaviourSequence['process'] = { key: g.keyOf(node), image: info.image ?? '' };
    if (info.commandLine !== undefined) proc.commandLine = info.commandLine;
    if (info.user !== undefined) proc.user = info.user;
    if (parentInfo?.image !== undefined) proc.parentImage = parentInfo.image;
    if (parentInfo?.commandLine !== undefined) proc.parentCommandLine = parentInfo.commandLine;
    const header = headerTokens(proc, info.integrity);
    const created = state.created.get(node);

    const chunks: PendingAction[][] = [];
    let cur: PendingAction[] = [];
    for (const a of actions) {
      if (cur.length > 0 && (cur.length >= this.maxActions || a.time - cur[0]!.time > this.windowMs)) {
        chunks.push(cur);
        cur = [];
      }
      cur.push(a);
    }
    if (cur.length > 0 || chunks.length === 0) chunks.push(cur);

    return chunks.map((chunk, window) => {
      // the creation record first (window 0), then one reference per action
      const lead = window === 0 && created ? 1 : 0;
      const events: EventRef[] = lead ? [created!] : [];
      for (const a of chunk) events.push(refOf(a));
      const start = chunk.length ? Math.min(chunk[0]!.time, window === 0 && created ? created.time : Infinity) : (created?.time ?? info.startTime ?? 0);
      const end = chunk.length ? chunk[chunk.length - 1]!.time : start;
      const tokens = [...header];
      const seen = new Set<string>();
      // a repeated action says less than the first one; keep the first
      for (const a of chunk) {
        if (a.tokens) {
          for (const t of a.tokens) addToken(tokens, seen, t);
        } else addToken(tokens, seen, `${a.verb}:${a.object}`);
      }
      const seq: BehaviourSequence = {
        id: `${host}|${proc.key}|${window}`,
        host,
        process: proc,
        window,
        start,
        end,
        actions: chunk.map((a, i): BehaviourAction => ({ time: a.time, kind: a.kind, object: a.object, event: events[i + lead]! })),
        tokens,
        text: renderLine(proc, window, chunk),
        events,
      };
      return seq;
    });
  }
}

/** Build behaviour sequences from a stream of normalized events. */
export async function buildSequences(events: EventSource, options: SequenceOptions = {}): Promise<BehaviourSequence[]> {
  const builder = new SequenceBuilder(options);
  if (Symbol.iterator in events) for (const ev of events) builder.add(ev);
  else for await (const ev of events) builder.add(ev);
  return builder.finish();
}

function headerTokens(proc: BehaviourSequence['process'], integrity: string | undefined): string[] {
  const tokens = [`proc:${imageToken(proc.image)}`];
  if (proc.parentImage) tokens.push(`parent:${imageToken(proc.parentImage)}`);
  const user = userClass(proc.user);
  if (user) tokens.push(`user:${user}`);
  if (integrity) tokens.push(`integrity:${integrity.toLowerCase().replace(/\s+/g, '')}`);
  if (proc.commandLine) for (const t of commandLineTokens(proc.commandLine, proc.image)) tokens.push(`cmd:${t}`);
  return tokens.map(cleanToken);
}

/** The program's file name, lower-cased on Windows, random names abstracted (`<rand>.exe`). */
function imageToken(image: string): string {
  const name = baseName(image);
  return abstractFileName(isWindowsPath(image) || /\.exe$/i.test(name) ? name.toLowerCase() : name) || 'unknown';
}

function userClass(user: string | undefined): string | undefined {
  if (!user) return undefined;
  const u = user.toLowerCase();
  if (u === 'root' || u === '0' || /\\system$|^system$|^s-1-5-18$/.test(u)) return 'system';
  if (/local service|network service|^s-1-5-(19|20)$/.test(u)) return 'service';
  return 'user';
}

const fileVerb: Partial<Record<EventKind, string>> = {
  file_create: 'create',
  file_write: 'write',
  file_read: 'read',
  file_delete: 'delete',
  file_rename: 'rename',
  registry_create: 'regcreate',
  registry_set: 'regset',
  registry_delete: 'regdelete',
};

/**
 * An event's action (a plain function, not a closure per event: closures cost an allocation and, under tsx, a
 * `__name` call each). Every action has the same six fields in the same order, `tokens` undefined when there are
 * none: actions made as `{ ...action(…), tokens }` each got a hidden class of their own in V8 (2,050 maps, one per
 * PowerShell or task action, in one Security-Datasets file's open window), which made the sort and the rendering
 * megamorphic and every such action a few hundred bytes larger for the collector to copy.
 */
function action(ev: NormalizedEvent, time: number, object: string, verb: string, tokens?: string[]): PendingAction {
  return { time, kind: ev.kind, verb, object, source: ev.source, tokens };
}

/** The abstracted action of one (non-creation) event, or undefined when it says nothing. */
function describe(ev: NormalizedEvent, time: number): PendingAction | undefined {
  const o = ev.object ?? {};
  switch (ev.kind) {
    case 'file_create':
    case 'file_write':
    case 'file_read':
    case 'file_delete':
    case 'file_rename': {
      const path = ev.kind === 'file_rename' ? (o.file?.newPath ?? o.file?.path) : o.file?.path;
      return path ? action(ev, time, abstractPath(path), fileVerb[ev.kind]!) : undefined;
    }
    case 'registry_create':
    case 'registry_set':
    case 'registry_delete': {
      if (!o.registry?.key) return undefined;
      const full = o.registry.value ? `${o.registry.key}\\${o.registry.value}` : o.registry.key;
      return action(ev, time, abstractRegistryKey(full), fileVerb[ev.kind]!);
    }
    case 'network_connect':
    case 'network_accept': {
      const n = o.network;
      if (!n) return undefined;
      const inbound = ev.kind === 'network_accept' || n.direction === 'inbound';
      // inbound: the local port is the service that was reached
      const endpoint = inbound ? abstractEndpoint(n.remoteAddress, n.localPort ?? n.remotePort) : abstractEndpoint(n.remoteAddress, n.remotePort);
      return action(ev, time, endpoint, inbound ? 'accept' : 'connect');
    }
    case 'dns_query':
      return o.domain ? action(ev, time, abstractDomain(o.domain), 'dns') : undefined;
    case 'image_load': {
      const m = o.module ?? o.file?.path;
      return m ? action(ev, time, abstractPath(m), 'load') : undefined;
    }
    case 'pipe':
      return o.pipe ? action(ev, time, abstractPipe(o.pipe), 'pipe') : undefined;
    case 'remote_thread':
    case 'process_access': {
      let target = o.process?.image ? imageToken(o.process.image) : 'unknown';
      // the rights asked for say what the access was for (0x1010 on lsass: reading credentials)
      const granted = ev.kind === 'process_access' ? ev.raw.GrantedAccess : undefined;
      if (typeof granted === 'string' && /^0x[0-9a-f]{1,8}$/i.test(granted)) target += `:0x${parseInt(granted, 16).toString(16)}`;
      return action(ev, time, target, ev.kind === 'remote_thread' ? 'inject' : 'access');
    }
    case 'scheduled_task': {
      const name = o.task?.name ? abstractTaskName(o.task.name) : 'task';
      const tokens = [`task:${name}`];
      if (o.task?.command) for (const t of commandLineTokens(o.task.command, undefined, 6)) tokens.push(`taskcmd:${t}`);
      return action(ev, time, name, 'task', tokens);
    }
    case 'service_install': {
      const s = o.service;
      const object = s?.image ? abstractPath(s.image) : s?.name ? abstractName(s.name.toLowerCase()) : 'service';
      return action(ev, time, object, 'service');
    }
    case 'logon': {
      const type = o.logon?.type ?? 'unknown';
      return action(ev, time, abstractName(type.toLowerCase()), 'logon');
    }
    case 'powershell_script': {
      const cmdlets = scriptCmdlets(o.script ?? '');
      const object = cmdlets.length ? cmdlets.join(',') : 'script';
      return action(ev, time, object, 'script', cmdlets.length ? cmdlets.map((c) => `script:${c}`) : ['script:block']);
    }
    case 'wmi': {
      const first = o.script ? commandLineTokens(o.script, undefined, 1)[0] : undefined;
      return action(ev, time, first ?? 'event', 'wmi');
    }
    case 'other':
      return action(ev, time, String(ev.eventId ?? 'event'), 'event');
    default:
      return undefined;
  }
}

function abstractPipe(pipe: string): string {
  const parts = pipe.replace(/^\\\\\.\\pipe\\/i, '\\').split('\\').filter(Boolean);
  return '\\' + parts.map((p) => abstractName(p.toLowerCase())).join('\\');
}

function abstractTaskName(name: string): string {
  return name
    .split('\\')
    .map((p) => (p ? abstractName(p.toLowerCase()) : p))
    .join('\\');
}

/** Distinct Verb-Noun cmdlet names in a script block, in order of appearance, lower case. */
function scriptCmdlets(script: string): string[] {
  const out: string[] = [];
  const re = /\b([A-Z][a-z]{1,15})-([A-Z][A-Za-z]{1,40})\b/g;
  const text = script.length > 65536 ? script.slice(0, 65536) : script;
  for (let m = re.exec(text); m && out.length < MAX_SCRIPT_TOKENS; m = re.exec(text)) {
    const c = `${m[1]}-${m[2]}`.toLowerCase();
    if (!out.includes(c)) out.push(c);
  }
  return out;
}

function renderLine(proc: BehaviourSequence['process'], window: number, chunk: PendingAction[]): string {
  let head = imageToken(proc.image);
  if (proc.parentImage) head += ` ← ${imageToken(proc.parentImage)}`;
  if (proc.commandLine) {
    const cmd = proc.commandLine.replace(/\s+/g, ' ').trim();
    head += `: ${cmd.length > 160 ? cmd.slice(0, 159) + '…' : cmd}`;
  }
  if (window > 0) head += ` [window ${window}]`;
  const phrases: string[] = [];
  for (let i = 0; i < chunk.length; ) {
    let j = i + 1;
    const phrase = phraseOf(chunk[i]!);
    while (j < chunk.length && chunk[j]!.verb === chunk[i]!.verb && chunk[j]!.object === chunk[i]!.object) j++;
    phrases.push(j - i > 1 ? `${phrase} ×${j - i}` : phrase);
    i = j;
  }
  // control characters from the log never reach a terminal through this line
  // eslint-disable-next-line no-control-regex
  const line = phrases.length ? `${head} | ${phrases.join('; ')}` : head;
  return line.replace(/[\x00-\x1f\x7f-\x9f]/g, ' ');
}

/** Append a token the sequence has not had yet (cleaned). */
function addToken(tokens: string[], seen: Set<string>, t: string): void {
  if (seen.has(t)) return;
  seen.add(t);
  tokens.push(cleanToken(t));
}

const MAX_TOKEN = 160;

/**
 * Tokens never carry control characters (names come from attackers; they
 * become `?`) and stay short: a long one keeps its head and its tail.
 */
function cleanToken(t: string): string {
  // eslint-disable-next-line no-control-regex
  const clean = /[\x00-\x1f\x7f-\x9f]/.test(t) ? t.replace(/[\x00-\x1f\x7f-\x9f]/g, '?') : t;
  return clean.length > MAX_TOKEN ? clean.slice(0, 100) + '…' + clean.slice(clean.length - (MAX_TOKEN - 101)) : clean;
}

function compareActions(a: PendingAction, b: PendingAction): number {
  return (
    a.time - b.time ||
    cmp(a.source.file, b.source.file) ||
    (a.source.record ?? 0) - (b.source.record ?? 0) ||
    (a.source.line ?? 0) - (b.source.line ?? 0) ||
    cmp(a.kind, b.kind) ||
    cmp(a.object, b.object)
  );
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
