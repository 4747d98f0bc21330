/**
 * The flat shape: one object per event with System fields and EventData /
 * UserData fields at top level, equal to the python-evtx `.jsonl` conversion
 * beside the evtx-attack-samples (python-evtx XML, then an XML parser, then
 * flattening). Values are the text python-evtx writes, after what its XML
 * escaping drops (ASCII control characters other than tab/LF/CR) and what an
 * XML parser normalises (CR LF and lone CR become LF).
 */
import { isElement, ValueType, type EvtxValue, type XChild, type XElement } from './model.js';
import { pyText } from './render-text.js';

// Control characters python-evtx's escape_value removes (its RESTRICTED_CHARS after
// the ASCII step: characters above 0x7F were already turned into character references).
const RESTRICTED = /[\x01-\x08\x0b\x0c\x0e-\x1f\x7f]/g;
const NEEDS_CLEAN = /[\x01-\x08\x0b-\x1f\x7f]/;

function cleanText(s: string): string {
  if (!NEEDS_CLEAN.test(s)) return s;
  return s.replace(RESTRICTED, '').replace(/\r\n?/g, '\n');
}

/** XML attribute-value normalisation: line ends, tabs and newlines become spaces. */
function cleanAttr(s: string): string {
  return cleanText(s).replace(/[\t\n]/g, ' ');
}

function partsText(parts: readonly EvtxValue[]): string {
  if (parts.length === 1) return pyText(parts[0]!);
  let s = '';
  for (const p of parts) s += pyText(p);
  return s;
}

/** ElementTree's `.text`: the text before the first child element. */
function elementText(el: XElement): string {
  let s = '';
  for (const c of el.children) {
    if (isElement(c)) break;
    if (c.type === ValueType.BinXml) continue;
    s += pyText(c);
  }
  return cleanText(s);
}

function attr(el: XElement, name: string): string | undefined {
  for (const a of el.attrs) if (a.name === name) return cleanAttr(partsText(a.parts));
  return undefined;
}

function child(el: XElement, name: string): XElement | undefined {
  for (const c of el.children) if (isElement(c) && c.name === name) return c;
  return undefined;
}

function hasElementChild(el: XElement): boolean {
  for (const c of el.children) if (isElement(c)) return true;
  return false;
}

/** Keys the System part can produce; EventData names equal to one get an `EventData_` prefix. */
const SYSTEM_KEYS = new Set([
  'EventID',
  'Provider_Name',
  'Provider_Guid',
  'EventSourceName',
  'Channel',
  'Computer',
  'TimeCreated',
  'EventRecordID',
  'Version',
  'Level',
  'Task',
  'Opcode',
  'Keywords',
  'Qualifiers',
  'Execution_ProcessID',
  'Execution_ThreadID',
  'Security_UserID',
  'ActivityID',
  'RelatedActivityID',
]);

function toInt(s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  const t = s.trim();
  if (!/^[+-]?\d+$/.test(t)) return undefined;
  return Number(t);
}

function setIf(out: Record<string, unknown>, key: string, value: unknown): void {
  if (value !== undefined && value !== '') out[key] = value;
}

function flattenSystem(sys: XElement, out: Record<string, unknown>): void {
  const text = (name: string): string | undefined => {
    const el = child(sys, name);
    return el ? elementText(el) : undefined;
  };
  const provider = child(sys, 'Provider');
  const eventId = child(sys, 'EventID');
  setIf(out, 'EventID', eventId ? toInt(elementText(eventId)) : undefined);
  if (provider) {
    setIf(out, 'Provider_Name', attr(provider, 'Name'));
    setIf(out, 'Provider_Guid', attr(provider, 'Guid'));
    setIf(out, 'EventSourceName', attr(provider, 'EventSourceName'));
  }
  setIf(out, 'Channel', text('Channel'));
  setIf(out, 'Computer', text('Computer'));
  const created = child(sys, 'TimeCreated');
  const systemTime = created ? attr(created, 'SystemTime') : undefined;
  if (systemTime) out.TimeCreated = systemTime.replace(' ', 'T') + 'Z';
  setIf(out, 'EventRecordID', toInt(text('EventRecordID')));
  setIf(out, 'Version', toInt(text('Version')));
  setIf(out, 'Level', toInt(text('Level')));
  setIf(out, 'Task', toInt(text('Task')));
  setIf(out, 'Opcode', toInt(text('Opcode')));
  setIf(out, 'Keywords', text('Keywords'));
  if (eventId) setIf(out, 'Qualifiers', attr(eventId, 'Qualifiers'));
  const exec = child(sys, 'Execution');
  if (exec) {
    setIf(out, 'Execution_ProcessID', toInt(attr(exec, 'ProcessID')));
    setIf(out, 'Execution_ThreadID', toInt(attr(exec, 'ThreadID')));
  }
  const security = child(sys, 'Security');
  if (security) setIf(out, 'Security_UserID', attr(security, 'UserID'));
  const correlation = child(sys, 'Correlation');
  if (correlation) {
    setIf(out, 'ActivityID', attr(correlation, 'ActivityID'));
    setIf(out, 'RelatedActivityID', attr(correlation, 'RelatedActivityID'));
  }
}

function dataKey(name: string): string {
  return SYSTEM_KEYS.has(name) ? `EventData_${name}` : name;
}

function flattenEventData(ed: XElement, out: Record<string, unknown>): void {
  const unnamed: string[] = [];
  for (const c of ed.children) {
    if (!isElement(c)) continue;
    if (c.name === 'Data') {
      const name = attr(c, 'Name');
      if (name === undefined) unnamed.push(elementText(c));
      else out[dataKey(name)] = elementText(c);
    } else {
      out[dataKey(c.name)] = elementText(c);
    }
  }
  if (unnamed.length === 1) out.Data = unnamed[0];
  else if (unnamed.length > 1) out.Data = unnamed;
}

function flattenLeaves(el: XElement, prefix: string, out: Record<string, unknown>): void {
  for (const c of el.children) {
    if (!isElement(c)) continue;
    const key = prefix ? `${prefix}_${c.name}` : c.name;
    if (hasElementChild(c)) flattenLeaves(c, key, out);
    else out[dataKey(key)] = elementText(c);
  }
}

function flattenUserData(ud: XElement, out: Record<string, unknown>): void {
  const type = ud.children.find(isElement) as XElement | undefined;
  if (!type) return;
  out.UserDataType = type.name;
  flattenLeaves(type, '', out);
}

/** Flatten an `Event` element into the python-evtx JSONL shape. */
export function flattenEvent(root: XElement): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const sys = child(root, 'System');
  if (sys) flattenSystem(sys, out);
  for (const c of root.children as XChild[]) {
    if (!isElement(c)) continue;
    if (c.name === 'EventData') flattenEventData(c, out);
    else if (c.name === 'UserData') flattenUserData(c, out);
  }
  return out;
}
