/**
 * Markdown that stays inert whatever a report or a log put into it: text is
 * escaped so it cannot open links, images, HTML, headings or tables, code is
 * fenced with a fence longer than any run of backticks inside it, and control
 * characters never reach the output.
 */

/** C0/C1 controls, DEL, bidi overrides and zero-width characters (Trojan-source style tricks). */
const INVISIBLE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u206F\uFEFF]/g;

/** Characters with Markdown or HTML meaning anywhere in a line. */
const SPECIAL = /[\\`*_{}[\]()<>#+\-.!|~&"]/g;
const ENTITY: Record<string, string> = { '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' };

/** Remove control and invisible characters; tabs become spaces. */
export function stripControls(s: string): string {
  return s.replace(/\t/g, ' ').replace(INVISIBLE, '');
}

/** One line of plain text, safe anywhere in Markdown (table cells included). */
export function mdText(s: string): string {
  return stripControls(s)
    .replace(/[\r\n\u2028\u2029]+/g, ' ')
    .replace(SPECIAL, (c) => ENTITY[c] ?? `\\${c}`);
}

/** Inline code: the fence is one backtick longer than the longest run inside; newlines become spaces. */
export function mdCode(s: string): string {
  const text = stripControls(s).replace(/[\r\n\u2028\u2029]+/g, ' ');
  if (text === '') return '` `';
  let longest = 0;
  for (const m of text.matchAll(/`+/g)) longest = Math.max(longest, m[0].length);
  const fence = '`'.repeat(longest + 1);
  const pad = text.startsWith('`') || text.endsWith('`') || (text.startsWith(' ') && text.endsWith(' ')) ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}

/** A fenced code block; the fence is longer than any backtick run in the content. */
export function mdCodeBlock(s: string, lang = ''): string {
  const text = stripControls(s).replace(/\r\n?/g, '\n');
  let longest = 2;
  for (const m of text.matchAll(/`{3,}/g)) longest = Math.max(longest, m[0].length);
  const fence = '`'.repeat(longest + 1);
  const info = /^[a-z0-9_+-]*/i.exec(lang)?.[0] ?? ''; // the language word only: no way to smuggle text after the fence
  return `${fence}${info}\n${text}\n${fence}`;
}

/** Escape the pipes of a cell that are not escaped yet (code spans in GFM tables need it too). */
function escapeCellPipes(cell: string): string {
  return cell.replace(/(\\*)\|/g, (_m, slashes: string) => (slashes.length % 2 === 0 ? `${slashes}\\|` : `${slashes}|`));
}

/** A table; cells must already be escaped with mdText or mdCode. */
export function mdTable(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.map(escapeCellPipes).join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}
