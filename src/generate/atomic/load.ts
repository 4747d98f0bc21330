/**
 * The installed Atomic Red Team tests (`atomics/<T>/<T>.yaml`), read and
 * validated file by file with the schema; a file that fails is an issue
 * naming the file and the YAML path, never a crash, and its tests are not
 * used. Loaded lazily per technique and cached.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { Issue } from '../../common/errors.js';
import { errorMessage } from '../../common/errors.js';
import { AtomicFileSchema, type AtomicFile, type AtomicTest } from './schema.js';

const MAX_FILE_BYTES = 4 * 1024 * 1024;

export interface AtomicRef {
  technique: string;
  /** 1-based test number within its file (`T1105-3`). */
  number: number;
  test: AtomicTest;
  file: string;
}

export class AtomicLibrary {
  private readonly cache = new Map<string, AtomicFile | null>();
  readonly issues: Issue[] = [];

  constructor(readonly dir: string) {}

  /** Technique ids that have a test file. */
  techniques(): string[] {
    if (!existsSync(this.dir)) return [];
    return readdirSync(this.dir).filter((n) => /^T\d{4}(\.\d{3})?$/.test(n) && existsSync(join(this.dir, n, `${n}.yaml`))).sort();
  }

  file(technique: string): AtomicFile | undefined {
    if (!/^T\d{4}(\.\d{3})?$/.test(technique)) return undefined;
    if (this.cache.has(technique)) return this.cache.get(technique) ?? undefined;
    const path = join(this.dir, technique, `${technique}.yaml`);
    let out: AtomicFile | null = null;
    if (existsSync(path)) {
      try {
        if (statSync(path).size > MAX_FILE_BYTES) throw new Error(`larger than ${MAX_FILE_BYTES} bytes`);
        const res = AtomicFileSchema.safeParse(parse(readFileSync(path, 'utf8'), { version: '1.2' }));
        if (res.success) out = res.data;
        else {
          const i = res.error.issues[0]!;
          this.issues.push({ severity: 'warning', code: 'atomic-schema', message: `${i.message} (${res.error.issues.length} problem(s)); its tests are not used`, place: { file: path, path: i.path.join('.') } });
        }
      } catch (e) {
        this.issues.push({ severity: 'warning', code: 'atomic-read', message: `cannot read: ${errorMessage(e)}`, place: { file: path } });
      }
    }
    this.cache.set(technique, out);
    return out ?? undefined;
  }

  /** Tests for a technique (its own file; for a parent technique also its sub-techniques' files). */
  testsFor(technique: string, opts: { includeSubtechniques?: boolean } = {}): AtomicRef[] {
    const ids = [technique];
    if (opts.includeSubtechniques && !technique.includes('.')) ids.push(...this.techniques().filter((t) => t.startsWith(technique + '.')));
    const out: AtomicRef[] = [];
    for (const id of ids) {
      const f = this.file(id);
      if (!f) continue;
      f.atomic_tests.forEach((test, i) => out.push({ technique: id, number: i + 1, test, file: join(this.dir, id, `${id}.yaml`) }));
    }
    return out;
  }
}
