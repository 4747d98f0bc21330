/**
 * Output conventions shared by every command: aligned tables on a terminal,
 * JSON with --json, colour only on a TTY (and never with NO_COLOR).
 */
import type { Writable } from 'node:stream';

export function colorEnabled(stream: NodeJS.WriteStream = process.stdout): boolean {
  return Boolean(stream.isTTY) && process.env.NO_COLOR === undefined && process.env.TERM !== 'dumb';
}

const codes = { bold: 1, dim: 2, red: 31, green: 32, yellow: 33, blue: 34, magenta: 35, cyan: 36 } as const;
export type Style = keyof typeof codes;

export function style(text: string, s: Style, stream: NodeJS.WriteStream = process.stdout): string {
  return colorEnabled(stream) ? `\x1b[${codes[s]}m${text}\x1b[0m` : text;
}

/** Strip terminal control characters from untrusted text before printing it. */
export function safeText(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

export interface Column<Row> {
  header: string;
  value: (row: Row) => string | number | undefined;
  align?: 'left' | 'right';
  /** Maximum width; longer cells are cut with an ellipsis. */
  max?: number;
}

export function renderTable<Row>(rows: readonly Row[], columns: readonly Column<Row>[]): string {
  const cells = rows.map((row) =>
    columns.map((c) => {
      const raw = safeText(String(c.value(row) ?? '')).replace(/\s+/g, ' ');
      return c.max !== undefined && raw.length > c.max ? raw.slice(0, c.max - 1) + '…' : raw;
    }),
  );
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((r) => r[i]!.length)));
  const line = (values: string[]) =>
    values
      .map((v, i) => (columns[i]!.align === 'right' ? v.padStart(widths[i]!) : v.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const out = [line(columns.map((c) => c.header)), line(widths.map((w) => '-'.repeat(w)))];
  for (const r of cells) out.push(line(r));
  return out.join('\n') + '\n';
}

export function writeJson(value: unknown, out: Writable = process.stdout): void {
  out.write(JSON.stringify(value, null, 2) + '\n');
}
