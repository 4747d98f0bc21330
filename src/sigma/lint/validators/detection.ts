/** Validators for detection sections: condition use, fields for the logsource, values and modifiers. */
import { conditionRefs, expandPattern } from '../../condition/parse.js';
import { compileRegex } from '../../compile/item.js';
import type { DetectionItem, DetectionSection, SigmaDocument, SigmaValue } from '../../rule/types.js';
import type { DocumentValidator, Report } from '../types.js';

function detectionOf(doc: SigmaDocument): DetectionSection | undefined {
  return doc.kind === 'correlation' ? undefined : doc.detection;
}

function* items(det: DetectionSection): Generator<DetectionItem> {
  for (const s of det.searches.values()) for (const alt of s.alternatives) yield* alt;
}

function valueText(v: SigmaValue): string | undefined {
  switch (v.type) {
    case 'string':
      return v.raw;
    case 'number':
      return v.raw;
    case 'regex':
      return v.pattern;
    case 'cidr':
      return v.raw;
    default:
      return undefined;
  }
}

function eachItem(doc: SigmaDocument, report: Report, f: (it: DetectionItem, report: Report) => void): void {
  const det = detectionOf(doc);
  if (!det) return;
  for (const it of items(det)) f(it, report);
}

export const detectionValidators: DocumentValidator[] = [
  {
    id: 'unused-selection',
    description: 'a search identifier the condition never uses',
    appliesTo: ['rule', 'filter'],
    check(doc, report) {
      const det = detectionOf(doc);
      if (!det) return;
      const names = [...det.searches.keys()];
      const used = new Set<string>();
      const refs = conditionRefs(det.condition);
      for (const r of refs.refs) used.add(r);
      for (const p of refs.patterns) for (const n of expandPattern(p, names)) used.add(n);
      for (const [name, s] of det.searches) {
        if (!used.has(name)) report('warning', `search identifier "${name}" is never used by the condition`, s.path, s.line);
      }
    },
  },
  {
    id: 'field-unknown',
    description: 'a field that events of the rule\'s logsource do not carry (field lists from the processing pipeline)',
    appliesTo: ['rule'],
    check(doc, report, ctx) {
      if (doc.kind !== 'rule' || !ctx.knownFields) return;
      const known = ctx.knownFields(doc.logsource);
      if (!known) return;
      const lower = new Map<string, string>();
      for (const k of known) lower.set(k.toLowerCase(), k);
      const seen = new Set<string>();
      eachItem(doc, report, (it) => {
        if (it.field === null || known.has(it.field) || seen.has(it.field)) return;
        seen.add(it.field);
        const near = lower.get(it.field.toLowerCase());
        const ls = [doc.logsource.product, doc.logsource.category, doc.logsource.service].filter(Boolean).join('/');
        report('warning', `field "${it.field}" is not a known ${ls} field${near ? ` (did you mean "${near}"?)` : ''}`, it.path, it.line);
      });
    },
  },
  {
    id: 'logsource-unknown',
    description: 'the processing pipeline maps the rule\'s logsource to no events (the rule is loaded but never tried)',
    appliesTo: ['rule'],
    check(doc, report, ctx) {
      if (doc.kind !== 'rule' || !ctx.coversLogsource) return;
      if (!ctx.coversLogsource(doc.logsource)) {
        const ls = Object.entries(doc.logsource).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}: ${v}`).join(', ');
        report('info', `logsource {${ls}} is not mapped to events by the pipeline`, 'logsource');
      }
    },
  },
  {
    id: 'logsource-empty',
    description: 'logsource without product, category or service',
    appliesTo: ['rule'],
    check(doc, report) {
      if (doc.kind !== 'rule') return;
      const ls = doc.logsource;
      if (!ls.product && !ls.category && !ls.service) report('error', 'logsource names no product, category or service', 'logsource');
    },
  },
  {
    id: 'regex-invalid',
    description: 'a `re` value the linear-time regex engine cannot compile',
    appliesTo: ['rule', 'filter'],
    check(doc, report) {
      eachItem(doc, report, (it) => {
        for (const v of it.values) {
          if (v.type !== 'regex') continue;
          try {
            compileRegex(v.pattern, v.flags);
          } catch (e) {
            report('error', e instanceof Error ? e.message : String(e), it.path, it.line);
          }
        }
      });
    },
  },
  {
    id: 'wildcard-redundant',
    description: 'a leading/trailing `*` that contains/startswith/endswith already implies',
    appliesTo: ['rule', 'filter'],
    check(doc, report) {
      eachItem(doc, report, (it) => {
        const m = it.modifiers;
        for (const v of it.values) {
          if (v.type !== 'string' || v.parts.length === 0) continue;
          const first = v.parts[0]!;
          const last = v.parts[v.parts.length - 1]!;
          const lead = first.kind === 'any' && (m.includes('contains') || m.includes('endswith'));
          const trail = last.kind === 'any' && (m.includes('contains') || m.includes('startswith'));
          if (lead || trail) report('warning', `"${v.raw}": the ${lead ? 'leading' : 'trailing'} * is implied by the modifier`, it.path, it.line);
        }
      });
    },
  },
  {
    id: 'all-single-value',
    description: '`|all` on a single value (it changes nothing)',
    appliesTo: ['rule', 'filter'],
    check(doc, report) {
      eachItem(doc, report, (it) => {
        if (it.modifiers.includes('all') && it.values.length === 1) report('warning', '`all` with a single value has no effect', it.path, it.line);
      });
    },
  },
  {
    id: 'value-duplicate',
    description: 'the same value twice in one value list',
    appliesTo: ['rule', 'filter'],
    check(doc, report) {
      eachItem(doc, report, (it) => {
        const seen = new Set<string>();
        for (const v of it.values) {
          const t = valueText(v);
          if (t === undefined) continue;
          const k = it.modifiers.includes('cased') || v.type === 'regex' ? t : t.toLowerCase();
          if (seen.has(k)) report('warning', `value "${t}" appears more than once`, it.path, it.line);
          seen.add(k);
        }
      });
    },
  },
  {
    id: 'value-empty-contains',
    description: 'an empty value under contains/startswith/endswith (matches any value)',
    appliesTo: ['rule', 'filter'],
    check(doc, report) {
      eachItem(doc, report, (it) => {
        if (!it.modifiers.some((m) => m === 'contains' || m === 'startswith' || m === 'endswith')) return;
        if (it.values.some((v) => v.type === 'string' && v.raw === '')) report('warning', `an empty value with ${it.modifiers.join('|')} matches every value of the field`, it.path, it.line);
      });
    },
  },
];
