/**
 * Checks that staged content is what it claims to be before it replaces
 * anything: the ATT&CK bundle is a STIX bundle with techniques, the release
 * index names versions, the rule sets are not empty.
 */
import { readFile } from 'node:fs/promises';
import { UserError, errorMessage } from '../common/errors.js';

/** MITRE's id for the Enterprise ATT&CK collection in index.json and in STIX 2.1 bundles. */
export const ENTERPRISE_COLLECTION_ID = 'x-mitre-collection--1f5f1533-f617-4ca8-9ab4-6a02367fa019';

export interface AttackRelease {
  version: string;
  url?: string;
  modified?: string;
}

/** Compare dotted versions numerically (`18.1` > `9.0`). */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

const VERSION = /^\d{1,3}(?:\.\d{1,3}){0,2}$/;

/** The Enterprise releases listed in ATT&CK's index.json, newest first. */
export function parseAttackIndex(text: string, file: string): AttackRelease[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new UserError(`ATT&CK release index is not valid JSON (${errorMessage(err)})`, { file });
  }
  const collections = (json as { collections?: unknown } | null)?.collections;
  if (!Array.isArray(collections)) throw new UserError('ATT&CK release index has no "collections" list', { file, path: 'collections' });
  const enterprise = collections.find(
    (c: unknown) =>
      typeof c === 'object' && c !== null && ((c as { id?: unknown }).id === ENTERPRISE_COLLECTION_ID || (c as { name?: unknown }).name === 'Enterprise ATT&CK'),
  ) as { versions?: unknown } | undefined;
  if (!enterprise || !Array.isArray(enterprise.versions)) {
    throw new UserError('ATT&CK release index lists no Enterprise ATT&CK versions', { file, path: 'collections' });
  }
  const releases: AttackRelease[] = [];
  for (const v of enterprise.versions as unknown[]) {
    const rec = v as { version?: unknown; url?: unknown; modified?: unknown } | null;
    if (!rec || typeof rec.version !== 'string' || !VERSION.test(rec.version)) continue;
    releases.push({
      version: rec.version,
      ...(typeof rec.url === 'string' ? { url: rec.url } : {}),
      ...(typeof rec.modified === 'string' ? { modified: rec.modified } : {}),
    });
  }
  if (releases.length === 0) throw new UserError('ATT&CK release index lists no valid Enterprise version', { file, path: 'collections' });
  return releases.sort((a, b) => compareVersions(b.version, a.version));
}

/**
 * The release a bundle without a collection object (mitre/cti's STIX 2.0
 * edition) belongs to: the oldest release published at or after the newest
 * `modified` time in the bundle. Undefined when the bundle is newer than
 * every release the index lists.
 */
export function releaseForBundle(releases: readonly AttackRelease[], newestModified: string | undefined): string | undefined {
  if (newestModified === undefined) return releases[0]?.version;
  const bundleTime = Date.parse(newestModified);
  let pick: AttackRelease | undefined;
  for (const r of releases) {
    const t = r.modified !== undefined ? Date.parse(r.modified) : Number.NaN;
    if (t >= bundleTime && (pick === undefined || t < Date.parse(pick.modified!))) pick = r;
  }
  return pick?.version;
}

export interface BundleSummary {
  objects: number;
  techniques: number;
  /** Newest `modified` time of any object (ISO 8601). */
  newestModified?: string;
  /** `x_mitre_version` of the bundle's Enterprise collection object (STIX 2.1 editions carry one). */
  collectionVersion?: string;
}

/** Parse the bundle once and check its shape; names the file in every error. */
export async function checkStixBundle(path: string, origin: string): Promise<BundleSummary> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new UserError(`ATT&CK bundle is not valid JSON, truncated or damaged (${errorMessage(err)})`, { file: origin }, 'fetch it again, or point --from at an intact mirror');
  }
  const bundle = json as { type?: unknown; objects?: unknown } | null;
  if (!bundle || typeof bundle !== 'object' || bundle.type !== 'bundle' || !Array.isArray(bundle.objects)) {
    throw new UserError('not a STIX bundle (expected {"type": "bundle", "objects": [...]})', { file: origin });
  }
  let techniques = 0;
  let collectionVersion: string | undefined;
  let newest = Number.NEGATIVE_INFINITY;
  let newestModified: string | undefined;
  for (const o of bundle.objects as unknown[]) {
    const obj = o as { type?: unknown; id?: unknown; x_mitre_version?: unknown; modified?: unknown } | null;
    if (!obj || typeof obj !== 'object') continue;
    if (typeof obj.modified === 'string') {
      const t = Date.parse(obj.modified);
      if (t > newest) {
        newest = t;
        newestModified = obj.modified;
      }
    }
    if (obj.type === 'attack-pattern') techniques++;
    else if (obj.type === 'x-mitre-collection' && obj.id === ENTERPRISE_COLLECTION_ID && typeof obj.x_mitre_version === 'string') {
      collectionVersion = obj.x_mitre_version;
    }
  }
  if (techniques === 0) throw new UserError('STIX bundle has no ATT&CK techniques (attack-pattern objects)', { file: origin });
  return {
    objects: bundle.objects.length,
    techniques,
    ...(newestModified !== undefined ? { newestModified } : {}),
    ...(collectionVersion !== undefined ? { collectionVersion } : {}),
  };
}

/** The upstream commit recorded in a mirror's SOURCE.md (`commit \`<40 hex>\``), if any. */
export function commitFromSourceMd(text: string): string | undefined {
  return /commit:?\s+`([0-9a-f]{40})`/i.exec(text)?.[1];
}
