/**
 * What an argument word is: a URL, an address, a domain, a registry key, a
 * path, a number, an encoded blob, a plain word. Decides whether a word is
 * part of the generalisable behaviour (a switch, a verb, a system DLL) or a
 * report-specific value (a file name, a host) that belongs in an IOC rule.
 * Patterns are anchored and free of nested quantifiers (attacker text).
 */

export type ArgKind = 'url' | 'ipv4' | 'ipv6' | 'domain' | 'registry' | 'path' | 'number' | 'guid' | 'base64' | 'word' | 'text' | 'variable';

const URL_RE = /^(?:https?|ftp|ftps|smb|file|wss?):\/\/[^\s"'<>]+$/i;
const IPV4_RE = /^(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}(?::\d{1,5})?$/;
const IPV6_RE = /^\[?[0-9a-f]{0,4}(?::[0-9a-f]{0,4}){2,7}\]?$/i;
const DOMAIN_RE = /^(?=.{4,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.){1,10}[a-z][a-z0-9-]{1,62}$/i;
const REGISTRY_RE = /^(?:HKLM|HKCU|HKCR|HKU|HKCC|HKEY_[A-Z_]+|Registry::HKEY_[A-Z_]+)(?::)?(?:\\|$)/i;
const WIN_PATH_RE = /^(?:[a-z]:\\|\\\\|\.{1,2}\\|%[a-z_]+%\\|\$env:[a-z_]+\\)/i;
const NIX_PATH_RE = /^(?:\/|~\/|\.{1,2}\/)/;
const NUMBER_RE = /^(?:0x[0-9a-f]+|\d+)$/i;
const GUID_RE = /^\{?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\}?$/i;
const BASE64_RE = /^[A-Za-z0-9+/]{40,}={0,2}$/;
const WORD_RE = /^[a-z][a-z0-9_]{1,30}$/i;
const VARIABLE_RE = /^(?:\$[\w:{]|%[a-z_]+%$|\$\{)/i;

/**
 * File extensions that, in the last component of a word, make it a file name
 * rather than a domain (`update.exe` is not a host).
 */
export const FILE_EXTENSIONS: ReadonlySet<string> = new Set(
  'exe dll sys ps1 psm1 psd1 bat cmd vbs vbe js jse wsf wsh hta lnk scr cpl msi msp ocx zip rar 7z gz tgz tar iso img vhd vhdx doc docx docm xls xlsx xlsm ppt pptx pdf rtf txt log dat bin tmp ini cfg conf xml json yml yaml csv sh py pl rb elf so dmg pkg app jar class war php asp aspx jsp inf reg key pem crt pfx dmp db sqlite lock'.split(' '),
);

/** Top-level domains common enough that `name.tld` is taken as a host. */
export function lastLabel(s: string): string {
  const i = s.lastIndexOf('.');
  return i < 0 ? '' : s.slice(i + 1).toLowerCase();
}

export function classifyArg(text: string): ArgKind {
  const t = text.trim();
  if (t === '') return 'text';
  if (WIN_PATH_RE.test(t)) return 'path';
  if (VARIABLE_RE.test(t)) return 'variable';
  if (URL_RE.test(t)) return 'url';
  if (IPV4_RE.test(t)) return 'ipv4';
  if (t.includes(':') && t.length <= 41 && IPV6_RE.test(t) && (t.match(/:/g)?.length ?? 0) >= 2) return 'ipv6';
  if (REGISTRY_RE.test(t)) return 'registry';
  if (GUID_RE.test(t)) return 'guid';
  if (WIN_PATH_RE.test(t) || NIX_PATH_RE.test(t)) return 'path';
  if (NUMBER_RE.test(t)) return 'number';
  if (DOMAIN_RE.test(t) && !FILE_EXTENSIONS.has(lastLabel(t))) return 'domain';
  if (/[\\/]/.test(t) && !/\s/.test(t)) return 'path';
  if (BASE64_RE.test(t)) return 'base64';
  if (WORD_RE.test(t)) return 'word';
  return 'text';
}

/** The host of a URL (lower case, without port and credentials), or undefined. */
export function urlHost(url: string): string | undefined {
  const m = /^[a-z][a-z0-9+.-]*:\/\/(?:[^/@\s]*@)?(\[[^\]\s]+\]|[^/:?#\s]+)/i.exec(url);
  return m ? m[1]!.toLowerCase() : undefined;
}

/** Last path component (either separator). */
export function baseName(path: string): string {
  const p = path.replace(/[\\/]+$/, '');
  const i = Math.max(p.lastIndexOf('\\'), p.lastIndexOf('/'));
  return i < 0 ? p : p.slice(i + 1);
}

/** The folder part of a path (without the trailing separator), or undefined. */
export function dirName(path: string): string | undefined {
  const i = Math.max(path.lastIndexOf('\\'), path.lastIndexOf('/'));
  return i <= 0 ? undefined : path.slice(0, i);
}

export function extensionOf(name: string): string {
  const b = baseName(name);
  const i = b.lastIndexOf('.');
  return i <= 0 ? '' : b.slice(i + 1).toLowerCase();
}
