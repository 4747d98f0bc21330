import assert from 'node:assert/strict';
import { test } from 'node:test';
import { extractIocs, refang, registeredDomain } from '../../src/text/index.js';

function byType(text: string) {
  const out: Record<string, string[]> = {};
  for (const f of extractIocs(text)) (out[f.type] ??= []).push(f.value);
  return out;
}

test('refang undoes the common defanging forms and maps offsets back', () => {
  const src = 'hxxps://evil[.]com/a and 1.2.3(.)4, bad[at]mail(dot)ru, hXXp://x[.]y[.]org, fxp://f[.]net, evil\\.biz, a[.b[.]c';
  const r = refang(src);
  assert.equal(r.text, 'https://evil.com/a and 1.2.3.4, bad@mail.ru, http://x.y.org, ftp://f.net, evil.biz, a.b.c');
  const at = r.text.indexOf('mail.ru');
  assert.equal(src.slice(r.map.toSource(at), r.map.toSource(at + 'mail.ru'.length)), 'mail(dot)ru');
});

test('refang leaves prose brackets alone', () => {
  const src = 'See [1]. The list (a) and (b). Arrays like x[0] and f(x). End.';
  assert.equal(refang(src).text, src);
});

test('IOCs: defanged values are refanged, originals and exact spans kept', () => {
  const text = 'C2: hxxps://cdn-update[.]example-lantern[.]net/a.ps1 and 198.51.100[.]23 (port 443).';
  const iocs = extractIocs(text);
  const url = iocs.find((i) => i.type === 'url')!;
  assert.equal(url.value, 'https://cdn-update.example-lantern.net/a.ps1');
  assert.equal(url.original, 'hxxps://cdn-update[.]example-lantern[.]net/a.ps1');
  assert.equal(text.slice(url.spans[0]!.start, url.spans[0]!.end), url.original);
  assert.ok(url.defanged);
  const ip = iocs.find((i) => i.type === 'ipv4')!;
  assert.equal(ip.value, '198.51.100.23');
  assert.equal(text.slice(ip.spans[0]!.start, ip.spans[0]!.end), '198.51.100[.]23');
});

test('IOC types: hashes, e-mail, CVE, paths, registry keys, file names, wallets', () => {
  const t = [
    'MD5 d41d8cd98f00b204e9800998ecf8427e SHA1 da39a3ee5e6b4b0d3255bfef95601890afd80709',
    'SHA256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855.',
    'Mail from bad[at]evil[.]ru exploiting CVE-2021-44228.',
    'Dropped C:\\Users\\Public\\Libraries\\msupd.dll and /tmp/.x/kworker then set',
    'HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Winlogon\\Userinit pointing to it.',
    'The lure invoice_0423.docm and stage2.exe; wallet bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq.',
  ].join(' ');
  const r = byType(t);
  assert.deepEqual(r.md5, ['d41d8cd98f00b204e9800998ecf8427e']);
  assert.deepEqual(r.sha1, ['da39a3ee5e6b4b0d3255bfef95601890afd80709']);
  assert.deepEqual(r.sha256, ['e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855']);
  assert.deepEqual(r.email, ['bad@evil.ru']);
  assert.deepEqual(r.cve, ['CVE-2021-44228']);
  assert.deepEqual(r['file-path']?.sort(), ['/tmp/.x/kworker', 'C:\\Users\\Public\\Libraries\\msupd.dll']);
  assert.deepEqual(r['registry-key'], ['HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Winlogon\\Userinit']);
  assert.deepEqual(r['file-name']?.sort(), ['invoice_0423.docm', 'stage2.exe']);
  assert.deepEqual(r.btc, ['bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq']);
});

test('IOC false positives: file names that look like domains, versions that look like IPs, vendor domains, system binaries', () => {
  const t =
    'It unpacked invoice.zip and ran run.sh and notes.md. Version 10.0.17763.1 of Windows and build 6.1.7601.1; ' +
    'see https://www.microsoft.com/security and https://github.com/org/repo for details; cmd.exe and powershell.exe ran. ' +
    'Real C2 evil-c2.com and 45.77.1.2:8080, and the defanged raw[.]githubusercontent[.]com.';
  const r = byType(t);
  assert.deepEqual(r.domain?.sort(), ['evil-c2.com', 'raw.githubusercontent.com']);
  assert.deepEqual(r.ipv4, ['45.77.1.2']);
  assert.equal(r.url, undefined, 'vendor and reference URLs are not IOCs');
  assert.deepEqual(r['file-name']?.sort(), ['invoice.zip', 'notes.md', 'run.sh']);
});

test('report-specific benign domains are dropped unless defanged', () => {
  const t = 'Posted on vendor-blog.com. Contact vendor-blog.com; C2 was vendor-blog[.]com.';
  const iocs = extractIocs(t, { benignDomains: ['vendor-blog.com'] });
  const d = iocs.find((i) => i.type === 'domain')!;
  assert.equal(d.spans.length, 1, 'only the defanged occurrence');
});

test('registeredDomain handles second-level country suffixes', () => {
  assert.equal(registeredDomain('a.b.evil.co.uk'), 'evil.co.uk');
  assert.equal(registeredDomain('cdn.example.com'), 'example.com');
});

test('IOC extraction stays linear on hostile text', () => {
  const hostile = ['a.'.repeat(500_000), '[(['.repeat(100_000), 'http://' + 'a.'.repeat(50_000), '1.'.repeat(200_000), 'HKLM\\' + 'a '.repeat(100_000)].join(' ');
  const t0 = process.hrtime.bigint();
  const iocs = extractIocs(hostile);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  assert.ok(ms < 10_000, `took ${ms} ms`);
  assert.ok(iocs.length < 5);
});
