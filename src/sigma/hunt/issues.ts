/**
 * Issues met while hunting (bad lines, unreadable files): every one is
 * counted by code and severity; the first ones are kept in full so the report
 * can name file and line without holding millions of them.
 */
import type { Issue } from '../../common/errors.js';

export interface IssueSnapshot {
  errors: number;
  warnings: number;
  byCode: Record<string, number>;
  samples: Issue[];
}

export class IssueLog {
  errors = 0;
  warnings = 0;
  readonly byCode = new Map<string, number>();
  readonly samples: Issue[] = [];

  constructor(readonly maxSamples = 1000) {}

  add(issue: Issue): void {
    if (issue.severity === 'error') this.errors++;
    else this.warnings++;
    const code = issue.code ?? issue.severity;
    this.byCode.set(code, (this.byCode.get(code) ?? 0) + 1);
    if (this.samples.length < this.maxSamples) this.samples.push(issue);
  }

  /** Merge a worker's snapshot; `fix` adjusts places (block line bases). */
  merge(s: IssueSnapshot, fix?: (i: Issue) => Issue): void {
    this.errors += s.errors;
    this.warnings += s.warnings;
    for (const [k, v] of Object.entries(s.byCode)) this.byCode.set(k, (this.byCode.get(k) ?? 0) + v);
    for (const i of s.samples) if (this.samples.length < this.maxSamples) this.samples.push(fix ? fix(i) : i);
  }

  snapshot(): IssueSnapshot {
    return { errors: this.errors, warnings: this.warnings, byCode: Object.fromEntries(this.byCode), samples: this.samples };
  }

  get total(): number {
    return this.errors + this.warnings;
  }
}
