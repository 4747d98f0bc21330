/**
 * Rules for the report's infrastructure and files by content: DNS queries
 * for its domains (the domain and its subdomains), connections to its
 * public addresses, and processes whose image hash is one it lists. Shared
 * infrastructure (cloud, code hosting, CDNs) and private addresses are not
 * alerted on: a rule on them fires on everyone.
 */
import type { RuleDraft } from '../draft.js';
import type { Artefact } from '../artefacts.js';
import { dnsQuery, networkConnection, processCreation } from '../synth.js';

type Of<K extends Artefact['kind']> = Extract<Artefact, { kind: K }>;

/** Domains whose subdomains anyone can rent or that every host talks to. */
const SHARED_INFRASTRUCTURE = [
  'microsoft.com', 'windows.com', 'windowsupdate.com', 'office.com', 'office365.com', 'live.com', 'outlook.com', 'azure.com', 'azurewebsites.net', 'azureedge.net', 'blob.core.windows.net', 'cloudapp.net', 'sharepoint.com', 'onedrive.com',
  'google.com', 'googleapis.com', 'googleusercontent.com', 'gstatic.com', 'gmail.com', 'youtube.com', 'appspot.com', 'firebaseapp.com',
  'amazonaws.com', 'amazon.com', 'cloudfront.net', 'github.com', 'githubusercontent.com', 'github.io', 'gitlab.com', 'bitbucket.org',
  'dropbox.com', 'dropboxusercontent.com', 'box.com', 'mega.nz', 'pastebin.com', 'discord.com', 'discordapp.com', 'telegram.org', 't.me', 'slack.com',
  'cloudflare.com', 'akamai.net', 'akamaiedge.net', 'fastly.net', 'apple.com', 'icloud.com', 'facebook.com', 'twitter.com', 'linkedin.com',
  'example.com', 'example.org', 'example.net', 'localhost', 'ngrok.io', 'duckdns.org', 'no-ip.com',
];

export function isSharedInfrastructure(domain: string): boolean {
  const d = domain.toLowerCase().replace(/\.$/, '');
  return SHARED_INFRASTRUCTURE.some((s) => d === s || d.endsWith('.' + s));
}

/** Private, loopback, link-local, multicast and documentation ranges are the same everywhere. */
export function isNonRoutable(ip: string): boolean {
  if (ip.includes(':')) return /^(?:::1?$|fe80:|fc|fd|ff)/i.test(ip);
  const [a, b] = ip.split('.').map(Number) as [number, number];
  return a === 10 || a === 127 || a === 0 || (a === 169 && b === 254) || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || a >= 224 || (a === 192 && b === 0) || (a === 198 && (b === 18 || b === 19 || b === 51)) || (a === 203 && b === 0);
}

export function domainDrafts(a: Of<'domain'>): RuleDraft[] {
  const d = a.value.toLowerCase().replace(/\.$/, '');
  if (isSharedInfrastructure(d) || !d.includes('.')) return [];
  return [
    {
      family: 'dns',
      pattern: 'ioc',
      what: `DNS query for ${d}`,
      logsource: { product: 'windows', category: 'dns_query' },
      selections: [['selection', [{ QueryName: d }, { 'QueryName|endswith': `.${d}` }]]],
      condition: 'selection',
      level: 'high',
      falsepositives: ['Security tools and sandboxes resolving known-bad domains'],
      explain: `A DNS query (Sysmon 22) for the report's domain ${d} or any of its subdomains.`,
      positives: [dnsQuery(d)],
      nearMisses: [dnsQuery(`not${d}`)],
      artefact: a,
    },
  ];
}

export function ipDrafts(a: Of<'ip'>): RuleDraft[] {
  if (isNonRoutable(a.value)) return [];
  const platform = a.platform === 'macos' ? 'macos' : a.platform;
  const sel: Record<string, string | number> = { DestinationIp: a.value };
  if (a.port !== undefined) sel['DestinationPort'] = a.port;
  return [
    {
      family: 'network',
      pattern: 'ioc',
      what: `connection to ${a.value}${a.port !== undefined ? ':' + a.port : ''}`,
      logsource: { product: platform, category: 'network_connection' },
      selections: [['selection', sel]],
      condition: 'selection',
      level: 'high',
      falsepositives: ['The address may have been reassigned since the report was written'],
      explain: `A network connection (Sysmon 3) to the report's address ${a.value}${a.port !== undefined ? ` on port ${a.port}` : ''}.`,
      positives: [networkConnection(a.value, a.port, platform)],
      nearMisses: [networkConnection('93.184.216.34', a.port, platform)],
      artefact: a,
    },
  ];
}

export function hashDrafts(a: Of<'hash'>): RuleDraft[] {
  const algo = a.algo.toUpperCase();
  const value = a.value.toUpperCase();
  const hashes = `SHA1=${algo === 'SHA1' ? value : 'A'.repeat(40)},MD5=${algo === 'MD5' ? value : 'B'.repeat(32)},SHA256=${algo === 'SHA256' ? value : 'C'.repeat(64)},IMPHASH=${'D'.repeat(32)}`;
  return [
    {
      family: 'hash',
      pattern: 'ioc',
      what: `process image with ${algo} ${a.value.slice(0, 16)}…`,
      logsource: { product: 'windows', category: 'process_creation' },
      selections: [['selection', { 'Hashes|contains': `${algo}=${value}` }]],
      condition: 'selection',
      level: 'high',
      falsepositives: ['None expected: the hash identifies the file'],
      explain: `A process (Sysmon 1) whose image has the ${algo} hash the report lists (Sysmon's Hashes field must include ${algo}).`,
      positives: [processCreation({ platform: 'windows', image: 'C:\\Users\\Public\\sample.exe', commandLine: 'C:\\Users\\Public\\sample.exe', hashes })],
      nearMisses: [processCreation({ platform: 'windows', image: 'C:\\Users\\Public\\sample.exe', commandLine: 'C:\\Users\\Public\\sample.exe', hashes: `SHA1=${'E'.repeat(40)},MD5=${'E'.repeat(32)},SHA256=${'E'.repeat(64)}` })],
      artefact: a,
    },
  ];
}
