/** Validators across the whole rule set: duplicate identities, dangling references. */
import type { SigmaDocument } from '../../rule/types.js';
import type { CollectionValidator } from '../types.js';

export const collectionValidators: CollectionValidator[] = [
  {
    id: 'duplicate-id',
    description: 'two documents share an `id`',
    checkAll(docs, report) {
      const seen = new Map<string, SigmaDocument>();
      for (const d of [...docs.rules, ...docs.correlations, ...docs.filters]) {
        if (d.id === undefined) continue;
        const k = d.id.toLowerCase();
        const prev = seen.get(k);
        if (prev) report(d, 'error', `id ${d.id} is also used by "${prev.title}" (${prev.source.file})`, 'id');
        else seen.set(k, d);
      }
    },
  },
  {
    id: 'duplicate-name',
    description: 'two documents share a `name` (correlations refer to rules by name)',
    checkAll(docs, report) {
      const seen = new Map<string, SigmaDocument>();
      for (const d of [...docs.rules, ...docs.correlations, ...docs.filters]) {
        if (d.name === undefined) continue;
        const prev = seen.get(d.name);
        if (prev) report(d, 'error', `name "${d.name}" is also used by ${prev.source.file}`, 'name');
        else seen.set(d.name, d);
      }
    },
  },
  {
    id: 'duplicate-title',
    description: 'two detection rules share a title',
    checkAll(docs, report) {
      const seen = new Map<string, SigmaDocument>();
      for (const d of docs.rules) {
        const k = d.title.trim().toLowerCase();
        const prev = seen.get(k);
        if (prev) report(d, 'warning', `title also used by ${prev.source.file}${prev.id ? ` (${prev.id})` : ''}`, 'title');
        else seen.set(k, d);
      }
    },
  },
  {
    id: 'reference-unknown',
    description: 'a correlation or filter names a rule (id or name) that is not loaded',
    checkAll(docs, report) {
      const known = new Set<string>();
      for (const d of [...docs.rules, ...docs.correlations]) {
        if (d.id) known.add(d.id);
        if (d.name) known.add(d.name);
      }
      for (const c of docs.correlations) {
        c.rules.forEach((r, i) => {
          if (!known.has(r)) report(c, 'error', `correlation refers to rule "${r}", which is not loaded`, `correlation.rules[${i}]`);
        });
      }
      for (const f of docs.filters) {
        f.rules.forEach((r, i) => {
          if (!known.has(r)) report(f, 'warning', `filter applies to rule "${r}", which is not loaded`, `filter.rules[${i}]`);
        });
      }
    },
  },
];
