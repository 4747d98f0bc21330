/** IP address classes: what the encoder sees instead of an address. */

export type AddressClass = 'loopback' | 'private' | 'public' | 'multicast' | 'unspecified' | 'host';

/** Class of an IP address (v4 or v6, v4-mapped v6 unwrapped); a name that is not an address is `host`. */
export function classifyAddress(address: string): AddressClass {
  let a = address.trim().toLowerCase();
  if (a.startsWith('[') && a.endsWith(']')) a = a.slice(1, -1);
  const pct = a.indexOf('%');
  if (pct >= 0) a = a.slice(0, pct);
  const mapped = /^(?:0{0,4}:){0,5}:?ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(a);
  if (mapped) a = mapped[1]!;
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(a);
  if (v4) {
    const [b0, b1] = [Number(v4[1]), Number(v4[2])];
    if ([b0, b1, Number(v4[3]), Number(v4[4])].some((b) => b > 255)) return 'host';
    if (b0 === 127) return 'loopback';
    if (b0 === 0) return 'unspecified';
    if (b0 === 10 || (b0 === 172 && b1 >= 16 && b1 <= 31) || (b0 === 192 && b1 === 168)) return 'private';
    // link-local and carrier-grade NAT are not reachable from the internet either
    if ((b0 === 169 && b1 === 254) || (b0 === 100 && b1 >= 64 && b1 <= 127)) return 'private';
    if (b0 >= 224 && b0 <= 239) return 'multicast';
    if (b0 === 255) return 'multicast';
    return 'public';
  }
  if (/^[0-9a-f:.]+$/.test(a) && a.includes(':')) {
    if (a === '::1') return 'loopback';
    if (a === '::' || /^[0:]+$/.test(a)) return 'unspecified';
    if (/^f[cd]/.test(a) || /^fe[89ab]/.test(a)) return 'private';
    if (a.startsWith('ff')) return 'multicast';
    return 'public';
  }
  return 'host';
}
