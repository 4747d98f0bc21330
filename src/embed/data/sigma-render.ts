/**
 * SigmaHQ rules rendered as synthetic events: pick search identifiers that
 * make the condition true (filters, which sit under `not`, are left out), pick
 * one alternative and one value per item, and turn each `field|modifiers:
 * value` into a field value that satisfies it (`endswith` gets a plausible
 * prefix, `contains` surrounding text, `base64` the encoding, `re` a literal
 * reading of the pattern). The event takes the shape of the rule's logsource
 * (Sysmon event ids and fields, PowerShell 4104, Security ids), so the log
 * readers' normaliser and the provenance sequence builder turn it into a
 * behaviour sequence exactly as they do for real logs.
 */
import type { LogRecord } from '../../logs/record.js';
import type { ConditionNode, DetectionItem, SearchIdentifier, SigmaRule, SigmaValue } from '../../sigma/rule/types.js';
import { Rng } from '../rng.js';

interface Shape {
  eventId: number;
  channel: string;
  provider: string;
  /** Field that holds the acting image for this event id. */
  imageField: string;
}

const SYSMON = { channel: 'Microsoft-Windows-Sysmon/Operational', provider: 'Microsoft-Windows-Sysmon' };

const CATEGORY_SHAPES: Record<string, Shape> = {
  process_creation: { eventId: 1, ...SYSMON, imageField: 'Image' },
  network_connection: { eventId: 3, ...SYSMON, imageField: 'Image' },
  driver_load: { eventId: 6, ...SYSMON, imageField: 'Image' },
  image_load: { eventId: 7, ...SYSMON, imageField: 'Image' },
  create_remote_thread: { eventId: 8, ...SYSMON, imageField: 'SourceImage' },
  raw_access_thread: { eventId: 9, ...SYSMON, imageField: 'Image' },
  process_access: { eventId: 10, ...SYSMON, imageField: 'SourceImage' },
  file_event: { eventId: 11, ...SYSMON, imageField: 'Image' },
  file_change: { eventId: 2, ...SYSMON, imageField: 'Image' },
  file_rename: { eventId: 11, ...SYSMON, imageField: 'Image' },
  file_access: { eventId: 11, ...SYSMON, imageField: 'Image' },
  file_executable_detected: { eventId: 29, ...SYSMON, imageField: 'Image' },
  registry_add: { eventId: 12, ...SYSMON, imageField: 'Image' },
  registry_delete: { eventId: 12, ...SYSMON, imageField: 'Image' },
  registry_set: { eventId: 13, ...SYSMON, imageField: 'Image' },
  registry_event: { eventId: 13, ...SYSMON, imageField: 'Image' },
  create_stream_hash: { eventId: 15, ...SYSMON, imageField: 'Image' },
  pipe_created: { eventId: 17, ...SYSMON, imageField: 'Image' },
  wmi_event: { eventId: 20, ...SYSMON, imageField: 'Image' },
  dns_query: { eventId: 22, ...SYSMON, imageField: 'Image' },
  file_delete: { eventId: 23, ...SYSMON, imageField: 'Image' },
  ps_script: { eventId: 4104, channel: 'Microsoft-Windows-PowerShell/Operational', provider: 'Microsoft-Windows-PowerShell', imageField: '' },
  ps_module: { eventId: 4103, channel: 'Microsoft-Windows-PowerShell/Operational', provider: 'Microsoft-Windows-PowerShell', imageField: '' },
};

const DEFAULT_IMAGE: Record<string, string> = {
  windows: 'C:\\Windows\\System32\\rundll32.exe',
  linux: '/usr/bin/bash',
  macos: '/bin/zsh',
};
const POWERSHELL = 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe';

/** Fields that hold paths: `endswith`/`contains` values get a path around them. */
const PATH_FIELDS = /image|filename|path|targetobject|imageloaded|device|file$/i;

/** The searches that, all true, make `node` true; `variant` chooses among `or` branches. */
function satisfying(node: ConditionNode, names: string[], rng: Rng): string[] | undefined {
  switch (node.kind) {
    case 'ref':
      return [node.name];
    case 'not':
      return []; // leave negated searches (filters) out of the event
    case 'and': {
      const out: string[] = [];
      for (const a of node.args) {
        const s = satisfying(a, names, rng);
        if (!s) return undefined;
        out.push(...s);
      }
      return out;
    }
    case 'or': {
      const order = rng.shuffle(node.args.map((_, i) => i));
      for (const i of order) {
        const s = satisfying(node.args[i]!, names, rng);
        if (s && s.length > 0) return s;
      }
      return undefined;
    }
    case 'of': {
      const match = (n: string) =>
        node.pattern === 'them' ? !/^filter/i.test(n) : node.pattern.endsWith('*') ? n.startsWith(node.pattern.slice(0, -1)) : n === node.pattern;
      const list = names.filter(match);
      if (list.length === 0) return undefined;
      return node.quantifier === 'all' ? list : [list[rng.int(list.length)]!];
    }
  }
}

/** A literal reading of a regular expression: escapes resolved, operators and classes dropped. */
function regexLiteral(pattern: string): string {
  let out = '';
  for (let i = 0; i < pattern.length && out.length < 200; i++) {
    const c = pattern[i]!;
    if (c === '\\') {
      const n = pattern[i + 1];
      i++;
      if (n === undefined) break;
      if ('dDwWsSbB'.includes(n)) out += n === 's' ? ' ' : n === 'd' ? '1' : n === 'w' ? 'a' : '';
      else out += n;
    } else if (c === '[') {
      // take the first member of a class
      const end = pattern.indexOf(']', i + 1);
      const first = pattern[i + 1] === '^' ? '' : (pattern[i + 1] ?? '');
      out += first === '\\' ? (pattern[i + 2] ?? '') : first;
      i = end < 0 ? pattern.length : end;
    } else if (c === '{') {
      const end = pattern.indexOf('}', i + 1);
      i = end < 0 ? pattern.length : end;
    } else if ('^$()*+?|.'.includes(c)) {
      if (c === '.') out += pattern[i + 1] === '*' || pattern[i + 1] === '+' ? '' : 'x';
      if (c === '|') break; // first alternative only
    } else out += c;
  }
  return out;
}

function valueText(v: SigmaValue, rng: Rng): string | undefined {
  switch (v.type) {
    case 'string': {
      let out = '';
      for (const p of v.parts) {
        if (p.kind === 'text') out += p.text;
        else if (p.kind === 'any') out += rng.next() < 0.5 ? '' : 'x';
        else if (p.kind === 'one') out += 'a';
        else out += `%${p.name}%`;
      }
      return out;
    }
    case 'number':
      return String(v.value);
    case 'bool':
      return String(v.value);
    case 'regex':
      return regexLiteral(v.pattern);
    case 'cidr':
      return v.raw.split('/')[0];
    default:
      return undefined;
  }
}

function encodeValue(text: string, mods: readonly string[]): string {
  let bytes: Buffer;
  if (mods.includes('utf16le') || mods.includes('wide') || mods.includes('utf16')) bytes = Buffer.from(text, 'utf16le');
  else if (mods.includes('utf16be')) bytes = Buffer.from(text, 'utf16le').swap16();
  else bytes = Buffer.from(text, 'utf8');
  if (mods.includes('base64') || mods.includes('base64offset')) return bytes.toString('base64').replace(/=+$/, '');
  return text;
}

/** A value that satisfies `field|mods: value`, with plausible context. */
function renderItem(item: DetectionItem, rng: Rng, platform: string): string | undefined {
  const mods = item.modifiers;
  const values = mods.includes('all') ? item.values : [item.values[rng.int(item.values.length)]!];
  const parts: string[] = [];
  for (const v of values) {
    const t = valueText(v, rng);
    if (t === undefined) continue;
    parts.push(encodeValue(t, mods));
  }
  if (parts.length === 0) return undefined;
  let text = parts.join(' ');
  const field = item.field ?? '';
  const isPath = PATH_FIELDS.test(field);
  if (/targetobject/i.test(field) && (mods.includes('endswith') || mods.includes('contains')) && !/^(hk|\\registry)/i.test(text)) {
    text = (/^\\?_classes/i.test(text) ? 'HKU\\S-1-5-21-1000' : 'HKLM\\SOFTWARE') + (text.startsWith('\\') ? '' : '\\') + text;
  } else if (mods.includes('endswith') && isPath && !/^[a-z]:\\|^\//i.test(text)) {
    const sep = platform === 'windows' ? '\\' : '/';
    const prefix = platform === 'windows' ? (/^\\?[^\\]*\.(exe|dll)$/i.test(text) ? 'C:\\Windows\\System32' : 'C:\\Users\\user\\AppData\\Local\\Temp') : '/tmp';
    text = prefix + (text.startsWith(sep) ? '' : sep) + text;
  } else if (mods.includes('contains') && !isPath && /commandline|scriptblocktext|payload|query/i.test(field)) {
    text = `${text}`;
  }
  return text;
}

function platformOf(rule: SigmaRule): string | undefined {
  const p = rule.logsource.product?.toLowerCase();
  if (p === 'windows' || p === 'linux' || p === 'macos') return p;
  return undefined;
}

export interface RenderedRule {
  records: LogRecord[];
  /** ProcessGuid (lower case, no braces) of the process whose sequence carries the rule's behaviour. */
  actorGuid: string;
}

function guid(n: number): string {
  const h = (n >>> 0).toString(16).padStart(8, '0');
  return `${h}-0000-4000-8000-${h}${h.slice(0, 4)}`;
}

/**
 * Render `rule` as synthetic records (variant `variant` picks other branches
 * and values). Undefined when the rule's logsource is not host telemetry we
 * can render or no selection can be satisfied.
 */
export function renderRule(rule: SigmaRule, variant: number, seed: number, serial: number): RenderedRule | undefined {
  const platform = platformOf(rule);
  if (!platform) return undefined;
  const category = rule.logsource.category?.toLowerCase() ?? '';
  const service = rule.logsource.service?.toLowerCase() ?? '';
  let shape = CATEGORY_SHAPES[category];
  if (!shape && platform === 'windows' && (service === 'security' || service === 'system')) {
    shape = { eventId: 0, channel: service === 'security' ? 'Security' : 'System', provider: service === 'security' ? 'Microsoft-Windows-Security-Auditing' : 'Service Control Manager', imageField: 'NewProcessName' };
  }
  if (!shape) return undefined;
  const rng = new Rng((seed ^ Math.imul(serial + 1, 0x9e3779b1) ^ Math.imul(variant + 1, 0x85ebca6b)) >>> 0);
  const names = [...rule.detection.searches.keys()];
  const chosen = satisfying(rule.detection.condition, names, rng);
  if (!chosen || chosen.length === 0) return undefined;
  const fields: Record<string, string> = {};
  const keywords: string[] = [];
  for (const name of chosen) {
    const search: SearchIdentifier | undefined = rule.detection.searches.get(name);
    if (!search || search.alternatives.length === 0) continue;
    const alt = search.alternatives[rng.int(search.alternatives.length)]!;
    for (const item of alt) {
      if (item.modifiers.includes('exists') || item.modifiers.includes('fieldref') || item.values.length === 0) continue;
      const text = renderItem(item, rng, platform);
      if (text === undefined) continue;
      if (item.field === null) keywords.push(text);
      else fields[item.field] = fields[item.field] ? `${fields[item.field]} ${text}` : text;
    }
  }
  if (Object.keys(fields).length === 0 && keywords.length === 0) return undefined;

  const time = Date.UTC(2024, 0, 1) + serial * 1000;
  const actorGuid = guid(serial * 2 + 1);
  const parentGuid = guid(serial * 2 + 2);
  const isPs = shape.eventId === 4104 || shape.eventId === 4103;
  const image = isPs ? POWERSHELL : (fields.Image ?? fields[shape.imageField] ?? fields.NewProcessName ?? DEFAULT_IMAGE[platform]!);
  const base = (eventId: number, extra: Record<string, unknown>, record: number): LogRecord => ({
    fields: {
      EventID: eventId,
      Channel: shape.channel,
      Provider_Name: shape.provider,
      Computer: 'synthetic',
      TimeCreated: new Date(time + record).toISOString(),
      EventRecordID: serial * 4 + record,
      ...extra,
    },
    format: 'win-flat',
    source: { file: `sigma:${rule.id ?? rule.title}`, record },
  });
  const records: LogRecord[] = [];
  const creation = {
    Channel: SYSMON.channel,
    Provider_Name: SYSMON.provider,
    ProcessGuid: `{${actorGuid}}`,
    ProcessId: String(1000 + (serial % 50000)),
    Image: image,
    CommandLine: fields.CommandLine ?? (keywords.length && shape.eventId === 1 ? `${image} ${keywords.join(' ')}` : image),
    ParentProcessGuid: `{${parentGuid}}`,
    ParentProcessId: '900',
    ParentImage: fields.ParentImage ?? (platform === 'windows' ? 'C:\\Windows\\explorer.exe' : '/usr/bin/bash'),
    ParentCommandLine: fields.ParentCommandLine ?? '',
    User: fields.User ?? 'host\\user',
    IntegrityLevel: fields.IntegrityLevel ?? 'Medium',
    OriginalFileName: fields.OriginalFileName ?? '',
  };
  if (shape.eventId === 1) {
    records.push(base(1, { ...fields, ...creation }, 0));
    return { records, actorGuid };
  }
  // the acting process first, so its sequence carries image and command line
  records.push(base(1, creation, 0));
  if (shape.channel === 'Security' || shape.channel === 'System') {
    const eventId = Number(fields.EventID ?? 0);
    if (!eventId) return undefined;
    records.push(base(eventId, { ...fields, EventID: eventId, ProcessId: creation.ProcessId, ProcessName: image, NewProcessName: fields.NewProcessName ?? image, SubjectUserName: 'user' }, 1));
    return { records, actorGuid };
  }
  if (isPs) {
    const script = fields.ScriptBlockText ?? fields.Payload ?? keywords.join(' ');
    records.push(base(shape.eventId, { ...fields, ScriptBlockText: script, Payload: script, Execution_ProcessID: Number(creation.ProcessId), ContextInfo: `Host Application = ${image}` }, 1));
    return { records, actorGuid };
  }
  const extra: Record<string, unknown> = { ...fields, ProcessGuid: `{${actorGuid}}`, ProcessId: creation.ProcessId, Image: image };
  if (shape.imageField === 'SourceImage') {
    extra.SourceProcessGuid = `{${actorGuid}}`;
    extra.SourceProcessId = creation.ProcessId;
    extra.SourceImage = image;
    extra.TargetImage ??= 'C:\\Windows\\System32\\lsass.exe';
  }
  if (category === 'registry_delete') extra.EventType = 'DeleteKey';
  if (category === 'registry_add') extra.EventType = 'CreateKey';
  if (category === 'registry_set' || category === 'registry_event') extra.EventType ??= 'SetValue';
  if (keywords.length) extra.CommandLine = keywords.join(' ');
  records.push(base(shape.eventId, extra, 1));
  return { records, actorGuid };
}
