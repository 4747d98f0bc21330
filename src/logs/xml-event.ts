/**
 * Windows-event XML (`<Event><System>…</System><EventData>…</EventData></Event>`),
 * as Sysmon for Linux writes it to syslog and as Windows exports it, parsed by
 * a small non-recursive XML reader into the XML-as-JSON shape (`#attributes`,
 * `#text`) that `flattenWindows(…, 'win-nested')` already understands. No
 * DTDs, no external entities: only the five predefined entities and numeric
 * character references are decoded.
 */
import { flattenWindows } from './windows.js';

type Node = { name: string; attrs: Record<string, string> | undefined; children: Node[]; text: string };

const MAX_DEPTH = 64;
const MAX_NODES = 100_000;

const ENTITY: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

export function decodeXmlEntities(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(/&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|lt|gt|amp|quot|apos);/g, (m, e: string) => {
    if (e[0] === '#') {
      const cp = e[1] === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      return cp <= 0x10ffff ? String.fromCodePoint(cp) : m;
    }
    return ENTITY[e] ?? m;
  });
}

/** Parse one XML element (and its subtree) starting at `<`. Undefined if malformed. */
export function parseXmlElement(xml: string): Node | undefined {
  const stack: Node[] = [];
  let root: Node | undefined;
  let i = 0;
  let nodes = 0;
  const n = xml.length;
  while (i < n) {
    const lt = xml.indexOf('<', i);
    if (lt === -1) break;
    if (lt > i && stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const piece = decodeXmlEntities(xml.slice(i, lt));
      top.text = top.text === '' ? piece : top.text + piece;
    }
    if (xml.startsWith('<!--', lt)) {
      const end = xml.indexOf('-->', lt + 4);
      if (end === -1) return undefined;
      i = end + 3;
      continue;
    }
    if (xml.startsWith('<![CDATA[', lt)) {
      const end = xml.indexOf(']]>', lt + 9);
      if (end === -1) return undefined;
      if (stack.length > 0) stack[stack.length - 1]!.text += xml.slice(lt + 9, end);
      i = end + 3;
      continue;
    }
    if (xml[lt + 1] === '?' || xml[lt + 1] === '!') {
      const end = xml.indexOf('>', lt + 2);
      if (end === -1) return undefined;
      i = end + 1;
      continue;
    }
    const gt = findTagEnd(xml, lt + 1);
    if (gt === -1) return undefined;
    if (xml[lt + 1] === '/') {
      const name = xml.slice(lt + 2, gt).trim();
      const top = stack.pop();
      if (!top || top.name !== name) return undefined;
      if (stack.length === 0) return top;
      i = gt + 1;
      continue;
    }
    const selfClosing = xml[gt - 1] === '/';
    const inner = xml.slice(lt + 1, selfClosing ? gt - 1 : gt);
    let nameEnd = 0;
    if (inner.length === 0 || !isNameStart(inner.charCodeAt(0))) return undefined;
    while (nameEnd < inner.length && isNameChar(inner.charCodeAt(nameEnd))) nameEnd++;
    const node: Node = { name: inner.slice(0, nameEnd), attrs: nameEnd < inner.length ? parseAttrs(inner.slice(nameEnd)) : undefined, children: [], text: '' };
    if (++nodes > MAX_NODES) return undefined;
    if (stack.length > 0) stack[stack.length - 1]!.children.push(node);
    else if (root) return undefined;
    else root = node;
    if (selfClosing) {
      if (stack.length === 0) return node;
    } else {
      if (stack.length >= MAX_DEPTH) return undefined;
      stack.push(node);
    }
    i = gt + 1;
  }
  return undefined;
}

function findTagEnd(xml: string, from: number): number {
  let quote = 0;
  const n = xml.length;
  for (let j = from; j < n; j++) {
    const c = xml.charCodeAt(j);
    if (quote !== 0) {
      if (c === quote) quote = 0;
    } else if (c === 0x22 || c === 0x27) quote = c;
    else if (c === 0x3e) return j;
  }
  return -1;
}

/** name="value" pairs, scanned left to right in one pass (no backtracking regex: tags are untrusted). */
function parseAttrs(s: string): Record<string, string> | undefined {
  let out: Record<string, string> | undefined;
  const n = s.length;
  let i = 0;
  while (i < n) {
    while (i < n && !isNameStart(s.charCodeAt(i))) i++;
    const start = i;
    while (i < n && isNameChar(s.charCodeAt(i))) i++;
    if (i === start) break;
    const name = s.slice(start, i);
    while (i < n && (s[i] === ' ' || s[i] === '\t' || s[i] === '\n' || s[i] === '\r')) i++;
    if (s[i] !== '=') continue;
    i++;
    while (i < n && (s[i] === ' ' || s[i] === '\t' || s[i] === '\n' || s[i] === '\r')) i++;
    const q = s[i];
    if (q !== '"' && q !== "'") continue;
    const end = s.indexOf(q, i + 1);
    if (end === -1) break;
    out ??= {};
    out[name] = decodeXmlEntities(s.slice(i + 1, end));
    i = end + 1;
  }
  return out;
}

function isNameStart(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}

function isNameChar(c: number): boolean {
  return isNameStart(c) || (c >= 48 && c <= 57) || c === 46 || c === 58 || c === 45;
}

/** XML tree → XML-as-JSON (`#attributes`, `#text`, repeated children as arrays). */
export function xmlToJson(node: Node): unknown {
  if (node.children.length === 0 && !node.attrs) return node.text;
  const o: Record<string, unknown> = {};
  if (node.attrs) o['#attributes'] = node.attrs;
  for (const c of node.children) {
    const v = xmlToJson(c);
    const prev = o[c.name];
    if (prev === undefined) o[c.name] = v;
    else if (Array.isArray(prev) && (prev as unknown[] & { __rep?: true }).__rep) (prev as unknown[]).push(v);
    else {
      const arr = [prev, v] as unknown[] & { __rep?: true };
      Object.defineProperty(arr, '__rep', { value: true, enumerable: false });
      o[c.name] = arr;
    }
  }
  if (node.children.length === 0 || node.text.trim() !== '') o['#text'] = node.text;
  return o;
}

/**
 * Flat fields of one `<Event>` XML string (python-evtx shape), or undefined if
 * it is not well-formed. Used for Sysmon for Linux and Windows XML exports.
 */
export function parseSysmonLinuxXml(xml: string): Record<string, unknown> | undefined {
  const root = parseXmlElement(xml);
  if (!root || root.name !== 'Event') return undefined;
  const ev = xmlToJson(root);
  if (typeof ev !== 'object' || ev === null) return undefined;
  return flattenWindows({ Event: ev }, 'win-nested');
}
