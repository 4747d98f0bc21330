/**
 * The plan as Atomic Red Team test files: one file per technique (in plan
 * order of first use), one test per step, the Atomic templates kept
 * (`#{arg}` with the filled values as defaults, `PathToAtomicsFolder`), so
 * Invoke-AtomicTest can run them. Every file is validated with the Atomic
 * schema after a YAML round trip. A report command containing `#{` gets it
 * through an argument whose default is `#{`, since the format has no escape.
 */
import { Document, parse } from 'yaml';
import { stableId } from '../ids.js';
import { AtomicFileSchema, type AtomicFile, type AtomicTest } from '../atomic/schema.js';
import type { EmulationPlan, EmulationStep } from './plan.js';

const HASH_BRACE_ARG = 'literal_hash_brace';

function protectHashBraces(text: string): { text: string; used: boolean } {
  if (!text.includes('#{')) return { text, used: false };
  return { text: text.replace(/#\{/g, `#{${HASH_BRACE_ARG}}`), used: true };
}

function testOf(step: EmulationStep, plan: EmulationPlan): AtomicTest {
  const guid = stableId('atomic-test', plan.report.id, String(step.step), step.procedure.id, step.command);
  const t: AtomicTest = {
    name: `Step ${step.step}: ${step.name}`,
    auto_generated_guid: guid,
    description: `${step.description}\nEmulation plan for "${plan.report.title}", step ${step.step} (procedure ${step.procedure.id}, ${step.technique}).${step.notes.length > 0 ? '\nNotes: ' + step.notes.join(' ') : ''}\n`,
    supported_platforms: [step.platform],
    executor: { name: step.executor, elevation_required: step.elevationRequired, command: step.template.command },
  };
  if (step.source === 'report') {
    const cmd = protectHashBraces(step.template.command);
    const clean = step.template.cleanup ? protectHashBraces(step.template.cleanup) : undefined;
    t.executor = { name: step.executor, elevation_required: step.elevationRequired, command: cmd.text, ...(clean ? { cleanup_command: clean.text } : {}) };
    if (cmd.used || clean?.used) t.input_arguments = { [HASH_BRACE_ARG]: { description: 'the characters #{ of the report\'s command (Atomic has no escape for them)', type: 'string', default: '#{' } };
    return t;
  }
  if (step.template.cleanup) t.executor.cleanup_command = step.template.cleanup;
  if (step.inputArguments.length > 0) {
    t.input_arguments = Object.fromEntries(
      step.inputArguments.map((a) => [a.name, { description: a.from === 'report' ? `${a.description} (from the report: ${a.ref})` : a.description, type: a.type as 'string', default: a.value }]),
    );
  }
  if (step.template.prerequisites.length > 0) {
    t.dependency_executor_name = step.dependencyExecutor ?? step.executor;
    t.dependencies = step.template.prerequisites.map((d) => ({ description: d.description, prereq_command: d.check, get_prereq_command: d.install }));
  }
  return t;
}

export interface AtomicOutput {
  files: AtomicFile[];
  /** YAML text per file, in the same order. */
  yaml: string[];
  /** Schema problems (should be none), per technique. */
  problems: Array<{ technique: string; message: string; path: string }>;
}

export function atomicFiles(plan: EmulationPlan, displayName: (technique: string) => string): AtomicOutput {
  const byTechnique = new Map<string, AtomicTest[]>();
  for (const s of plan.steps) {
    let l = byTechnique.get(s.technique);
    if (!l) byTechnique.set(s.technique, (l = []));
    l.push(testOf(s, plan));
  }
  const out: AtomicOutput = { files: [], yaml: [], problems: [] };
  for (const [technique, tests] of byTechnique) {
    const name = displayName(technique);
    const file: AtomicFile = { attack_technique: technique, display_name: name.length >= 5 ? name : `Technique ${technique}`, atomic_tests: tests };
    const yaml = new Document(file, { version: '1.1' }).toString({ lineWidth: 0, singleQuote: true });
    // validate what a reader of the YAML gets, not the object we meant
    const back = AtomicFileSchema.safeParse(parse(yaml, { version: '1.1' }));
    if (!back.success) for (const i of back.error.issues) out.problems.push({ technique, message: i.message, path: i.path.join('.') });
    out.files.push(file);
    out.yaml.push(yaml);
  }
  return out;
}
