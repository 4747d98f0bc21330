/**
 * Process-creation rules for one program invocation:
 *
 * - behaviour: the program (image name, and its OriginalFileName so a
 *   renamed copy is caught) with what makes this use of it suspicious — the
 *   switches the report's command uses (`windash`, so `-f` and `/f` are one),
 *   its subcommand verbs, and the class of its arguments rather than their
 *   values (a URL, a user-writable folder, a proxy-executed system DLL, the
 *   content of an encoded PowerShell command);
 * - IOC: the same program with the report's literal values (URL, host,
 *   distinctive file name, task or value name), or a distinctive program name;
 * - parent–child: the program started by an unusual parent (an Office
 *   application, a script host, a web server, WMI).
 * - pipeline: `curl … | sh`, visible in the parent shell's command line.
 */
import type { Level } from '../../../sigma/index.js';
import type { Invocation } from '../../command/analyze.js';
import { baseName, extensionOf } from '../../command/classify.js';
import type { BinaryCatalog } from '../../knowledge/catalog.js';
import { LINUX_STAGING_MARKERS, PROXY_DLLS, UNUSUAL_PARENTS, UNUSUAL_PARENT_ROLES, USER_WRITABLE_MARKERS } from '../../knowledge/windows-binaries.js';
import type { Artefact } from '../artefacts.js';
import { fitToLine, raiseLevel, uniq, type RuleDraft, type Selection } from '../draft.js';
import { expandWindowsEnv, imagePath, imageSuffix, processCreation } from '../synth.js';
import { distinctiveFileName, distinctiveWord, scriptIndicators } from './indicators.js';

type ProcessArtefact = Extract<Artefact, { kind: 'process' }>;

/** Subcommands that carry the meaning of an admin tool's invocation. */
const VERBS = new Set(
  'add delete del remove create config query start stop user group localgroup share view use session shadowcopy shadows process call get list export import set save dump restore transfer addfile resume complete reset firewall advfirewall rule portproxy interface trust domain_trusts dclist computer computers policy'.split(' '),
);
const TACTIC_MEDIUM = new Set(['impact', 'credential-access', 'defense-evasion', 'stealth', 'persistence', 'privilege-escalation', 'lateral-movement', 'exfiltration', 'command-and-control']);
const MAX_SWITCHES = 4;
/** A shell's switches for running a command line: the command it runs carries the behaviour, not these. */
const LAUNCH_SWITCHES: Record<string, ReadonlySet<string>> = Object.assign(Object.create(null) as Record<string, ReadonlySet<string>>, {
  'cmd.exe': new Set(['/c', '/k', '/r', '/q', '/d', '/s', '/a', '/u', '/v', '/e', '/f', '/t']),
  'powershell.exe': new Set(['-command', '-c', '-file', '-f', '-noexit', '-sta', '-mta', '-nologo']),
  'pwsh.exe': new Set(['-command', '-c', '-file', '-f', '-noexit', '-sta', '-mta', '-nologo']),
  sh: new Set(['-c', '-i', '-l', '-s', '-e', '-x']),
  bash: new Set(['-c', '-i', '-l', '-s', '-e', '-x', '--login', '--norc', '--noprofile']),
  dash: new Set(['-c', '-i', '-l', '-s', '-e', '-x']),
  zsh: new Set(['-c', '-i', '-l', '-s', '-e', '-x']),
});
/** Switches that change how, not what: force, quiet, silent, verbose, yes… */
const GENERIC_SWITCHES = new Set(['f', 'q', 's', 'v', 'y', 'force', 'quiet', 'silent', 'verbose', 'yes', 'nologo', 'accepteula', 'nobanner']);
/** Switches whose value names something the attacker chose (task, value, service, user, file). */
const NAMING_OPTIONS = new Set(['tn', 'v', 'n', 'name', 'taskname', 'servicename', 'displayname', 'u', 'user', 'username', 'ru']);

/** Roles of common Unix programs (same meaning as the Windows table's). */
const UNIX_ROLES: Record<string, 'shell' | 'lolbin' | 'admin' | 'tool' | undefined> = Object.assign(Object.create(null) as Record<string, undefined>, {
  sh: 'shell', bash: 'shell', zsh: 'shell', dash: 'shell', ksh: 'shell', python: 'shell', python3: 'shell', perl: 'shell', ruby: 'shell', php: 'shell', osascript: 'shell',
  curl: 'lolbin', wget: 'lolbin', base64: 'lolbin', openssl: 'lolbin', xxd: 'lolbin', dd: 'lolbin', busybox: 'lolbin',
  crontab: 'admin', systemctl: 'admin', useradd: 'admin', usermod: 'admin', chmod: 'admin', chown: 'admin', chattr: 'admin', launchctl: 'admin', iptables: 'admin', ufw: 'admin', setenforce: 'admin', history: 'admin', id: 'admin', whoami: 'admin', uname: 'admin', hostname: 'admin', ifconfig: 'admin', ip: 'admin', netstat: 'admin', ss: 'admin', ps: 'admin', find: 'admin', tar: 'admin', zip: 'admin', scp: 'admin', ssh: 'admin', rsync: 'admin', dscl: 'admin', security: 'admin', defaults: 'admin',
  nc: 'tool', ncat: 'tool', netcat: 'tool', socat: 'tool', nmap: 'tool', masscan: 'tool', xmrig: 'tool',
});

export interface FamilyContext {
  catalog: BinaryCatalog;
}

function imageSelection(name: string, platform: Invocation['platform'], catalog: BinaryCatalog): Selection {
  const suffix = imageSuffix(name, platform);
  const ofn = platform === 'windows' ? catalog.binary(name)?.originalFileName : undefined;
  return ofn ? [{ 'Image|endswith': suffix }, { OriginalFileName: ofn }] : { 'Image|endswith': suffix };
}

/** Markers of user-writable / staging folders in a path (env-var forms expanded first). */
function locationMarkers(values: string[], platform: Invocation['platform']): string[] {
  const out: string[] = [];
  for (const v of values) {
    if (platform === 'windows') {
      const x = expandWindowsEnv(v).toLowerCase();
      // the most specific marker the path contains
      const m = USER_WRITABLE_MARKERS.filter((mk) => x.includes(mk.toLowerCase())).sort((a, b) => b.length - a.length)[0];
      if (m) out.push(m);
    } else {
      const m = LINUX_STAGING_MARKERS.find((mk) => v.startsWith(mk) || v.includes(' ' + mk));
      if (m) out.push(m);
    }
  }
  return uniq(out);
}

export function processDrafts(a: ProcessArtefact, ctx: FamilyContext): RuleDraft[] {
  const inv = a.inv;
  const out: RuleDraft[] = [];
  const { catalog } = ctx;
  const platform = inv.platform;
  const product = platform;
  const windows = platform === 'windows';
  const role = windows ? catalog.role(inv.name) : UNIX_ROLES[inv.name];
  const image = imagePath(inv.name, inv.dir, platform, catalog);
  const ofn = windows ? catalog.binary(inv.name)?.originalFileName : undefined;
  const parent = resolveParent(a, catalog);
  const line = windows ? expandWindowsEnv(inv.commandLine) : inv.commandLine;
  const positive = processCreation({
    platform,
    image,
    commandLine: inv.commandLine,
    ...(ofn ? { originalFileName: ofn } : {}),
    ...(parent ? { parentImage: parent.image, parentCommandLine: parent.commandLine } : {}),
  });
  const tactic = a.procedure.tactic ?? '';
  const logsource = { product, category: 'process_creation' };

  if (a.host) return parentChildDraft(a, inv, parent, positive, image, ofn, role, false, catalog);

  // ---------------------------------------------------------------- behaviour
  const sel: Array<[string, Selection]> = [['selection_image', imageSelection(inv.name, platform, catalog)]];
  const because: string[] = [];
  const optionValues = new Set(Object.values(inv.options).map((v) => v.toLowerCase()));
  const meaningful = inv.switches.filter((s) => !/^\/[?]$/.test(s));
  const expert = catalog.tellingSwitchesOf(inv.name);
  const launch = LAUNCH_SWITCHES[inv.name];
  const generic = meaningful.filter((s) => !GENERIC_SWITCHES.has(s.replace(/^[-/]+/, '')) && !launch?.has(s));
  // when SigmaHQ's rules for this program test some of these switches, those carry the behaviour
  const byExperts = expert ? generic.filter((s) => expert.has(s.replace(/^[-/]+/, ''))) : [];
  const telling = byExperts.length > 0 ? byExperts : generic;
  // the telling switches (at most MAX_SWITCHES, longest first, kept in written order); the generic ones only when nothing else is there
  const keep = new Set(telling.length > 0 ? [...telling].sort((a, b) => b.length - a.length).slice(0, MAX_SWITCHES) : meaningful.filter((s) => !launch?.has(s)).slice(0, 2));
  const switches = meaningful
    .filter((s) => keep.has(s))
    .map((s) => fitToLine(` ${s}${s.replace(/^[-/]+/, '').length === 1 ? ' ' : ''}`, line, windows))
    .filter((s): s is string => s !== undefined);
  if (switches.length > 0) {
    const key = `CommandLine|contains${switches.length > 1 ? '|all' : ''}${windows ? '|windash' : ''}`;
    sel.push(['selection_switches', { [key]: switches }]);
    because.push(`its switches ${switches.map((s) => s.trim()).join(' ')}`);
  }
  const verbs: string[] = [];
  for (const p of inv.positionals.slice(0, 3)) {
    if (p.kind !== 'word') break;
    const w = p.text.toLowerCase();
    if (optionValues.has(w)) break;
    if (!VERBS.has(w)) break;
    const f = fitToLine(` ${p.text}`, line, false);
    if (f) verbs.push(f);
    if (verbs.length >= 2) break;
  }
  if (verbs.length > 0) {
    sel.push(['selection_verbs', { [`CommandLine|contains${verbs.length > 1 ? '|all' : ''}`]: verbs }]);
    because.push(`the subcommand${verbs.length > 1 ? 's' : ''} ${verbs.map((v) => v.trim()).join(' ')}`);
  }
  const argTexts = [...inv.positionals.map((p) => p.text), ...Object.values(inv.options)];
  const urls = argTexts.filter((t) => /^(?:https?|ftp):\/\//i.test(t.trim().replace(/^["']/, '')));
  if (urls.length > 0) {
    const schemes = uniq(urls.map((u) => (/^ftp/i.test(u.replace(/^["']/, '')) ? 'ftp://' : 'http')));
    sel.push(['selection_url', { 'CommandLine|contains': schemes.length === 1 ? schemes[0]! : schemes }]);
    because.push('a URL argument (any URL, not only the report\'s)');
  }
  const markers = locationMarkers(argTexts.filter((t) => /[\\/]/.test(t)), platform).filter((m) => fitToLine(m, line, false) !== undefined);
  const strongerSignal = urls.length > 0 || inv.script?.encoded === true || inv.positionals.some((p) => PROXY_DLLS.has(baseName(p.text.replace(/,.*$/, '')).toLowerCase()));
  // where the payload sits is the signal only when nothing stronger is: otherwise it would tie the rule to this report's folder
  if (markers.length > 0 && !strongerSignal) {
    sel.push(['selection_location', { 'CommandLine|contains': markers.length === 1 ? markers[0]! : markers }]);
    because.push(`a path under ${markers.join(' or ')}`);
  }
  const dlls: string[] = [];
  for (let k = 0; k < inv.positionals.length; k++) {
    const b = baseName(inv.positionals[k]!.text.replace(/,$/, '')).toLowerCase().replace(/,.*$/, '');
    if (PROXY_DLLS.has(b)) {
      dlls.push(b);
      const inline = inv.positionals[k]!.text.split(',')[1]?.trim();
      const exportName = inline ? inline : inv.positionals[k + 1]?.text;
      if (exportName && /^#?[A-Za-z0-9_]{2,40}$/.test(exportName)) dlls.push(exportName);
    }
  }
  const dllValues = dlls.map((d) => fitToLine(d, line, false)).filter((d): d is string => d !== undefined);
  if (dllValues.length > 0) {
    sel.push(['selection_proxy', { [`CommandLine|contains${dllValues.length > 1 ? '|all' : ''}`]: uniq(dllValues) }]);
    because.push(`the proxy-executed ${dllValues.join(' ')}`);
  }
  if (inv.script?.encoded) {
    const ind = scriptIndicators(inv.script.text).slice(0, 4);
    if (ind.length > 0) {
      sel.push(['selection_encoded', { 'CommandLine|wide|base64offset|contains': ind }]);
      because.push(`an encoded command containing ${ind.join(', ')} (UTF-16LE base64, any alignment)`);
    }
  }
  const argSelections = sel.length - 1;
  // without a telling argument the program alone is the signal only for attack tools and discovery commands
  const alone = role === 'tool' || (role === 'admin' && tactic === 'discovery');
  if (argSelections > 0 || alone) {
    let level: Level = 'medium';
    if (role === 'lolbin' || role === 'shell') level = argSelections >= 2 || urls.length > 0 || markers.length > 0 || dllValues.length > 0 || inv.script?.encoded ? 'high' : 'medium';
    else if (role === 'admin') level = argSelections === 0 ? 'low' : TACTIC_MEDIUM.has(tactic) ? 'medium' : 'low';
    if (role === 'admin' && (urls.length > 0 || markers.length > 0)) level = raiseLevel(level);
    const nearMiss = processCreation({ platform, image, commandLine: windows ? `${inv.program} /?` : `${inv.program} --help`, ...(ofn ? { originalFileName: ofn } : {}) });
    out.push({
      family: 'process',
      pattern: 'behaviour',
      what: `${inv.name}${because.length > 0 ? ' with ' + because.join(', ') : ''}`,
      logsource,
      selections: sel,
      condition: sel.length > 1 ? 'all of selection_*' : 'selection_image',
      level,
      falsepositives: falsePositivesFor(inv.name, role),
      explain: `Generalised from the report's command: the program ${inv.name}${ofn ? ` (or any file whose OriginalFileName is ${ofn})` : ''}${because.length > 0 ? ' with ' + because.join('; ') : ''}; report-specific values are left out so variants match.`,
      positives: [positive],
      nearMisses: argSelections > 0 ? [nearMiss] : [],
      artefact: a,
    });
  }

  // ---------------------------------------------------------------- IOC
  // literals: URLs, hosts and distinctive paths anywhere; plain words only as the value of a naming switch (/tn NAME, /v NAME)
  const optionWords = Object.entries(inv.options)
    .filter(([k]) => NAMING_OPTIONS.has(k))
    .map(([, v]) => v.trim().replace(/^["']+|["']+$/g, ''))
    .filter((t) => distinctiveWord(t));
  const literals = uniq(
    [...[...inv.positionals.map((p) => p.text), ...Object.values(inv.options)].map((t) => t.trim().replace(/^["']+|["']+$/g, '').replace(/,$/, '')).filter((t) => /[\\/.:]/.test(t) && isDistinctiveLiteral(t, catalog)), ...optionWords]
      .map((t) => fitToLine(t, line, false))
      .filter((t): t is string => t !== undefined && t.length >= 4),
  ).slice(0, 8);
  const distinctiveProgram = !role && !inv.builtin && distinctiveFileName(inv.name, catalog);
  if (literals.length > 0 && role !== 'shell') {
    const s: Array<[string, Selection]> = [];
    if (role) s.push(['selection_image', imageSelection(inv.name, platform, catalog)]);
    s.push(['selection_values', { 'CommandLine|contains': literals.length === 1 ? literals[0]! : literals }]);
    out.push({
      family: 'process',
      pattern: 'ioc',
      what: `${role ? inv.name + ' with ' : 'command line with '}the report's values ${literals.slice(0, 3).join(', ')}${literals.length > 3 ? ', …' : ''}`,
      logsource,
      selections: s,
      condition: s.length > 1 ? 'all of selection_*' : 'selection_values',
      level: 'high',
      falsepositives: ['Legitimate use of the same host names, paths or names (verify against the report before blocking)'],
      explain: `The report's own values (${literals.join(', ')}) in a command line${role ? ` of ${inv.name}` : ''}.`,
      positives: [positive],
      nearMisses: [],
      artefact: a,
    });
  }
  if (distinctiveProgram) {
    out.push({
      family: 'process',
      pattern: 'ioc',
      what: `execution of ${inv.name}`,
      logsource,
      selections: [['selection', { 'Image|endswith': imageSuffix(inv.name, platform) }]],
      condition: 'selection',
      level: 'high',
      falsepositives: [`A legitimate program that happens to be called ${inv.name}`],
      explain: `The program name ${inv.name} the report gives, in any folder.`,
      positives: [positive],
      nearMisses: [],
      artefact: a,
    });
  }

  // ---------------------------------------------------------------- parent–child
  out.push(...parentChildDraft(a, inv, parent, positive, image, ofn, role, distinctiveProgram, catalog));

  // ---------------------------------------------------------------- download piped into an interpreter
  if (a.pipedInto) {
    const shellLine = `sh -c "${inv.commandLine} | ${a.pipedInto}"`;
    const pipes = uniq([`| ${a.pipedInto}`, `|${a.pipedInto}`]);
    out.push({
      family: 'pipeline',
      pattern: 'behaviour',
      what: `${inv.name} output piped into ${a.pipedInto}`,
      logsource,
      selections: [
        ['selection_download', { 'CommandLine|contains|all': [`${inv.name} `, 'http'] }],
        ['selection_pipe', { 'CommandLine|contains': pipes }],
      ],
      condition: 'all of selection_*',
      level: 'high',
      falsepositives: ['Installer one-liners copied from vendor documentation'],
      explain: `A download with ${inv.name} piped straight into ${a.pipedInto}, as the report's command does; visible in the command line of the shell that runs the pipeline.`,
      positives: [processCreation({ platform, image: '/usr/bin/sh', commandLine: shellLine })],
      nearMisses: [processCreation({ platform, image: '/usr/bin/sh', commandLine: `sh -c "${inv.name} -o /tmp/file http://example.org/"` })],
      artefact: a,
    });
  }
  return out;
}

function parentChildDraft(
  a: ProcessArtefact,
  inv: Invocation,
  parent: ParentInfo | undefined,
  positive: ReturnType<typeof processCreation>,
  image: string,
  ofn: string | undefined,
  role: string | undefined,
  distinctiveProgram: boolean,
  catalog: BinaryCatalog,
): RuleDraft[] {
  if (!parent || !(role === 'shell' || role === 'lolbin' || role === 'admin' || distinctiveProgram)) return [];
  const platform = inv.platform;
  return [
    {
      family: 'parent-child',
      pattern: 'behaviour',
      what: `${inv.name} started by ${parent.name}`,
      logsource: { product: platform, category: 'process_creation' },
      selections: [
        ['selection_parent', { 'ParentImage|endswith': imageSuffix(parent.name, platform) }],
        ['selection_child', imageSelection(inv.name, platform, catalog)],
      ],
      condition: 'all of selection_*',
      level: 'high',
      falsepositives: [`Software that legitimately starts ${inv.name} from ${parent.name} (add-ins, installers)`],
      explain: `The parent–child relation ${parent.name} → ${inv.name}${parent.why ? ` (${parent.why})` : ''}, which ordinary use rarely produces.`,
      positives: [positive],
      nearMisses: [processCreation({ platform, image, commandLine: inv.commandLine, ...(ofn ? { originalFileName: ofn } : {}) })],
      artefact: a,
    },
  ];
}

interface ParentInfo {
  name: string;
  image: string;
  commandLine: string;
  why?: string;
}

/** The parent that makes this invocation suspicious, if any: the report names it, or it is implied. */
function resolveParent(a: ProcessArtefact, catalog: BinaryCatalog): ParentInfo | undefined {
  const inv = a.inv;
  const platform = inv.platform;
  const mk = (name: string, why?: string): ParentInfo => ({ name, image: imagePath(name, undefined, platform, catalog), commandLine: name, ...(why ? { why } : {}) });
  if (a.parentName) return mk(a.parentName.toLowerCase(), 'named in the report');
  let p = inv.parent;
  while (p && (p.name === 'cmd.exe' || POWERSHELL.has(p.name)) && p.parent) p = p.parent;
  if (inv.parent?.name === 'wmic.exe') return mk('wmiprvse.exe', 'processes created through WMI are children of WmiPrvSE.exe');
  if (p && platform === 'windows') {
    const role = catalog.role(p.name);
    if ((role && UNUSUAL_PARENT_ROLES.has(role)) || UNUSUAL_PARENTS.has(p.name)) return mk(p.name, 'as the report\'s command line nests it');
  }
  if (inv.depth === 0 && platform === 'windows') {
    const fromText = parentFromEvidence(a.evidence.map((e) => e.quote).join(' '), a.context ?? '');
    if (fromText && fromText !== inv.name) return mk(fromText, 'named in the report\'s text');
  }
  return undefined;
}

const POWERSHELL = new Set(['powershell.exe', 'pwsh.exe']);

const PARENT_WORDS: Array<[RegExp, string]> = [
  [/\bwinword(?:\.exe)?\b|\bword (?:document|macro|file)|\bmicrosoft word\b/i, 'winword.exe'],
  [/\bexcel(?:\.exe)?\b/i, 'excel.exe'],
  [/\bpowerpnt(?:\.exe)?\b|\bpowerpoint\b/i, 'powerpnt.exe'],
  [/\boutlook(?:\.exe)?\b/i, 'outlook.exe'],
  [/\bw3wp(?:\.exe)?\b|\biis worker\b|\bweb ?shell\b/i, 'w3wp.exe'],
  [/\bwscript(?:\.exe)?\b/i, 'wscript.exe'],
  [/\bmshta(?:\.exe)?\b/i, 'mshta.exe'],
];
const SPAWN = /\b(?:spawn|spawned|spawns|launch|launched|launches|execut\w*|child process|starts?|started|runs?|macro)\b/i;

/**
 * An unusual parent the evidence names next to a verb of starting (`the
 * macro launched…`, `w3wp.exe spawned…`). A macro or document without the
 * application's name takes it from the preceding step (`…a Word document`).
 */
export function parentFromEvidence(text: string, context = ''): string | undefined {
  const t = text.slice(0, 2000);
  if (!SPAWN.test(t)) return undefined;
  for (const [re, name] of PARENT_WORDS) if (re.test(t)) return name;
  if (/\b(?:macros?|document|attachment)\b/i.test(t)) {
    const c = context.slice(0, 2000);
    for (const [re, name] of PARENT_WORDS.slice(0, 4)) if (re.test(c)) return name;
  }
  return undefined;
}

const GENERIC_LITERALS = new Set(['system', 'full', 'true', 'false', 'onlogon', 'onstart', 'daily', 'minute', 'hourly', 'reg_sz', 'reg_dword', 'reg_expand_sz', 'hidden', 'bypass', 'localhost', 'administrator', 'administrators']);

/** A value specific to the report (a host, a URL, a distinctive file or task name), not a generic argument. */
export function isDistinctiveLiteral(t: string, catalog: BinaryCatalog): boolean {
  if (t.length < 4 || t.length > 300) return false;
  if (/^(?:https?|ftp):\/\/[^\s]+$/i.test(t)) return true;
  if (/^\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?$/.test(t)) return !/^(?:10|127|0)\.|^192\.168\.|^172\.(?:1[6-9]|2\d|3[01])\./.test(t);
  if (GENERIC_LITERALS.has(t.toLowerCase())) return false;
  if (/[\\/]/.test(t)) {
    const b = baseName(t);
    return extensionOf(b) !== '' && !PROXY_DLLS.has(b.toLowerCase()) && distinctiveFileName(b, catalog);
  }
  if (t.startsWith('.')) return false;
  if (extensionOf(t) !== '') return !PROXY_DLLS.has(t.toLowerCase()) && distinctiveFileName(t, catalog);
  return distinctiveWord(t);
}

const FP_BY_ROLE: Record<string, string> = {
  shell: 'Administrative scripts that use the same interpreter options',
  lolbin: 'Legitimate administrative or software-deployment use of {name} with these arguments',
  admin: 'Administrators and management software running {name} with the same arguments',
  tool: 'Sanctioned use of {name} by IT or red teams',
};

function falsePositivesFor(name: string, role: string | undefined): string[] {
  const t = FP_BY_ROLE[role ?? ''] ?? 'Legitimate software named {name} run with the same arguments';
  return [t.replace('{name}', name)];
}
