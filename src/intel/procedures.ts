/**
 * Procedures: who did what, with which tool or command, to what. One
 * procedure per (technique, evidence sentence), built from the sentence and
 * what the text layer found in and around it: the verb phrase, software
 * named in it (or the command's executable), commands (the sentence itself
 * when it is a command or code block, command-like inline code, a code block
 * that the sentence introduces with a colon), objects and IOCs inside those
 * spans, and the actor (a group or malware named in the sentence, else the
 * report's most-named group).
 */
import type { KnowledgeBase } from '../kb/index.js';
import { commandName, interpreterOf, looksLikeCommand, type FoundEntity, type FoundIoc, type Range, type ReportText } from '../text/index.js';
import { actionPhrase } from './action.js';
import type { Command, Ioc, Procedure, ProcedureObject } from './schema.js';

export interface ProcedureInput {
  technique: string;
  tactic?: string;
  sentence: number;
  score: number;
  /** The part of the sentence that carries the technique (a clause or an inline command); default the sentence. */
  focus?: Range;
  focusKind?: 'clause' | 'inline-command';
}

export interface ProcedureContext {
  kb: KnowledgeBase;
  report: ReportText;
  iocs: { ioc: Ioc; found: FoundIoc }[];
  entities: FoundEntity[];
}

const MAX_QUOTE = 500;

export function quoteOf(text: string, r: Range): string {
  const q = text.slice(r.start, r.end);
  return q.length > MAX_QUOTE ? q.slice(0, MAX_QUOTE - 1) + '…' : q;
}

function within(r: Range, outer: Range): boolean {
  return r.start >= outer.start && r.end <= outer.end;
}

/** Commands that belong to sentence `j`: itself (command/code), its command-like inline code, a code block it introduces. */
export function commandsFor(report: ReportText, j: number): { text: string; range: Range; sentence: number }[] {
  const out: { text: string; range: Range; sentence: number }[] = [];
  const s = report.sentences[j]!;
  const add = (range: Range, sentence: number) => {
    const text = report.text.slice(range.start, range.end).trim();
    if (text && !out.some((c) => c.text === text)) out.push({ text, range, sentence });
  };
  if (s.kind === 'command' || s.kind === 'code') add(s, j);
  for (const c of report.inlineCode) {
    if (c.start >= s.end) break;
    if (within(c, s)) {
      const t = report.text.slice(c.start, c.end);
      if (looksLikeCommand(t) && /\s/.test(t.trim())) add(c, j);
    }
  }
  // "…registered a scheduled task:" followed by a code block or command line.
  const next = report.sentences[j + 1];
  if (next && (next.kind === 'command' || next.kind === 'code') && /:\s*$/.test(report.text.slice(s.start, s.end)) && s.kind !== 'code' && s.kind !== 'command') add(next, j + 1);
  return out;
}

const OBJECT_KIND: Partial<Record<Ioc['type'], ProcedureObject['kind']>> = {
  'file-path': 'file',
  'file-name': 'file',
  'registry-key': 'registry',
  domain: 'domain',
  url: 'url',
  ipv4: 'network',
  ipv6: 'network',
  email: 'account',
};

function mostNamed(entities: FoundEntity[], kind: FoundEntity['kind']): FoundEntity | undefined {
  let best: FoundEntity | undefined;
  for (const e of entities) if (e.kind === kind && (!best || e.spans.length > best.spans.length)) best = e;
  return best;
}

export function buildProcedure(id: string, input: ProcedureInput, ctx: ProcedureContext): Procedure {
  const { report } = ctx;
  const s = report.sentences[input.sentence]!;
  const focus: Range = input.focus ?? s;
  const focusText = report.text.slice(focus.start, focus.end);
  let commands = commandsFor(report, input.sentence);
  if (input.focusKind === 'inline-command') {
    commands = [{ text: focusText.trim(), range: focus, sentence: input.sentence }];
  } else if (input.focus) {
    // Commands inside the clause, and a block the sentence introduces when the clause ends it.
    commands = commands.filter((c) => within(c.range, focus) || (c.sentence !== input.sentence && focus.end >= s.end - 1));
  }
  const spans: Range[] = [focus, ...commands.map((c) => c.range).filter((r) => !within(r, focus))];
  const inSpans = (r: Range) => spans.some((sp) => within(r, sp));
  const iocIds: string[] = [];
  const objects: ProcedureObject[] = [];
  for (const { ioc, found } of ctx.iocs) {
    if (!found.spans.some(inSpans)) continue;
    iocIds.push(ioc.id);
    const kind = OBJECT_KIND[ioc.type];
    if (kind && !objects.some((o) => o.value === ioc.value)) objects.push({ kind, value: ioc.value });
  }
  for (const c of commands) {
    const task = /\/tn\s+("[^"]{1,200}"|\S{1,200})/i.exec(c.text);
    if (task && /schtasks/i.test(c.text)) objects.push({ kind: 'task', value: task[1]!.replace(/^"|"$/g, '') });
    const svc = /\bsc(?:\.exe)?\s+(?:create|config|start)\s+("[^"]{1,200}"|\S{1,200})/i.exec(c.text);
    if (svc) objects.push({ kind: 'service', value: svc[1]!.replace(/^"|"$/g, '') });
  }
  // Tool: software named in the evidence, else the first command's executable when ATT&CK knows it.
  const named = ctx.entities.filter((e) => (e.kind === 'tool' || e.kind === 'malware') && e.spans.some(inSpans));
  let tool: Procedure['tool'];
  if (named[0]) tool = { name: named[0].name, attackId: named[0].attackId };
  else if (commands[0]) {
    const exe = commandName(commands[0].text.replace(/^(?:PS [A-Za-z]:\\[^>]*>|[A-Za-z]:\\[^>]*>|\$ |# )/, '').split(/\s+/, 1)[0] ?? '');
    const sw = exe ? ctx.kb.softwareBy(exe) : undefined;
    tool = sw ? { name: sw.name, attackId: sw.id } : exe ? { name: exe } : undefined;
  }
  const group = ctx.entities.find((e) => e.kind === 'group' && e.spans.some((r) => within(r, s))) ?? mostNamed(ctx.entities, 'group');
  const actorMalware = ctx.entities.find((e) => e.kind === 'malware' && e.spans.some((r) => within(r, s)));
  const actor = group?.name ?? actorMalware?.name;
  const isCommand = input.focusKind === 'inline-command' || s.kind === 'command' || s.kind === 'code';
  const action = isCommand ? `ran ${focusText.trim().split('\n', 1)[0]!.slice(0, 100)}` : actionPhrase(focusText);
  const cmds: Command[] = commands.map((c) => ({
    text: c.text.length > 4000 ? c.text.slice(0, 4000) : c.text,
    interpreter: interpreterOf(c.text),
    evidence: { start: c.range.start, end: c.range.end, quote: quoteOf(report.text, c.range), sentence: c.sentence, method: 'pattern' as const },
  }));
  const evidence = [
    { start: focus.start, end: focus.end, quote: quoteOf(report.text, focus), sentence: input.sentence, method: 'classifier' as const, score: round(input.score) },
    ...commands.filter((c) => !within(c.range, focus)).map((c) => ({ start: c.range.start, end: c.range.end, quote: quoteOf(report.text, c.range), sentence: c.sentence, method: 'pattern' as const })),
  ];
  const proc: Procedure = {
    id,
    technique: input.technique,
    order: 1,
    action,
    commands: cmds,
    objects,
    iocs: iocIds,
    evidence,
    score: round(input.score),
  };
  if (input.tactic) proc.tactic = input.tactic;
  if (actor) proc.actor = actor;
  if (tool) proc.tool = tool;
  return proc;
}

export function round(x: number, digits = 4): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
