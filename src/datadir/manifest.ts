/**
 * `manifest.json` in the data dir: what `setup` installed, from where, which
 * version, and the hashes to check it by. Written atomically (temp + rename)
 * as the last step of a setup, so it always describes what is on disk.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { UserError, errorMessage } from '../common/errors.js';
import { dataLayout } from './paths.js';
import { SOURCE_NAMES } from './sources.js';
import { writeFileAtomic } from '../common/files.js';

const sha256 = z.string().regex(/^[0-9a-f]{64}$/);
const count = z.number().int().nonnegative();

export const FileDigestSchema = z.object({ sha256, size: count });
export type FileDigest = z.infer<typeof FileDigestSchema>;

/** One HTTP download that went into a source (the bundle, the index, an archive). */
export const DownloadRecordSchema = z.object({
  url: z.string(),
  sha256,
  size: count,
  etag: z.string().optional(),
  lastModified: z.string().optional(),
});
export type DownloadRecord = z.infer<typeof DownloadRecordSchema>;

export const SourceRecordSchema = z.object({
  name: z.enum(SOURCE_NAMES),
  /** Folder inside the data dir. */
  dir: z.string(),
  /** `mirror`: an absolute folder; `http`: the first URL fetched (index or archive). */
  origin: z.object({ kind: z.enum(['mirror', 'http']), location: z.string() }),
  /** ATT&CK release (`18.1`), or the git commit/tag of SigmaHQ and Atomic Red Team; `unknown` if the mirror does not say. */
  version: z.string(),
  /** Upstream git commit when known besides the version (ATT&CK from a mirror's SOURCE.md). */
  revision: z.string().optional(),
  /** Tree hash of the installed files (`treeHash` in tree.ts). */
  sha256,
  /** Installed bytes and files. */
  size: count,
  files: count,
  fetchedAt: z.string(),
  /** Digests of the files other modules key caches on (`enterprise-attack.json`, `index.json`), relative to `dir`. */
  keyFiles: z.record(z.string(), FileDigestSchema),
  /** Empty for a mirror. */
  downloads: z.array(DownloadRecordSchema),
});
export type SourceRecord = z.infer<typeof SourceRecordSchema>;

export const ManifestSchema = z.object({
  schema: z.literal(1),
  /** Identifies the setup run that wrote this manifest (crash recovery compares it). */
  commitId: z.string(),
  updatedAt: z.string(),
  sources: z.object({
    attack: SourceRecordSchema.optional(),
    sigma: SourceRecordSchema.optional(),
    atomics: SourceRecordSchema.optional(),
  }),
});
export type Manifest = z.infer<typeof ManifestSchema>;

/**
 * The manifest of `dataDir`, or undefined when setup never ran. A damaged
 * manifest is a UserError naming the file (run setup again to rewrite it).
 */
export function readManifest(dataDir: string): Manifest | undefined {
  const path = dataLayout(dataDir).manifest;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new UserError(`cannot read the data manifest (${errorMessage(err)})`, { file: path });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new UserError(`data manifest is not valid JSON (${errorMessage(err)})`, { file: path }, 'run `ttpscope setup --force` to rewrite it');
  }
  const parsed = ManifestSchema.safeParse(json);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new UserError(`data manifest does not match its schema (${first?.message ?? 'invalid'})`, { file: path, path: first?.path.join('.') }, 'run `ttpscope setup --force` to rewrite it');
  }
  return parsed.data;
}

/** Write the manifest atomically: a reader sees the old or the new file, never half of one. */
export function writeManifestSync(dataDir: string, manifest: Manifest): void {
  const path = dataLayout(dataDir).manifest;
  writeFileAtomic(path, JSON.stringify(ManifestSchema.parse(manifest), null, 2) + '\n');
}
