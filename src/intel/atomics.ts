/**
 * Atomic Red Team tests as procedure variants: the test's name, description,
 * platforms and command (default input arguments filled in), read per
 * technique on demand from `<data>/atomic-red-team/atomics/<T>/<T>.yaml`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';

export interface AtomicVariant {
  technique: string;
  guid: string;
  name: string;
  description: string;
  platforms: string[];
  executor: string;
  command?: string;
}

const MAX_FILE = 2 * 1024 * 1024;

export class AtomicLibrary {
  private readonly cache = new Map<string, AtomicVariant[]>();

  constructor(readonly atomicsDir: string | undefined) {}

  tests(technique: string): AtomicVariant[] {
    if (!this.atomicsDir || !/^T\d{4}(\.\d{3})?$/.test(technique)) return [];
    const hit = this.cache.get(technique);
    if (hit) return hit;
    const out: AtomicVariant[] = [];
    try {
      const raw = readFileSync(join(this.atomicsDir, technique, `${technique}.yaml`));
      if (raw.length <= MAX_FILE) {
        const doc = parseYaml(raw.toString('utf8'), { maxAliasCount: 100 }) as { atomic_tests?: unknown[] } | null;
        for (const t of doc?.atomic_tests ?? []) {
          const test = t as { name?: unknown; auto_generated_guid?: unknown; description?: unknown; supported_platforms?: unknown; input_arguments?: Record<string, { default?: unknown }>; executor?: { name?: unknown; command?: unknown } };
          if (typeof test.auto_generated_guid !== 'string' || typeof test.name !== 'string') continue;
          let command = typeof test.executor?.command === 'string' ? test.executor.command : undefined;
          if (command) {
            for (const [k, v] of Object.entries(test.input_arguments ?? {})) {
              const value = v?.default === undefined || v.default === null ? '' : String(v.default);
              command = command.split(`#{${k}}`).join(value);
            }
            command = command.trim();
          }
          out.push({
            technique,
            guid: test.auto_generated_guid,
            name: test.name,
            description: typeof test.description === 'string' ? test.description.trim() : '',
            platforms: Array.isArray(test.supported_platforms) ? test.supported_platforms.map(String) : [],
            executor: typeof test.executor?.name === 'string' ? test.executor.name : 'manual',
            ...(command ? { command } : {}),
          });
        }
      }
    } catch {
      // No tests for this technique (or an unreadable file): no Atomic variants.
    }
    this.cache.set(technique, out);
    return out;
  }
}
