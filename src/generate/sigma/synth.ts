/**
 * Synthetic events: the Sysmon / Windows / Sysmon-for-Linux records a host
 * would write when an artefact happens, in the flat field layout our log
 * readers produce. They prove generated rules against the report's own
 * artefacts, find the SigmaHQ rules that already cover a procedure, and
 * name the telemetry an emulation step should raise.
 */
import type { EventFields } from '../../sigma/index.js';
import type { Platform } from '../command/analyze.js';
import { baseName } from '../command/classify.js';
import type { BinaryCatalog } from '../knowledge/catalog.js';

const SYSMON = 'Microsoft-Windows-Sysmon/Operational';
const SYSMON_LINUX = 'Linux-Sysmon/Operational';
const HOST = 'VICTIM-01';
const USER_HOME = 'C:\\Users\\victim';

/** Environment variables a shell would expand before the process starts. */
const WIN_ENV: Record<string, string> = {
  temp: `${USER_HOME}\\AppData\\Local\\Temp`,
  tmp: `${USER_HOME}\\AppData\\Local\\Temp`,
  appdata: `${USER_HOME}\\AppData\\Roaming`,
  localappdata: `${USER_HOME}\\AppData\\Local`,
  userprofile: USER_HOME,
  homepath: '\\Users\\victim',
  public: 'C:\\Users\\Public',
  programdata: 'C:\\ProgramData',
  allusersprofile: 'C:\\ProgramData',
  systemroot: 'C:\\Windows',
  windir: 'C:\\Windows',
  systemdrive: 'C:',
  programfiles: 'C:\\Program Files',
  'programfiles(x86)': 'C:\\Program Files (x86)',
  comspec: 'C:\\Windows\\System32\\cmd.exe',
  username: 'victim',
  computername: HOST,
};

/** `%TEMP%`, `$env:TEMP`, `${env:TEMP}` → their usual values (unknown names are left as written). */
export function expandWindowsEnv(text: string): string {
  return text
    .replace(/%([A-Za-z_()0-9]{2,30})%/g, (m, n: string) => WIN_ENV[n.toLowerCase()] ?? m)
    .replace(/\$\{?env:([A-Za-z_()0-9]{2,30})\}?/gi, (m, n: string) => WIN_ENV[n.toLowerCase()] ?? m);
}

/** Where a program would be on disk. */
export function imagePath(name: string, dir: string | undefined, platform: Platform, catalog: BinaryCatalog): string {
  if (platform !== 'windows') {
    if (dir && dir.startsWith('/')) return `${dir}/${name}`;
    return `/usr/bin/${name}`;
  }
  if (dir) {
    const d = expandWindowsEnv(dir);
    if (/^[a-z]:\\/i.test(d) || d.startsWith('\\\\')) return `${d.replace(/\\+$/, '')}\\${name}`;
  }
  const known = catalog.binary(name)?.dir;
  return known ? `${known}\\${name}` : `C:\\Users\\Public\\${name}`;
}

let record = 1;
function base(channel: string, eventId: number, platform: Platform): EventFields {
  const e: EventFields = { Channel: channel, EventID: eventId, Computer: platform === 'windows' ? HOST : 'victim-01', EventRecordID: record++, TimeCreated: '2024-01-01T00:00:00.000Z' };
  if (channel === SYSMON || channel === SYSMON_LINUX) e['Provider_Name'] = channel === SYSMON ? 'Microsoft-Windows-Sysmon' : 'Linux-Sysmon';
  return e;
}

export interface ProcessEventSpec {
  platform: Platform;
  image: string;
  commandLine: string;
  originalFileName?: string;
  parentImage?: string;
  parentCommandLine?: string;
  hashes?: string;
  user?: string;
}

export function processCreation(s: ProcessEventSpec): EventFields {
  const e = base(s.platform === 'windows' ? SYSMON : SYSMON_LINUX, 1, s.platform);
  e['Image'] = s.image;
  e['CommandLine'] = s.platform === 'windows' ? expandWindowsEnv(s.commandLine) : s.commandLine;
  if (s.originalFileName) e['OriginalFileName'] = s.originalFileName;
  e['ParentImage'] = s.parentImage ?? (s.platform === 'windows' ? 'C:\\Windows\\explorer.exe' : '/usr/bin/bash');
  e['ParentCommandLine'] = s.parentCommandLine ?? (s.platform === 'windows' ? 'C:\\Windows\\Explorer.EXE' : '/usr/bin/bash');
  e['User'] = s.user ?? (s.platform === 'windows' ? `${HOST}\\victim` : 'victim');
  e['CurrentDirectory'] = s.platform === 'windows' ? `${USER_HOME}\\` : '/home/victim';
  e['IntegrityLevel'] = 'Medium';
  if (s.hashes) e['Hashes'] = s.hashes;
  return e;
}

/** Sysmon 13 (value set) or 12 (key created); hives as Sysmon writes them. */
export function registryEvent(op: 'set' | 'add', targetObject: string, details: string | undefined, image = 'C:\\Windows\\System32\\reg.exe'): EventFields {
  const e = base(SYSMON, op === 'set' ? 13 : 12, 'windows');
  e['EventType'] = op === 'set' ? 'SetValue' : 'CreateKey';
  e['Image'] = image;
  e['TargetObject'] = targetObject;
  if (op === 'set') e['Details'] = details ?? '(Empty)';
  return e;
}

/** A key as Sysmon logs it: `HKLM\…`, `HKU\<SID>\…` for the current user, `HKCR\…`. */
export function sysmonRegistryPath(key: string): string {
  const k = key.replace(/^Registry::/i, '').replace(/^([A-Z_]+):\\?/i, '$1\\');
  const m = /^(HKEY_LOCAL_MACHINE|HKLM|HKEY_CURRENT_USER|HKCU|HKEY_USERS|HKU|HKEY_CLASSES_ROOT|HKCR)(\\|$)(.*)$/i.exec(k);
  if (!m) return `HKLM\\${k}`;
  const hive = m[1]!.toUpperCase();
  const rest = m[3]!;
  if (hive === 'HKEY_LOCAL_MACHINE' || hive === 'HKLM') return `HKLM\\${rest}`;
  if (hive === 'HKEY_CURRENT_USER' || hive === 'HKCU') return `HKU\\S-1-5-21-1111111111-2222222222-3333333333-1001\\${rest}`;
  if (hive === 'HKEY_CLASSES_ROOT' || hive === 'HKCR') return `HKCR\\${rest}`;
  return `HKU\\${rest}`;
}

export function fileCreate(path: string, platform: Platform, image?: string): EventFields {
  const e = base(platform === 'windows' ? SYSMON : SYSMON_LINUX, 11, platform);
  e['Image'] = image ?? (platform === 'windows' ? 'C:\\Windows\\System32\\cmd.exe' : '/usr/bin/bash');
  e['TargetFilename'] = platform === 'windows' ? expandWindowsEnv(path) : path;
  return e;
}

export function dnsQuery(name: string, image = 'C:\\Windows\\System32\\svchost.exe'): EventFields {
  const e = base(SYSMON, 22, 'windows');
  e['QueryName'] = name;
  e['QueryStatus'] = '0';
  e['Image'] = image;
  return e;
}

export function networkConnection(ip: string, port: number | undefined, platform: Platform, image?: string): EventFields {
  const e = base(platform === 'windows' ? SYSMON : SYSMON_LINUX, 3, platform);
  e['Image'] = image ?? (platform === 'windows' ? 'C:\\Windows\\System32\\rundll32.exe' : '/usr/bin/curl');
  e['Initiated'] = 'true';
  e['Protocol'] = 'tcp';
  e['SourceIp'] = '10.0.0.5';
  e['SourcePort'] = 49731;
  e['DestinationIp'] = ip;
  e['DestinationPort'] = port ?? 443;
  return e;
}

export function psScriptBlock(text: string): EventFields {
  const e = base('Microsoft-Windows-PowerShell/Operational', 4104, 'windows');
  e['Provider_Name'] = 'Microsoft-Windows-PowerShell';
  e['ScriptBlockText'] = text;
  e['MessageNumber'] = 1;
  e['MessageTotal'] = 1;
  return e;
}

export function taskCreated(name: string, command: string | undefined): EventFields {
  const e = base('Security', 4698, 'windows');
  e['Provider_Name'] = 'Microsoft-Windows-Security-Auditing';
  e['TaskName'] = name.startsWith('\\') ? name : `\\${name}`;
  e['TaskContent'] = `<Task><Actions><Exec><Command>${command ?? ''}</Command></Exec></Actions></Task>`;
  e['SubjectUserName'] = 'victim';
  return e;
}

export function serviceInstalled(name: string, imagePathValue: string | undefined): EventFields {
  const e = base('System', 7045, 'windows');
  e['Provider_Name'] = 'Service Control Manager';
  e['ServiceName'] = name;
  e['ImagePath'] = imagePathValue ?? 'C:\\Windows\\System32\\svchost.exe';
  e['ServiceType'] = 'user mode service';
  e['StartType'] = 'auto start';
  e['AccountName'] = 'LocalSystem';
  return e;
}

export function accountCreated(name: string): EventFields {
  const e = base('Security', 4720, 'windows');
  e['Provider_Name'] = 'Microsoft-Windows-Security-Auditing';
  e['TargetUserName'] = name;
  e['SubjectUserName'] = 'victim';
  return e;
}

export function processAccess(target: string, source: string, access = '0x1010'): EventFields {
  const e = base(SYSMON, 10, 'windows');
  e['SourceImage'] = source;
  e['TargetImage'] = target;
  e['GrantedAccess'] = access;
  e['CallTrace'] = 'C:\\Windows\\SYSTEM32\\ntdll.dll+9d4c4|C:\\Windows\\System32\\KERNELBASE.dll+2c13e';
  return e;
}

/** The name part of a Windows or Unix path, as `Image|endswith` wants it (with the separator). */
export function imageSuffix(name: string, platform: Platform): string {
  return (platform === 'windows' ? '\\' : '/') + baseName(name);
}
