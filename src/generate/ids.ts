/**
 * Deterministic identifiers for generated rules and Atomic tests: UUIDv5
 * (SHA-1, RFC 9562 §5.5) over a fixed ttpscope generation namespace, so the
 * same report and procedure always yield the same rule id and a re-run
 * overwrites instead of duplicating.
 */
import { createHash } from 'node:crypto';

/** Namespace of everything `ttpscope generate` names (a random v4 UUID, fixed forever). */
export const GENERATE_NAMESPACE = '5b7f3c2e-9d41-4c8a-a6e2-1f0d93b7c514';

function uuidBytes(uuid: string): Buffer {
  const hex = uuid.replace(/-/g, '');
  if (!/^[0-9a-f]{32}$/i.test(hex)) throw new Error(`not a UUID: ${uuid}`);
  return Buffer.from(hex, 'hex');
}

export function uuidV5(name: string, namespace: string = GENERATE_NAMESPACE): string {
  const h = createHash('sha1').update(uuidBytes(namespace)).update(name, 'utf8').digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}

/** A UUID from several key parts (joined unambiguously). */
export function stableId(...parts: string[]): string {
  return uuidV5(JSON.stringify(parts));
}
