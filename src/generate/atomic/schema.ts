/**
 * The Atomic Red Team test file format as zod schemas (the documented
 * schema in ../shared/data/atomic-red-team/SOURCE.md, and upstream's
 * validator rules): one file per technique; no extra keys; every `#{arg}` a
 * command uses is declared in `input_arguments` and every declared argument
 * is used; `manual` executors have `steps` instead of `command`; Linux and
 * macOS tests whose command uses `sudo` require elevation. Used both to read
 * the installed atomics and to validate what we write.
 */
import { z } from 'zod';

export const ATOMIC_EXECUTORS = ['command_prompt', 'powershell', 'sh', 'bash', 'manual'] as const;
export type AtomicExecutorName = (typeof ATOMIC_EXECUTORS)[number];

export const ATOMIC_PLATFORMS = ['windows', 'linux', 'macos', 'office-365', 'azure-ad', 'google-workspace', 'saas', 'iaas', 'containers', 'iaas:gcp', 'iaas:azure', 'iaas:aws', 'esxi'] as const;

const ARG_TYPES = ['string', 'path', 'url', 'integer', 'float', 'String', 'Path', 'Url', 'Integer', 'Float'] as const;

export const AtomicInputArgumentSchema = z
  .object({
    description: z.string(),
    type: z.enum(ARG_TYPES),
    default: z.union([z.string(), z.number(), z.boolean(), z.null()]).optional(),
  })
  .strict();

export const AtomicDependencySchema = z
  .object({
    description: z.string(),
    prereq_command: z.string(),
    get_prereq_command: z.string(),
  })
  .strict();

export const AtomicExecutorSchema = z
  .object({
    name: z.enum(ATOMIC_EXECUTORS),
    elevation_required: z.boolean().optional(),
    command: z.string().optional(),
    cleanup_command: z.string().nullable().optional(),
    steps: z.string().optional(),
  })
  .strict()
  .superRefine((e, ctx) => {
    if (e.name === 'manual') {
      if (!e.steps) ctx.addIssue({ code: 'custom', message: 'a manual executor needs steps', path: ['steps'] });
      if (e.command !== undefined) ctx.addIssue({ code: 'custom', message: 'a manual executor has steps, not a command', path: ['command'] });
    } else {
      if (!e.command || e.command.trim() === '') ctx.addIssue({ code: 'custom', message: `a ${e.name} executor needs a command`, path: ['command'] });
      if (e.steps !== undefined) ctx.addIssue({ code: 'custom', message: 'steps are only for manual executors', path: ['steps'] });
    }
  });

const ARG_REF = /#\{([^}\s]+)\}/g;

/** `#{name}` references in a text. */
export function argumentRefs(text: string | null | undefined): string[] {
  if (!text) return [];
  return [...text.matchAll(ARG_REF)].map((m) => m[1]!);
}

export const AtomicTestSchema = z
  .object({
    name: z.string().min(1),
    auto_generated_guid: z.string().uuid().optional(),
    description: z.string(),
    supported_platforms: z.array(z.enum(ATOMIC_PLATFORMS)).min(1),
    input_arguments: z.record(z.string().regex(/^[\w_-]{2,}$/, 'argument names are letters, digits, _ and - (2 or more)'), AtomicInputArgumentSchema).optional(),
    dependency_executor_name: z.enum(ATOMIC_EXECUTORS).optional(),
    dependencies: z.array(AtomicDependencySchema).optional(),
    executor: AtomicExecutorSchema,
  })
  .strict()
  .superRefine((t, ctx) => {
    const declared = new Set(Object.keys(t.input_arguments ?? {}));
    const texts: Array<[string, string | null | undefined, (string | number)[]]> = [
      ['command', t.executor.command, ['executor', 'command']],
      ['cleanup_command', t.executor.cleanup_command, ['executor', 'cleanup_command']],
      ['steps', t.executor.steps, ['executor', 'steps']],
      ...(t.dependencies ?? []).flatMap((d, i): Array<[string, string, (string | number)[]]> => [
        ['prereq_command', d.prereq_command, ['dependencies', i, 'prereq_command']],
        ['get_prereq_command', d.get_prereq_command, ['dependencies', i, 'get_prereq_command']],
      ]),
    ];
    const used = new Set<string>();
    for (const [what, text, path] of texts) {
      for (const ref of argumentRefs(text)) {
        used.add(ref);
        if (!declared.has(ref)) ctx.addIssue({ code: 'custom', message: `${what} uses #{${ref}}, which input_arguments does not declare`, path });
      }
    }
    for (const d of declared) if (!used.has(d)) ctx.addIssue({ code: 'custom', message: `input argument ${d} is declared but never used`, path: ['input_arguments', d] });
    if (t.dependency_executor_name && !(t.dependencies && t.dependencies.length > 0)) ctx.addIssue({ code: 'custom', message: 'dependency_executor_name without dependencies', path: ['dependency_executor_name'] });
    const unixOnly = t.supported_platforms.every((p) => p === 'linux' || p === 'macos');
    if (unixOnly && /(^|[\s;&|(])sudo\s/.test(t.executor.command ?? '') && t.executor.elevation_required !== true) {
      ctx.addIssue({ code: 'custom', message: 'a Linux/macOS command that uses sudo must set elevation_required: true', path: ['executor', 'elevation_required'] });
    }
  });

export const AtomicFileSchema = z
  .object({
    attack_technique: z.string().regex(/^T\d{4}(\.\d{3})?$/),
    display_name: z.string().min(5),
    atomic_tests: z.array(AtomicTestSchema).min(1),
  })
  .strict();

export type AtomicInputArgument = z.infer<typeof AtomicInputArgumentSchema>;
export type AtomicDependency = z.infer<typeof AtomicDependencySchema>;
export type AtomicExecutor = z.infer<typeof AtomicExecutorSchema>;
export type AtomicTest = z.infer<typeof AtomicTestSchema>;
export type AtomicFile = z.infer<typeof AtomicFileSchema>;
