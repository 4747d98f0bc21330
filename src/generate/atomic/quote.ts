/**
 * Putting report values into commands safely. A value from a report is
 * attacker-controlled: it must arrive as one inert argument whatever it
 * contains. Where an Atomic `#{arg}` sits in its template decides the
 * escaping — bare, inside '…', inside "…" — for the executor's shell:
 *
 * - sh/bash: single quotes ('\'' for a quote); in "…" a backslash before
 *   `$`, backtick, `"` and `\`;
 * - PowerShell: single quotes ('' for a quote, the Unicode quotes too); in
 *   "…" a backtick before `` ` ``, `$` and `"`;
 * - cmd.exe: cannot escape reliably (`%` expands even in quotes, `"`
 *   cannot be escaped inside quotes), so only values made of safe characters
 *   are used, quoted when they contain spaces; anything else keeps the
 *   test's default and says why.
 *
 * Values with control characters or line breaks are never used.
 */
import type { AtomicExecutorName } from './schema.js';

export type QuoteContext = 'bare' | 'single' | 'double';

/** Quoting state at `offset` in a template, per the executor's shell (here-strings and heredocs count as bare). */
export function quoteContextAt(template: string, offset: number, executor: AtomicExecutorName): QuoteContext {
  let state: QuoteContext = 'bare';
  for (let i = 0; i < offset && i < template.length; i++) {
    const c = template[i]!;
    if (executor === 'sh' || executor === 'bash') {
      if (state === 'bare') {
        if (c === '\\') i++;
        else if (c === "'") state = 'single';
        else if (c === '"') state = 'double';
      } else if (state === 'single') {
        if (c === "'") state = 'bare';
      } else {
        if (c === '\\') i++;
        else if (c === '"') state = 'bare';
      }
    } else if (executor === 'powershell') {
      if (state === 'bare') {
        if (c === '`') i++;
        else if (c === "'" || c === '\u2018' || c === '\u2019') state = 'single';
        else if (c === '"' || c === '\u201c' || c === '\u201d') state = 'double';
      } else if (state === 'single') {
        if (c === "'" || c === '\u2018' || c === '\u2019') {
          const n = template[i + 1];
          if (n === "'" || n === '\u2018' || n === '\u2019') i++;
          else state = 'bare';
        }
      } else {
        if (c === '`') i++;
        else if (c === '"' || c === '\u201c' || c === '\u201d') state = 'bare';
      }
    } else if (executor === 'command_prompt') {
      if (c === '"') state = state === 'double' ? 'bare' : 'double';
      else if (c === '\n') state = 'bare';
    }
  }
  return state;
}

export type QuoteResult = { ok: true; text: string } | { ok: false; reason: string };

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
const SIMPLE_SH = /^[A-Za-z0-9_./:@%+=,-]+$/;
const SIMPLE_PS = /^[A-Za-z0-9_.\\/:-]+$/;
const CMD_SAFE = /^[A-Za-z0-9_.\\/:@+=,~ {}[\]#$'-]*$/;

/** Does the character before/after the placeholder glue it to other word characters (`#{dir}\file`)? */
function glued(template: string, start: number, end: number): boolean {
  const before = template[start - 1];
  const after = template[end];
  const word = (c: string | undefined): boolean => c !== undefined && !/[\s;|&()<>'"`]/.test(c);
  return word(before) || word(after);
}

export function quoteValue(value: string, executor: AtomicExecutorName, context: QuoteContext, gluedToWord: boolean): QuoteResult {
  if (CONTROL.test(value)) return { ok: false, reason: 'the value contains control characters or line breaks' };
  if (value.length > 2048) return { ok: false, reason: 'the value is longer than 2048 characters' };
  if (executor !== 'manual' && (/^[-\u2013\u2014]/.test(value) || (executor === 'command_prompt' && value.startsWith('/')))) {
    // `-rf`, `--output=…`, `/delete`: the program would read it as an option
    return { ok: false, reason: 'the value starts like an option switch' };
  }
  switch (executor) {
    case 'sh':
    case 'bash':
      if (context === 'single') return { ok: true, text: value.replace(/'/g, `'\\''`) };
      if (context === 'double') return { ok: true, text: value.replace(/[\\$`"]/g, (m) => '\\' + m) };
      // bare: quoting a glued value is still one word in sh (`'a b'/c` is `a b/c`)
      return { ok: true, text: SIMPLE_SH.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'` };
    case 'powershell':
      if (context === 'single') return { ok: true, text: value.replace(/['\u2018\u2019\u201a\u201b]/g, (m) => m + m) };
      if (context === 'double') return { ok: true, text: value.replace(/[`$"\u201c\u201d\u201e]/g, (m) => '`' + m) };
      if (SIMPLE_PS.test(value)) return { ok: true, text: value };
      if (gluedToWord) return { ok: false, reason: 'the value has special characters and the template joins it to other text without quotes' };
      return { ok: true, text: `'${value.replace(/['\u2018\u2019\u201a\u201b]/g, (m) => m + m)}'` };
    case 'command_prompt':
      if (!CMD_SAFE.test(value)) return { ok: false, reason: 'the value has characters cmd.exe would interpret (% ! ^ & | < > " ( )) and cannot be quoted safely' };
      if (value.includes(' ') && context === 'bare') {
        if (gluedToWord) return { ok: false, reason: 'the value has spaces and the template joins it to other text without quotes' };
        return { ok: true, text: `"${value}"` };
      }
      return { ok: true, text: value };
    case 'manual':
      return { ok: true, text: value };
  }
}

/** Quote a value for the placeholder at [start, end) of `template`. */
export function quoteForPlaceholder(template: string, start: number, end: number, value: string, executor: AtomicExecutorName): QuoteResult {
  return quoteValue(value, executor, quoteContextAt(template, start, executor), glued(template, start, end));
}
