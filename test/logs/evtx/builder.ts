/**
 * A tiny EVTX writer for tests: builds valid files (headers, CRCs, inline
 * names, inline or referenced template definitions, substitution values of any
 * type) so that value types and damage cases absent from the real samples can
 * be checked byte for byte.
 */
import { crc32 } from '../../../src/logs/evtx/crc32.js';

export interface SubValue {
  type: number;
  bytes: Uint8Array;
  /** For BinXml (0x21) values: writes a fragment in place (names need chunk offsets). */
  write?: (t: TemplateWriter) => void;
}

/** Emits binary XML into a growing byte array; offsets are chunk-relative. */
class Bytes {
  buf = Buffer.alloc(65536);
  pos = 0;
  u8(v: number) {
    this.buf.writeUInt8(v, this.pos);
    this.pos += 1;
  }
  u16(v: number) {
    this.buf.writeUInt16LE(v, this.pos);
    this.pos += 2;
  }
  u32(v: number) {
    this.buf.writeUInt32LE(v >>> 0, this.pos);
    this.pos += 4;
  }
  u64(v: bigint) {
    this.buf.writeBigUInt64LE(v, this.pos);
    this.pos += 8;
  }
  bytes(b: Uint8Array) {
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }
}

/** Template body writer. */
export class TemplateWriter {
  constructor(private readonly w: Bytes) {}
  private name(name: string) {
    const w = this.w;
    w.u32(w.pos + 4); // inline: the name follows the offset
    w.u32(0);
    w.u16(0);
    w.u16(name.length);
    w.bytes(Buffer.from(name, 'utf16le'));
    w.u16(0);
  }
  open(name: string, attrs: [string, (t: TemplateWriter) => void][] = []) {
    const w = this.w;
    w.u8(attrs.length ? 0x41 : 0x01);
    w.u16(0xffff);
    w.u32(0);
    this.name(name);
    if (attrs.length) {
      w.u32(0);
      attrs.forEach(([n, val], i) => {
        w.u8(i === attrs.length - 1 ? 0x06 : 0x46);
        this.name(n);
        val(this);
      });
    }
    w.u8(0x02);
    return this;
  }
  empty(name: string, attrs: [string, (t: TemplateWriter) => void][] = []) {
    this.open(name, attrs);
    this.w.pos -= 1;
    this.w.u8(0x03);
    return this;
  }
  close() {
    this.w.u8(0x04);
    return this;
  }
  text(s: string) {
    this.w.u8(0x05);
    this.w.u8(0x01);
    this.w.u16(s.length);
    this.w.bytes(Buffer.from(s, 'utf16le'));
    return this;
  }
  charRef(code: number) {
    this.w.u8(0x08);
    this.w.u16(code);
    return this;
  }
  cdata(s: string) {
    this.w.u8(0x07);
    this.w.u16(s.length);
    this.w.bytes(Buffer.from(s, 'utf16le'));
    return this;
  }
  sub(index: number, type: number, optional = false) {
    this.w.u8(optional ? 0x0e : 0x0d);
    this.w.u16(index);
    this.w.u8(type);
    return this;
  }
  /** Element `<name>%index</name>`. */
  leaf(name: string, index: number, type: number, optional = false) {
    return this.open(name).sub(index, type, optional).close();
  }
}

export interface RecordSpec {
  /** Writes the single root element of the template. Records sharing a key share one definition. */
  template: (t: TemplateWriter) => void;
  templateKey: string;
  values: SubValue[];
  recordId?: bigint;
}

/** Build one chunk (64 KiB) with the given records. */
export function buildChunk(records: RecordSpec[], firstId = 1n): Buffer {
  const w = new Bytes();
  w.pos = 512;
  const defs = new Map<string, number>();
  let id = firstId;
  let lastRecordOffset = 512;
  for (const rec of records) {
    const start = w.pos;
    lastRecordOffset = start;
    const recordId = rec.recordId ?? id;
    id = recordId + 1n;
    w.u32(0x00002a2a);
    w.u32(0); // size, patched below
    w.u64(recordId);
    w.u64(132000000000000000n + recordId * 10_000_000n);
    w.bytes(Buffer.from([0x0f, 0x01, 0x01, 0x00, 0x0c, 0x01]));
    w.u32(1); // template id
    const known = defs.get(rec.templateKey);
    if (known !== undefined) {
      w.u32(known);
    } else {
      const defOffset = w.pos + 4;
      defs.set(rec.templateKey, defOffset);
      w.u32(defOffset);
      w.u32(0); // next template
      w.bytes(new Uint8Array(16)); // guid
      const sizeAt = w.pos;
      w.u32(0);
      const bodyStart = w.pos;
      w.bytes(Buffer.from([0x0f, 0x01, 0x01, 0x00]));
      rec.template(new TemplateWriter(w));
      w.u8(0x00);
      w.buf.writeUInt32LE(w.pos - bodyStart, sizeAt);
    }
    w.u32(rec.values.length);
    const descAt = w.pos;
    for (const v of rec.values) {
      w.u16(v.bytes.length);
      w.u8(v.type);
      w.u8(0);
    }
    rec.values.forEach((v, i) => {
      const at = w.pos;
      if (v.write) {
        w.bytes(Buffer.from([0x0f, 0x01, 0x01, 0x00]));
        v.write(new TemplateWriter(w));
        w.u8(0x00);
      } else w.bytes(v.bytes);
      w.buf.writeUInt16LE(w.pos - at, descAt + i * 4);
    });
    w.u8(0x00); // end of fragment
    while ((w.pos - start + 4) % 8 !== 0) w.u8(0);
    const size = w.pos - start + 4;
    w.u32(size);
    w.buf.writeUInt32LE(size, start + 4);
  }
  const c = w.buf;
  c.write('ElfChnk\0', 0, 'latin1');
  c.writeBigUInt64LE(firstId, 8);
  c.writeBigUInt64LE(id - 1n, 16);
  c.writeBigUInt64LE(firstId, 24);
  c.writeBigUInt64LE(id - 1n, 32);
  c.writeUInt32LE(128, 40);
  c.writeUInt32LE(lastRecordOffset, 44);
  c.writeUInt32LE(w.pos, 48);
  c.writeUInt32LE(crc32(c, 512, w.pos), 52);
  fixChunkHeaderCrc(c);
  return c;
}

export function fixChunkHeaderCrc(c: Buffer): void {
  const head = Buffer.concat([c.subarray(0, 120), c.subarray(128, 512)]);
  c.writeUInt32LE(crc32(head), 124);
}

/** A whole file: 4 KiB header + chunks. */
export function buildFile(chunks: Buffer[], flags = 0): Buffer {
  const h = Buffer.alloc(4096);
  h.write('ElfFile\0', 0, 'latin1');
  h.writeBigUInt64LE(0n, 8);
  h.writeBigUInt64LE(BigInt(Math.max(0, chunks.length - 1)), 16);
  h.writeBigUInt64LE(1000n, 24);
  h.writeUInt32LE(128, 32);
  h.writeUInt16LE(1, 36);
  h.writeUInt16LE(3, 38);
  h.writeUInt16LE(4096, 40);
  h.writeUInt16LE(chunks.length, 42);
  h.writeUInt32LE(flags, 120);
  h.writeUInt32LE(crc32(h, 0, 120), 124);
  return Buffer.concat([h, ...chunks]);
}

// ---- value encoders -------------------------------------------------------

export const v = {
  str: (s: string): SubValue => ({ type: 0x01, bytes: Buffer.from(s, 'utf16le') }),
  ansi: (s: string): SubValue => ({ type: 0x02, bytes: Buffer.from(s, 'latin1') }),
  null: (): SubValue => ({ type: 0x00, bytes: new Uint8Array(0) }),
  int: (type: number, width: number, n: number | bigint): SubValue => {
    const b = Buffer.alloc(width);
    const signed = type === 0x03 || type === 0x05 || type === 0x07 || type === 0x09;
    if (width === 8) signed ? b.writeBigInt64LE(BigInt(n)) : b.writeBigUInt64LE(BigInt(n));
    else if (signed) b.writeIntLE(Number(n), 0, width);
    else b.writeUIntLE(Number(n), 0, width);
    return { type, bytes: b };
  },
  real32: (x: number): SubValue => {
    const b = Buffer.alloc(4);
    b.writeFloatLE(x);
    return { type: 0x0b, bytes: b };
  },
  real64: (x: number): SubValue => {
    const b = Buffer.alloc(8);
    b.writeDoubleLE(x);
    return { type: 0x0c, bytes: b };
  },
  bool: (x: boolean): SubValue => v.int(0x0d, 4, x ? 1 : 0),
  binary: (b: Uint8Array): SubValue => ({ type: 0x0e, bytes: b }),
  guid: (s: string): SubValue => {
    const h = s.replace(/[{}-]/g, '');
    const raw = Buffer.from(h, 'hex');
    const b = Buffer.from([raw[3]!, raw[2]!, raw[1]!, raw[0]!, raw[5]!, raw[4]!, raw[7]!, raw[6]!, ...raw.subarray(8)]);
    return { type: 0x0f, bytes: b };
  },
  filetime: (q: bigint): SubValue => ({ ...v.int(0x0a, 8, q), type: 0x11 }),
  systime: (parts: number[]): SubValue => {
    const b = Buffer.alloc(16);
    parts.forEach((p, i) => b.writeUInt16LE(p, i * 2));
    return { type: 0x12, bytes: b };
  },
  sid: (s: string): SubValue => {
    const [, rev, auth, ...subs] = s.split('-');
    const b = Buffer.alloc(8 + subs.length * 4);
    b[0] = Number(rev);
    b[1] = subs.length;
    b.writeUIntBE(Number(auth), 2, 6);
    subs.forEach((x, i) => b.writeUInt32LE(Number(x), 8 + i * 4));
    return { type: 0x13, bytes: b };
  },
  hex32: (n: number): SubValue => ({ ...v.int(0x08, 4, n), type: 0x14 }),
  hex64: (n: bigint): SubValue => ({ ...v.int(0x0a, 8, n), type: 0x15 }),
  sizeT: (n: bigint): SubValue => ({ ...v.int(0x0a, 8, n), type: 0x10 }),
  strArray: (xs: string[]): SubValue => ({ type: 0x81, bytes: Buffer.from(xs.map((x) => x + '\0').join(''), 'utf16le') }),
  binxml: (write: (t: TemplateWriter) => void): SubValue => ({ type: 0x21, bytes: new Uint8Array(0), write }),
  u32Array: (xs: number[]): SubValue => {
    const b = Buffer.alloc(xs.length * 4);
    xs.forEach((x, i) => b.writeUInt32LE(x, i * 4));
    return { type: 0x88, bytes: b };
  },
};
