/**
 * Path handling shared by the graph (node keys) and the sequences
 * (abstraction): Windows paths are case-insensitive and take either slash,
 * POSIX paths are case-sensitive.
 */

/** True for `C:\…`, `\\server\…`, `\??\…`, `\Device\…` and anything with a backslash. */
export function isWindowsPath(path: string): boolean {
  if (path.includes('\\')) return true;
  const c = path.charCodeAt(0) | 0x20;
  return c >= 97 && c <= 122 && path.charCodeAt(1) === 58 && path.charCodeAt(2) === 47;
}

/** Drop NT-namespace prefixes (`\\?\`, `\??\`) so one file has one key. */
export function stripNtPrefix(path: string): string {
  if (path.startsWith('\\\\?\\') || path.startsWith('\\??\\')) return path.slice(4);
  return path;
}

/** The canonical form of a file path for a node key: Windows → backslashes, lower case. */
export function fileKeyPath(path: string): string {
  const c0 = path.charCodeAt(0);
  const p = c0 === 32 || c0 === 9 || path.charCodeAt(path.length - 1) <= 32 ? path.trim() : path;
  if (!isWindowsPath(p)) return p;
  return stripNtPrefix(p.includes('/') ? p.replace(/\//g, '\\') : p).toLowerCase();
}

/** Last component of a Windows or POSIX path. */
export function baseName(path: string): string {
  let end = path.length;
  while (end > 1 && (path[end - 1] === '\\' || path[end - 1] === '/')) end--;
  let i = end - 1;
  while (i >= 0 && path[i] !== '\\' && path[i] !== '/') i--;
  return path.slice(i + 1, end);
}

/** Registry hive names in every spelling the sources use → HKLM, HKCU, HKU, HKCR, HKCC. */
const hiveAliases: ReadonlyArray<readonly [RegExp, string]> = [
  [/^\\?registry\\machine(?=\\|$)/i, 'HKLM'],
  [/^\\?registry\\user(?=\\|$)/i, 'HKU'],
  [/^hkey_local_machine(?=\\|$)/i, 'HKLM'],
  [/^hkey_current_user(?=\\|$)/i, 'HKCU'],
  [/^hkey_users(?=\\|$)/i, 'HKU'],
  [/^hkey_classes_root(?=\\|$)/i, 'HKCR'],
  [/^hkey_current_config(?=\\|$)/i, 'HKCC'],
  [/^hk(lm|cu|u|cr|cc)(?=\\|$)/i, ''],
];

/** Registry key with its hive spelled the short way (HKLM\…) and ControlSet00N → CurrentControlSet. */
export function canonicalRegistryKey(key: string): string {
  let k = key.trim();
  // fast path: Sysmon already writes HKLM\… / HKU\… / HKCR\…
  if (/^HK(?:LM|CU|U|CR)\\/.test(k)) {
    return k.charCodeAt(2) === 76 /* L */ && /^HKLM\\system\\controlset\d{3}(?=\\|$)/i.test(k)
      ? k.replace(/^HKLM\\system\\controlset\d{3}/i, 'HKLM\\System\\CurrentControlSet')
      : k;
  }
  for (const [re, short] of hiveAliases) {
    const m = re.exec(k);
    if (m) {
      k = (short || m[0].toUpperCase()) + k.slice(m[0].length);
      break;
    }
  }
  return k.replace(/^HKLM\\system\\controlset\d{3}(?=\\|$)/i, 'HKLM\\System\\CurrentControlSet');
}

/** Node key of a registry key: case-insensitive. */
export function registryKeyPath(key: string): string {
  return canonicalRegistryKey(key).toLowerCase();
}
