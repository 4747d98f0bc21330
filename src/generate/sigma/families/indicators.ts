/**
 * Which words are distinctive enough to alert on, and which parts of a
 * PowerShell script characterise it: the measures the rule families share.
 */
import { lexPowerShell } from '../../command/lex-powershell.js';
import { extensionOf } from '../../command/classify.js';
import type { BinaryCatalog } from '../../knowledge/catalog.js';

/** File stems too common to stand for one piece of malware. */
const GENERIC_STEMS = new Set(
  'setup install installer update updater upgrade test run start main app client server service svc file files data document doc invoice report temp tmp new old backup bak output out log config settings default index readme help payload loader dropper agent helper tool tools launcher program script shell cmd command task job a b c x y z'.split(' '),
);

export function distinctiveFileName(name: string, catalog: BinaryCatalog): boolean {
  const n = name.toLowerCase();
  if (catalog.binary(n)) return false;
  // `{ransomware_filename}.exe`, `<name>.dll`, `%APPDATA%`: a template in the report, not a name
  if (/[{}<>%$*?]/.test(n)) return false;
  const ext = extensionOf(n);
  const stem = ext ? n.slice(0, -(ext.length + 1)) : n;
  if (stem.length < 4 || GENERIC_STEMS.has(stem)) return false;
  return /[a-z]/.test(stem);
}

const COMMON_WORDS = new Set(
  'the and for with from into user users admin administrator guest default system local network windows microsoft update updater service services task tasks true false none null test demo'.split(' '),
);

/** A plain word (task name, value name, service name) distinctive enough to search for. */
export function distinctiveWord(w: string): boolean {
  const t = w.trim();
  if (t.length < 5 || t.length > 80) return false;
  if (COMMON_WORDS.has(t.toLowerCase())) return false;
  if (/^\d+$/.test(t)) return false;
  return /^[A-Za-z0-9_.\-{} ]+$/.test(t) && /[A-Za-z]/.test(t);
}

/**
 * How telling a script element is: downloaders, in-memory execution,
 * decoding, reflection and defence tampering rank first; common plumbing
 * (Write-Host, Out-Null, Select-Object) does not count.
 */
const WEIGHTS: Array<[RegExp, number]> = [
  [/^(?:downloadstring|downloadfile|downloaddata|uploadstring|uploadfile|openread)$/i, 10],
  [/^(?:net\.webclient|system\.net\.webclient|webclient|xmlhttp|msxml2\.xmlhttp|bitstransfer)$/i, 9],
  [/^(?:invoke-expression|iex)$/i, 9],
  [/^(?:frombase64string|tobase64string|gzipstream|deflatestream|decompress)$/i, 8],
  [/^(?:reflection\.assembly|assembly|load|virtualalloc|createthread|writeprocessmemory|getprocaddress|getdelegateforfunctionpointer|marshal)$/i, 8],
  [/^(?:set-mppreference|add-mppreference|disablerealtimemonitoring|exclusionpath|amsiutils|amsiinitfailed)$/i, 9],
  [/^(?:invoke-webrequest|iwr|invoke-restmethod|irm|start-bitstransfer|new-object)$/i, 6],
  [/^(?:start-process|invoke-wmimethod|invoke-cimmethod|invoke-command|register-scheduledtask|new-scheduledtaskaction|new-service|set-itemproperty|new-itemproperty|add-type|compress-archive|copy-item|remove-item|get-wmiobject|get-ciminstance|get-aduser|get-adcomputer|get-process|stop-process|get-credential|convertto-securestring)$/i, 5],
  [/^-(?:outfile|encodedcommand|windowstyle|executionpolicy|nop|noprofile)$/i, 3],
];
const PLUMBING = new Set(['write-host', 'write-output', 'out-null', 'select-object', 'where-object', 'foreach-object', 'sort-object', 'format-table', 'format-list', 'out-string', 'write-verbose', 'select', 'where', '%', '?', 'echo', 'start-sleep', 'sleep', 'test-path', 'join-path', 'split-path', 'get-date', 'get-random']);

function weight(term: string): number {
  for (const [re, w] of WEIGHTS) if (re.test(term)) return w;
  return 0;
}

/**
 * The most telling cmdlets, .NET members and parameters of a script, as they
 * are written in it (so `ScriptBlockText|contains` finds them), best first.
 */
export function scriptIndicators(text: string): string[] {
  const lex = lexPowerShell(text);
  const cands = new Map<string, number>();
  const add = (t: string, bonus = 0): void => {
    const k = t.trim();
    if (k.length < 3 || k.length > 60 || PLUMBING.has(k.toLowerCase())) return;
    if (!text.toLowerCase().includes(k.toLowerCase())) return;
    const w = weight(k) + bonus;
    if (w <= 0) return;
    const prev = [...cands.keys()].find((x) => x.toLowerCase() === k.toLowerCase());
    if (prev) cands.set(prev, Math.max(cands.get(prev)!, w));
    else cands.set(k, w);
  };
  for (const c of lex.commands) {
    if (c.dynamic) continue;
    add(c.name, 1);
    if (/^new-object$/i.test(c.name)) for (const a of c.arguments.slice(0, 2)) for (const part of [a, a.split('.').pop() ?? a]) add(part);
  }
  for (const m of lex.members) add(m.replace(/^\[|\]$/g, ''));
  for (const c of lex.commands) for (const p of c.parameters) add('-' + p);
  const ranked = [...cands.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([k]) => k);
  // `contains` of a longer indicator implies the shorter one it includes: keep the longer
  return ranked.filter((k) => !ranked.some((o) => o !== k && o.length > k.length && o.toLowerCase().includes(k.toLowerCase())));
}
