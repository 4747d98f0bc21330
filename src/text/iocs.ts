/**
 * Indicators of compromise with their places in the report. The text is
 * refanged on a copy (offsets map back), cut into whitespace-separated
 * tokens, and each token is checked by ioc-extractor's validators (IPs,
 * domains with a strict TLD list, hashes, e-mails, CVEs, crypto addresses);
 * URLs are parsed with the WHATWG parser. Running validators on short tokens
 * instead of the library's regexes on whole paragraphs keeps the work linear
 * on hostile text (its domain regex is quadratic on runs like `a.a.a.…`).
 * File names, paths and registry keys come from our own bounded patterns.
 *
 * False-positive control: file names that look like domains (`invoice.zip`,
 * `run.sh`), version numbers that look like IPv4 addresses (`version
 * 10.0.2.1`), vendor and reference domains (`microsoft.com`, the report's own
 * site) unless the report defanged them (defanging says "this is an IOC"),
 * and well-known system binaries as file names.
 */
import { isBTC, isDomain, isETH, isEmail, isIPv4, isIPv6, isMD5, isSHA1, isSHA256, isSHA512, isSSDEEP, isXMR } from 'ioc-extractor';
import { isSystemBinary } from './commands.js';
import { refang } from './refang.js';
import type { Range } from './types.js';

export type IocKind =
  | 'ipv4'
  | 'ipv6'
  | 'domain'
  | 'url'
  | 'email'
  | 'md5'
  | 'sha1'
  | 'sha256'
  | 'sha512'
  | 'ssdeep'
  | 'cve'
  | 'file-name'
  | 'file-path'
  | 'registry-key'
  | 'btc'
  | 'eth'
  | 'xmr';

export interface FoundIoc {
  type: IocKind;
  /** Refanged, canonical value. */
  value: string;
  /** Places in the input text (as written, defanged or not). */
  spans: Range[];
  /** The first spelling as written, when it differs from `value`. */
  original?: string;
  /** At least one occurrence was defanged. */
  defanged: boolean;
}

export interface IocOptions {
  /** Registered domains never reported unless defanged (vendors, references); the defaults are added. */
  benignDomains?: Iterable<string>;
  /** Stop after this many distinct IOCs (hostile input guard). */
  maxIocs?: number;
}

/** Extensions that make `name.ext` a file name even when `.ext` is also a TLD. */
export const FILE_EXTENSIONS = new Set(
  (
    'exe dll sys drv scr cpl ocx bat cmd ps1 psm1 psd1 vbs vbe js jse wsf wsh hta sct lnk url msi msp jar class py pyc sh bash pl rb php asp aspx jsp ' +
    'doc docx docm dot dotm xls xlsx xlsm xlsb ppt pptx pptm rtf pdf one chm xll wll iso img vhd vhdx zip rar 7z gz tgz tar bz2 xz cab arj ' +
    'dat bin tmp log txt ini cfg conf json xml yml yaml csv db sqlite dmp so dylib elf apk dmg pkg app plist inf reg ' +
    'png jpg jpeg gif bmp ico svg mp4 mov avi mp3 wav html htm md lua go rs c cpp h cs vb ts bak old key pem crt cer pfx p12 ovpn'
  ).split(' '),
);

const DEFAULT_BENIGN = [
  'microsoft.com', 'windows.com', 'windowsupdate.com', 'live.com', 'office.com', 'office365.com', 'msn.com', 'bing.com', 'azure.com',
  'google.com', 'gstatic.com', 'youtube.com', 'github.com', 'mitre.org', 'cisa.gov', 'us-cert.gov', 'fbi.gov', 'ic3.gov', 'nsa.gov',
  'virustotal.com', 'twitter.com', 'x.com', 'linkedin.com', 'facebook.com', 'apple.com', 'mozilla.org', 'w3.org', 'schema.org',
  'wikipedia.org', 'example.com', 'example.org', 'example.net', 'adobe.com', 'oracle.com', 'cloudflare.com', 'amazon.com',
  'akamai.com', 'python.org', 'npmjs.com', 'nist.gov', 'cve.org', 'first.org', 'securelist.com', 'mandiant.com', 'crowdstrike.com',
  'paloaltonetworks.com', 'trendmicro.com', 'welivesecurity.com', 'eset.com', 'sophos.com', 'symantec.com', 'broadcom.com', 'cisco.com',
  'talosintelligence.com', 'fortinet.com', 'checkpoint.com', 'kaspersky.com', 'proofpoint.com', 'sentinelone.com', 'qualys.com',
];

/** Common second-level suffixes, so `evil.co.uk`'s registered domain is `evil.co.uk`. */
const SECOND_LEVEL = new Set(['co', 'com', 'net', 'org', 'gov', 'ac', 'edu', 'or', 'ne', 'go', 'mil']);

export function registeredDomain(host: string): string {
  const labels = host.toLowerCase().split('.');
  if (labels.length <= 2) return labels.join('.');
  const n = labels.length;
  if (SECOND_LEVEL.has(labels[n - 2]!) && labels[n - 1]!.length === 2) return labels.slice(n - 3).join('.');
  return labels.slice(n - 2).join('.');
}

const MAX_TOKEN = 2048;
const MAX_DOMAIN_LABELS = 12;

const WRAP_CHARS = new Set([...' \t\n"\'`“”‘’<>()[]{},;!*']);
const TRAIL_CHARS = new Set([...WRAP_CHARS, '.', ':', '?']);

/** Strip quotes, brackets and sentence punctuation around a token (plain loops: tokens are attacker text). */
function cleanToken(tok: string): { value: string; lead: number } {
  let a = 0;
  let b = tok.length;
  while (a < b && WRAP_CHARS.has(tok[a]!)) a++;
  while (b > a && TRAIL_CHARS.has(tok[b - 1]!)) b--;
  return { value: tok.slice(a, b), lead: a };
}

const VERSION_BEFORE = /(?:version|ver\.?|v|build|release|update|firmware|rev\.?)\s*$/i;

function looksLikeVersion(text: string, start: number): boolean {
  const before = text.slice(Math.max(0, start - 12), start);
  return VERSION_BEFORE.test(before) || text[start - 1] === 'v' || text[start - 1] === 'V';
}

function hashKind(v: string): IocKind | undefined {
  if (!/^[a-fA-F0-9]+$/.test(v)) return undefined;
  if (v.length === 32 && isMD5(v)) return 'md5';
  if (v.length === 40 && isSHA1(v)) return 'sha1';
  if (v.length === 64 && isSHA256(v)) return 'sha256';
  if (v.length === 128 && isSHA512(v)) return 'sha512';
  return undefined;
}

function domainOk(host: string): boolean {
  const labels = host.split('.');
  if (labels.length < 2 || labels.length > MAX_DOMAIN_LABELS || host.length > 253) return false;
  if (labels.some((l) => l.length === 0 || l.length > 63)) return false;
  if (host.endsWith('.onion')) return /^[a-z2-7]{16}(?:[a-z2-7]{40})?\.onion$/i.test(labels.slice(-2).join('.'));
  return isDomain(host);
}

function classifyToken(v: string): { type: IocKind; value: string } | undefined {
  if (v.length < 3) return undefined;
  const hk = hashKind(v);
  if (hk) return { type: hk, value: v.toLowerCase() };
  if (/^CVE-\d{4}-\d{4,7}$/i.test(v)) return { type: 'cve', value: v.toUpperCase() };
  if (/^(?:https?|ftps?):\/\//i.test(v)) {
    let url: URL;
    try {
      url = new URL(v);
    } catch {
      return undefined;
    }
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (!(isIPv4(host) || isIPv6(host) || domainOk(host.toLowerCase()))) return undefined;
    return { type: 'url', value: v };
  }
  if (v.includes('@') && !v.includes('/')) {
    const at = v.lastIndexOf('@');
    const dom = v.slice(at + 1).toLowerCase();
    if (at > 0 && at <= 64 && domainOk(dom) && !FILE_EXTENSIONS.has(dom.slice(dom.lastIndexOf('.') + 1)) && isEmail(v)) return { type: 'email', value: v.toLowerCase() };
    return undefined;
  }
  // host:port
  const hp = /^([^:/]+):(\d{2,5})$/.exec(v);
  const bare = hp ? hp[1]! : v;
  if (/^\d{1,3}(?:\.\d{1,3}){3}$/.test(bare)) return isIPv4(bare) ? { type: 'ipv4', value: bare } : undefined;
  if (bare.includes(':') && /^[0-9a-fA-F:.%]+$/.test(v) && v.length <= 45 && /[0-9a-fA-F]{1,4}:[0-9a-fA-F]{0,4}:/.test(v) && isIPv6(v)) return { type: 'ipv6', value: v.toLowerCase() };
  if (/^\d+:[A-Za-z0-9/+]{3,}:[A-Za-z0-9/+]{3,}$/.test(v) && v.length <= 200 && isSSDEEP(v)) return { type: 'ssdeep', value: v };
  if (v.length >= 26 && v.length <= 35 && /^[13][a-km-zA-HJ-NP-Z1-9]+$/.test(v) && isBTC(v)) return { type: 'btc', value: v };
  if (v.length >= 42 && v.length <= 62 && /^bc1[a-z0-9]+$/.test(v)) return { type: 'btc', value: v };
  if (v.length === 42 && isETH(v)) return { type: 'eth', value: v.toLowerCase() };
  if (v.length === 95 && isXMR(v)) return { type: 'xmr', value: v };
  const host = bare.split('/', 1)[0]!.toLowerCase();
  if (host.includes('.') && /^[a-z0-9.-]+$/.test(host) && domainOk(host)) {
    const tld = host.slice(host.lastIndexOf('.') + 1);
    if (FILE_EXTENSIONS.has(tld) && host === bare.toLowerCase()) return { type: 'file-name', value: bare };
    return { type: 'domain', value: host };
  }
  return undefined;
}

/** Windows paths: drive, UNC or environment-variable roots; no nested quantifiers. */
const WIN_PATH = /(?:\b[A-Za-z]:\\|\\\\[\w.$-]{1,64}\\|%[A-Za-z_()]{2,32}%\\)[^\s"'<>|*?,;`]{1,259}/g;
/** Unix paths under well-known roots; segments exclude `/`, so the match is unambiguous. */
const NIX_PATH = /(?<![\w.~/-])\/(?:etc|tmp|var|usr|bin|sbin|home|root|opt|dev|lib|lib64|proc|boot|run|srv|mnt|Library|Users|System|Applications|private|Volumes)(?:\/[^\s/"'<>|*?;,`()]{1,255}){0,32}/g;
const REG_ROOT = /\b(?:HKEY_LOCAL_MACHINE|HKEY_CURRENT_USER|HKEY_CLASSES_ROOT|HKEY_USERS|HKEY_CURRENT_CONFIG|HKLM|HKCU|HKCR|HKU|HKCC)(?::)?\\/g;
/** A whole (cleaned) token that is a file name; anchored, on tokens of at most 127 characters. */
const FILE_NAME = /^[\w-][\w.-]{0,120}\.([A-Za-z0-9]{1,6})$/;

/** The end of a registry key starting at `i` (after the root and its backslash). Segments may contain single spaces if a `\` follows within the same run. */
function registryEnd(text: string, i: number): number {
  let end = i;
  let j = i;
  const limit = Math.min(text.length, i + 512);
  while (j < limit) {
    const c = text[j]!;
    if (c === '\\') {
      end = j;
      j++;
      continue;
    }
    if (c === ' ') {
      // A space is inside the key only if the next backslash comes before any other delimiter.
      let k = j + 1;
      while (k < limit && k - j < 40 && !/[\s"'<>|,;]/.test(text[k]!) && text[k] !== '\\') k++;
      if (text[k] === '\\') {
        j = k;
        continue;
      }
      break;
    }
    if (/[\n\t"'<>|,;`]/.test(c)) break;
    j++;
    end = j;
  }
  let e = Math.max(end, j);
  while (e > i && /[.:)\]\\]/.test(text[e - 1]!)) e--;
  return e;
}

function trimPathEnd(text: string, start: number, end: number): number {
  while (end > start && /[.:)\]'"]/.test(text[end - 1]!)) end--;
  return end;
}

export function extractIocs(text: string, opts: IocOptions = {}): FoundIoc[] {
  const benign = new Set([...DEFAULT_BENIGN, ...(opts.benignDomains ?? [])].map((d) => d.toLowerCase()));
  const maxIocs = opts.maxIocs ?? 5000;
  const rf = refang(text);
  const r = rf.text;
  const changed = rf.changedAt;
  const found = new Map<string, FoundIoc>();
  const claimed: Range[] = []; // refanged ranges already taken by a longer indicator (paths, keys)
  const add = (type: IocKind, value: string, rs: number, re: number) => {
    if (found.size >= maxIocs && !found.has(`${type}\u0000${value}`)) return;
    const start = rf.map.toSource(rs);
    const end = rf.map.toSource(re);
    const written = text.slice(start, end);
    const defanged = hasChange(changed, rs, re);
    const key = `${type}\u0000${value}`;
    let f = found.get(key);
    if (!f) {
      f = { type, value, spans: [], defanged: false };
      if (written !== value) f.original = written;
      found.set(key, f);
    }
    f.defanged ||= defanged;
    f.spans.push({ start, end });
  };
  // Registry keys, then paths: they contain file names and must win over them.
  for (const m of r.matchAll(REG_ROOT)) {
    const s = m.index!;
    const e = registryEnd(r, s + m[0].length);
    if (e <= s + m[0].length) continue;
    add('registry-key', r.slice(s, e), s, e);
    claimed.push({ start: s, end: e });
  }
  const keys = claimed.slice();
  for (const re of [WIN_PATH, NIX_PATH]) {
    for (const m of r.matchAll(re)) {
      const s = m.index!;
      const e = trimPathEnd(r, s, s + m[0].length);
      if (e - s < 4 || overlaps(keys, s, e)) continue;
      add('file-path', r.slice(s, e), s, e);
      claimed.push({ start: s, end: e });
    }
  }
  claimed.sort((a, b) => a.start - b.start);
  // Tokens.
  const tokenRe = /\S+/g;
  for (let m = tokenRe.exec(r); m; m = tokenRe.exec(r)) {
    let tok = m[0];
    if (tok.length > MAX_TOKEN || !mayBeIndicator(tok)) continue;
    const { value, lead } = cleanToken(tok);
    if (!value) continue;
    const s = m.index + lead;
    const e = s + value.length;
    const c = classifyToken(value) ?? fileNameToken(value);
    if (!c) continue;
    if (c.type === 'file-name' || c.type === 'domain' || c.type === 'ipv4') {
      if (overlaps(claimed, s, e)) continue;
    }
    const defanged = hasChange(changed, s, e);
    if (c.type === 'domain' || c.type === 'url' || c.type === 'email') {
      const host = c.type === 'url' ? safeHost(c.value) : c.type === 'email' ? c.value.slice(c.value.lastIndexOf('@') + 1) : c.value;
      if (host && benign.has(registeredDomain(host)) && !defanged) continue;
    }
    if (c.type === 'ipv4' && looksLikeVersion(r, s)) continue;
    if (c.type === 'file-name' && isSystemBinary(c.value)) continue;
    tok = c.value;
    // A domain token with a path ("evil.com/a.php") is reported by its host only.
    const ve = c.type === 'domain' ? s + value.toLowerCase().indexOf(c.value) + c.value.length : e;
    add(c.type, tok, s, ve);
  }
  const out = [...found.values()];
  for (const f of out) f.spans.sort((a, b) => a.start - b.start);
  return out.sort((a, b) => a.spans[0]!.start - b.spans[0]!.start || (a.type < b.type ? -1 : 1));
}

/** `msupd.dll`, `invoice_0423.docm`: names whose extension is a known file type (and not a version number). */
function fileNameToken(v: string): { type: IocKind; value: string } | undefined {
  if (v.length > 127) return undefined;
  const m = FILE_NAME.exec(v);
  if (!m || !FILE_EXTENSIONS.has(m[1]!.toLowerCase()) || /^\d+(?:\.\d+)+$/.test(v)) return undefined;
  return { type: 'file-name', value: v };
}

function safeHost(url: string): string | undefined {
  try {
    return new URL(url).hostname.toLowerCase();
  } catch {
    return undefined;
  }
}

function hasChange(changedAt: number[], s: number, e: number): boolean {
  let lo = 0;
  let hi = changedAt.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (changedAt[mid]! < s) lo = mid + 1;
    else hi = mid;
  }
  return lo < changedAt.length && changedAt[lo]! < e;
}

/** Cheap test before the validators: indicators contain `.`, `:`, `@`, or are long (hashes, wallets). */
function mayBeIndicator(tok: string): boolean {
  if (tok.length >= 26) return true;
  for (let i = 0; i < tok.length; i++) {
    const c = tok.charCodeAt(i);
    if (c === 0x2e || c === 0x3a || c === 0x40) return true;
  }
  return false;
}

/** Does `[s, e)` overlap one of `ranges` (sorted by start, not overlapping each other)? */
function overlaps(ranges: Range[], s: number, e: number): boolean {
  let lo = 0;
  let hi = ranges.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ranges[mid]!.end <= s) lo = mid + 1;
    else hi = mid;
  }
  return lo < ranges.length && ranges[lo]!.start < e;
}
