/**
 * Commands as the generators see them: a command line in one shell, cut into
 * simple commands (program + words) joined by operators. The lexers are
 * written for attacker text: linear time, no regex backtracking, every
 * problem (an unclosed quote, an unbalanced brace) reported, never thrown.
 */

export type Shell = 'cmd' | 'powershell' | 'sh';

export interface Word {
  /** The value after quote removal and escapes (what the program receives, as far as static reading can tell). */
  text: string;
  /** As written. */
  raw: string;
  start: number;
  end: number;
  /** Some part of it was quoted. */
  quoted: boolean;
}

/** One program invocation (or shell builtin / PowerShell statement) with its words. */
export interface SimpleCommand {
  words: Word[];
  /** Redirection targets (`> out.txt`, `2>nul`), kept apart from the arguments. */
  redirects: Word[];
  start: number;
  end: number;
  /** The source text of this command (without the operators around it). */
  raw: string;
  /** Operator that joins it to the previous command (`|`, `&&`, `||`, `&`, `;`, newline), undefined for the first. */
  joinedBy?: string;
}

export interface LexProblem {
  message: string;
  offset: number;
}

export interface LexResult {
  shell: Shell;
  commands: SimpleCommand[];
  problems: LexProblem[];
}

/** Longest command text the lexers read (longer input is cut and reported): report text is hostile. */
export const MAX_COMMAND_CHARS = 64 * 1024;

/** The part of `input` a lexer reads: at most MAX_COMMAND_CHARS, the cut reported in `problems`. */
export function readableCommandText(input: string, problems: LexProblem[], what: 'command' | 'script' = 'command'): string {
  if (input.length <= MAX_COMMAND_CHARS) return input;
  problems.push({ message: `${what} is ${input.length} characters; only the first ${MAX_COMMAND_CHARS} are read`, offset: MAX_COMMAND_CHARS });
  return input.slice(0, MAX_COMMAND_CHARS);
}
