/**
 * CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), table driven,
 * four bytes per step ("slicing by 4"). EVTX file and chunk headers and the
 * event-record area carry this checksum; Node 20 has no zlib.crc32.
 */

const TABLES = buildTables();
const T0 = TABLES.subarray(0, 256);
const T1 = TABLES.subarray(256, 512);
const T2 = TABLES.subarray(512, 768);
const T3 = TABLES.subarray(768, 1024);

function buildTables(): Uint32Array {
  const t = new Uint32Array(1024);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  // T[k][n]: the CRC of byte n followed by k zero bytes.
  for (let n = 0; n < 256; n++) {
    let c = t[n]!;
    for (let k = 1; k < 4; k++) {
      c = t[c & 0xff]! ^ (c >>> 8);
      t[k * 256 + n] = c >>> 0;
    }
  }
  return t;
}

/** Continue a CRC over `buf[start, end)`; pass the previous result as `crc` (0 to begin). */
export function crc32Update(crc: number, buf: Uint8Array, start = 0, end = buf.length): number {
  let c = ~crc >>> 0;
  let i = start;
  for (const stop = end - 3; i < stop; i += 4) {
    c ^= buf[i]! | (buf[i + 1]! << 8) | (buf[i + 2]! << 16) | (buf[i + 3]! << 24);
    c = T3[c & 0xff]! ^ T2[(c >>> 8) & 0xff]! ^ T1[(c >>> 16) & 0xff]! ^ T0[c >>> 24]!;
  }
  for (; i < end; i++) c = T0[(c ^ buf[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

export function crc32(buf: Uint8Array, start = 0, end = buf.length): number {
  return crc32Update(0, buf, start, end);
}
