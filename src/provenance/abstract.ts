/**
 * Object abstraction for behaviour sequences: the same behaviour on two
 * machines should give the same tokens. User names, temp folders, system
 * folders, random names, GUIDs and addresses are replaced by classes; what
 * says something about behaviour (folder roles, extensions, ports, registry
 * paths) is kept.
 */
import { abstractFileName, abstractName } from './names.js';
import { classifyAddress, type AddressClass } from './address.js';
import { canonicalRegistryKey, isWindowsPath, stripNtPrefix } from './paths.js';

export { classifyAddress, type AddressClass };

/** Leading folders → placeholders, most specific first (matched on the lower-cased path). */
const windowsPrefixes: ReadonlyArray<readonly [RegExp, string]> = [
  [/^[a-z]:\\users\\[^\\]+\\appdata\\local\\temp(?=\\|$)/, '%TEMP%'],
  [/^[a-z]:\\documents and settings\\[^\\]+\\local settings\\temp(?=\\|$)/, '%TEMP%'],
  [/^[a-z]:\\windows\\temp(?=\\|$)/, '%TEMP%'],
  [/^%(?:temp|tmp)%(?=\\|$)/, '%TEMP%'],
  [/^[a-z]:\\users\\[^\\]+\\appdata\\local(?=\\|$)/, '%LOCALAPPDATA%'],
  [/^%localappdata%(?=\\|$)/, '%LOCALAPPDATA%'],
  [/^[a-z]:\\users\\[^\\]+\\appdata\\roaming(?=\\|$)/, '%APPDATA%'],
  [/^%appdata%(?=\\|$)/, '%APPDATA%'],
  [/^[a-z]:\\users\\public(?=\\|$)/, '%PUBLIC%'],
  [/^%public%(?=\\|$)/, '%PUBLIC%'],
  [/^[a-z]:\\users\\[^\\]+(?=\\|$)/, '%USERPROFILE%'],
  [/^[a-z]:\\documents and settings\\[^\\]+(?=\\|$)/, '%USERPROFILE%'],
  [/^%userprofile%(?=\\|$)/, '%USERPROFILE%'],
  [/^[a-z]:\\windows\\(?:system32|sysnative)(?=\\|$)/, '%SYSTEM32%'],
  [/^[a-z]:\\windows\\syswow64(?=\\|$)/, '%SYSWOW64%'],
  [/^[a-z]:\\windows(?=\\|$)/, '%WINDIR%'],
  [/^%(?:windir|systemroot)%\\system32(?=\\|$)/, '%SYSTEM32%'],
  [/^%(?:windir|systemroot)%(?=\\|$)/, '%WINDIR%'],
  [/^\\systemroot\\system32(?=\\|$)/, '%SYSTEM32%'],
  [/^\\systemroot(?=\\|$)/, '%WINDIR%'],
  [/^[a-z]:\\program files \(x86\)(?=\\|$)/, '%PROGRAMFILES(X86)%'],
  [/^[a-z]:\\program files(?=\\|$)/, '%PROGRAMFILES%'],
  [/^%programfiles%(?=\\|$)/, '%PROGRAMFILES%'],
  [/^[a-z]:\\programdata(?=\\|$)/, '%PROGRAMDATA%'],
  [/^%programdata%(?=\\|$)/, '%PROGRAMDATA%'],
  [/^\\device\\harddiskvolume\d+(?=\\|$)/, '<volume>'],
  [/^\\\\[^\\]+(?=\\|$)/, '\\\\<host>'],
];

const MAX_COMPONENTS = 24;

/**
 * Logs repeat the same paths and keys over and over: remember recent
 * answers. Cleared when full, so memory stays bounded whatever the input.
 */
class Memo {
  private map = new Map<string, string>();
  constructor(private readonly max: number) {}
  get(key: string, compute: (k: string) => string): string {
    let v = this.map.get(key);
    if (v === undefined) {
      v = compute(key);
      if (this.map.size >= this.max) this.map = new Map();
      if (key.length <= 1024) this.map.set(key, v);
    }
    return v;
  }
}

const pathMemo = new Memo(50_000);
const registryMemo = new Memo(50_000);

/** Abstract a file path (Windows or POSIX). */
export function abstractPath(path: string): string {
  return pathMemo.get(path, abstractPathUncached);
}

function abstractPathUncached(path: string): string {
  const p = path.trim();
  if (p.length === 0) return p;
  return isWindowsPath(p) ? abstractWindowsPath(p) : abstractPosixPath(p);
}

export function abstractWindowsPath(path: string): string {
  const lower = stripNtPrefix(path.trim().replace(/\//g, '\\')).toLowerCase();
  let prefix = '';
  let rest = lower;
  for (const [re, placeholder] of windowsPrefixes) {
    const m = re.exec(lower);
    if (m) {
      prefix = placeholder;
      rest = lower.slice(m[0].length);
      break;
    }
  }
  if (!prefix) {
    const drive = /^[a-z]:(?=\\|$)/.exec(rest);
    if (drive) {
      prefix = drive[0];
      rest = rest.slice(2);
    }
  }
  const parts = rest.split('\\').filter((c) => c.length > 0);
  return joinAbstract(prefix, parts, '\\', prefix === '' && lower.startsWith('\\'));
}

const posixPrefixes: ReadonlyArray<readonly [RegExp, string]> = [
  [/^\/home\/[^/]+(?=\/|$)/, '~'],
  [/^\/root(?=\/|$)/, '~'],
  [/^\/var\/tmp(?=\/|$)/, '/tmp'],
  [/^\/tmp(?=\/|$)/, '/tmp'],
];

export function abstractPosixPath(path: string): string {
  let prefix = '';
  let rest = path;
  for (const [re, placeholder] of posixPrefixes) {
    const m = re.exec(path);
    if (m) {
      prefix = placeholder;
      rest = path.slice(m[0].length);
      break;
    }
  }
  const parts = rest.split('/').filter((c) => c.length > 0);
  return joinAbstract(prefix, parts, '/', prefix === '' && path.startsWith('/'));
}

function joinAbstract(prefix: string, parts: string[], sep: string, rooted: boolean): string {
  const kept = parts.length > MAX_COMPONENTS ? [...parts.slice(0, 4), '…', ...parts.slice(-(MAX_COMPONENTS - 5))] : parts;
  const last = kept.length - 1;
  const abstracted = kept.map((c, i) => (c === '…' ? c : i === last ? abstractFileName(c) : abstractName(c)));
  const body = abstracted.join(sep);
  if (prefix) return body ? prefix + sep + body : prefix;
  return rooted ? sep + body : body;
}

/** Registry key: hive short form, SIDs → `<sid>`, random/GUID components abstracted, lower case. */
export function abstractRegistryKey(key: string): string {
  return registryMemo.get(key, abstractRegistryKeyUncached);
}

function abstractRegistryKeyUncached(key: string): string {
  const canonical = canonicalRegistryKey(key);
  const parts = canonical.split('\\');
  const hive = parts[0] ?? '';
  const out = [/^HK(LM|CU|U|CR|CC)$/.test(hive) ? hive : abstractName(hive.toLowerCase())];
  for (let i = 1; i < parts.length && i <= MAX_COMPONENTS; i++) {
    const c = parts[i]!;
    if (c.length === 0) continue;
    // user SIDs (domain/local accounts); well-known short SIDs (S-1-5-18) are kept
    if (/^s-1-5-21-[\d-]+(_classes)?$/i.test(c)) out.push(c.toLowerCase().endsWith('_classes') ? '<sid>_classes' : '<sid>');
    else out.push(abstractName(c.toLowerCase()));
  }
  return out.join('\\');
}

/** `public:443`, `private:445`, `loopback:8080`. */
export function abstractEndpoint(address: string | undefined, port: number | undefined): string {
  const cls = address ? classifyAddress(address) : 'host';
  return port !== undefined ? `${cls}:${port}` : cls;
}

/** Domain: labels abstracted one by one, only the last three kept (`*.` marks the cut). */
export function abstractDomain(domain: string): string {
  const d = domain.trim().toLowerCase().replace(/\.$/, '');
  if (classifyAddress(d) !== 'host') return classifyAddress(d);
  const labels = d.split('.').filter((l) => l.length > 0);
  const kept = labels.slice(-3).map((l) => abstractName(l));
  return (labels.length > 3 ? '*.' : '') + kept.join('.');
}
