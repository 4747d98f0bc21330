/** Validators for rule metadata: identity, status, level, dates, descriptive text. */
import { LEVELS } from '../../rule/types.js';
import type { DocumentValidator } from '../types.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const STATUSES = new Set(['stable', 'test', 'experimental', 'deprecated', 'unsupported']);
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const RELATED_TYPES = new Set(['derived', 'obsolete', 'merged', 'renamed', 'similar']);
const ALL = ['rule', 'correlation', 'filter'] as const;

function validDate(s: string): boolean {
  if (!DATE.test(s)) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().startsWith(s);
}

export const metadataValidators: DocumentValidator[] = [
  {
    id: 'identifier-missing',
    description: 'the document has no `id`',
    appliesTo: ALL,
    check(doc, report) {
      if (doc.id === undefined) report('warning', 'no `id`: correlations, filters and reports cannot refer to this rule', 'id');
    },
  },
  {
    id: 'identifier-format',
    description: '`id` is not a UUID',
    appliesTo: ALL,
    check(doc, report) {
      if (doc.id !== undefined && !UUID.test(doc.id)) report('warning', `id "${doc.id}" is not a UUID`, 'id');
    },
  },
  {
    id: 'title-length',
    description: 'title longer than 256 characters',
    appliesTo: ALL,
    check(doc, report) {
      if (doc.title.length > 256) report('warning', `title is ${doc.title.length} characters (at most 256)`, 'title');
    },
  },
  {
    id: 'status-unknown',
    description: '`status` is not one of stable, test, experimental, deprecated, unsupported',
    appliesTo: ALL,
    check(doc, report) {
      if (doc.status !== undefined && !STATUSES.has(doc.status)) report('error', `unknown status "${doc.status}" (stable, test, experimental, deprecated, unsupported)`, 'status');
    },
  },
  {
    id: 'status-deprecated',
    description: 'the rule is marked deprecated or unsupported',
    appliesTo: ALL,
    check(doc, report) {
      if (doc.status === 'deprecated' || doc.status === 'unsupported') report('info', `status is ${doc.status}`, 'status');
    },
  },
  {
    id: 'level-missing',
    description: 'detection rule without `level`',
    appliesTo: ['rule'],
    check(doc, report) {
      if (doc.level === undefined) report('warning', 'no `level`: hunts report it as "unknown" and --min-level skips it', 'level');
    },
  },
  {
    id: 'level-unknown',
    description: '`level` is not one of informational, low, medium, high, critical',
    appliesTo: ALL,
    check(doc, report) {
      if (doc.level !== undefined && !(LEVELS as readonly string[]).includes(doc.level)) report('error', `unknown level "${doc.level}" (${LEVELS.join(', ')})`, 'level');
    },
  },
  {
    id: 'date-format',
    description: '`date`/`modified` are not valid YYYY-MM-DD dates, or modified is before date',
    appliesTo: ALL,
    check(doc, report) {
      for (const k of ['date', 'modified'] as const) {
        const v = doc[k];
        if (v !== undefined && !validDate(v)) report('warning', `${k} "${v}" is not a valid YYYY-MM-DD date`, k);
      }
      if (doc.date && doc.modified && validDate(doc.date) && validDate(doc.modified) && doc.modified < doc.date) {
        report('warning', `modified (${doc.modified}) is before date (${doc.date})`, 'modified');
      }
    },
  },
  {
    id: 'description-missing',
    description: 'no `description`',
    appliesTo: ALL,
    check(doc, report) {
      if (doc.description === undefined || doc.description.trim() === '') report('info', 'no `description`', 'description');
    },
  },
  {
    id: 'related-type',
    description: '`related[].type` is not derived, obsolete, merged, renamed or similar; or `related[].id` is not a UUID',
    appliesTo: ALL,
    check(doc, report) {
      doc.related?.forEach((r, i) => {
        if (!RELATED_TYPES.has(r.type)) report('warning', `related type "${r.type}" is not one of ${[...RELATED_TYPES].join(', ')}`, `related[${i}].type`);
        if (!UUID.test(r.id)) report('warning', `related id "${r.id}" is not a UUID`, `related[${i}].id`);
      });
    },
  },
  {
    id: 'references-url',
    description: 'a `references` entry is empty',
    appliesTo: ALL,
    check(doc, report) {
      doc.references?.forEach((r, i) => {
        if (r.trim() === '') report('warning', 'empty reference', `references[${i}]`);
      });
    },
  },
];
