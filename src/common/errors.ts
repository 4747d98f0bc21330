/**
 * Errors that a user can act on. They carry the place (file, line, offset,
 * rule id, YAML path) as data, so the CLI prints one line and libraries can
 * collect them as values instead of aborting a whole run.
 */

export const ExitCode = {
  ok: 0,
  /** Findings (detections, lint errors treated as findings by hunt/detect). */
  findings: 1,
  /** Usage or input error. */
  usage: 2,
} as const;

export interface Place {
  file?: string;
  line?: number;
  column?: number;
  /** Byte offset in a binary file. */
  offset?: number;
  /** Record number in a log file. */
  record?: number;
  ruleId?: string;
  /** YAML or JSON path, e.g. `detection.selection.Image|endswith`. */
  path?: string;
}

export function formatPlace(place: Place | undefined): string {
  if (!place) return '';
  const parts: string[] = [];
  if (place.file !== undefined) {
    let loc = place.file;
    if (place.line !== undefined) loc += `:${place.line}`;
    if (place.column !== undefined) loc += `:${place.column}`;
    parts.push(loc);
  }
  if (place.offset !== undefined) parts.push(`offset ${place.offset}`);
  if (place.record !== undefined) parts.push(`record ${place.record}`);
  if (place.ruleId !== undefined) parts.push(`rule ${place.ruleId}`);
  if (place.path !== undefined) parts.push(place.path);
  return parts.join(', ');
}

/** An error caused by the user's input or environment, not by a bug. */
export class UserError extends Error {
  override readonly name = 'UserError';
  constructor(
    message: string,
    readonly place?: Place,
    readonly hint?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** `what went wrong: where` */
  describe(): string {
    const where = formatPlace(this.place);
    return where ? `${this.message}: ${where}` : this.message;
  }
}

/** A problem found in input that did not stop the work (a bad line, a rule that failed to load). */
export interface Issue {
  severity: 'error' | 'warning';
  message: string;
  place?: Place;
  /** Stable machine-readable code, e.g. `json-parse`, `unknown-modifier`. */
  code?: string;
}

export function formatIssue(issue: Issue): string {
  const where = formatPlace(issue.place);
  return `${issue.severity}: ${where ? where + ': ' : ''}${issue.message}`;
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
