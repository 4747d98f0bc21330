/**
 * Which ATT&CK release a bundle holds. STIX 2.1 bundles from attack-stix-data
 * carry an `x-mitre-collection` with `x_mitre_version`; mitre/cti's STIX 2.0
 * bundle does not, so the release is found in the official index.json: the
 * earliest release of the matching domain published at or after the newest
 * object in the bundle.
 */
import type { VersionSource } from './model.js';
import type { AttackIndex, StixCollection } from './stix-schema.js';

export interface AttackVersion {
  version: string;
  source: VersionSource;
}

export function attackVersionOf(
  collections: readonly StixCollection[],
  matrixName: string | undefined,
  newestModified: string | undefined,
  index: AttackIndex | undefined,
): AttackVersion {
  const withVersion = collections.find((c) => c.x_mitre_version);
  if (withVersion?.x_mitre_version) return { version: withVersion.x_mitre_version, source: 'collection' };
  if (!index || !newestModified) return { version: 'unknown', source: 'unknown' };
  const domainWord = (matrixName ?? 'Enterprise').split(/\s+/)[0]!.toLowerCase();
  const collection =
    index.collections.find((c) => c.name !== undefined && matrixName !== undefined && c.name.toLowerCase() === matrixName.toLowerCase()) ??
    index.collections.find((c) => c.name?.toLowerCase().startsWith(domainWord));
  if (!collection) return { version: 'unknown', source: 'unknown' };
  const newest = Date.parse(newestModified);
  let best: { version: string; t: number } | undefined;
  for (const v of collection.versions) {
    const t = Date.parse(v.modified);
    if (Number.isNaN(t) || t < newest) continue;
    if (!best || t < best.t) best = { version: v.version, t };
  }
  return best ? { version: best.version, source: 'index' } : { version: 'unknown', source: 'unknown' };
}
