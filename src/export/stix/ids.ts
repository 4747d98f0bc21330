/**
 * Deterministic STIX identifiers. The same input gives the same id on every
 * run and every machine, so re-exporting a report or a scenario updates the
 * objects a platform (OpenCTI, MISP) already holds instead of duplicating
 * them.
 */
import { createHash } from 'node:crypto';

/** Our namespace for domain objects and relationships (a random UUID fixed once). */
const TTPSCOPE_NAMESPACE = '6b2f3c1e-8d4a-4f7b-9e0c-2a1d4b6c8e0f';
/** The namespace the STIX 2.1 specification fixes for cyber-observable ids (§2.9). */
export const STIX_SCO_NAMESPACE = '00abedb4-aa42-466c-9c01-fed23315a9b7';

function uuidBytes(uuid: string): Buffer {
  return Buffer.from(uuid.replace(/-/g, ''), 'hex');
}

/** RFC 4122 version-5 UUID (SHA-1 of namespace + name). */
export function uuidV5(namespace: string, name: string): string {
  const digest = createHash('sha1').update(uuidBytes(namespace)).update(name, 'utf8').digest();
  const b = digest.subarray(0, 16);
  b[6] = (b[6]! & 0x0f) | 0x50;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const hex = b.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A domain-object or relationship id: `<type>--<uuid5(type:key)>`. */
export function stixId(type: string, key: string): string {
  return `${type}--${uuidV5(TTPSCOPE_NAMESPACE, `${type}:${key}`)}`;
}

/**
 * A cyber-observable id as STIX 2.1 §2.9 defines it: UUIDv5 in the STIX
 * namespace over the canonical JSON of the type's id-contributing properties,
 * so our `domain-name` for evil.example has the id every other producer gives it.
 */
export function scoId(type: string, contributing: Record<string, unknown>): string {
  return `${type}--${uuidV5(STIX_SCO_NAMESPACE, canonicalJson(contributing))}`;
}

/** JSON with object keys sorted (RFC 8785 for the strings and plain values we use). */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}
