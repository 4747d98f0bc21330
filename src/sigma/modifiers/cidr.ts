/** IPv4/IPv6 address and CIDR parsing for the `cidr` modifier (no allocations beyond the result). */

export function parseIPv4(s: string): Uint8Array | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i]!;
    if (!/^\d{1,3}$/.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    out[i] = n;
  }
  return out;
}

export function parseIPv6(input: string): Uint8Array | undefined {
  let s = input;
  const pct = s.indexOf('%'); // zone id
  if (pct >= 0) s = s.slice(0, pct);
  if (s.startsWith('[') && s.endsWith(']')) s = s.slice(1, -1);
  if (!/^[0-9A-Fa-f:.]+$/.test(s) || s.length < 2) return undefined;
  const dbl = s.indexOf('::');
  if (dbl >= 0 && s.indexOf('::', dbl + 1) >= 0) return undefined;
  const parseGroups = (t: string): number[] | undefined => {
    if (t === '') return [];
    const groups: number[] = [];
    const items = t.split(':');
    for (let i = 0; i < items.length; i++) {
      const g = items[i]!;
      if (i === items.length - 1 && g.includes('.')) {
        const v4 = parseIPv4(g);
        if (!v4) return undefined;
        groups.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      } else {
        if (!/^[0-9A-Fa-f]{1,4}$/.test(g)) return undefined;
        groups.push(parseInt(g, 16));
      }
    }
    return groups;
  };
  let groups: number[];
  if (dbl >= 0) {
    const head = parseGroups(s.slice(0, dbl));
    const tail = parseGroups(s.slice(dbl + 2));
    if (!head || !tail || head.length + tail.length > 7) return undefined;
    groups = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  } else {
    const g = parseGroups(s);
    if (!g || g.length !== 8) return undefined;
    groups = g;
  }
  const out = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    out[2 * i] = groups[i]! >> 8;
    out[2 * i + 1] = groups[i]! & 0xff;
  }
  return out;
}

export function parseIp(s: string): Uint8Array | undefined {
  const t = s.trim();
  return t.includes(':') ? parseIPv6(t) : parseIPv4(t);
}

export function parseCidr(s: string): { version: 4 | 6; bytes: Uint8Array; prefix: number } | undefined {
  const t = s.trim();
  const slash = t.indexOf('/');
  const addr = slash >= 0 ? t.slice(0, slash) : t;
  const bytes = addr.includes(':') ? parseIPv6(addr) : parseIPv4(addr);
  if (!bytes) return undefined;
  const max = bytes.length * 8;
  let prefix = max;
  if (slash >= 0) {
    const p = t.slice(slash + 1);
    if (!/^\d{1,3}$/.test(p)) return undefined;
    prefix = Number(p);
    if (prefix > max) return undefined;
  }
  return { version: bytes.length === 4 ? 4 : 6, bytes, prefix };
}

/** Whether `ip` (same family) lies inside network `net`/`prefix`. IPv4-mapped IPv6 addresses match IPv4 networks. */
export function cidrContains(net: Uint8Array, prefix: number, ip: Uint8Array): boolean {
  let addr = ip;
  if (net.length === 4 && ip.length === 16) {
    for (let i = 0; i < 10; i++) if (ip[i] !== 0) return false;
    if (ip[10] !== 0xff || ip[11] !== 0xff) return false;
    addr = ip.subarray(12);
  }
  if (addr.length !== net.length) return false;
  const full = prefix >> 3;
  for (let i = 0; i < full; i++) if (addr[i] !== net[i]) return false;
  const rem = prefix & 7;
  if (rem === 0) return true;
  const mask = (0xff << (8 - rem)) & 0xff;
  return (addr[full]! & mask) === (net[full]! & mask);
}
