/**
 * ATI document → emulation plan, in procedure (attack-chain) order. Each
 * procedure contributes the report's own commands for the plan's platform
 * when it gives them (with a cleanup derived from what they create);
 * otherwise Atomic Red Team tests for its technique, ranked by how well they
 * fit the procedure (its tool, the report values that can fill their input
 * arguments, fewer prerequisites, no missing payloads), with arguments
 * filled from the report where that is provably inert. Every step carries
 * its executor, elevation, prerequisites, cleanup, the static check of every
 * script, and the telemetry it should raise: the synthetic events of its
 * commands and the rules (generated and SigmaHQ) that fire on them.
 */
import type { AtiDocument, Procedure } from '../../intel/schema.js';
import type { KnowledgeBase } from '../../kb/index.js';
import type { CompiledRuleSet, EventFields } from '../../sigma/index.js';
import { inferShell, type Platform } from '../command/analyze.js';
import { fillArguments, reportValues, substitute, type FilledArgument } from '../atomic/fill.js';
import type { AtomicLibrary, AtomicRef } from '../atomic/load.js';
import type { AtomicExecutorName } from '../atomic/schema.js';
import type { BinaryCatalog } from '../knowledge/catalog.js';
import { ArtefactCollector, procedurePlatform } from '../sigma/artefacts.js';
import { oneLine } from '../sigma/draft.js';
import { draftsFor } from '../sigma/families/index.js';
import type { RuleSetCoverage } from '../sigma/coverage.js';
import { checkCommand, type CommandCheck } from '../validate/check.js';
import { cleanupFor, elevationFor } from './cleanup.js';
import { destructiveReason, missingPayloads } from '../atomic/hazards.js';

export interface Prerequisite {
  description: string;
  check: string;
  install: string;
}

export interface TelemetryRule {
  id: string;
  title: string;
  level: string;
  set: 'generated' | 'existing';
}

export interface EmulationStep {
  /** 1-based position in the plan. */
  step: number;
  procedure: { id: string; order: number; technique: string; tactic?: string; action: string; evidence: string };
  technique: string;
  techniqueName?: string;
  source: 'report' | 'atomic';
  atomic?: { technique: string; number: number; guid?: string; name: string };
  name: string;
  description: string;
  platform: Platform;
  executor: AtomicExecutorName;
  elevationRequired: boolean;
  /** The concrete command (arguments filled, the atomics folder resolved). */
  command: string;
  cleanup?: string;
  dependencyExecutor?: AtomicExecutorName;
  prerequisites: Prerequisite[];
  inputArguments: FilledArgument[];
  /** The Atomic test as it stands (templates with #{arg}), for the Atomic YAML output. */
  template: { command: string; cleanup?: string; prerequisites: Prerequisite[] };
  checks: { command: CommandCheck; cleanup?: CommandCheck; prerequisites: CommandCheck[] };
  expectedTelemetry: { events: string[]; rules: TelemetryRule[] };
  notes: string[];
}

export interface EmulationPlan {
  report: { id: string; title: string };
  platform: Platform;
  steps: EmulationStep[];
  /** Procedures the plan cannot emulate on this platform, with why. */
  uncovered: Array<{ procedure: string; order: number; technique: string; reason: string }>;
}

export interface PlanOptions {
  platform?: Platform;
  atomics?: AtomicLibrary;
  catalog: BinaryCatalog;
  kb?: KnowledgeBase;
  /** Generated rules (compiled) and the existing rules: which of them the steps should trigger. */
  generatedRules?: CompiledRuleSet;
  existing?: RuleSetCoverage;
  /** Atomic tests per procedure without own commands (default 1). */
  variants?: number;
  /** Where the Atomic payloads would be (`PathToAtomicsFolder`). */
  atomicsFolder?: { windows: string; unix: string };
}

const ATOMICS_FOLDER = { windows: 'C:\\AtomicRedTeam\\atomics', unix: '/opt/AtomicRedTeam/atomics' };

function executorForReport(text: string, interpreter: string | undefined, platform: Platform): AtomicExecutorName {
  if (interpreter === 'powershell') return 'powershell';
  if (interpreter === 'cmd' || interpreter === 'wmic') return 'command_prompt';
  if (interpreter === 'bash') return 'bash';
  if (interpreter === 'sh') return 'sh';
  // the text decides (a Windows path is not a Linux command); the plan's platform only breaks ties
  const shell = inferShell(text, undefined, undefined);
  void platform;
  if (shell === 'powershell') return 'powershell';
  if (shell === 'cmd') return 'command_prompt';
  // bash-only syntax needs bash
  return /\[\[|<\(|\$'|\{\d+\.\.\d+\}|\bfunction\s+\w+|\bsource\s/.test(text) ? 'bash' : 'sh';
}

function executorPlatform(e: AtomicExecutorName, fallback: Platform): Platform {
  if (e === 'powershell' || e === 'command_prompt') return 'windows';
  if (e === 'sh' || e === 'bash') return fallback === 'windows' ? 'linux' : fallback;
  return fallback;
}

/**
 * A command copied from a terminal keeps its prompt (`C:\> `, `PS C:\Users\x> `,
 * `$ `, `user@host:~$ `): the prompt is not part of the command.
 */
export function stripPrompt(text: string): string {
  return text.replace(/^\s*(?:PS\s+)?[A-Za-z]:\\[^>\n]{0,200}>\s*/, '').replace(/^\s*(?:[\w.-]{1,64}@[\w.-]{1,64}(?::[^$#\n]{0,200})?)?[$#]\s+(?=\S)/, '');
}

/** The platform most of the report's commands run on (windows when it gives none). */
export function reportPlatform(doc: AtiDocument): Platform {
  const count: Record<Platform, number> = { windows: 0, linux: 0, macos: 0 };
  for (const p of doc.procedures) if (p.commands.length > 0) count[procedurePlatform(p, 'windows')]++;
  const best = (Object.entries(count) as Array<[Platform, number]>).sort((a, b) => b[1] - a[1])[0]!;
  return best[1] > 0 ? best[0] : 'windows';
}

function evidenceText(p: Procedure): string {
  return oneLine(p.evidence[0]?.quote ?? '', 300);
}

/**
 * How well a test stands in for the procedure. Fit (its tool, report values
 * it takes) counts, but a step must also be replayable: a test that destroys
 * the host, or needs payload files that are not installed, only wins when no
 * other test for the technique is left.
 */
function rankTest(ref: AtomicRef, p: Procedure, filled: FilledArgument[], atomicsDir: string | undefined): number {
  const t = ref.test;
  const text = `${t.name} ${t.executor.command ?? ''}`.toLowerCase();
  let score = 0;
  const tool = p.tool?.name.toLowerCase();
  if (tool && tool.length >= 3 && text.includes(tool)) score += 4;
  score += 2 * filled.filter((a) => a.from === 'report').length;
  if (!t.dependencies || t.dependencies.length === 0) score += 1;
  if (!t.executor.elevation_required) score += 1;
  if (missingPayloads(t, atomicsDir).length > 0) score -= 6;
  if (destructiveReason(t)) score -= 20;
  if (t.executor.name === 'manual') score -= 10;
  return score;
}

export class PlanBuilder {
  private readonly steps: EmulationStep[] = [];
  private readonly uncovered: EmulationPlan['uncovered'] = [];
  private readonly platform: Platform;

  constructor(private readonly doc: AtiDocument, private readonly opts: PlanOptions) {
    this.platform = opts.platform ?? reportPlatform(doc);
  }

  build(): EmulationPlan {
    const procs = [...this.doc.procedures].sort((a, b) => a.order - b.order);
    for (const p of procs) this.procedure(p);
    return { report: { id: this.doc.report.id, title: this.doc.report.title }, platform: this.platform, steps: this.steps, uncovered: this.uncovered };
  }

  private techniqueName(id: string): string | undefined {
    return this.opts.kb?.technique(id)?.name;
  }

  private procInfo(p: Procedure): EmulationStep['procedure'] {
    return { id: p.id, order: p.order, technique: p.technique, ...(p.tactic ? { tactic: p.tactic } : {}), action: oneLine(p.action, 300), evidence: evidenceText(p) };
  }

  private procedure(p: Procedure): void {
    const own = p.commands
      .map((c) => ({ ...c, text: stripPrompt(c.text) }))
      .filter((c, i, all) => all.findIndex((x) => x.text === c.text) === i)
      .map((c) => ({ c, executor: executorForReport(c.text, c.interpreter, this.platform) })).filter((x) => executorPlatform(x.executor, this.platform) === this.platform);
    if (own.length > 0) {
      for (const { c, executor } of own) {
        // the report often tells one command under two techniques (schtasks as T1053.005 and T1053.002): run it once
        const earlier = this.steps.find((s) => s.source === 'report' && s.command === c.text);
        if (earlier) earlier.notes.push(`this command also carries out report step ${p.order} (${p.technique}: ${oneLine(p.action, 160)})`);
        else this.reportStep(p, c.text, executor);
      }
      return;
    }
    const other = p.commands.length > 0 ? ` (its ${p.commands.length} command(s) are for another platform)` : '';
    if (!this.opts.atomics) {
      this.uncovered.push({ procedure: p.id, order: p.order, technique: p.technique, reason: `no command in the report for ${this.platform}${other}, and no Atomic Red Team tests installed` });
      return;
    }
    let refs = this.opts.atomics.testsFor(p.technique);
    if (refs.length === 0 && p.technique.includes('.')) refs = this.opts.atomics.testsFor(p.technique.split('.')[0]!);
    if (refs.length === 0) refs = this.opts.atomics.testsFor(p.technique, { includeSubtechniques: true });
    const values = reportValues(this.doc, p);
    const unix = this.platform === 'windows' ? 'windows' : 'unix';
    const candidates = refs
      .filter((r) => r.test.supported_platforms.includes(this.platform) && r.test.executor.name !== 'manual')
      .map((r) => ({ r, filled: fillArguments(r.test, values, unix, (n) => this.opts.catalog.binary(n)?.role === 'tool' || this.opts.catalog.softwareOf(n)?.kind === 'tool') }))
      .map((x) => ({ ...x, score: rankTest(x.r, p, x.filled, this.opts.atomics?.dir) }))
      .sort((a, b) => b.score - a.score || a.r.technique.localeCompare(b.r.technique) || a.r.number - b.r.number);
    if (candidates.length === 0) {
      this.uncovered.push({ procedure: p.id, order: p.order, technique: p.technique, reason: `no command in the report for ${this.platform}${other}, and no Atomic test for ${p.technique} on ${this.platform}` });
      return;
    }
    // a test our own check rejects (an upstream bug) is passed over when another one exists
    const folder = this.platform === 'windows' ? (this.opts.atomicsFolder ?? ATOMICS_FOLDER).windows : (this.opts.atomicsFolder ?? ATOMICS_FOLDER).unix;
    const valid = candidates.filter((c) => this.check(substitute(c.r.test.executor.command ?? '', c.filled, folder), c.r.test.executor.name, (c.r.test.dependencies ?? []).flatMap((d) => [d.prereq_command, d.get_prereq_command])).ok);
    const chosen = (valid.length > 0 ? valid : candidates).slice(0, Math.max(1, this.opts.variants ?? 1));
    for (const c of chosen) this.atomicStep(p, c.r, c.filled, candidates.length - valid.length);
  }

  private reportStep(p: Procedure, text: string, executor: AtomicExecutorName): void {
    const cleanup = cleanupFor(text, executor, this.platform);
    const notes: string[] = [];
    if (!cleanup) notes.push('no cleanup could be derived from the command: undo its effects by hand');
    const step: EmulationStep = {
      step: this.steps.length + 1,
      procedure: this.procInfo(p),
      technique: p.technique,
      ...(this.techniqueName(p.technique) ? { techniqueName: this.techniqueName(p.technique)! } : {}),
      source: 'report',
      name: oneLine(`${p.technique} ${p.action}`, 120),
      description: oneLine(`The report's own command for step ${p.order}: ${p.action}. Evidence: "${evidenceText(p)}"`, 900),
      platform: this.platform,
      executor,
      elevationRequired: elevationFor(text, executor),
      command: text,
      ...(cleanup ? { cleanup } : {}),
      prerequisites: [],
      inputArguments: [],
      template: { command: text, ...(cleanup ? { cleanup } : {}), prerequisites: [] },
      checks: { command: this.check(text, executor, []), ...(cleanup ? { cleanup: this.check(cleanup, executor, []) } : {}), prerequisites: [] },
      expectedTelemetry: this.telemetry(p, text, executor),
      notes,
    };
    this.steps.push(step);
  }

  private atomicStep(p: Procedure, ref: AtomicRef, filled: FilledArgument[], passedOver = 0): void {
    const t = ref.test;
    const ex = t.executor;
    const folder = this.platform === 'windows' ? (this.opts.atomicsFolder ?? ATOMICS_FOLDER).windows : (this.opts.atomicsFolder ?? ATOMICS_FOLDER).unix;
    const fill = (s: string): string => substitute(s, filled, folder);
    const depEx = t.dependency_executor_name ?? ex.name;
    const prereqTemplates: Prerequisite[] = (t.dependencies ?? []).map((d) => ({ description: oneLine(d.description, 400), check: d.prereq_command, install: d.get_prereq_command }));
    const prerequisites = prereqTemplates.map((d) => ({ description: d.description, check: fill(d.check), install: fill(d.install) }));
    const command = fill(ex.command ?? '');
    const cleanup = ex.cleanup_command ? fill(ex.cleanup_command) : undefined;
    const before = prerequisites.flatMap((d) => [d.check, d.install]);
    const notes = filled.filter((a) => a.note).map((a) => `${a.name}: ${a.note}`);
    const payloads = missingPayloads(t, this.opts.atomics?.dir);
    if (payloads.length > 0) notes.push(`needs Atomic payload files that are not installed (${payloads.slice(0, 3).join(', ')}${payloads.length > 3 ? ', …' : ''}): put the Atomic Red Team payloads in ${folder} first`);
    const hazard = destructiveReason(t);
    if (hazard) notes.push(`DESTRUCTIVE: this test ${hazard} (chosen because no other test for the technique ranked higher). Run it only on a disposable host`);
    if (passedOver > 0) notes.push(`${passedOver} other Atomic test(s) for this technique fail the static check and were passed over`);
    const step: EmulationStep = {
      step: this.steps.length + 1,
      procedure: this.procInfo(p),
      technique: ref.technique,
      ...(this.techniqueName(ref.technique) ? { techniqueName: this.techniqueName(ref.technique)! } : {}),
      source: 'atomic',
      atomic: { technique: ref.technique, number: ref.number, ...(t.auto_generated_guid ? { guid: t.auto_generated_guid } : {}), name: t.name },
      name: oneLine(t.name, 200),
      description: oneLine(`${t.description} (Atomic Red Team ${ref.technique}-${ref.number}, standing in for step ${p.order}: ${p.action}.)`, 1500),
      platform: this.platform,
      executor: ex.name,
      elevationRequired: ex.elevation_required === true,
      command,
      ...(cleanup ? { cleanup } : {}),
      ...(t.dependency_executor_name ? { dependencyExecutor: t.dependency_executor_name } : {}),
      prerequisites,
      inputArguments: filled,
      template: { command: ex.command ?? '', ...(ex.cleanup_command ? { cleanup: ex.cleanup_command } : {}), prerequisites: prereqTemplates },
      checks: {
        command: this.check(command, ex.name, before),
        ...(cleanup ? { cleanup: this.check(cleanup, ex.name, before) } : {}),
        prerequisites: prerequisites.flatMap((d) => [this.check(d.check, depEx, []), this.check(d.install, depEx, [])]),
      },
      expectedTelemetry: this.telemetry(p, command, ex.name),
      notes,
    };
    this.steps.push(step);
  }

  private check(text: string, executor: AtomicExecutorName, before: string[]): CommandCheck {
    return checkCommand(text, executor, { catalog: this.opts.catalog, before });
  }

  /** Synthetic events of the command and the rules that fire on them. */
  private telemetry(p: Procedure, command: string, executor: AtomicExecutorName): EmulationStep['expectedTelemetry'] {
    const interpreter = executor === 'command_prompt' ? 'cmd' : executor === 'manual' ? undefined : executor;
    const pseudo: AtiDocument = {
      ...this.doc,
      procedures: [{ ...p, commands: [{ text: command, ...(interpreter ? { interpreter } : {}) }], objects: [], iocs: [] }],
    };
    const collector = new ArtefactCollector(pseudo, this.platform).collect();
    const events: EventFields[] = [];
    for (const a of collector.artefacts) for (const d of draftsFor(a, { catalog: this.opts.catalog }, [])) events.push(...d.positives);
    const seen = new Set<string>();
    const unique = events.filter((e) => {
      const k = describeEvent(e);
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
    const rules: TelemetryRule[] = [];
    const add = (id: string, title: string, level: string, set: TelemetryRule['set']): void => {
      if (!rules.some((r) => r.id === id)) rules.push({ id, title, level, set });
    };
    for (const e of unique) {
      for (const m of this.opts.generatedRules?.matchEvent(e) ?? []) add(m.rule.ref.id, m.rule.ref.title, m.rule.ref.level, 'generated');
    }
    for (const r of this.opts.existing?.hits(unique) ?? []) add(r.id, r.title, r.level, 'existing');
    return { events: unique.map(describeEvent), rules };
  }
}

/** One line per synthetic event: what the host would log. */
export function describeEvent(e: EventFields): string {
  const ch = String(e['Channel'] ?? '');
  const id = String(e['EventID'] ?? '');
  const src = ch.startsWith('Linux-Sysmon') ? 'Sysmon for Linux' : ch.includes('Sysmon') ? 'Sysmon' : ch;
  const key = (k: string): string => oneLine(String(e[k] ?? ''), 160);
  switch (`${src}:${id}`) {
    case 'Sysmon:1':
    case 'Sysmon for Linux:1':
      return `${src} ${id} process creation: ${key('Image')} ${key('CommandLine') ? '(' + key('CommandLine') + ')' : ''}`.trim();
    case 'Sysmon:3':
    case 'Sysmon for Linux:3':
      return `${src} ${id} network connection to ${key('DestinationIp')}:${key('DestinationPort')}`;
    case 'Sysmon:11':
    case 'Sysmon for Linux:11':
      return `${src} ${id} file created: ${key('TargetFilename')}`;
    case 'Sysmon:12':
    case 'Sysmon:13':
      return `Sysmon ${id} registry ${id === '13' ? 'value set' : 'key created'}: ${key('TargetObject')}`;
    case 'Sysmon:22':
      return `Sysmon 22 DNS query: ${key('QueryName')}`;
    case 'Sysmon:10':
      return `Sysmon 10 process access: ${key('TargetImage')}`;
    default:
      if (id === '4104') return `PowerShell 4104 script block: ${key('ScriptBlockText')}`;
      if (id === '4698') return `Security 4698 scheduled task created: ${key('TaskName')}`;
      if (id === '7045') return `System 7045 service installed: ${key('ServiceName')}`;
      if (id === '4720') return `Security 4720 account created: ${key('TargetUserName')}`;
      return `${ch} ${id}`;
  }
}

export function buildPlan(doc: AtiDocument, opts: PlanOptions): EmulationPlan {
  return new PlanBuilder(doc, opts).build();
}
