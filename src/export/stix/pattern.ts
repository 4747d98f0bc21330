/**
 * STIX patterns for indicators built from IOCs. Values come from reports, so
 * they are escaped as STIX string literals (backslash and single quote), and
 * types without a sound pattern give none rather than a wrong one.
 */
import type { IocType } from '../../intel/schema.js';

/** A STIX pattern string literal: `'…'` with `\` and `'` escaped. */
export function stixString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

const HASH_NAMES: Partial<Record<IocType, string>> = { md5: 'MD5', sha1: "'SHA-1'", sha256: "'SHA-256'", sha512: "'SHA-512'", ssdeep: 'SSDEEP' };

/** The STIX pattern that matches an IOC, or undefined when STIX has no object path for its type. */
export function stixPatternForIoc(type: IocType, value: string): string | undefined {
  const v = stixString(value);
  switch (type) {
    case 'ipv4':
      return `[ipv4-addr:value = ${v}]`;
    case 'ipv6':
      return `[ipv6-addr:value = ${v}]`;
    case 'domain':
      return `[domain-name:value = ${v}]`;
    case 'url':
      return `[url:value = ${v}]`;
    case 'email':
      return `[email-addr:value = ${v}]`;
    case 'md5':
    case 'sha1':
    case 'sha256':
    case 'sha512':
    case 'ssdeep':
      return `[file:hashes.${HASH_NAMES[type]} = ${v}]`;
    case 'file-name':
      return `[file:name = ${v}]`;
    case 'file-path': {
      const cut = Math.max(value.lastIndexOf('\\'), value.lastIndexOf('/'));
      if (cut <= 0) return `[file:name = ${v}]`;
      return `[file:name = ${stixString(value.slice(cut + 1))} AND file:parent_directory_ref.path = ${stixString(value.slice(0, cut))}]`;
    }
    case 'registry-key':
      return `[windows-registry-key:key = ${v}]`;
    case 'mutex':
      return `[mutex:name = ${v}]`;
    case 'asn': {
      const n = Number(value.replace(/^AS/i, ''));
      return Number.isInteger(n) && n >= 0 ? `[autonomous-system:number = ${n}]` : undefined;
    }
    case 'user-agent':
      return `[network-traffic:extensions.'http-request-ext'.request_header.'User-Agent' = ${v}]`;
    case 'cve':
    case 'btc':
    case 'eth':
    case 'xmr':
      return undefined; // not observables: a CVE is a vulnerability object, wallets have no STIX object path
  }
}
