/**
 * `--execute-sandbox`: the Linux steps of a plan (sh / bash executors) run
 * in the bubblewrap sandbox, one sandbox per step: prerequisites checked
 * (installed when the check fails, then checked again), the command, the
 * cleanup. A step executed when its command exits 0. Windows steps are
 * never run (there is no Windows sandbox here), and nothing runs outside
 * the sandbox: when bwrap is missing, nothing runs at all.
 */
import { UserError } from '../../common/errors.js';
import { BWRAP, runInSandbox, sandboxAvailable, type SandboxOptions, type SandboxPhase, type SandboxResult } from '../sandbox/bwrap.js';

/** `--execute-sandbox` without bubblewrap is an error, never a reason to run the commands some other way. */
export function requireSandbox(bwrap: string = BWRAP): void {
  if (!sandboxAvailable(bwrap)) throw new UserError(`--execute-sandbox needs bubblewrap, and ${bwrap} is not installed`, undefined, 'install it (Debian/Ubuntu: apt-get install bubblewrap) or leave out --execute-sandbox; nothing was run');
}
import type { EmulationPlan, EmulationStep } from './plan.js';

export interface StepExecution {
  step: number;
  /** The command ran to completion with exit status 0. */
  executed: boolean;
  commandExit?: number;
  prerequisitesMet: boolean;
  status: SandboxResult['status'];
  durationMs: number;
  /** Output of the command phase (cut). */
  output: string;
  error?: string;
}

export interface PlanExecution {
  attempted: number;
  executed: number;
  /** Steps not attempted (not Linux shell, or a check failed), with why. */
  notAttempted: Array<{ step: number; reason: string }>;
  results: StepExecution[];
}

function runnable(s: EmulationStep): string | undefined {
  if (s.executor !== 'sh' && s.executor !== 'bash') return `executor ${s.executor} does not run on Linux`;
  if (s.platform !== 'linux') return `platform ${s.platform}: only Linux steps run in the sandbox`;
  if (!s.checks.command.ok) return `the command failed its syntax check (${s.checks.command.errors[0] ?? ''})`;
  return undefined;
}

function phasesOf(s: EmulationStep): SandboxPhase[] {
  const shell = s.executor === 'bash' ? 'bash' : 'sh';
  const depShell = s.dependencyExecutor === 'bash' ? 'bash' : 'sh';
  const phases: SandboxPhase[] = [];
  s.prerequisites.forEach((d, i) => {
    phases.push({ name: `prereq${i}-check`, script: d.check, shell: depShell });
    phases.push({ name: `prereq${i}-install`, script: d.install, shell: depShell, onlyIfFailed: `prereq${i}-check` });
    phases.push({ name: `prereq${i}-recheck`, script: d.check, shell: depShell, onlyIfFailed: `prereq${i}-check` });
  });
  phases.push({ name: 'command', script: s.command, shell });
  if (s.cleanup) phases.push({ name: 'cleanup', script: s.cleanup, shell });
  return phases;
}

export async function executePlan(plan: EmulationPlan, opts: SandboxOptions & { onStep?: (done: number, total: number) => void } = {}): Promise<PlanExecution> {
  const out: PlanExecution = { attempted: 0, executed: 0, notAttempted: [], results: [] };
  const todo: EmulationStep[] = [];
  for (const s of plan.steps) {
    const why = runnable(s);
    if (why) out.notAttempted.push({ step: s.step, reason: why });
    else todo.push(s);
  }
  if (todo.length > 0 && !sandboxAvailable(opts.bwrap)) {
    for (const s of todo) out.notAttempted.push({ step: s.step, reason: `bubblewrap (${opts.bwrap ?? BWRAP}) is not installed: nothing is run outside a sandbox` });
    return out;
  }
  let done = 0;
  for (const s of todo) {
    const res = await runInSandbox(phasesOf(s), opts);
    out.attempted++;
    const byName = new Map(res.phases.map((p) => [p.name, p]));
    const cmd = byName.get('command');
    const prereqsMet = s.prerequisites.every((_, i) => byName.get(`prereq${i}-check`)?.exitCode === 0 || byName.get(`prereq${i}-recheck`)?.exitCode === 0);
    const r: StepExecution = {
      step: s.step,
      executed: res.status === 'completed' && cmd?.exitCode === 0,
      prerequisitesMet: prereqsMet,
      status: res.status,
      durationMs: res.durationMs,
      output: cmd?.output ?? '',
    };
    if (cmd?.exitCode !== undefined) r.commandExit = cmd.exitCode;
    if (res.error) r.error = res.error;
    if (r.executed) out.executed++;
    out.results.push(r);
    opts.onStep?.(++done, todo.length);
  }
  return out;
}
