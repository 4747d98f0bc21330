/**
 * A PowerShell reader for static checks and analysis: strings ('…' with ''
 * doubling, "…" with backtick escapes and nested `$(…)`, here-strings, the
 * Unicode quote characters PowerShell accepts), comments (`#`, `<# #>`),
 * variables, the bracket structure ((), $(), @(), {}, @{}, []), and which
 * words stand in command position (after a statement start, `|`, `=`,
 * `&&`/`||`, the call operators `&` and `.`). Each invocation comes out as a
 * command with its parameters and arguments; functions the script defines
 * and the ways it loads more code (`Import-Module`, `iex`, dot-sourcing)
 * are noted, so a checker can tell a known command from a typo.
 *
 * One pass over the text, an explicit frame stack (no recursion on attacker
 * input), and every structural problem reported with its offset.
 */
import { readableCommandText, type LexProblem } from './types.js';

export interface PsCommand {
  /** The command name as written (quotes removed), e.g. `Get-ChildItem`, `net`, `C:\x\y.exe`, `$cmd`. */
  name: string;
  start: number;
  end: number;
  /** Invoked through `&` or `.`. */
  invokedBy?: '&' | '.';
  /** The name was a variable or expression (`& $exe`, `& (…)`), not a literal. */
  dynamic: boolean;
  /** `-Name` parameters, as written (without the dash, lower-cased). */
  parameters: string[];
  /** Other argument words (barewords and string literals), as written without quotes. */
  arguments: string[];
  /** Parameters (`-name`, lower case) and arguments in the order written. */
  elements: { kind: 'param' | 'arg'; text: string }[];
}

export interface PsLexResult {
  commands: PsCommand[];
  problems: LexProblem[];
  /** Names defined by `function` / `filter` / `workflow`. */
  definedFunctions: Set<string>;
  /** Aliases defined by `Set-Alias` / `New-Alias`. */
  definedAliases: Set<string>;
  /** Type and member names used in expressions (`Net.WebClient`, `DownloadString`, `FromBase64String`). */
  members: string[];
  /** String literal contents, for placeholder checks and analysis. */
  strings: string[];
}

type FrameKind = 'top' | 'paren' | 'subexpr' | 'array' | 'block' | 'hash' | 'index' | 'dstring' | 'classbody';
type Mode = 'start' | 'command' | 'expression' | 'callee' | 'name';

interface Frame {
  kind: FrameKind;
  start: number;
  mode: Mode;
  /** For `name` mode: what the next bareword names. */
  naming?: 'function' | 'class';
  cmd?: PsCommand;
  /** The last token was a redirection operator: the next word is its target. */
  redirect?: boolean;
  callOp?: '&' | '.';
}

const KEYWORDS_COND = new Set(['if', 'elseif', 'while', 'switch', 'foreach', 'for', 'until']);
const KEYWORDS_BLOCK = new Set(['else', 'try', 'finally', 'do', 'begin', 'process', 'end', 'dynamicparam', 'catch', 'trap', 'data', 'parallel', 'sequence', 'clean']);
const KEYWORDS_PIPE = new Set(['return', 'throw', 'exit']);
const KEYWORDS_OTHER = new Set(['param', 'break', 'continue', 'using', 'in', 'hidden', 'static', 'default']);

const OPEN: Record<string, FrameKind> = { '(': 'paren', '{': 'block', '[': 'index' };
const CLOSE_OF: Partial<Record<FrameKind, string>> = { paren: ')', subexpr: ')', array: ')', block: '}', hash: '}', classbody: '}', index: ']' };

const SQ = new Set(["'", '\u2018', '\u2019', '\u201a', '\u201b']);
const DQ = new Set(['"', '\u201c', '\u201d', '\u201e']);
const DASH = new Set(['-', '\u2013', '\u2014', '\u2015']);
const isSpace = (c: string): boolean => c === ' ' || c === '\t' || c === '\f' || c === '\v' || c === '\u00a0' || c === '\r';
/** Characters that end a bareword in argument mode. */
const ARG_STOP = new Set([' ', '\t', '\r', '\n', ';', '|', '&', '(', ')', '{', '}', ',', '"', "'", '\u2018', '\u2019', '\u201c', '\u201d', '>', '<']);
/** …and in expression / statement-start mode. */
const EXPR_STOP = new Set([...ARG_STOP, '[', ']', '=', '.', ':', '+', '*', '/', '%', '!', '-', '@']);

const NUMBER = /^(?:0x[0-9a-f]+|\d+(?:\.\d+)?(?:e[+-]?\d+)?|\.\d+)(?:[dl]|u|ul|y|uy|s|us|n)?(?:kb|mb|gb|tb|pb)?$/i;

export function lexPowerShell(input: string): PsLexResult {
  const problems: LexProblem[] = [];
  const text = readableCommandText(input, problems, 'script');
  const commands: PsCommand[] = [];
  const definedFunctions = new Set<string>();
  const definedAliases = new Set<string>();
  const members: string[] = [];
  const strings: string[] = [];
  const stack: Frame[] = [{ kind: 'top', start: 0, mode: 'start' }];
  const top = (): Frame => stack[stack.length - 1]!;

  const finishCommand = (f: Frame): void => {
    if (f.cmd) {
      const c = f.cmd;
      if (/^(set|new)-alias$/i.test(c.name)) {
        const named = c.arguments[0];
        if (named) definedAliases.add(named.toLowerCase());
      }
      commands.push(c);
      f.cmd = undefined;
    }
  };
  const statementEnd = (f: Frame): void => {
    finishCommand(f);
    f.mode = 'start';
    f.redirect = false;
    f.callOp = undefined;
  };
  const push = (kind: FrameKind, start: number, mode: Mode): void => {
    stack.push({ kind, start, mode });
  };
  const close = (ch: string, at: number): void => {
    const f = top();
    const want = CLOSE_OF[f.kind];
    if (f.kind === 'top' || f.kind === 'dstring') {
      problems.push({ message: `unexpected "${ch}"`, offset: at });
      return;
    }
    if (want !== ch) {
      problems.push({ message: `"${ch}" closes "${openerOf(f.kind)}" opened at offset ${f.start}`, offset: at });
    }
    finishCommand(f);
    stack.pop();
    const outer = top();
    // what follows a closed group: in an argument list more arguments, otherwise an expression continues
    if (outer.mode === 'start' || outer.mode === 'callee') outer.mode = 'expression';
  };
  /** A word in the current frame: command name, argument, keyword… */
  const word = (w: string, start: number, end: number, quoted: boolean): void => {
    const f = top();
    if (f.redirect) {
      f.redirect = false;
      return;
    }
    if (f.mode === 'name') {
      if (f.naming === 'function') definedFunctions.add(w.toLowerCase());
      f.mode = 'expression';
      if (f.naming === 'class') f.mode = 'expression';
      return;
    }
    if (f.mode === 'callee') {
      f.cmd = { name: w, start, end, dynamic: false, parameters: [], arguments: [], elements: [], ...(f.callOp ? { invokedBy: f.callOp } : {}) };
      f.mode = 'command';
      return;
    }
    if (f.mode === 'command') {
      if (!quoted && w.length > 1 && DASH.has(w[0]!) && !/^-\d/.test(w)) {
        const p = w.slice(1).replace(/:.*$/s, '').toLowerCase();
        f.cmd?.parameters.push(p);
        f.cmd?.elements.push({ kind: 'param', text: p });
        const inline = /^[^:]+:(.+)$/s.exec(w);
        if (inline) f.cmd?.elements.push({ kind: 'arg', text: inline[1]! });
      } else {
        f.cmd?.arguments.push(w);
        f.cmd?.elements.push({ kind: 'arg', text: w });
      }
      return;
    }
    if (f.mode === 'start') {
      if (f.kind === 'classbody') {
        f.mode = 'expression';
        return;
      }
      if (f.kind === 'hash') {
        f.mode = 'expression'; // a key
        return;
      }
      if (quoted || DASH.has(w[0]!)) {
        // a string literal or a unary operator (-not, -join) starts an expression
        f.mode = 'expression';
        return;
      }
      const lw = w.toLowerCase();
      if (KEYWORDS_COND.has(lw) || KEYWORDS_BLOCK.has(lw) || KEYWORDS_OTHER.has(lw)) {
        f.mode = 'expression';
        return;
      }
      if (KEYWORDS_PIPE.has(lw)) return; // stays in command position
      if (lw === 'function' || lw === 'filter' || lw === 'workflow' || lw === 'configuration') {
        f.mode = 'name';
        f.naming = 'function';
        return;
      }
      if (lw === 'class' || lw === 'enum' || lw === 'interface') {
        f.mode = 'name';
        f.naming = 'class';
        pendingClass = true;
        return;
      }
      if (NUMBER.test(w) || /^\d+\.\.(?:\d+|\$\w+)?$/.test(w) || /^\d+\.\.$/.test(w)) {
        f.mode = 'expression';
        return;
      }
      f.cmd = { name: w, start, end, dynamic: false, parameters: [], arguments: [], elements: [] };
      f.mode = 'command';
      return;
    }
    // expression mode: member names, operators, type names
    if (w.length > 2) members.push(w);
  };
  /** A variable, subexpression or other non-literal in the current frame. */
  const dynamicToken = (tokenStart: number, tokenEnd: number, name: string): void => {
    const f = top();
    if (f.redirect) {
      f.redirect = false;
      return;
    }
    if (f.mode === 'callee') {
      f.cmd = { name, start: tokenStart, end: tokenEnd, dynamic: true, parameters: [], arguments: [], elements: [], ...(f.callOp ? { invokedBy: f.callOp } : {}) };
      f.mode = 'command';
      return;
    }
    if (f.mode === 'start' || f.mode === 'name') f.mode = 'expression';
  };
  let pendingClass = false;

  let i = 0;
  while (i < text.length) {
    const f = top();
    const c = text[i]!;

    // ------------------------------------------------ inside "…" strings
    if (f.kind === 'dstring') {
      if (c === '`') {
        i += 2;
        continue;
      }
      if (c === '$' && text[i + 1] === '(') {
        push('subexpr', i, 'start');
        i += 2;
        continue;
      }
      if (DQ.has(c)) {
        if (DQ.has(text[i + 1] ?? '')) {
          i += 2; // "" is an escaped quote
          continue;
        }
        strings.push(text.slice(f.start + 1, i));
        stack.pop();
        i++;
        continue;
      }
      i++;
      continue;
    }

    if (isSpace(c)) {
      i++;
      continue;
    }
    if (c === '`') {
      // line continuation or an escaped character starting a word
      if (text[i + 1] === '\n' || (text[i + 1] === '\r' && text[i + 2] === '\n')) {
        i += text[i + 1] === '\n' ? 2 : 3;
        continue;
      }
    }
    if (c === '\n') {
      if (f.kind === 'paren' || f.kind === 'index') {
        // newlines inside (...) of an expression do not end it
        i++;
        continue;
      }
      statementEnd(f);
      i++;
      continue;
    }
    if (c === '#') {
      const nl = text.indexOf('\n', i);
      i = nl < 0 ? text.length : nl;
      continue;
    }
    if (c === '<' && text[i + 1] === '#') {
      const e = text.indexOf('#>', i + 2);
      if (e < 0) {
        problems.push({ message: 'unclosed block comment "<#"', offset: i });
        i = text.length;
      } else i = e + 2;
      continue;
    }
    // here-strings
    if (c === '@' && (SQ.has(text[i + 1] ?? '') || DQ.has(text[i + 1] ?? ''))) {
      const q = text[i + 1]!;
      let j = i + 2;
      while (j < text.length && isSpace(text[j]!)) j++;
      if (text[j] === '\n') {
        const single = SQ.has(q);
        let k = j + 1;
        let end = -1;
        while (k <= text.length) {
          const nl = text.indexOf('\n', k);
          const line = text.slice(k, nl < 0 ? text.length : nl).replace(/\r$/, '');
          if (line.length >= 2 && (single ? SQ.has(line[0]!) : DQ.has(line[0]!)) && line[1] === '@') {
            end = k + 2;
            break;
          }
          if (nl < 0) break;
          k = nl + 1;
        }
        if (end < 0) {
          problems.push({ message: `unclosed here-string ${'@' + q}`, offset: i });
          i = text.length;
          continue;
        }
        strings.push(text.slice(j + 1, end - 2));
        word(text.slice(j + 1, end - 2), i, end, true);
        i = end;
        continue;
      }
    }
    if (SQ.has(c)) {
      let j = i + 1;
      let val = '';
      let closed = false;
      while (j < text.length) {
        const d = text[j]!;
        if (SQ.has(d)) {
          if (SQ.has(text[j + 1] ?? '')) {
            val += "'";
            j += 2;
            continue;
          }
          closed = true;
          j++;
          break;
        }
        val += d;
        j++;
      }
      if (!closed) problems.push({ message: 'unclosed single-quoted string', offset: i });
      strings.push(val);
      word(val, i, j, true);
      i = j;
      continue;
    }
    if (DQ.has(c)) {
      // the string is a word of the current frame; its body may nest $(…)
      const ff = top();
      if (ff.redirect) ff.redirect = false;
      else if (ff.mode === 'callee') {
        // & "C:\Program Files\x.exe": the name is the literal text when there is no $ in it
        const close = findSimpleDoubleEnd(text, i);
        if (close > 0) {
          const name = text.slice(i + 1, close);
          strings.push(name);
          ff.cmd = { name, start: i, end: close + 1, dynamic: name.includes('$'), parameters: [], arguments: [], elements: [], ...(ff.callOp ? { invokedBy: ff.callOp } : {}) };
          ff.mode = 'command';
          i = close + 1;
          continue;
        }
        dynamicToken(i, i + 1, '"…"');
      } else if (ff.mode === 'command') {
        const close = findSimpleDoubleEnd(text, i);
        if (close > 0) {
          ff.cmd?.arguments.push(text.slice(i + 1, close));
          ff.cmd?.elements.push({ kind: 'arg', text: text.slice(i + 1, close) });
        }
      } else if (ff.mode === 'start' || ff.mode === 'name') ff.mode = 'expression';
      push('dstring', i, 'expression');
      i++;
      continue;
    }
    // variables and splats
    if (c === '$' || (c === '@' && /[A-Za-z_]/.test(text[i + 1] ?? ''))) {
      const n = text[i + 1];
      if (c === '$' && n === '(') {
        dynamicToken(i, i + 2, '$(…)');
        push('subexpr', i, 'start');
        i += 2;
        continue;
      }
      let j = i + 1;
      if (c === '$' && n === '{') {
        const e = text.indexOf('}', i + 2);
        j = e < 0 ? text.length : e + 1;
        if (e < 0) problems.push({ message: 'unclosed "${"', offset: i });
      } else if (n !== undefined && /[$?^_]/.test(n) && !/[A-Za-z0-9_]/.test(text[i + 2] ?? '')) {
        j = i + 2;
      } else {
        while (j < text.length && /[A-Za-z0-9_:?]/.test(text[j]!)) {
          // `$env:PATH`, `$script:x`; a trailing `:` is not part of the name
          if (text[j] === ':' && !/[A-Za-z0-9_]/.test(text[j + 1] ?? '')) break;
          j++;
        }
      }
      const ff = top();
      if (ff.mode === 'command' && !ff.redirect) {
        // in argument mode `$env:TEMP\a.exe` is one word
        while (j < text.length && !ARG_STOP.has(text[j]!)) j++;
        const arg = text.slice(i, j);
        ff.cmd?.arguments.push(arg);
        ff.cmd?.elements.push({ kind: 'arg', text: arg });
      } else dynamicToken(i, j, text.slice(i, j));
      i = j;
      continue;
    }
    if (c === '@' && (text[i + 1] === '(' || text[i + 1] === '{')) {
      dynamicToken(i, i + 2, '@' + text[i + 1]);
      push(text[i + 1] === '(' ? 'array' : 'hash', i, 'start');
      i += 2;
      continue;
    }
    if (c === '(' || c === '{' || (c === '[' && top().mode !== 'command')) {
      const ff = top();
      if (ff.redirect) ff.redirect = false;
      if (c === '{' && pendingClass) {
        pendingClass = false;
        push('classbody', i, 'start');
        i++;
        continue;
      }
      if (ff.mode === 'callee') {
        dynamicToken(i, i + 1, c === '{' ? '{…}' : '(…)');
      } else if (ff.mode === 'start' || ff.mode === 'name') ff.mode = 'expression';
      push(OPEN[c]!, i, c === '[' ? 'expression' : 'start');
      i++;
      continue;
    }
    if (c === ')' || c === '}' || (c === ']' && top().kind === 'index')) {
      close(c, i);
      i++;
      continue;
    }
    if (c === ';') {
      statementEnd(f);
      i++;
      continue;
    }
    if (c === '|') {
      if (text[i + 1] === '|') {
        statementEnd(f);
        i += 2;
        continue;
      }
      finishCommand(f);
      f.mode = 'start';
      f.redirect = false;
      i++;
      continue;
    }
    if (c === '&') {
      if (text[i + 1] === '&') {
        statementEnd(f);
        i += 2;
        continue;
      }
      if (f.mode === 'start' || f.mode === 'expression') {
        f.mode = 'callee';
        f.callOp = '&';
        i++;
        continue;
      }
      // `cmd &`: run in the background (PowerShell 7)
      statementEnd(f);
      i++;
      continue;
    }
    if (c === '.' && f.mode === 'start' && /[\s"'$({]/.test(text[i + 1] ?? '') ) {
      f.mode = 'callee';
      f.callOp = '.';
      i++;
      continue;
    }
    // redirections: > >> 2> 2>&1 *> …
    if ((c === '>' || ((/[1-6*]/.test(c)) && text[i + 1] === '>')) && (f.mode === 'command' || f.mode === 'expression')) {
      let j = i + (c === '>' ? 1 : 2);
      if (text[j] === '>') j++;
      if (text[j] === '&' && /[12]/.test(text[j + 1] ?? '')) {
        i = j + 2;
        continue;
      }
      f.redirect = true;
      i = j;
      continue;
    }
    if (c === '=' && f.mode === 'expression' && text[i + 1] !== '=') {
      // assignment: the right-hand side is a pipeline
      f.mode = f.kind === 'hash' ? 'expression' : 'start';
      i++;
      continue;
    }
    if ((c === '%' || c === '?') && f.mode === 'start' && /[\s{]/.test(text[i + 1] ?? '')) {
      // the ForEach-Object / Where-Object aliases
      f.cmd = { name: c, start: i, end: i + 1, dynamic: false, parameters: [], arguments: [], elements: [] };
      f.mode = 'command';
      i++;
      continue;
    }
    if (c === ',' || c === '!' || c === '+' || c === '*' || c === '/' || c === '%' || c === '=' || c === ']' || c === '<' || c === '>') {
      if (f.mode === 'start') f.mode = 'expression';
      i++;
      continue;
    }
    if (c === ':' && text[i + 1] === ':') {
      i += 2;
      continue;
    }
    if (c === '.' && f.mode === 'expression') {
      i++;
      continue;
    }
    // a bareword (command name, argument, parameter, operator, member, number)
    const stop = f.mode === 'command' || f.mode === 'callee' || f.mode === 'start' || f.mode === 'name' ? ARG_STOP : EXPR_STOP;
    let j = i;
    let val = '';
    if (f.mode === 'expression' && DASH.has(c)) {
      // operator (-eq, -not, -join) or negative number
      j++;
      val = '-';
    }
    while (j < text.length) {
      const d = text[j]!;
      if (d === '`' && j + 1 < text.length && text[j + 1] !== '\n') {
        val += text[j + 1];
        j += 2;
        continue;
      }
      if (stop.has(d) && !(j === i && (d === '-' || d === '.' || d === '[' || d === ']' || d === '!' || d === '+' || d === '*' || d === '/' || d === '%' || d === '@' || d === '<' || d === '>' || d === ':' || d === '='))) break;
      if (d === '$' && j > i) break;
      val += d;
      j++;
    }
    if (j === i) {
      // a single character no rule took: move on
      if (f.mode === 'start') f.mode = 'expression';
      i++;
      continue;
    }
    word(val, i, j, false);
    i = j;
  }

  // end of text: close what is still open
  for (let k = stack.length - 1; k >= 0; k--) {
    const fr = stack[k]!;
    finishCommand(fr);
    if (fr.kind === 'top') continue;
    if (fr.kind === 'dstring') problems.push({ message: 'unclosed double-quoted string', offset: fr.start });
    else problems.push({ message: `"${openerOf(fr.kind)}" is never closed`, offset: fr.start });
  }
  commands.sort((a, b) => a.start - b.start);
  return { commands, problems, definedFunctions, definedAliases, members, strings };
}

function openerOf(kind: FrameKind): string {
  switch (kind) {
    case 'paren':
      return '(';
    case 'subexpr':
      return '$(';
    case 'array':
      return '@(';
    case 'block':
    case 'classbody':
      return '{';
    case 'hash':
      return '@{';
    case 'index':
      return '[';
    default:
      return '"';
  }
}

/** End of a "…" string without `$(`, or -1 when it has one (then the frame machinery reads it). */
function findSimpleDoubleEnd(text: string, i: number): number {
  let j = i + 1;
  while (j < text.length) {
    const d = text[j]!;
    if (d === '`') {
      j += 2;
      continue;
    }
    if (d === '$' && text[j + 1] === '(') return -1;
    if (DQ.has(d)) {
      if (DQ.has(text[j + 1] ?? '')) {
        j += 2;
        continue;
      }
      return j;
    }
    j++;
  }
  return -1;
}
