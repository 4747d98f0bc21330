/**
 * The nested shape: XML-as-JSON like the SigmaHQ regression `.json` files
 * (`Event.System`, `Event.EventData` / `Event.UserData`): attributes under
 * `#attributes`, text under `#text` when an element also has attributes,
 * typed values (integers as numbers, GUIDs upper case without braces, hex
 * unpadded, times ISO-8601 UTC), empty elements as null, and `<Data Name="X">`
 * children keyed by their Name.
 */
import { isElement, ValueType, type EvtxValue, type XAttribute, type XElement } from './model.js';
import { jsonValue, plainText } from './render-text.js';

function isNullValue(v: EvtxValue): boolean {
  return v.type === ValueType.Null || v.type === ValueType.BinXml;
}

function valuesJson(values: readonly EvtxValue[]): unknown {
  const present = values.filter((v) => !isNullValue(v));
  if (present.length === 0) return null;
  if (present.length === 1) return jsonValue(present[0]!);
  return present.map(plainText).join('');
}

function attributesJson(attrs: readonly XAttribute[]): Record<string, unknown> | null {
  let out: Record<string, unknown> | null = null;
  for (const a of attrs) {
    const v = valuesJson(a.parts);
    if (v === null) continue;
    (out ??= {})[a.name] = v;
  }
  return out;
}

function putUnique(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (!(key in obj)) {
    obj[key] = value;
    return;
  }
  let i = 1;
  while (`${key}_${i}` in obj) i++;
  obj[`${key}_${i}`] = value;
}

function dataName(el: XElement): string | null {
  if (el.name !== 'Data') return null;
  for (const a of el.attrs) if (a.name === 'Name') return a.parts.map(plainText).join('');
  return null;
}

export function elementJson(el: XElement): unknown {
  const attrs = attributesJson(el.attrs);
  const hasChildElements = el.children.some(isElement);
  if (!hasChildElements) {
    const text = valuesJson(el.children as EvtxValue[]);
    if (!attrs) return text;
    return text === null ? { '#attributes': attrs } : { '#attributes': attrs, '#text': text };
  }
  const obj: Record<string, unknown> = {};
  if (attrs) obj['#attributes'] = attrs;
  const texts: EvtxValue[] = [];
  // Several unnamed <Data> (classic events) aggregate into Data.#text as an array, as evtx_dump does.
  const unnamed = el.children.filter((c) => isElement(c) && c.name === 'Data' && dataName(c) === null && c.attrs.length === 0 && !c.children.some(isElement));
  const aggregate = unnamed.length > 1;
  if (aggregate) obj.Data = { '#text': unnamed.map((c) => valuesJson((c as XElement).children as EvtxValue[])) };
  for (const c of el.children) {
    if (!isElement(c)) {
      texts.push(c);
      continue;
    }
    if (aggregate && unnamed.includes(c)) continue;
    const name = dataName(c);
    if (name !== null) {
      putUnique(obj, name, valuesJson(c.children.filter((x) => !isElement(x)) as EvtxValue[]));
    } else {
      putUnique(obj, c.name, elementJson(c));
    }
  }
  const text = valuesJson(texts);
  if (text !== null && !(typeof text === 'string' && text.trim() === '')) obj['#text'] = text;
  return obj;
}

/** `{ Event: {...} }` for an `Event` root element. */
export function nestEvent(root: XElement): Record<string, unknown> {
  return { [root.name]: elementJson(root) };
}
