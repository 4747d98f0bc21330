/**
 * Rules for what a procedure changes on the host: registry values and keys
 * (registry_set / registry_add), files (file_event), scheduled tasks
 * (Security 4698), services (System 7045), accounts (Security 4720), and
 * access to LSASS (process_access). Well-known persistence locations
 * generalise (the location and the kind of payload); report-specific names
 * become IOC rules.
 */
import { baseName, dirName, extensionOf } from '../../command/classify.js';
import type { Artefact } from '../artefacts.js';
import { isPayloadName } from '../artefacts.js';
import { uniq, type RuleDraft, type Selection } from '../draft.js';
import {
  accountCreated,
  expandWindowsEnv,
  fileCreate,
  imageSuffix,
  processAccess,
  registryEvent,
  serviceInstalled,
  sysmonRegistryPath,
  taskCreated,
} from '../synth.js';
import { LINUX_STAGING_MARKERS, USER_WRITABLE_MARKERS } from '../../knowledge/windows-binaries.js';
import { distinctiveFileName, distinctiveWord } from './indicators.js';
import type { FamilyContext } from './process.js';

type Of<K extends Artefact['kind']> = Extract<Artefact, { kind: K }>;

/** Registry paths under which keys are system-defined (a rule on the key generalises). */
const SYSTEM_KEY_ROOTS = ['\\software\\microsoft\\', '\\system\\currentcontrolset\\', '\\software\\classes\\', '\\software\\policies\\', '\\software\\wow6432node\\microsoft\\', '\\environment'];
/** Data that makes any registry value suspicious. */
const SUSPICIOUS_DATA = ['powershell', 'cmd.exe', 'cmd /c', 'mshta', 'rundll32', 'regsvr32', 'wscript', 'cscript', 'http://', 'https://', '-enc', 'frombase64string'];

/** A key without its hive, as it appears after the hive in Sysmon's TargetObject (`\Software\…`). */
export function keyTail(key: string): string {
  let k = key.trim().replace(/^Registry::/i, '').replace(/^([A-Z_]+):\\?/i, '$1\\');
  k = k.replace(/^(?:HKEY_LOCAL_MACHINE|HKLM|HKEY_CURRENT_USER|HKCU|HKEY_CLASSES_ROOT|HKCR|HKEY_CURRENT_CONFIG|HKCC)(?=\\|$)/i, '');
  k = k.replace(/^(?:HKEY_USERS|HKU)\\(?:S-1-[0-9-]+(?:_Classes)?|\.DEFAULT)?/i, '');
  k = k.replace(/\\ControlSet00\d\\/i, '\\CurrentControlSet\\');
  k = k.replace(/\\+$/, '');
  return k.startsWith('\\') ? k : `\\${k}`;
}

function dataMarkers(data: string | undefined): string[] {
  if (!data) return [];
  const d = expandWindowsEnv(data).toLowerCase();
  const out: string[] = [];
  for (const s of SUSPICIOUS_DATA) if (d.includes(s)) out.push(s);
  const loc = USER_WRITABLE_MARKERS.filter((m) => d.includes(m.toLowerCase())).sort((a, b) => b.length - a.length)[0];
  if (loc) out.push(loc);
  return uniq(out).slice(0, 4);
}

export function registryDrafts(a: Of<'registry'>, ctx: FamilyContext): RuleDraft[] {
  void ctx;
  const out: RuleDraft[] = [];
  const tail = keyTail(a.key);
  if (tail.length < 8) return out;
  const isSystem = SYSTEM_KEY_ROOTS.some((r) => (tail.toLowerCase() + '\\').startsWith(r) || tail.toLowerCase().startsWith(r));
  const category = a.op === 'set' ? 'registry_set' : 'registry_add';
  const target = sysmonRegistryPath(a.key) + (a.valueName ? `\\${a.valueName}` : '');
  const positive = registryEvent(a.op, target, a.data);
  const nearMiss = registryEvent(a.op, 'HKLM\\SOFTWARE\\Contoso\\Settings\\LastRun', 'C:\\Program Files\\Contoso\\app.exe');
  const keyValue = a.op === 'set' && a.valueName ? `${tail}\\` : tail;
  const markers = a.op === 'set' ? dataMarkers(a.data) : [];
  const logsource = { product: 'windows', category };
  if (isSystem) {
    const sel: Array<[string, Selection]> = [['selection_key', { 'TargetObject|contains': keyValue }]];
    if (markers.length > 0) sel.push(['selection_data', { 'Details|contains': markers.length === 1 ? markers[0]! : markers }]);
    out.push({
      family: 'registry',
      pattern: 'behaviour',
      what: `${a.op === 'set' ? 'value written under' : 'key created at'} ${tail}${markers.length > 0 ? ` with data containing ${markers.join(' or ')}` : ''}`,
      logsource,
      selections: sel,
      condition: sel.length > 1 ? 'all of selection_*' : 'selection_key',
      level: markers.length > 0 ? 'high' : 'medium',
      falsepositives: ['Software installers and updates writing the same key'],
      explain: `Any ${a.op === 'set' ? 'value' : 'subkey'} under the key the report names (${tail}), in any hive and for any user${markers.length > 0 ? `, whose data contains ${markers.join(' or ')}` : ''}; the report's value name is left out.`,
      positives: [positive],
      nearMisses: [nearMiss],
      artefact: a,
    });
  }
  const specific: Record<string, string | string[]> = { 'TargetObject|contains': keyValue };
  if (a.valueName && distinctiveWord(a.valueName)) specific['TargetObject|endswith'] = `\\${a.valueName}`;
  const dataLiteral = a.data && /[\\/]/.test(a.data) ? baseName(a.data.replace(/\s.*$/, '')) : undefined;
  if (dataLiteral && distinctiveFileName(dataLiteral, ctx.catalog)) specific['Details|contains'] = dataLiteral;
  if (!isSystem || Object.keys(specific).length > 1) {
    out.push({
      family: 'registry',
      pattern: 'ioc',
      what: `${a.op === 'set' ? 'registry value' : 'registry key'} ${tail}${a.valueName ? '\\' + a.valueName : ''} from the report`,
      logsource,
      selections: [['selection', specific]],
      condition: 'selection',
      level: 'high',
      falsepositives: ['Unlikely: the key and names are the ones the report gives'],
      explain: `The registry location${a.valueName ? ', value name' : ''}${specific['Details|contains'] ? ' and data' : ''} the report gives.`,
      positives: [positive],
      nearMisses: [nearMiss],
      artefact: a,
    });
  }
  return out;
}

/** Where files in these folders persist or stage: the location is the generalisable part. */
const WIN_FILE_LOCATIONS: Array<{ marker: string; payloadOnly: boolean; level: 'medium' | 'high'; what: string }> = [
  { marker: '\\Start Menu\\Programs\\Startup\\', payloadOnly: false, level: 'high', what: 'a file in a Startup folder' },
  { marker: '\\Windows\\System32\\Tasks\\', payloadOnly: false, level: 'medium', what: 'a scheduled-task definition file' },
  { marker: '\\Windows\\System32\\', payloadOnly: true, level: 'medium', what: 'a payload written into System32' },
  ...USER_WRITABLE_MARKERS.filter((m) => !m.includes('Startup')).map((m) => ({ marker: m, payloadOnly: true, level: 'medium' as const, what: `an executable or script written under ${m}` })),
];
const NIX_FILE_LOCATIONS: Array<{ marker: string; level: 'medium' | 'high'; what: string; payloadOnly: boolean }> = [
  { marker: '/etc/cron.d/', level: 'high', what: 'a cron job file', payloadOnly: false },
  { marker: '/etc/crontab', level: 'high', what: 'the system crontab', payloadOnly: false },
  { marker: '/var/spool/cron/', level: 'high', what: 'a user crontab', payloadOnly: false },
  { marker: '/etc/systemd/system/', level: 'high', what: 'a systemd unit', payloadOnly: false },
  { marker: '/etc/init.d/', level: 'high', what: 'an init script', payloadOnly: false },
  { marker: '/etc/rc.local', level: 'high', what: 'rc.local', payloadOnly: false },
  { marker: '/etc/ld.so.preload', level: 'high', what: 'ld.so.preload', payloadOnly: false },
  { marker: '/.ssh/authorized_keys', level: 'high', what: 'SSH authorized_keys', payloadOnly: false },
  { marker: '/etc/profile.d/', level: 'medium', what: 'a login script', payloadOnly: false },
  { marker: '/.bashrc', level: 'medium', what: 'a .bashrc', payloadOnly: false },
  { marker: '/Library/LaunchAgents/', level: 'high', what: 'a launch agent', payloadOnly: false },
  { marker: '/Library/LaunchDaemons/', level: 'high', what: 'a launch daemon', payloadOnly: false },
  ...LINUX_STAGING_MARKERS.map((m) => ({ marker: m, level: 'medium' as const, what: `an executable written under ${m}`, payloadOnly: true })),
];

export function fileDrafts(a: Of<'file'>, ctx: FamilyContext): RuleDraft[] {
  const out: RuleDraft[] = [];
  const unix = a.path.startsWith('/') || a.path.startsWith('~/') || (a.platform !== 'windows' && !a.path.includes('\\'));
  const platform = unix ? (a.platform === 'windows' ? 'linux' : a.platform) : 'windows';
  const name = baseName(a.path);
  if (name === '' || name.length > 200) return out;
  const fullPath = unix
    ? a.path.startsWith('/') ? a.path : `/home/victim/${a.path.replace(/^~\//, '')}`
    : /^[a-z]:\\|^\\\\|^%|^\$env:/i.test(a.path) ? expandWindowsEnv(a.path) : `C:\\Users\\Public\\${name}`;
  const positive = fileCreate(fullPath, platform);
  const nearMiss = fileCreate(unix ? '/home/victim/notes.txt' : 'C:\\Users\\victim\\Documents\\notes.txt', platform);
  const logsource = { product: platform, category: 'file_event' };
  const lower = fullPath.toLowerCase();
  const loc = (unix ? NIX_FILE_LOCATIONS : WIN_FILE_LOCATIONS).find((l) => lower.includes(l.marker.toLowerCase()) && (!l.payloadOnly || isPayloadName(name)));
  // only when the report gives the folder: a bare file name says nothing about where it was written
  if (loc && dirName(a.path) !== undefined) {
    const sel: Array<[string, Selection]> = [['selection_location', { 'TargetFilename|contains': loc.marker }]];
    const ext = extensionOf(name);
    if (loc.payloadOnly && ext) sel.push(['selection_type', { 'TargetFilename|endswith': `.${ext}` }]);
    out.push({
      family: 'file',
      pattern: 'behaviour',
      what: loc.what + (loc.payloadOnly && ext ? ` (.${ext})` : ''),
      logsource,
      selections: sel,
      condition: sel.length > 1 ? 'all of selection_*' : 'selection_location',
      level: loc.level,
      falsepositives: ['Installers and updaters writing to the same folder'],
      explain: `Any file${loc.payloadOnly && ext ? ` of type .${ext}` : ''} created under ${loc.marker}, where the report's file was written; the file name is left out so other names match.`,
      positives: [positive],
      nearMisses: [nearMiss],
      artefact: a,
    });
  }
  if (distinctiveFileName(name, ctx.catalog)) {
    out.push({
      family: 'file',
      pattern: 'ioc',
      what: `file ${name} from the report`,
      logsource,
      selections: [['selection', { 'TargetFilename|endswith': imageSuffix(name, platform) }]],
      condition: 'selection',
      level: 'high',
      falsepositives: [`A legitimate file that happens to be called ${name}`],
      explain: `The file name ${name} the report gives, in any folder.`,
      positives: [positive],
      nearMisses: [nearMiss],
      artefact: a,
    });
  }
  return out;
}

const TASK_SUSPICIOUS = ['powershell', 'cmd.exe', 'cmd /c', 'mshta', 'rundll32', 'regsvr32', 'wscript', 'cscript', ...USER_WRITABLE_MARKERS];

export function taskDrafts(a: Of<'task'>): RuleDraft[] {
  const out: RuleDraft[] = [];
  const name = a.name.replace(/^\\+/, '');
  const positive = taskCreated(name, a.command);
  const nearMiss = taskCreated('Microsoft\\Windows\\Defrag\\ScheduledDefrag', 'C:\\Windows\\System32\\defrag.exe');
  const logsource = { product: 'windows', service: 'security' };
  const cmd = a.command ? expandWindowsEnv(a.command).toLowerCase() : '';
  const markers = uniq(TASK_SUSPICIOUS.filter((m) => cmd.includes(m.toLowerCase()))).slice(0, 4);
  if (markers.length > 0) {
    out.push({
      family: 'task',
      pattern: 'behaviour',
      what: `scheduled task created that runs ${markers.join(' or ')}`,
      logsource,
      selections: [['selection', { EventID: 4698, 'TaskContent|contains': markers.length === 1 ? markers[0]! : markers }]],
      condition: 'selection',
      level: 'medium',
      falsepositives: ['Management software that schedules scripts'],
      explain: `A scheduled task (Security 4698) whose action runs ${markers.join(' or ')}, as the report's task does; the task name is left out.`,
      positives: [positive],
      nearMisses: [nearMiss],
      artefact: a,
    });
  }
  const last = name.split('\\').pop() ?? name;
  if (distinctiveWord(last)) {
    out.push({
      family: 'task',
      pattern: 'ioc',
      what: `scheduled task ${last} from the report`,
      logsource,
      selections: [['selection', { EventID: 4698, 'TaskName|endswith': `\\${last}` }]],
      condition: 'selection',
      level: 'high',
      falsepositives: [`A legitimate task called ${last}`],
      explain: `A scheduled task (Security 4698) with the name the report gives.`,
      positives: [positive],
      nearMisses: [nearMiss],
      artefact: a,
    });
  }
  return out;
}

export function serviceDrafts(a: Of<'service'>): RuleDraft[] {
  const out: RuleDraft[] = [];
  const positive = serviceInstalled(a.name, a.binPath);
  const nearMiss = serviceInstalled('Spooler', 'C:\\Windows\\System32\\spoolsv.exe');
  const logsource = { product: 'windows', service: 'system' };
  const bin = a.binPath ? expandWindowsEnv(a.binPath).toLowerCase() : '';
  const markers = uniq(TASK_SUSPICIOUS.filter((m) => bin.includes(m.toLowerCase()))).slice(0, 4);
  if (markers.length > 0) {
    out.push({
      family: 'service',
      pattern: 'behaviour',
      what: `service installed whose binary path contains ${markers.join(' or ')}`,
      logsource,
      selections: [['selection', { Provider_Name: 'Service Control Manager', EventID: 7045, 'ImagePath|contains': markers.length === 1 ? markers[0]! : markers }]],
      condition: 'selection',
      level: 'high',
      falsepositives: ['Software that installs services from user-writable folders'],
      explain: `A new service (System 7045) whose binary path contains ${markers.join(' or ')}, as the report's service does; the service name is left out.`,
      positives: [positive],
      nearMisses: [nearMiss],
      artefact: a,
    });
  }
  if (distinctiveWord(a.name)) {
    out.push({
      family: 'service',
      pattern: 'ioc',
      what: `service ${a.name} from the report`,
      logsource,
      selections: [['selection', { Provider_Name: 'Service Control Manager', EventID: 7045, ServiceName: a.name }]],
      condition: 'selection',
      level: 'high',
      falsepositives: [`A legitimate service called ${a.name}`],
      explain: 'A new service (System 7045) with the name the report gives.',
      positives: [positive],
      nearMisses: [nearMiss],
      artefact: a,
    });
  }
  return out;
}

export function accountDrafts(a: Of<'account'>): RuleDraft[] {
  if (!distinctiveWord(a.name)) return [];
  return [
    {
      family: 'account',
      pattern: 'ioc',
      what: `account ${a.name} created`,
      logsource: { product: 'windows', service: 'security' },
      selections: [['selection', { EventID: 4720, TargetUserName: a.name }]],
      condition: 'selection',
      level: 'high',
      falsepositives: [`A legitimate account called ${a.name}`],
      explain: 'A user account (Security 4720) with the name the report gives.',
      positives: [accountCreated(a.name)],
      nearMisses: [accountCreated('svc_backup_contoso')],
      artefact: a,
    },
  ];
}

/** Access masks credential dumpers request on LSASS (read memory, query information). */
const LSASS_ACCESS = ['0x1010', '0x1410', '0x1438', '0x143a', '0x1fffff', '0x1f1fff', '0x1f3fff'];

export function processAccessDrafts(a: Of<'target-process'>): RuleDraft[] {
  const tool = a.procedure.tool?.name;
  const source = tool ? `C:\\Users\\Public\\${tool.toLowerCase().replace(/[^a-z0-9._-]+/g, '')}.exe` : 'C:\\Users\\Public\\dumper.exe';
  return [
    {
      family: 'process-access',
      pattern: 'behaviour',
      what: `memory read access to ${a.name}`,
      logsource: { product: 'windows', category: 'process_access' },
      selections: [
        ['selection', { 'TargetImage|endswith': `\\${a.name}`, GrantedAccess: LSASS_ACCESS }],
        ['filter_system', { 'SourceImage|startswith': ['C:\\Windows\\System32\\', 'C:\\Program Files\\Windows Defender\\', 'C:\\ProgramData\\Microsoft\\Windows Defender\\'] }],
      ],
      condition: 'selection and not filter_system',
      level: 'high',
      falsepositives: ['Security products and backup agents that read LSASS memory'],
      explain: `A process outside the system folders opening ${a.name} with the access rights credential dumpers use (${LSASS_ACCESS.join(', ')}).`,
      positives: [processAccess('C:\\Windows\\System32\\lsass.exe', source)],
      nearMisses: [processAccess('C:\\Windows\\System32\\lsass.exe', 'C:\\Windows\\System32\\svchost.exe')],
      artefact: a,
    },
  ];
}
