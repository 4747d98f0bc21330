/**
 * cmd.exe command lines: `^` escapes, `"` quoting (an unclosed quote runs to
 * the end of the line: cmd accepts it, we report it), `&` `&&` `||` `|`
 * between commands, `(`…`)` blocks, redirections (`>`, `>>`, `<`, `2>&1`)
 * kept apart from the arguments. `%VAR%` expansion is left as written.
 */
import { readableCommandText, type LexProblem, type LexResult, type SimpleCommand, type Word } from './types.js';

/** After `do`, `else` or an `if` condition, `(` opens a block (elsewhere it is an ordinary character). */
function opensBlock(words: Word[]): boolean {
  const last = words[words.length - 1]!.text.toLowerCase();
  return last === 'do' || last === 'else' || words[0]!.text.toLowerCase().replace(/^@/, '') === 'if';
}

export function lexCmd(input: string): LexResult {
  const problems: LexProblem[] = [];
  const text = readableCommandText(input, problems);
  const commands: SimpleCommand[] = [];
  let words: Word[] = [];
  let redirects: Word[] = [];
  let cmdStart = -1;
  let joinedBy: string | undefined;
  let depth = 0;
  const openParens: number[] = [];

  let wText = '';
  let wStart = -1;
  let wQuoted = false;
  let redirectNext = false;

  const endWord = (end: number): void => {
    if (wStart < 0) return;
    const w: Word = { text: wText, raw: text.slice(wStart, end), start: wStart, end, quoted: wQuoted };
    (redirectNext ? redirects : words).push(w);
    redirectNext = false;
    wText = '';
    wStart = -1;
    wQuoted = false;
  };
  const endCommand = (end: number, op: string | undefined): void => {
    endWord(end);
    if (redirectNext) {
      problems.push({ message: 'redirection without a target', offset: end });
      redirectNext = false;
    }
    if (words.length > 0 || redirects.length > 0) {
      const c: SimpleCommand = { words, redirects, start: cmdStart, end, raw: text.slice(cmdStart, end).trim() };
      if (joinedBy !== undefined) c.joinedBy = joinedBy;
      commands.push(c);
    } else if (op !== undefined && op !== '\n' && op !== '(' && op !== ')' && commands.length === 0) {
      problems.push({ message: `"${op}" with no command before it`, offset: end });
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

  /** cmd.exe's own quote state: every `"` toggles it; operators inside are literal. */
  let cmdQuoted = false;
  let quoteAt = -1;
  /**
   * The program's argument splitting (CommandLineToArgvW rules): `\"` is a
   * literal quote, 2n backslashes before `"` are n backslashes and a toggle.
   */
  let argvQuoted = false;

  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '\\') {
      let k = i;
      while (text[k] === '\\') k++;
      const n = k - i;
      startWord(i);
      if (text[k] === '"') {
        wText += '\\'.repeat(n >> 1);
        cmdQuoted = !cmdQuoted;
        if (cmdQuoted) quoteAt = k;
        if (n % 2 === 1) wText += '"';
        else {
          argvQuoted = !argvQuoted;
          wQuoted = true;
        }
        i = k + 1;
        continue;
      }
      wText += text.slice(i, k);
      i = k;
      continue;
    }
    if (c === '"') {
      startWord(i);
      wQuoted = true;
      cmdQuoted = !cmdQuoted;
      if (cmdQuoted) quoteAt = i;
      if (argvQuoted && text[i + 1] === '"') {
        wText += '"'; // "" inside quotes: a literal quote
        cmdQuoted = !cmdQuoted;
        i += 2;
        continue;
      }
      argvQuoted = !argvQuoted;
      i++;
      continue;
    }
    if (c === '\n') {
      if (cmdQuoted) problems.push({ message: 'unclosed double quote', offset: quoteAt });
      // each line is its own command line: quoting does not carry over
      cmdQuoted = false;
      argvQuoted = false;
      endCommand(i, '\n');
      i++;
      continue;
    }
    if (cmdQuoted || argvQuoted) {
      if ((c === ' ' || c === '\t') && !argvQuoted) {
        endWord(i);
        i++;
        continue;
      }
      startWord(i);
      wText += c;
      i++;
      continue;
    }
    if (c === '^') {
      const n = text[i + 1];
      if (n === undefined) {
        i++;
        continue;
      }
      if (n === '\n' || (n === '\r' && text[i + 2] === '\n')) {
        i += n === '\n' ? 2 : 3; // line continuation
        continue;
      }
      startWord(i);
      wText += n;
      i += 2;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r') {
      endWord(i);
      i++;
      continue;
    }
    if (c === '&' || c === '|') {
      const two = text[i + 1] === c;
      endCommand(i, two ? c + c : c);
      i += two ? 2 : 1;
      continue;
    }
    if (c === '(' && wText === '@' && wStart >= 0 && (words.length === 0 || opensBlock(words))) {
      // `do @(…)`: the echo-off prefix before a block
      wText = '';
      wStart = -1;
      wQuoted = false;
    }
    if (c === '(' && wStart < 0 && (words.length === 0 || opensBlock(words))) {
      // a block opens only where a command starts
      depth++;
      openParens.push(i);
      endCommand(i, '(');
      i++;
      continue;
    }
    if (c === ')' && depth > 0) {
      depth--;
      openParens.pop();
      endCommand(i, ')');
      i++;
      continue;
    }
    if (c === '>' || c === '<' || (c >= '0' && c <= '9' && wStart < 0 && (text[i + 1] === '>' || text[i + 1] === '<'))) {
      endWord(i);
      if (cmdStart < 0) cmdStart = i;
      let j = i;
      if (text[j]! >= '0' && text[j]! <= '9') j++;
      j++;
      if (text[j] === '>') j++;
      if (text[j] === '&' && text[j + 1] !== undefined && text[j + 1]! >= '0' && text[j + 1]! <= '9') {
        i = j + 2; // 2>&1: no target word
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
  if (cmdQuoted) problems.push({ message: 'unclosed double quote', offset: quoteAt });
  endCommand(text.length, undefined);
  for (const p of openParens) problems.push({ message: 'unclosed "("', offset: p });
  return { shell: 'cmd', commands, problems };
}
