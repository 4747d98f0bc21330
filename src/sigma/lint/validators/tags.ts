/** Validators for `tags`: syntax, ATT&CK coverage, ATT&CK ids known to the loaded version. */
import type { DocumentValidator } from '../types.js';

/** Spec: `namespace.name`, lower case, `[a-z0-9_-]` with dots inside the name. */
const TAG = /^[a-z0-9_-]+\.[a-z0-9_.-]+$/;
const ATTACK_ID = /^attack\.(t\d{4}(\.\d{3})?|ta\d{4}|g\d{4}|s\d{4}|c\d{4}|m\d{4}|ds\d{4})$/;
const ATTACK_TACTIC = /^attack\.[a-z][a-z-]*[a-z]$/;
const TECHNIQUE = /^attack\.t\d{4}(\.\d{3})?$/;
const ALL = ['rule', 'correlation', 'filter'] as const;

export const tagValidators: DocumentValidator[] = [
  {
    id: 'tag-format',
    description: 'a tag is not `namespace.name` in lower case',
    appliesTo: ALL,
    check(doc, report) {
      doc.tags.forEach((t, i) => {
        if (!TAG.test(t)) report('warning', `tag "${t}" is not namespace.name in lower case ([a-z0-9_-])`, `tags[${i}]`);
      });
    },
  },
  {
    id: 'tag-duplicate',
    description: 'the same tag appears twice',
    appliesTo: ALL,
    check(doc, report) {
      const seen = new Set<string>();
      doc.tags.forEach((t, i) => {
        const k = t.toLowerCase();
        if (seen.has(k)) report('warning', `tag "${t}" appears more than once`, `tags[${i}]`);
        seen.add(k);
      });
    },
  },
  {
    id: 'attack-tag-syntax',
    description: 'an `attack.*` tag is neither an ATT&CK id (t1059.001, ta0002, g0016, s0002, c0010, m1038) nor a tactic name',
    appliesTo: ALL,
    check(doc, report) {
      doc.tags.forEach((t, i) => {
        const k = t.toLowerCase();
        if (!k.startsWith('attack.')) return;
        if (ATTACK_ID.test(k)) return;
        if (/^attack\.[a-z]+\d/.test(k)) report('error', `ATT&CK tag "${t}" is not a valid id (expected e.g. attack.t1059 or attack.t1059.001)`, `tags[${i}]`);
        else if (!ATTACK_TACTIC.test(k)) report('error', `ATT&CK tag "${t}" is neither an id nor a tactic name`, `tags[${i}]`);
      });
    },
  },
  {
    id: 'attack-tag-missing',
    description: 'detection rule without an ATT&CK technique tag',
    appliesTo: ['rule'],
    check(doc, report) {
      if (!doc.tags.some((t) => TECHNIQUE.test(t.toLowerCase()))) report('warning', 'no ATT&CK technique tag (attack.tNNNN): hits cannot be mapped to techniques', 'tags');
    },
  },
  {
    id: 'attack-tag-unknown',
    description: 'an ATT&CK tag the loaded ATT&CK version does not know (needs the knowledge base in the data dir)',
    appliesTo: ALL,
    check(doc, report, ctx) {
      const attack = ctx.attack;
      if (!attack) return;
      doc.tags.forEach((t, i) => {
        if (!t.toLowerCase().startsWith('attack.')) return;
        const r = attack.check(t);
        if (!r.known) report('warning', `ATT&CK tag "${t}" unknown to ATT&CK ${attack.version}: ${r.reason}`, `tags[${i}]`);
        else if (r.note) report('info', `ATT&CK tag "${t}": ${r.note}`, `tags[${i}]`);
      });
    },
  },
];
