/**
 * Security-aware tokenization shared by both towers. Report sentences and log
 * sequences meet here, so it must split the things logs are made of (paths,
 * command lines, registry keys, URLs) into the words reports use, while
 * keeping the pieces that carry meaning whole: executable names, switches
 * such as `-enc` or `/c`, LOLBins, ports, ATT&CK ids.
 *
 * A hand-written scanner (no regular expressions over attacker text): linear
 * in the input, bounded output.
 */

export interface TokenizeOptions {
  /** Stop after this many tokens (long descriptions and scripts). Default 512. */
  maxTokens?: number;
}

const DEFAULT_MAX_TOKENS = 512;
/** A single coarse token longer than this is cut: it is a blob, not a word. */
const MAX_TOKEN_CHARS = 96;

const STOPWORDS = new Set([
  'a', 'an', 'the', 'of', 'to', 'and', 'or', 'in', 'on', 'at', 'by', 'for', 'with', 'from', 'as', 'is', 'are', 'was',
  'were', 'be', 'been', 'has', 'have', 'had', 'it', 'its', 'this', 'that', 'these', 'those', 'which', 'such', 'can',
  'may', 'also', 'into', 'than', 'then', 'their', 'they', 'them', 'there', 'not', 'but', 'if', 'so', 'other', 'will',
]);

/** Extensions whose stem is also emitted (`powershell.exe` → also `powershell`). */
const EXEC_EXTENSIONS = new Set(['exe', 'dll', 'ps1', 'psm1', 'bat', 'cmd', 'vbs', 'vbe', 'js', 'jse', 'hta', 'scr', 'msi', 'sys', 'cpl', 'lnk', 'sh', 'py', 'wsf', 'ocx']);

const REGISTRY_HIVES: Record<string, string> = {
  hkey_local_machine: 'hklm',
  hkey_current_user: 'hkcu',
  hkey_classes_root: 'hkcr',
  hkey_users: 'hku',
  hkey_current_config: 'hkcc',
  registry: 'registry',
};

/** Characters that always end a coarse token. */
function isDelimiter(c: number): boolean {
  return (
    c <= 32 || // whitespace and control
    c === 34 || // "
    c === 39 || // '
    c === 96 || // `
    c === 40 || c === 41 || // ( )
    c === 44 || c === 59 || // , ;
    c === 124 || // |
    c === 123 || c === 125 || // { }
    c === 91 || c === 93 || // [ ]
    c === 0x2018 || c === 0x2019 || c === 0x201c || c === 0x201d || c === 0xa0
  );
}

function isAlnum(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 97 && c <= 122) || c > 127;
}

function isDigits(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

function isHex(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return false;
  }
  return true;
}

/** `t1059` or `t1059.001`. */
function isTechniqueId(s: string): boolean {
  if (s.length !== 5 && s.length !== 9) return false;
  if (s.charCodeAt(0) !== 116 || !isDigits(s.slice(1, 5))) return false;
  return s.length === 5 || (s.charCodeAt(5) === 46 && isDigits(s.slice(6)));
}

function isIpv4(s: string): boolean {
  const parts = s.split('.');
  return parts.length === 4 && parts.every((p) => p.length > 0 && p.length <= 3 && isDigits(p));
}

function isGuid(s: string): boolean {
  return s.length === 36 && s[8] === '-' && s[13] === '-' && s[18] === '-' && s[23] === '-' && isHex(s.replace(/-/g, ''));
}

/** Strip punctuation that sentences and quoting leave at token edges (keeps a leading `-`/`/` switch marker and `<...>` placeholders). */
function trimEdges(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b) {
    const c = s.charCodeAt(a);
    if (isAlnum(c) || c === 45 || c === 47 || c === 92 || c === 60 || c === 37 || c === 36 || c === 46) break; // - / \ < % $ .
    a++;
  }
  while (b > a) {
    const c = s.charCodeAt(b - 1);
    if (isAlnum(c) || c === 62 || c === 37 || c === 92 || c === 36) break; // > % \ $
    b--;
  }
  return s.slice(a, b);
}

class TokenSink {
  readonly out: string[] = [];
  constructor(readonly max: number) {}
  get full(): boolean {
    return this.out.length >= this.max;
  }
  push(tok: string): void {
    if (tok.length === 0 || this.out.length >= this.max) return;
    if (STOPWORDS.has(tok)) return;
    this.out.push(tok);
  }
}

/** A word without separators: numbers, hashes, file names, domains, plain words. */
function emitWord(w: string, sink: TokenSink): void {
  w = trimEdges(w);
  if (w.length === 0) return;
  if (w.startsWith('<') && w.endsWith('>') && w.length <= 24) return sink.push(w); // abstraction placeholder: <rand>, <ip>
  if (isTechniqueId(w)) return sink.push(w);
  if (isDigits(w)) return sink.push(w.length <= 5 ? w : '<num>');
  if (isIpv4(w)) return sink.push('<ip>');
  if (isGuid(w)) return sink.push('<guid>');
  if (w.length >= 16 && isHex(w)) return sink.push('<hex>');
  if (w.length >= 40 && !w.includes('.') && !w.includes('_') && !w.includes('-')) return sink.push('<blob>');
  // host:port and drive letters
  const colon = w.indexOf(':');
  if (colon > 0) {
    const head = w.slice(0, colon);
    const tail = w.slice(colon + 1);
    if (tail.length === 0 && head.length === 1) return sink.push(w); // c:
    if (isDigits(tail) && tail.length <= 5) {
      emitWord(head, sink);
      return sink.push(tail);
    }
    emitWord(head, sink);
    return emitWord(tail, sink);
  }
  const dot = w.lastIndexOf('.');
  if (dot > 0 && dot < w.length - 1) {
    const ext = w.slice(dot + 1);
    // file names and domains stay whole; executables also give their stem
    sink.push(w);
    if (EXEC_EXTENSIONS.has(ext)) {
      const stem = w.slice(0, dot);
      if (stem.length > 1 && !stem.includes('.')) sink.push(stem);
    }
    return;
  }
  if (w.includes('-') && !w.startsWith('-')) {
    // command-line → command, line; keep the compound too (a tool name like `invoke-mimikatz`)
    sink.push(w);
    for (const part of w.split('-')) if (part.length > 1) emitWord(part, sink);
    return;
  }
  sink.push(w);
}

/** A switch: `-enc`, `/c`, `--output=x`, `/format:list`. */
function emitSwitch(tok: string, sink: TokenSink): void {
  let cut = -1;
  for (let i = 1; i < tok.length; i++) {
    const c = tok.charCodeAt(i);
    if (c === 58 || c === 61) {
      cut = i;
      break;
    }
  }
  if (cut < 0) return sink.push(trimEdges(tok.replace(/^\/+/, '/')) || tok);
  sink.push(tok.slice(0, cut));
  emitWord(tok.slice(cut + 1), sink);
}

function isSwitch(tok: string): boolean {
  const c0 = tok.charCodeAt(0);
  if (c0 !== 45 && c0 !== 47) return false; // - or /
  if (tok.length < 2 || tok.length > 40) return false;
  const c1 = tok.charCodeAt(1);
  if (c0 === 47 && (c1 === 47 || tok.indexOf('/', 1) > 0)) return false; // a unix path, not /c
  if (c0 === 45 && !(isAlnum(c1) || c1 === 45)) return false;
  return !tok.includes('\\');
}

function emitUrl(tok: string, sink: TokenSink): void {
  const sep = tok.indexOf('://');
  const scheme = tok.slice(0, sep);
  if (scheme.length > 0 && scheme.length <= 10) sink.push(scheme);
  const rest = tok.slice(sep + 3);
  const slash = rest.indexOf('/');
  const host = slash < 0 ? rest : rest.slice(0, slash);
  emitWord(host.replace(/^[^@]*@/, ''), sink);
  if (slash >= 0) emitPath(rest.slice(slash + 1), sink);
}

function emitPath(tok: string, sink: TokenSink): void {
  let start = 0;
  let first = true;
  for (let i = 0; i <= tok.length; i++) {
    const c = i < tok.length ? tok.charCodeAt(i) : 47;
    if (c !== 47 && c !== 92) continue;
    if (i > start) {
      let seg = tok.slice(start, i);
      if (first) {
        const hive = REGISTRY_HIVES[seg];
        if (hive) seg = hive;
      }
      const q = seg.indexOf('?');
      if (first && seg.length === 2 && seg.charCodeAt(1) === 58) sink.push(seg); // drive letter
      else if (q > 0) {
        emitWord(seg.slice(0, q), sink);
        for (const kv of seg.slice(q + 1).split('&')) emitWord(kv.split('=')[0] ?? '', sink);
      } else emitWord(seg, sink);
      first = false;
    }
    start = i + 1;
    if (sink.full) return;
  }
}

/** One coarse (delimiter-separated) token → its tokens. */
function emitCoarse(raw: string, sink: TokenSink): void {
  const tok = raw.replace(/^[.,:!?]+|[.,:!?]+$/g, '');
  if (tok.length === 0) return;
  if (tok.includes('://')) emitUrl(tok, sink);
  else if (isSwitch(tok)) emitSwitch(tok, sink);
  else if (tok.includes('\\') || (tok.includes('/') && tok.length > 1)) emitPath(tok, sink);
  else if (tok.includes('=') && !tok.startsWith('=')) {
    // key=value pairs in command lines and logs
    const eq = tok.indexOf('=');
    emitWord(tok.slice(0, eq), sink);
    const value = tok.slice(eq + 1);
    if (value.includes('\\') || value.includes('/')) emitPath(value, sink);
    else emitWord(value, sink);
  } else emitWord(tok, sink);
}

/** Coarse tokens repeat across texts (executables, switches, words): their split is memoised. */
const coarseCache = new Map<string, string[]>();
const MAX_CACHED = 100_000;

/** The tokens one coarse (delimiter-separated, lowercased) token gives; memoised, do not modify. */
export function coarsePieces(raw: string): string[] {
  let pieces = coarseCache.get(raw);
  if (!pieces) {
    const local = new TokenSink(MAX_TOKEN_CHARS);
    emitCoarse(raw, local);
    pieces = local.out;
    if (coarseCache.size >= MAX_CACHED) coarseCache.clear();
    coarseCache.set(raw, pieces);
  }
  return pieces;
}

/**
 * Visit the coarse tokens of `text` in order (lowercased, each cut to 96
 * characters), until `visit` returns false. `securityTokens` is the
 * concatenation of their `coarsePieces`.
 */
export function forEachCoarse(text: string, visit: (raw: string) => boolean): void {
  const lower = text.toLowerCase();
  let start = -1;
  for (let i = 0; i <= lower.length; i++) {
    const c = i < lower.length ? lower.charCodeAt(i) : 32;
    if (!isDelimiter(c)) {
      if (start < 0) start = i;
      continue;
    }
    if (start < 0) continue;
    const raw = lower.slice(start, Math.min(i, start + MAX_TOKEN_CHARS));
    start = -1;
    if (!visit(raw)) return;
  }
}

/** Split `text` into lowercase security-aware tokens. */
export function securityTokens(text: string, options: TokenizeOptions = {}): string[] {
  const max = options.maxTokens ?? DEFAULT_MAX_TOKENS;
  const out: string[] = [];
  if (max <= 0) return out;
  forEachCoarse(text, (raw) => {
    for (const p of coarsePieces(raw)) {
      out.push(p);
      if (out.length >= max) return false;
    }
    return true;
  });
  return out;
}
