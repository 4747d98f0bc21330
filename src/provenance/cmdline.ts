/**
 * Command-line splitting: enough of the Windows (CommandLineToArgvW) and
 * POSIX shell quoting rules to find the program, the switches and the file
 * arguments. Linear in the input; capped so a hostile megabyte line costs
 * little.
 */
import { isWindowsPath } from './paths.js';

const MAX_ARGS = 256;
/** Windows caps a command line at 32,767 characters; anything past that is not a real command line. */
const MAX_LINE = 32_768;

/** Split a command line into arguments with quotes removed. */
export function splitCommandLine(input: string, maxArgs = MAX_ARGS): string[] {
  const line = input.length > MAX_LINE ? input.slice(0, MAX_LINE) : input;
  const args: string[] = [];
  let cur = '';
  let inArg = false;
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
      else cur += c;
      continue;
    }
    if (c === '"' || c === "'") {
      // single quotes quote only in POSIX shells; on Windows they are text
      if (c === "'" && !inArg && line.includes('\\')) {
        cur += c;
        inArg = true;
        continue;
      }
      quote = c;
      inArg = true;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      if (inArg) {
        args.push(cur);
        if (args.length >= maxArgs) return args;
        cur = '';
        inArg = false;
      }
      continue;
    }
    cur += c;
    inArg = true;
  }
  if (inArg) args.push(cur);
  return args;
}

const windowsFileArg = /^(?:[a-zA-Z]:\\|\\\\[^\\]+\\)[^*?"<>|\r\n]*\.[A-Za-z0-9]{1,8}$/;
const posixFileArg = /^\/[^\0\r\n]*\/[^/\0\r\n]*\.[A-Za-z0-9]{1,8}$/;

/**
 * Absolute file paths with an extension among the arguments (not the program
 * itself): the documents and scripts a new process was started on.
 */
export function fileArguments(commandLine: string, image: string | undefined, max = 8): string[] {
  const args = splitCommandLine(commandLine.length > 8192 ? commandLine.slice(0, 8192) : commandLine, 64);
  const windows = image ? isWindowsPath(image) : commandLine.includes('\\');
  const out: string[] = [];
  for (let i = 1; i < args.length && out.length < max; i++) {
    const a = args[i]!;
    if (a.length > 1024) continue;
    if (windows ? windowsFileArg.test(a) : posixFileArg.test(a)) out.push(a);
  }
  return out;
}
