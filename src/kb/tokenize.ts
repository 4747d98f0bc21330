/**
 * Security-aware tokenizer for lexical search. Plain English words are
 * lowercased, stop-worded and Porter-stemmed; technical tokens keep their
 * shape so they can match exactly: command-line flags (`-enc`, `/create`),
 * file names (`lsass.exe` → `lsass.exe`, `lsass`), ATT&CK ids (`t1059.001`,
 * plus `t1059`), registry and file paths (split on separators), CamelCase API
 * names (`CreateRemoteThread` → also `create`, `remote`, `thread`). Runs in
 * linear time; tokens are capped in length.
 */
import { porterStem } from './porter-stemmer.js';

const STOPWORDS = new Set(
  (
    'a an and are as at be been being but by can could did do does done for from had has have having he her his how i if in into is it its ' +
    'may might more most must no not of on or our over she should so such than that the their them then there these they this those through ' +
    'to too under until up upon us use used uses using very via was we were what when where which while who whom why will with within would you your ' +
    'also other any all each both either e g ie eg etc one two'
  ).split(' '),
);

const MAX_TOKEN = 64;
/** Runs of characters that may form a token; everything else separates. */
const RUN = /[A-Za-z0-9_$%@#.:\\/+-]+/g;
const WORD = /^[a-z]+$/;
const CAMEL3 = /^[a-z]*(?:[A-Z][a-z]+){3,}$|^[a-z]+(?:[A-Z][a-z]+){2,}$/;
const ATTACK_ID = /^t\d{4}(?:\.\d{3})?$/;

export interface TokenizeOptions {
  /** Drop stopwords (default true). */
  stopwords?: boolean;
  /** Stem plain words (default true). */
  stem?: boolean;
}

const stemCache = new Map<string, string>();
function stem(word: string): string {
  let s = stemCache.get(word);
  if (s === undefined) {
    s = porterStem(word);
    if (stemCache.size < 200_000) stemCache.set(word, s);
  }
  return s;
}

/** Tokens of `text`, in order (a compound token is followed by its parts). */
export function tokenize(text: string, opts: TokenizeOptions = {}): string[] {
  const out: string[] = [];
  const useStop = opts.stopwords !== false;
  const useStem = opts.stem !== false;
  const emitWord = (w: string) => {
    if (w.length < 2 || w.length > MAX_TOKEN) return;
    if (WORD.test(w)) {
      if (useStop && STOPWORDS.has(w)) return;
      out.push(useStem ? stem(w) : w);
    } else if (/[a-z0-9]/.test(w)) {
      out.push(w);
    }
  };
  RUN.lastIndex = 0;
  for (let m = RUN.exec(text); m; m = RUN.exec(text)) {
    let raw = m[0];
    if (raw.length > 4 * MAX_TOKEN) raw = raw.slice(0, 4 * MAX_TOKEN);
    // Trim sentence punctuation around the run, keep a leading flag marker.
    raw = raw.replace(/^[.:,]+|[.:,/\\]+$/g, '');
    if (!raw) continue;
    const lower = raw.toLowerCase();
    if (WORD.test(lower)) {
      emitWord(lower);
      // CreateRemoteThread, VirtualAllocEx: three or more CamelCase parts are API names, split them too.
      if (CAMEL3.test(raw)) for (const p of raw.match(/[A-Z]?[a-z]+/g) ?? []) emitWord(p.toLowerCase());
      continue;
    }
    if (ATTACK_ID.test(lower)) {
      out.push(lower);
      if (lower.length > 5) out.push(lower.slice(0, 5));
      continue;
    }
    // Technical token: keep it whole (flags like -enc, /create, file names, paths), then its path
    // segments whole (cron.d, lsass.exe), then their alphanumeric parts.
    const isFlag = /^(?:-{1,2}|\/)[a-z]/.test(lower) && !/[\\/]/.test(lower.slice(1));
    const whole = lower.replace(/^[-+]+(?=[^a-z-])/, '');
    const keep = (tok: string) => {
      if (tok.length >= 2 && tok.length <= MAX_TOKEN && /[a-z]/.test(tok) && !(useStop && STOPWORDS.has(tok))) out.push(tok);
    };
    keep(whole);
    const segments = isFlag ? [lower.slice(1)] : lower.split(/[\\/]+/).filter((x) => x);
    for (const seg of segments) {
      if (seg !== whole && segments.length > 1 && /[^a-z0-9]/.test(seg)) keep(seg.replace(/^[-+.:]+|[-+.:]+$/g, ''));
      const parts = seg.split(/[^a-z0-9]+/);
      for (const p of parts) if (p && p !== whole) emitWord(p);
    }
  }
  return out;
}
