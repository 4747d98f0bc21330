/**
 * Command-line tokens for the encoder: switches kept (lower case), paths,
 * addresses, URLs, numbers, encoded blobs and random words abstracted, so
 * `powershell -nop -w hidden -enc SQBFAFgA…` and the same on another machine
 * give the same tokens.
 */
import { abstractDomain, abstractPath, classifyAddress } from './abstract.js';
import { splitCommandLine } from './cmdline.js';
import { abstractName } from './names.js';
import { baseName, isWindowsPath } from './paths.js';

const MAX_TOKENS = 24;
const MAX_TOKEN_LENGTH = 96;

/** Abstracted argument tokens (without the program itself). */
export function commandLineTokens(commandLine: string, image?: string, max = MAX_TOKENS): string[] {
  const args = splitCommandLine(commandLine.length > 8192 ? commandLine.slice(0, 8192) : commandLine, max + 1);
  const windows = image ? isWindowsPath(image) : commandLine.includes('\\');
  let start = 0;
  if (args.length > 0) {
    const first = baseName(args[0]!).toLowerCase();
    const img = image ? baseName(image).toLowerCase() : undefined;
    // the program name is the process token, not an argument
    if (img === undefined || first === img || first + '.exe' === img || first === img.replace(/\.exe$/, '') || looksLikePath(args[0]!)) {
      start = 1;
    }
  }
  const out: string[] = [];
  const emit = (t: string | undefined) => {
    if (t && out.length < max) out.push(shorten(t));
  };
  for (let i = start; i < args.length && out.length < max; i++) {
    const a = args[i]!;
    // a quoted inner command (`cmd /c "…"`, `powershell -c "…"`): its words, one level deep
    if (/\s/.test(a.trim()) && a.length <= 4096) {
      for (const inner of splitCommandLine(a, max)) emit(abstractArgument(stripPunctuation(inner), windows));
    } else emit(abstractArgument(a, windows));
  }
  return out;
}

/** Long tokens keep their head and their last path component (the file name says the most). */
function shorten(t: string): string {
  if (t.length <= MAX_TOKEN_LENGTH) return t;
  const cut = Math.max(t.lastIndexOf('\\'), t.lastIndexOf('/'));
  const tail = cut > 0 ? t.slice(cut) : '';
  if (tail && tail.length < MAX_TOKEN_LENGTH / 2) return t.slice(0, MAX_TOKEN_LENGTH - tail.length - 1) + '…' + tail;
  return t.slice(0, MAX_TOKEN_LENGTH - 1) + '…';
}

/** Script punctuation around a word: `(New-Object`, `'https://…')`, `x;`. */
function stripPunctuation(word: string): string {
  return word.replace(/^[(\[{'"`;,|&]+/, '').replace(/[)\]}'"`;,|&]+$/, '');
}

function looksLikePath(a: string): boolean {
  return /^[a-zA-Z]:\\/.test(a) || a.startsWith('/') || a.startsWith('\\\\');
}

const urlRe = /^([a-z][a-z0-9+.-]{1,10}):\/\/([^/:?#\s]+)/i;

export function abstractArgument(arg: string, windows: boolean): string | undefined {
  const a = arg.trim();
  if (!a) return undefined;
  // switches: -enc, /c, --output, -ExecutionPolicy
  if (/^--?[A-Za-z?][A-Za-z0-9_-]{0,40}$/.test(a) || (windows && /^\/[A-Za-z?][A-Za-z0-9_-]{0,30}$/.test(a))) return a.toLowerCase();
  const eq = /^(--?[A-Za-z][A-Za-z0-9_-]{0,40})[=:](.+)$/.exec(a) ?? /^([A-Za-z][A-Za-z0-9_.-]{0,40})=(.+)$/.exec(a);
  if (eq) return eq[1]!.toLowerCase() + '=' + (abstractArgument(eq[2]!, windows) ?? '');
  const url = urlRe.exec(a);
  if (url) {
    const host = url[2]!;
    const cls = classifyAddress(host);
    return `url:${url[1]!.toLowerCase()}:${cls === 'host' ? abstractDomain(host) : cls}`;
  }
  if (/^[a-zA-Z]:[\\/]/.test(a) || a.startsWith('\\\\') || /^%[a-z]+%\\/i.test(a) || (!windows && a.startsWith('/'))) return abstractPath(a);
  const ipPort = /^\[?([0-9a-fA-F:.]+?)\]?(?::(\d{1,5}))?$/.exec(a);
  if (ipPort && /[.:]/.test(ipPort[1]!) && classifyAddress(ipPort[1]!) !== 'host') {
    return ipPort[2] ? `${classifyAddress(ipPort[1]!)}:${ipPort[2]}` : classifyAddress(ipPort[1]!);
  }
  if (/^\d+$/.test(a)) return '<num>';
  if (a.length >= 24 && /^[A-Za-z0-9+/]+={0,2}$/.test(a)) return '<b64>';
  if (a.length > 64) return '<long>';
  return abstractName(a.toLowerCase());
}
