/**
 * POSIX shell command lines for analysis (which programs run, with which
 * words). Syntax validity is `bash -n`'s job (validate/shell.ts); this lexer
 * only has to read valid scripts right: quotes, `\` escapes, `$(…)`,
 * backticks, `${…}`, comments, here-documents, operators, redirections, and
 * the reserved words that open and close compound commands.
 */
import { readableCommandText, type LexProblem, type LexResult, type SimpleCommand, type Word } from './types.js';

/** Words that open or close compound commands; dropped from the front of a simple command. */
const LEADING_RESERVED = new Set(['if', 'then', 'else', 'elif', 'do', 'while', 'until', '!', '{', 'time']);
const CLOSING_RESERVED = new Set(['fi', 'done', 'esac', '}']);

export interface ShLexResult extends LexResult {
  /** Bodies of `$(…)` and backtick substitutions, for analysing the commands they run. */
  substitutions: string[];
}

/** Index just past the `)` closing a `$(` whose content starts at `i` (quotes respected), or -1. */
function matchParen(text: string, i: number): number {
  let depth = 1;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '\\') {
      i += 2;
      continue;
    }
    if (c === "'") {
      const e = text.indexOf("'", i + 1);
      if (e < 0) return -1;
      i = e + 1;
      continue;
    }
    if (c === '"') {
      i++;
      while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
      i++;
      continue;
    }
    if (c === '(') depth++;
    else if (c === ')') {
      depth--;
      if (depth === 0) return i + 1;
    }
    i++;
  }
  return -1;
}

export function lexSh(input: string): ShLexResult {
  const problems: LexProblem[] = [];
  const text = readableCommandText(input, problems);
  const commands: SimpleCommand[] = [];
  const substitutions: string[] = [];
  let words: Word[] = [];
  let redirects: Word[] = [];
  let cmdStart = -1;
  let joinedBy: string | undefined;
  let wText = '';
  let wStart = -1;
  let wQuoted = false;
  let redirectNext = false;
  /** Here-document delimiters waiting for the next newline. */
  const heredocs: { delim: string; stripTabs: boolean }[] = [];
  let heredocNext: { stripTabs: boolean } | undefined;

  const endWord = (end: number): void => {
    if (wStart < 0) return;
    const w: Word = { text: wText, raw: text.slice(wStart, end), start: wStart, end, quoted: wQuoted };
    if (heredocNext) {
      heredocs.push({ delim: wText, stripTabs: heredocNext.stripTabs });
      heredocNext = undefined;
      redirects.push(w);
      redirectNext = false;
    } else (redirectNext ? redirects : words).push(w);
    redirectNext = false;
    wText = '';
    wStart = -1;
    wQuoted = false;
  };
  const endCommand = (end: number, op: string | undefined): void => {
    endWord(end);
    while (words.length > 0 && LEADING_RESERVED.has(words[0]!.raw)) words.shift();
    if (words.length === 1 && CLOSING_RESERVED.has(words[0]!.raw)) words = [];
    if (words.length > 0 && (words[0]!.raw === 'for' || words[0]!.raw === 'case' || words[0]!.raw === 'select')) words = [];
    if (words.length > 0 || redirects.length > 0) {
      const c: SimpleCommand = { words, redirects, start: cmdStart, end, raw: text.slice(cmdStart, end).trim() };
      if (joinedBy !== undefined) c.joinedBy = joinedBy;
      commands.push(c);
    }
    words = [];
    redirects = [];
    cmdStart = -1;
    joinedBy = op;
  };
  const startWord = (i: number): void => {
    if (cmdStart < 0) cmdStart = i;
    if (wStart < 0) wStart = i;
  };
  /** Skip here-document bodies after a newline at `i`; returns the index after them. */
  const skipHeredocs = (i: number): number => {
    while (heredocs.length > 0) {
      const h = heredocs.shift()!;
      let pos = i;
      let found = false;
      while (pos <= text.length) {
        const nl = text.indexOf('\n', pos);
        const line = text.slice(pos, nl < 0 ? text.length : nl);
        const cmp = h.stripTabs ? line.replace(/^\t+/, '') : line;
        pos = nl < 0 ? text.length + 1 : nl + 1;
        if (cmp === h.delim) {
          found = true;
          break;
        }
        if (nl < 0) break;
      }
      if (!found) problems.push({ message: `here-document delimited by "${h.delim}" is not closed`, offset: i });
      i = Math.min(pos, text.length);
    }
    return i;
  };

  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === "'") {
      startWord(i);
      wQuoted = true;
      const e = text.indexOf("'", i + 1);
      if (e < 0) {
        problems.push({ message: 'unclosed single quote', offset: i });
        wText += text.slice(i + 1);
        i = text.length;
        continue;
      }
      wText += text.slice(i + 1, e);
      i = e + 1;
      continue;
    }
    if (c === '"') {
      startWord(i);
      wQuoted = true;
      let j = i + 1;
      let closed = false;
      while (j < text.length) {
        const d = text[j]!;
        if (d === '\\' && j + 1 < text.length) {
          const n = text[j + 1]!;
          if (n === '$' || n === '`' || n === '"' || n === '\\') wText += n;
          else if (n !== '\n') wText += '\\' + n;
          j += 2;
          continue;
        }
        if (d === '$' && text[j + 1] === '(') {
          const e = matchParen(text, j + 2);
          if (e < 0) break;
          substitutions.push(text.slice(j + 2, e - 1));
          wText += text.slice(j, e);
          j = e;
          continue;
        }
        if (d === '"') {
          closed = true;
          j++;
          break;
        }
        wText += d;
        j++;
      }
      if (!closed) problems.push({ message: 'unclosed double quote', offset: i });
      i = j;
      continue;
    }
    if (c === '\\') {
      if (text[i + 1] === '\n') {
        i += 2;
        continue;
      }
      startWord(i);
      if (i + 1 < text.length) wText += text[i + 1];
      i += 2;
      continue;
    }
    if (c === '$' && text[i + 1] === '(') {
      startWord(i);
      const e = matchParen(text, i + 2);
      if (e < 0) {
        problems.push({ message: 'unclosed "$("', offset: i });
        wText += text.slice(i);
        i = text.length;
        continue;
      }
      if (text[i + 2] !== '(') substitutions.push(text.slice(i + 2, e - 1));
      wText += text.slice(i, e);
      i = e;
      continue;
    }
    if (c === '$' && text[i + 1] === '{') {
      startWord(i);
      const e = text.indexOf('}', i + 2);
      const end = e < 0 ? text.length : e + 1;
      if (e < 0) problems.push({ message: 'unclosed "${"', offset: i });
      wText += text.slice(i, end);
      i = end;
      continue;
    }
    if (c === '`') {
      startWord(i);
      const e = text.indexOf('`', i + 1);
      if (e < 0) {
        problems.push({ message: 'unclosed backtick', offset: i });
        i = text.length;
        continue;
      }
      substitutions.push(text.slice(i + 1, e));
      wText += text.slice(i, e + 1);
      i = e + 1;
      continue;
    }
    if (c === '#' && wStart < 0) {
      const nl = text.indexOf('\n', i);
      i = nl < 0 ? text.length : nl;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r') {
      endWord(i);
      i++;
      continue;
    }
    if (c === '\n') {
      endCommand(i, '\n');
      i = skipHeredocs(i + 1);
      continue;
    }
    if (c === ';' || c === '&' || c === '|') {
      let op = c;
      if (text[i + 1] === c || (c === '|' && text[i + 1] === '&')) op += text[i + 1]!;
      if (c === '&' && text[i + 1] === '>') {
        // &> file: redirect both streams
        endWord(i);
        if (cmdStart < 0) cmdStart = i;
        redirectNext = true;
        i += text[i + 2] === '>' ? 3 : 2;
        continue;
      }
      endCommand(i, op);
      i += op.length;
      continue;
    }
    if (c === '(' || c === ')') {
      endCommand(i, c);
      i++;
      continue;
    }
    if (c === '>' || c === '<' || (/[0-9]/.test(c) && wStart < 0 && (text[i + 1] === '>' || text[i + 1] === '<'))) {
      endWord(i);
      if (cmdStart < 0) cmdStart = i;
      let j = i;
      if (/[0-9]/.test(text[j]!)) j++;
      const op = text[j]!;
      j++;
      if (op === '<' && text[j] === '<') {
        j++;
        if (text[j] === '<') {
          j++; // here-string: the next word is the input
          redirectNext = true;
          i = j;
          continue;
        }
        const stripTabs = text[j] === '-';
        if (stripTabs) j++;
        heredocNext = { stripTabs };
        i = j;
        continue;
      }
      if (text[j] === '>' || text[j] === '|' || (op === '<' && text[j] === '>')) j++;
      if (text[j] === '&') {
        j++;
        while (j < text.length && /[0-9-]/.test(text[j]!)) j++;
        i = j;
        continue;
      }
      redirectNext = true;
      i = j;
      continue;
    }
    startWord(i);
    wText += c;
    i++;
  }
  endCommand(text.length, undefined);
  if (heredocs.length > 0 || heredocNext) problems.push({ message: 'here-document is not closed', offset: text.length });
  return { shell: 'sh', commands, problems, substitutions };
}
