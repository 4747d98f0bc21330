/**
 * The in-memory shape of one decoded EVTX event: an XML-like tree whose text
 * and attribute values keep their binary-XML value types, so each output
 * shape (flat python-evtx style, nested XML-as-JSON style) can render them the
 * way its reference tool does.
 */

/** Binary-XML value types (MS-EVEN6 / libevtx naming). Arrays set bit 0x80. */
export const ValueType = {
  Null: 0x00,
  String: 0x01,
  AnsiString: 0x02,
  Int8: 0x03,
  UInt8: 0x04,
  Int16: 0x05,
  UInt16: 0x06,
  Int32: 0x07,
  UInt32: 0x08,
  Int64: 0x09,
  UInt64: 0x0a,
  Real32: 0x0b,
  Real64: 0x0c,
  Bool: 0x0d,
  Binary: 0x0e,
  Guid: 0x0f,
  SizeT: 0x10,
  FileTime: 0x11,
  SysTime: 0x12,
  Sid: 0x13,
  HexInt32: 0x14,
  HexInt64: 0x15,
  EvtHandle: 0x20,
  BinXml: 0x21,
  EvtXml: 0x23,
  ArrayFlag: 0x80,
} as const;

/**
 * One typed value. `value` holds, by type:
 * null → null; strings → string; 8/16/32-bit ints, reals, HexInt32 → number;
 * 64-bit ints, SizeT, HexInt64, FileTime → bigint; Bool → number (raw int32);
 * Binary, Guid, EvtHandle, EvtXml → Uint8Array; SysTime → number[8];
 * Sid → string ("S-1-5-18"); BinXml → XChild[]; arrays (type | 0x80) → EvtxValue[]
 * of the element type.
 */
export interface EvtxValue {
  type: number;
  value: unknown;
  /** Literal text from the template (value token, char/entity reference, CDATA), not a substitution. */
  literal?: boolean;
  /** CDATA section text. */
  cdata?: boolean;
  /** BinXml values: how many nodes the nested fragment holds (guards against expansion bombs). */
  weight?: number;
}

export interface XAttribute {
  name: string;
  /** Concatenated parts of the attribute value (usually one). */
  parts: EvtxValue[];
}

export interface XElement {
  name: string;
  attrs: XAttribute[];
  children: XChild[];
}

export type XChild = XElement | EvtxValue;

export function isElement(c: XChild): c is XElement {
  return (c as XElement).children !== undefined;
}

/** A decoded event record. */
export interface EvtxRecord {
  recordId: bigint;
  /** FILETIME of the record header (when it was written). */
  writtenTime: bigint;
  /** Absolute byte offset of the record in the file. */
  offset: number;
  /** The root element (normally `Event`); null if the record held no element. */
  root: XElement | null;
  /** True if the record's chunk failed a checksum (the record parsed, but treat with care). */
  suspect: boolean;
}
