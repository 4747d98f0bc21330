/**
 * Binary XML (MS-EVEN6 "BinXml") decoding inside one EVTX chunk.
 *
 * A record's event is a fragment holding a template instance: a reference to
 * a template definition (stored once per chunk, inline the first time it is
 * used) plus the values that fill its substitution slots. Definitions are
 * parsed once per chunk into a small tree and cached by offset; each record
 * then only decodes its values and instantiates the tree.
 *
 * Every read is bounds-checked against the chunk; malformed input raises
 * EvtxFormatError carrying the chunk-relative offset, never a RangeError.
 */
import type { EvtxValue, XChild, XElement, XAttribute } from './model.js';
import { ValueType } from './model.js';

export class EvtxFormatError extends Error {
  override readonly name = 'EvtxFormatError';
  constructor(
    message: string,
    /** Offset relative to the start of the chunk. */
    readonly chunkOffset: number,
  ) {
    super(message);
  }
}

/** Template-tree nodes (a definition before values are filled in). */
interface TElement {
  k: 0;
  name: string;
  attrs: { name: string; parts: TPart[] }[];
  children: TNode[];
}
interface TText {
  k: 1;
  v: EvtxValue;
}
interface TSubst {
  k: 2;
  index: number;
  optional: boolean;
}
interface TInstance {
  k: 3;
  nodes: TNode[];
  values: EvtxValue[];
}
type TPart = TText | TSubst;
type TNode = TElement | TText | TSubst | TInstance;

interface TemplateDef {
  nodes: TNode[];
  /** Bytes the definition occupies (24-byte header + data). */
  size: number;
}

const MAX_ELEMENT_DEPTH = 128;
const MAX_INSTANCE_DEPTH = 16;
/**
 * Most nodes one event may expand to. A BinXml value can be referenced by many
 * substitution slots, and nest, so a few hostile bytes could otherwise describe
 * an exponentially large tree.
 */
const MAX_EVENT_NODES = 200_000;
const NULL_VALUE: EvtxValue = { type: ValueType.Null, value: null };

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** Fixed element sizes of array value types (by element type). */
const FIXED_SIZE: Record<number, number> = {
  [ValueType.Int8]: 1,
  [ValueType.UInt8]: 1,
  [ValueType.Int16]: 2,
  [ValueType.UInt16]: 2,
  [ValueType.Int32]: 4,
  [ValueType.UInt32]: 4,
  [ValueType.Int64]: 8,
  [ValueType.UInt64]: 8,
  [ValueType.Real32]: 4,
  [ValueType.Real64]: 8,
  [ValueType.Bool]: 4,
  [ValueType.Guid]: 16,
  [ValueType.FileTime]: 8,
  [ValueType.SysTime]: 16,
  [ValueType.HexInt32]: 4,
  [ValueType.HexInt64]: 8,
};

/**
 * Decoding state for one chunk: the chunk bytes plus the caches of names and
 * template definitions, which are valid only within that chunk.
 */
export class ChunkDecoder {
  private readonly dv: DataView;
  private readonly names = new Map<number, string>();
  private readonly templates = new Map<number, TemplateDef>();
  private readonly parsing = new Set<number>();
  private pos = 0;
  private end = 0;
  private elementDepth = 0;
  private instanceDepth = 0;

  constructor(readonly buf: Buffer) {
    this.dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  /**
   * Decode the event fragment at chunk offsets [start, end) into XML-like
   * nodes (normally one `Event` element).
   */
  decodeFragment(start: number, end: number): XChild[] {
    this.pos = start;
    this.end = Math.min(end, this.buf.length);
    this.elementDepth = 0;
    this.instanceDepth = 0;
    const nodes = this.parseTop();
    return instantiate(nodes, [], { n: 0 }, start);
  }

  // ---- primitive reads -------------------------------------------------

  private fail(message: string, at = this.pos): never {
    throw new EvtxFormatError(message, at);
  }

  private need(n: number): void {
    if (n < 0 || this.pos + n > this.end) this.fail(`truncated binary XML (need ${n} bytes)`);
  }

  private u8(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }

  private u16(): number {
    this.need(2);
    const v = this.dv.getUint16(this.pos, true);
    this.pos += 2;
    return v;
  }

  private u32(): number {
    this.need(4);
    const v = this.dv.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }

  private utf16(chars: number): string {
    const bytes = chars * 2;
    this.need(bytes);
    const s = this.buf.toString('utf16le', this.pos, this.pos + bytes);
    this.pos += bytes;
    return s;
  }

  /** A name (element, attribute, entity, PI target) stored at a chunk offset. */
  private nameAt(offset: number): string {
    const cached = this.names.get(offset);
    if (cached !== undefined) return cached;
    if (offset + 8 > this.buf.length) this.fail(`name offset ${offset} outside the chunk`, offset);
    const chars = this.dv.getUint16(offset + 6, true);
    if (offset + 8 + chars * 2 > this.buf.length) this.fail(`name at ${offset} runs past the chunk`, offset);
    const name = this.buf.toString('utf16le', offset + 8, offset + 8 + chars * 2);
    this.names.set(offset, name);
    return name;
  }

  /** Read a name reference; skip the name's bytes when it is stored inline right here. */
  private nameRef(): string {
    const offset = this.u32();
    if (offset === this.pos) {
      const name = this.nameAt(offset);
      // 4 unknown + 2 hash + 2 count + chars + NUL terminator
      this.need(10 + name.length * 2);
      this.pos += 10 + name.length * 2;
      return name;
    }
    return this.nameAt(offset);
  }

  // ---- token stream ----------------------------------------------------

  /** Fragment level: header, elements, template instances until EOF or end. */
  private parseTop(): TNode[] {
    const out: TNode[] = [];
    while (this.pos < this.end) {
      const token = this.buf[this.pos]!;
      switch (token) {
        case 0x00:
          this.pos++;
          return out;
        case 0x0f:
          this.need(4);
          this.pos += 4;
          break;
        case 0x01:
        case 0x41:
          out.push(this.parseElement());
          break;
        case 0x0c:
          out.push(this.parseInstance());
          break;
        default:
          this.fail(`unexpected binary XML token 0x${token.toString(16)} at fragment level`);
      }
    }
    return out;
  }

  private parseElement(): TElement {
    const start = this.pos;
    if (++this.elementDepth > MAX_ELEMENT_DEPTH) this.fail('elements nested too deeply', start);
    const token = this.u8();
    this.u16(); // dependency identifier
    this.u32(); // data size
    const name = this.nameRef();
    const el: TElement = { k: 0, name, attrs: [], children: [] };
    if (token & 0x40) {
      this.u32(); // attribute list size
      for (;;) {
        this.need(1);
        const t = this.buf[this.pos]!;
        if (t !== 0x06 && t !== 0x46) break;
        this.pos++;
        const attrName = this.nameRef();
        el.attrs.push({ name: attrName, parts: this.parseParts() });
        if (t === 0x06) break;
      }
    }
    const close = this.u8();
    if (close === 0x03) {
      this.elementDepth--;
      return el;
    }
    if (close !== 0x02) this.fail(`expected close of start element, got token 0x${close.toString(16)}`, this.pos - 1);
    for (;;) {
      this.need(1);
      const t = this.buf[this.pos]!;
      switch (t) {
        case 0x04:
          this.pos++;
          this.elementDepth--;
          return el;
        case 0x01:
        case 0x41:
          el.children.push(this.parseElement());
          break;
        case 0x05:
        case 0x45:
        case 0x08:
        case 0x48:
        case 0x09:
        case 0x49:
        case 0x0d:
        case 0x0e:
          el.children.push(this.parsePart());
          break;
        case 0x07:
        case 0x47: {
          this.pos++;
          const text = this.utf16(this.u16());
          el.children.push({ k: 1, v: { type: ValueType.String, value: text, literal: true, cdata: true } });
          break;
        }
        case 0x0a:
          this.pos++;
          this.nameRef(); // PI target: not rendered by either output shape
          break;
        case 0x0b:
          this.pos++;
          this.utf16(this.u16());
          break;
        case 0x0c:
          el.children.push(this.parseInstance());
          break;
        default:
          this.fail(`unexpected binary XML token 0x${t.toString(16)} in element <${name}>`);
      }
    }
  }

  /** Attribute value parts: value text, substitutions, character and entity references. */
  private parseParts(): TPart[] {
    const parts: TPart[] = [];
    while (this.pos < this.end) {
      const t = this.buf[this.pos]!;
      if (t === 0x05 || t === 0x45 || t === 0x08 || t === 0x48 || t === 0x09 || t === 0x49 || t === 0x0d || t === 0x0e) {
        parts.push(this.parsePart());
      } else break;
    }
    return parts;
  }

  private parsePart(): TPart {
    const at = this.pos;
    const t = this.u8();
    switch (t & 0x3f) {
      case 0x05: {
        const type = this.u8();
        if (type !== ValueType.String) this.fail(`value text of type 0x${type.toString(16)} (expected string)`, at);
        return { k: 1, v: { type: ValueType.String, value: this.utf16(this.u16()), literal: true } };
      }
      case 0x08:
        return { k: 1, v: { type: ValueType.String, value: String.fromCharCode(this.u16()), literal: true } };
      case 0x09: {
        const name = this.nameRef();
        return { k: 1, v: { type: ValueType.String, value: ENTITIES[name] ?? `&${name};`, literal: true } };
      }
      case 0x0d:
      case 0x0e: {
        const index = this.u16();
        this.u8(); // declared value type; the instance's descriptor is authoritative
        return { k: 2, index, optional: t === 0x0e };
      }
      default:
        return this.fail(`unexpected token 0x${t.toString(16)} in a value`, at);
    }
  }

  private parseInstance(): TInstance {
    const at = this.pos;
    if (++this.instanceDepth > MAX_INSTANCE_DEPTH) this.fail('template instances nested too deeply', at);
    this.pos++; // token 0x0c
    this.u8(); // unknown
    this.u32(); // template id
    const defOffset = this.u32();
    let def: TemplateDef;
    if (defOffset === this.pos) {
      def = this.templateAt(defOffset);
      this.need(def.size);
      this.pos += def.size;
    } else {
      def = this.templateAt(defOffset);
    }
    const count = this.u32();
    if (count * 4 > this.end - this.pos) this.fail(`template instance claims ${count} values`, at);
    const sizes = new Array<number>(count);
    const types = new Array<number>(count);
    for (let i = 0; i < count; i++) {
      sizes[i] = this.u16();
      types[i] = this.u8();
      this.u8();
    }
    const values = new Array<EvtxValue>(count);
    for (let i = 0; i < count; i++) {
      const size = sizes[i]!;
      const start = this.pos;
      this.need(size);
      values[i] = this.decodeValue(types[i]!, start, size);
      this.pos = start + size;
    }
    this.instanceDepth--;
    return { k: 3, nodes: def.nodes, values };
  }

  /** Parse (or fetch from the cache) the template definition at a chunk offset. */
  private templateAt(offset: number): TemplateDef {
    const cached = this.templates.get(offset);
    if (cached) return cached;
    if (this.parsing.has(offset)) this.fail(`template definition at ${offset} refers to itself`, offset);
    if (offset < 0 || offset + 24 > this.buf.length) this.fail(`template offset ${offset} outside the chunk`, offset);
    const dataSize = this.dv.getUint32(offset + 20, true);
    const dataEnd = offset + 24 + dataSize;
    if (dataEnd > this.buf.length) this.fail(`template definition at ${offset} runs past the chunk`, offset);
    const savedPos = this.pos;
    const savedEnd = this.end;
    this.parsing.add(offset);
    try {
      this.pos = offset + 24;
      this.end = dataEnd;
      const nodes = this.parseTop();
      const def: TemplateDef = { nodes, size: 24 + dataSize };
      this.templates.set(offset, def);
      return def;
    } finally {
      this.parsing.delete(offset);
      this.pos = savedPos;
      this.end = savedEnd;
    }
  }

  // ---- values ----------------------------------------------------------

  private decodeValue(type: number, pos: number, size: number): EvtxValue {
    if (type & ValueType.ArrayFlag) return { type, value: this.decodeArray(type & 0x7f, pos, size) };
    const buf = this.buf;
    const dv = this.dv;
    switch (type) {
      case ValueType.Null:
        return NULL_VALUE;
      case ValueType.String:
        return { type, value: stripNuls(buf.toString('utf16le', pos, pos + (size & ~1))) };
      case ValueType.AnsiString:
        return { type, value: stripNuls(buf.toString('latin1', pos, pos + size)) };
      case ValueType.Int8:
        if (size < 1) this.short(type, 1, size, pos);
        return { type, value: dv.getInt8(pos) };
      case ValueType.UInt8:
        if (size < 1) this.short(type, 1, size, pos);
        return { type, value: buf[pos]! };
      case ValueType.Int16:
        if (size < 2) this.short(type, 2, size, pos);
        return { type, value: dv.getInt16(pos, true) };
      case ValueType.UInt16:
        if (size < 2) this.short(type, 2, size, pos);
        return { type, value: dv.getUint16(pos, true) };
      case ValueType.Int32:
        if (size < 4) this.short(type, 4, size, pos);
        return { type, value: dv.getInt32(pos, true) };
      case ValueType.UInt32:
      case ValueType.HexInt32:
        if (size < 4) this.short(type, 4, size, pos);
        return { type, value: dv.getUint32(pos, true) };
      case ValueType.Bool:
        if (size < 4) this.short(type, 4, size, pos);
        return { type, value: dv.getInt32(pos, true) };
      case ValueType.Int64:
        if (size < 8) this.short(type, 8, size, pos);
        return { type, value: dv.getBigInt64(pos, true) };
      case ValueType.UInt64:
      case ValueType.HexInt64:
      case ValueType.FileTime:
        if (size < 8) this.short(type, 8, size, pos);
        return { type, value: dv.getBigUint64(pos, true) };
      case ValueType.SizeT:
        if (size === 4) return { type, value: BigInt(dv.getUint32(pos, true)) };
        if (size < 8) this.short(type, 8, size, pos);
        return { type, value: dv.getBigUint64(pos, true) };
      case ValueType.Real32:
        if (size < 4) this.short(type, 4, size, pos);
        return { type, value: dv.getFloat32(pos, true) };
      case ValueType.Real64:
        if (size < 8) this.short(type, 8, size, pos);
        return { type, value: dv.getFloat64(pos, true) };
      case ValueType.Guid:
        if (size < 16) this.short(type, 16, size, pos);
        return { type, value: buf.slice(pos, pos + 16) };
      case ValueType.SysTime: {
        if (size < 16) this.short(type, 16, size, pos);
        const parts = new Array<number>(8);
        for (let i = 0; i < 8; i++) parts[i] = dv.getUint16(pos + i * 2, true);
        return { type, value: parts };
      }
      case ValueType.Sid:
        return { type, value: this.sidAt(pos, size).sid };
      case ValueType.BinXml:
        return this.decodeNested(pos, size);
      case ValueType.Binary:
      case ValueType.EvtHandle:
      case ValueType.EvtXml:
      default:
        // Unknown types are kept as bytes rather than rejected: the rest of the event is still useful.
        return { type, value: buf.slice(pos, pos + size) };
    }
  }

  private short(type: number, need: number, size: number, pos: number): never {
    return this.fail(`value of type 0x${type.toString(16)} needs ${need} bytes, has ${size}`, pos);
  }

  private sidAt(pos: number, size: number): { sid: string; length: number } {
    if (size < 8) this.fail(`SID needs 8 bytes, has ${size}`, pos);
    const revision = this.buf[pos]!;
    const count = this.buf[pos + 1]!;
    const length = 8 + count * 4;
    if (length > size) this.fail(`SID with ${count} sub-authorities exceeds its ${size} bytes`, pos);
    // 48-bit big-endian identifier authority
    const authority = this.dv.getUint32(pos + 2, false) * 65536 + this.dv.getUint16(pos + 6, false);
    let sid = `S-${revision}-${authority}`;
    for (let i = 0; i < count; i++) sid += `-${this.dv.getUint32(pos + 8 + i * 4, true)}`;
    return { sid, length };
  }

  private decodeArray(elementType: number, pos: number, size: number): EvtxValue[] {
    const out: EvtxValue[] = [];
    if (elementType === ValueType.String) {
      const parts = this.buf.toString('utf16le', pos, pos + (size & ~1)).split('\u0000');
      if (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
      for (const p of parts) out.push({ type: elementType, value: p });
      return out;
    }
    if (elementType === ValueType.AnsiString) {
      const parts = this.buf.toString('latin1', pos, pos + size).split('\u0000');
      if (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
      for (const p of parts) out.push({ type: elementType, value: p });
      return out;
    }
    if (elementType === ValueType.Sid) {
      let p = pos;
      while (p < pos + size) {
        const { sid, length } = this.sidAt(p, pos + size - p);
        out.push({ type: elementType, value: sid });
        p += length;
      }
      return out;
    }
    let width = FIXED_SIZE[elementType];
    if (elementType === ValueType.SizeT) width = size % 8 === 0 ? 8 : 4;
    if (width === undefined) {
      // Arrays of binary or BinXml are not defined by the format: keep the bytes.
      out.push({ type: ValueType.Binary, value: this.buf.slice(pos, pos + size) });
      return out;
    }
    for (let p = pos; p + width <= pos + size; p += width) out.push(this.decodeValue(elementType, p, width));
    return out;
  }

  /** A BinXml substitution value: a nested fragment, element or template instance. */
  private decodeNested(pos: number, size: number): EvtxValue {
    const savedPos = this.pos;
    const savedEnd = this.end;
    try {
      this.pos = pos;
      this.end = pos + size;
      const nodes = this.parseTop();
      const budget = { n: 0 };
      const value = instantiate(nodes, [], budget, pos);
      return { type: ValueType.BinXml, value, weight: budget.n };
    } finally {
      this.pos = savedPos;
      this.end = savedEnd;
    }
  }
}

function stripNuls(s: string): string {
  let end = s.length;
  while (end > 0 && s.charCodeAt(end - 1) === 0) end--;
  return end === s.length ? s : s.slice(0, end);
}

interface Budget {
  n: number;
}

/** Fill a template tree with its values; BinXml values and nested instances are spliced in place. */
function instantiate(nodes: readonly TNode[], values: readonly EvtxValue[], budget: Budget, at: number): XChild[] {
  const out: XChild[] = [];
  for (const n of nodes) appendNode(out, n, values, budget, at);
  return out;
}

function spend(budget: Budget, n: number, at: number): void {
  budget.n += n;
  if (budget.n > MAX_EVENT_NODES) throw new EvtxFormatError(`event expands to more than ${MAX_EVENT_NODES} nodes`, at);
}

function appendNode(out: XChild[], n: TNode, values: readonly EvtxValue[], budget: Budget, at: number): void {
  switch (n.k) {
    case 0: {
      spend(budget, 1 + n.attrs.length, at);
      const attrs: XAttribute[] = new Array(n.attrs.length);
      for (let i = 0; i < n.attrs.length; i++) {
        const a = n.attrs[i]!;
        const parts: EvtxValue[] = [];
        for (const p of a.parts) parts.push(p.k === 1 ? p.v : (values[p.index] ?? NULL_VALUE));
        attrs[i] = { name: a.name, parts };
      }
      const children: XChild[] = [];
      for (const c of n.children) appendNode(children, c, values, budget, at);
      const el: XElement = { name: n.name, attrs, children };
      out.push(el);
      return;
    }
    case 1:
      spend(budget, 1, at);
      out.push(n.v);
      return;
    case 2: {
      const v = values[n.index] ?? NULL_VALUE;
      if (v.type === ValueType.BinXml) {
        spend(budget, v.weight ?? 1, at);
        for (const c of v.value as XChild[]) out.push(c);
      } else {
        spend(budget, 1, at);
        out.push(v);
      }
      return;
    }
    case 3:
      for (const c of instantiate(n.nodes, n.values, budget, at)) out.push(c);
      return;
  }
}
