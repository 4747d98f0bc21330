/**
 * Refanging: analysts defang indicators so nobody clicks them
 * (`hxxps://evil[.]com`, `1.2.3(.)4`, `user[at]mail(dot)ru`). We undo that on
 * a copy of the text, keeping an offset map so every indicator found in the
 * refanged copy points back to what the report wrote. One left-to-right scan
 * with literal tokens; nothing backtracks.
 */
import { MappedWriter, type OffsetMap } from './offsets.js';

export interface RefangResult {
  text: string;
  map: OffsetMap;
  /** Positions (in the refanged text) where a replacement happened, for "was defanged" checks. */
  changedAt: number[];
}

/** Bracketed forms: `[.]`, `(.)`, `{.}`, `[dot]`, `[:]`, `[://]`, `[/]`, `[@]`, `[at]`, and `[.` / `.]` halves. */
const BRACKETED: [string, string][] = [
  ['[.]', '.'],
  ['(.)', '.'],
  ['{.}', '.'],
  ['[dot]', '.'],
  ['(dot)', '.'],
  ['{dot}', '.'],
  ['[:]', ':'],
  ['(:)', ':'],
  ['[://]', '://'],
  ['(://)', '://'],
  ['[/]', '/'],
  ['[@]', '@'],
  ['(@)', '@'],
  ['[at]', '@'],
  ['(at)', '@'],
  ['{at}', '@'],
  ['[.', '.'],
  ['.]', '.'],
];

const SCHEMES: [string, string][] = [
  ['hxxps://', 'https://'],
  ['hxxp://', 'http://'],
  ['hxxps[:]//', 'https://'],
  ['hxxp[:]//', 'http://'],
  ['hxxps[://]', 'https://'],
  ['hxxp[://]', 'http://'],
  ['h**ps://', 'https://'],
  ['h**p://', 'http://'],
  ['hxxps:', 'https:'],
  ['hxxp:', 'http:'],
  ['fxp://', 'ftp://'],
  ['fxps://', 'ftps://'],
  ['https[:]//', 'https://'],
  ['http[:]//', 'http://'],
];

function isLabelChar(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x2d || c === 0x5f;
}

/** Does `text` continue at `i` with `token` (ASCII, compared case-insensitively)? No allocation. */
function startsWithAt(text: string, i: number, token: string): boolean {
  if (i + token.length > text.length) return false;
  for (let k = 0; k < token.length; k++) {
    let c = text.charCodeAt(i + k);
    if (c >= 0x41 && c <= 0x5a) c += 0x20;
    if (c !== token.charCodeAt(k)) return false;
  }
  return true;
}

const BRACKETED_BY_FIRST = new Map<string, [string, string][]>();
for (const entry of BRACKETED) {
  const list = BRACKETED_BY_FIRST.get(entry[0][0]!) ?? [];
  list.push(entry);
  BRACKETED_BY_FIRST.set(entry[0][0]!, list);
}

export function refang(text: string): RefangResult {
  const w = new MappedWriter();
  const changedAt: number[] = [];
  let run = 0;
  const emit = (i: number, from: string, to: string) => {
    if (i > run) w.copy(text.slice(run, i), run);
    changedAt.push(w.size);
    w.replace(to, i, i + from.length);
    run = i + from.length;
  };
  for (let i = 0; i < text.length; ) {
    const c = text.charCodeAt(i);
    // Only look for a defang at characters that can start one.
    if (c === 0x5b || c === 0x28 || c === 0x7b || c === 0x2e) {
      const prev = i > 0 ? text.charCodeAt(i - 1) : 0;
      let matched = false;
      for (const [from, to] of BRACKETED_BY_FIRST.get(text[i]!) ?? []) {
        if (!startsWithAt(text, i, from)) continue;
        // `[.` / `.]` halves and bare brackets only between label characters: "word[.com" not "(see [1]."
        const after = i + from.length < text.length ? text.charCodeAt(i + from.length) : 0;
        if (!isLabelChar(prev) || !(isLabelChar(after) || (to === '://' && after !== 0) || (to === '.' && after === 0x5b))) continue;
        emit(i, from, to);
        i += from.length;
        matched = true;
        break;
      }
      if (matched) continue;
    } else if ((c === 0x68 || c === 0x48 || c === 0x66 || c === 0x46) && (i === 0 || !isLabelChar(text.charCodeAt(i - 1)))) {
      let matched = false;
      for (const [from, to] of SCHEMES) {
        if (startsWithAt(text, i, from)) {
          if (from === to) break;
          emit(i, text.slice(i, i + from.length), to);
          i += from.length;
          matched = true;
          break;
        }
      }
      if (matched) continue;
    } else if (c === 0x5c && text.charCodeAt(i + 1) === 0x2e && isLabelChar(text.charCodeAt(i - 1)) && isLabelChar(text.charCodeAt(i + 2))) {
      // `evil\.com`
      emit(i, '\\.', '.');
      i += 2;
      continue;
    }
    i++;
  }
  if (text.length > run) w.copy(text.slice(run), run);
  return { text: w.toString(), map: w.map, changedAt };
}
