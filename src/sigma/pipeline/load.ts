/**
 * Finding pipelines: built-in ones by name (YAML files shipped under
 * `src/sigma/pipelines/`), user ones by path. `include:` lists are resolved
 * here (names or paths relative to the including file), depth-first, each
 * spec once.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, extname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError, errorMessage } from '../../common/errors.js';
import { buildPipeline, type Pipeline } from './build.js';
import { parsePipelineSpec, type PipelineSpec } from './spec.js';

/** The pipeline `hunt` and `sigma check` use when none is given. */
export const DEFAULT_PIPELINE = 'default';

const here = dirname(fileURLToPath(import.meta.url));

/** Where the built-in YAML files are: beside the sources, or (from dist/) in the package's src/. */
export function builtinPipelineDir(): string {
  const candidates = [join(here, '..', 'pipelines'), join(here, '..', '..', '..', 'src', 'sigma', 'pipelines')];
  for (const c of candidates) if (existsSync(join(c, `${DEFAULT_PIPELINE}.yml`))) return c;
  return candidates[0]!;
}

export function builtinPipelineNames(): string[] {
  const dir = builtinPipelineDir();
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yml'))
    .map((f) => f.slice(0, -4))
    .sort();
}

function looksLikePath(ref: string): boolean {
  return ref.includes('/') || ref.includes('\\') || ['.yml', '.yaml'].includes(extname(ref).toLowerCase());
}

/** Maximum pipeline file size: pipelines are small hand-written files. */
const MAX_BYTES = 8 * 1024 * 1024;

function readSpecFile(file: string): PipelineSpec {
  let text: string;
  try {
    const st = statSync(file);
    if (!st.isFile()) throw new UserError('pipeline is not a file', { file });
    if (st.size > MAX_BYTES) throw new UserError(`pipeline file is too large (${st.size} bytes, limit ${MAX_BYTES})`, { file });
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw new UserError(`cannot read pipeline: ${errorMessage(err)}`, { file });
  }
  return parsePipelineSpec(text, file);
}

function locate(ref: string, relativeTo?: string): string {
  if (looksLikePath(ref)) {
    const file = isAbsolute(ref) || !relativeTo ? resolve(ref) : resolve(dirname(relativeTo), ref);
    if (!existsSync(file)) throw new UserError('pipeline file not found', { file });
    return file;
  }
  const file = join(builtinPipelineDir(), `${ref}.yml`);
  if (!existsSync(file)) {
    throw new UserError(`unknown pipeline "${ref}"`, relativeTo ? { file: relativeTo, path: 'include' } : undefined, `built-in pipelines: ${builtinPipelineNames().join(', ')}; or give a YAML file path`);
  }
  return file;
}

/** Load specs for `refs` (names or files), includes first, each file once. */
export function loadPipelineSpecs(refs: readonly string[]): PipelineSpec[] {
  const out: PipelineSpec[] = [];
  const done = new Set<string>();
  const visit = (ref: string, from: string | undefined, stack: string[]): void => {
    const file = locate(ref, from);
    if (stack.includes(file)) throw new UserError(`pipeline includes itself (${[...stack, file].map((f) => basename(f)).join(' → ')})`, { file, path: 'include' });
    if (done.has(file)) return;
    const spec = readSpecFile(file);
    for (const inc of spec.include) visit(inc, file, [...stack, file]);
    done.add(file);
    out.push(spec);
  };
  for (const r of refs) visit(r, undefined, []);
  return out;
}

/**
 * The pipeline for `refs` (e.g. `['windows']`, `['./my.yml']`, several
 * combine in order); the default one when `refs` is empty.
 */
export function loadPipeline(refs: readonly string[] = []): Pipeline {
  const list = refs.length > 0 ? refs : [DEFAULT_PIPELINE];
  const specs = loadPipelineSpecs(list);
  return buildPipeline(specs, list.map((r) => (looksLikePath(r) ? basename(r).replace(/\.ya?ml$/i, '') : r)).join('+'));
}
