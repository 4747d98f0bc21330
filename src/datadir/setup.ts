/**
 * `ttpscope setup` as a library function: fill the data dir with ATT&CK,
 * SigmaHQ and Atomic Red Team, from HTTPS or a local mirror. Every selected
 * source is staged and checked first; only when all of them are ready does a
 * synchronous commit swap them in and write the manifest, so a failed or
 * interrupted run leaves the data dir exactly as it was. Re-runs skip what is
 * current (same tree hash, or HTTP 304 on the recorded ETag); `force` refetches.
 * After the sources, the registered post-setup steps run (model training
 * will be one of them).
 */
import { copyFileSync, existsSync, mkdirSync, realpathSync, renameSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { UserError, errorMessage } from '../common/errors.js';
import { silentProgress, type Progress } from '../common/progress.js';
import { extractSelected } from './archive.js';
import { download, type DownloadResult } from './download.js';
import { readManifest, type DownloadRecord, type Manifest, type SourceRecord } from './manifest.js';
import { copyMirrorFiles, hashMirrorFiles, selectMirrorFiles } from './mirror.js';
import { dataLayout, type DataLayout } from './paths.js';
import { SOURCES, SOURCE_NAMES, remoteConfigFromEnv, type RemoteConfig, type SourceDef, type SourceName } from './sources.js';
import { SetupTransaction } from './transaction.js';
import { hashFile, sha256Hex, treeHash, treeStats, type FileEntry } from './tree.js';
import { checkStixBundle, commitFromSourceMd, parseAttackIndex, releaseForBundle } from './validate.js';

/** What a post-setup step gets: the data dir and which sources this run changed. */
export interface PostSetupContext {
  dataDir: string;
  layout: DataLayout;
  /** Sources installed or updated by this run (empty when everything was current). */
  changed: SourceName[];
  force: boolean;
  /** The local mirror this run copied from (it may hold more than setup installs, e.g. training data). */
  mirror?: string;
  signal?: AbortSignal;
  progress: (label: string) => Progress;
}

/** Work that runs after the data sources are in place (e.g. training the default models). */
export interface PostSetupStep {
  name: string;
  run(ctx: PostSetupContext): Promise<void>;
}

export interface SetupOptions {
  dataDir: string;
  /** A local mirror laid out like ../shared/data; undefined = download. */
  mirror?: string;
  only?: readonly SourceName[];
  force?: boolean;
  /** Download locations; default from the environment (`remoteConfigFromEnv`). */
  remote?: RemoteConfig;
  signal?: AbortSignal;
  progress?: (label: string) => Progress;
  postSteps?: readonly PostSetupStep[];
}

export type SourceStatus = 'installed' | 'updated' | 'current';

export interface SourceOutcome {
  name: SourceName;
  status: SourceStatus;
  record: SourceRecord;
}

export interface SetupResult {
  dataDir: string;
  manifest: string;
  sources: SourceOutcome[];
  /** Names of the post-setup steps that ran. */
  postSteps: string[];
}

/** Size limits: far above today's sources, low enough that a hostile server cannot fill the disk. */
const LIMITS = {
  indexBytes: 32 << 20,
  bundleBytes: 1 << 30,
  archiveBytes: 4 * 2 ** 30,
  extractedFileBytes: 512 << 20,
  extractedTotalBytes: 8 * 2 ** 30,
};

type Prepared =
  | { kind: 'current'; name: SourceName; record: SourceRecord }
  | { kind: 'staged'; name: SourceName; record: SourceRecord };

interface Ctx {
  dataDir: string;
  tx: SetupTransaction;
  force: boolean;
  signal: AbortSignal | undefined;
  progress: (label: string) => Progress;
}

export async function runSetup(opts: SetupOptions): Promise<SetupResult> {
  const dataDir = resolve(opts.dataDir);
  const layout = dataLayout(dataDir);
  const only = opts.only ?? SOURCE_NAMES;
  const force = opts.force ?? false;
  const progress = opts.progress ?? (() => silentProgress);
  const mirror = opts.mirror !== undefined ? checkMirror(resolve(opts.mirror)) : undefined;
  const remote = mirror === undefined ? (opts.remote ?? remoteConfigFromEnv()) : undefined;
  if (mirror !== undefined) checkNoOverlap(dataDir, mirror);
  const createdDataDir = !existsSync(dataDir);
  ensureDataDir(dataDir);

  const tx = new SetupTransaction(dataDir);
  const ctx: Ctx = { dataDir, tx, force, signal: opts.signal, progress };
  const outcomes: SourceOutcome[] = [];
  try {
    tx.begin();
    let previous: Manifest | undefined;
    try {
      previous = readManifest(dataDir);
    } catch {
      previous = undefined; // a damaged manifest is rewritten; every source is fetched again
    }
    for (const name of only) {
      // Setup replaces whole folders: never one it did not install (a user's own files, or a mirror).
      const dir = join(dataDir, SOURCES[name].dir);
      if (existsSync(dir) && previous?.sources[name] === undefined) {
        throw new UserError(
          `${SOURCES[name].dir}/ exists but was not installed by ttpscope setup (no manifest entry); refusing to replace it`,
          { file: dir },
          'choose an empty data directory with --data DIR, or move that folder away',
        );
      }
    }
    const prepared: Prepared[] = [];
    for (const name of only) {
      opts.signal?.throwIfAborted();
      const def = SOURCES[name];
      const prev = previous?.sources[name];
      const usablePrev = prev && !force && (await intact(dataDir, prev)) ? prev : undefined;
      prepared.push(mirror !== undefined ? await prepareFromMirror(def, mirror, usablePrev, ctx) : await prepareFromHttp(def, remote!, usablePrev, ctx));
    }

    const staged = prepared.filter((p) => p.kind === 'staged').map((p) => SOURCES[p.name].dir);
    const sources: Manifest['sources'] = { ...(previous?.sources ?? {}) };
    for (const p of prepared) sources[p.name] = p.record;
    const changedRecords = prepared.some((p) => JSON.stringify(p.record) !== JSON.stringify(previous?.sources[p.name]));
    if (staged.length > 0 || changedRecords || previous === undefined) {
      opts.signal?.throwIfAborted();
      tx.commit(staged, { schema: 1, commitId: tx.commitId, updatedAt: new Date().toISOString(), sources });
    }
    for (const p of prepared) {
      const before = previous?.sources[p.name];
      const status: SourceStatus = p.kind === 'current' ? 'current' : before ? 'updated' : 'installed';
      outcomes.push({ name: p.name, status, record: p.record });
    }
  } catch (err) {
    tx.end();
    if (createdDataDir) rmdirQuiet(dataDir); // a failed first setup leaves no empty data dir behind
    throw asUserError(err);
  } finally {
    tx.end();
  }

  const ran: string[] = [];
  const changed = outcomes.filter((o) => o.status !== 'current').map((o) => o.name);
  for (const step of opts.postSteps ?? []) {
    opts.signal?.throwIfAborted();
    await step.run({ dataDir, layout, changed, force, progress, ...(mirror !== undefined ? { mirror } : {}), ...(opts.signal ? { signal: opts.signal } : {}) });
    ran.push(step.name);
  }
  return { dataDir, manifest: layout.manifest, sources: outcomes, postSteps: ran };
}

/** File-system conditions the user can fix (permissions, full disk) become one-line errors naming the file. */
const ENVIRONMENT_ERRORS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EMFILE: 'too many open files',
};

function asUserError(err: unknown): unknown {
  const e = err as NodeJS.ErrnoException | undefined;
  const what = e?.code !== undefined ? ENVIRONMENT_ERRORS[e.code] : undefined;
  if (what === undefined || err instanceof UserError) return err;
  return new UserError(`setup failed: ${what}`, e?.path !== undefined ? { file: e.path } : undefined, 'the data directory was left as it was; fix the cause and run setup again', { cause: err });
}

function checkMirror(dir: string): string {
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    isDir = false;
  }
  if (!isDir) {
    throw new UserError('mirror folder not found', { file: dir }, 'give --from (or TTPSCOPE_MIRROR) the folder that holds attack/, sigma/ and atomic-red-team/, laid out like ../shared/data');
  }
  return dir;
}

function rmdirQuiet(dir: string): void {
  try {
    rmdirSync(dir); // only succeeds when empty
  } catch {
    /* not empty or already gone: leave it */
  }
}

/** The data dir and the mirror must be separate trees: installing would otherwise rewrite the mirror. */
function checkNoOverlap(dataDir: string, mirror: string): void {
  const real = (p: string): string => {
    try {
      return realpathSync(p);
    } catch {
      return p;
    }
  };
  const d = real(dataDir);
  const m = real(mirror);
  const inside = (a: string, b: string): boolean => a === b || a.startsWith(b.endsWith(sep) ? b : b + sep);
  if (inside(d, m) || inside(m, d)) {
    throw new UserError('the data directory and the mirror overlap; setup would overwrite the mirror', { file: d }, `choose a data directory outside ${m} with --data DIR`);
  }
}

function ensureDataDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
    if (!statSync(dir).isDirectory()) throw new Error('not a directory');
  } catch (err) {
    throw new UserError(`cannot use the data directory (${errorMessage(err)})`, { file: dir }, 'choose another with --data DIR or TTPSCOPE_DATA');
  }
}

/** The installed tree still matches its record (nobody deleted or replaced files). */
async function intact(dataDir: string, rec: SourceRecord): Promise<boolean> {
  const stats = await treeStats(join(dataDir, rec.dir));
  return stats !== undefined && stats.files === rec.files && stats.size === rec.size;
}

/** A source cannot be empty: the files other modules need must be there. */
function requireContent(def: SourceDef, paths: readonly string[], where: string): void {
  const ok =
    def.name === 'attack'
      ? paths.includes('enterprise-attack.json')
      : def.name === 'sigma'
        ? paths.some((p) => p.startsWith('rules/') && p.endsWith('.yml'))
        : paths.some((p) => p.startsWith('atomics/'));
  if (!ok) {
    const what = def.name === 'attack' ? 'enterprise-attack.json' : def.name === 'sigma' ? 'rules/**/*.yml' : 'atomics/<T>/<T>.yaml';
    throw new UserError(`${def.title}: no ${what} found`, { file: where }, `the source must be laid out like ../shared/data/${def.dir}`);
  }
}

function sum(entries: readonly FileEntry[]): number {
  let n = 0;
  for (const e of entries) n += e.size;
  return n;
}

function keyFilesOf(def: SourceDef, entries: readonly FileEntry[]): SourceRecord['keyFiles'] {
  const keys: SourceRecord['keyFiles'] = {};
  if (def.name !== 'attack') return keys;
  for (const e of entries) if (e.path === 'enterprise-attack.json' || e.path === 'index.json') keys[e.path] = { sha256: e.sha256, size: e.size };
  return keys;
}

async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------- mirror

async function prepareFromMirror(def: SourceDef, mirror: string, prev: SourceRecord | undefined, ctx: Ctx): Promise<Prepared> {
  const src = join(mirror, def.dir);
  if (!existsSync(src)) {
    throw new UserError(`the mirror has no ${def.dir}/ folder (${def.title})`, { file: src }, `lay the mirror out like ../shared/data, or leave ${def.name} out with --only`);
  }
  const files = await selectMirrorFiles(src, def.select);
  requireContent(def, files.map((f) => f.to), src);

  // With an installed copy to compare against, hash the mirror first: if it
  // is unchanged nothing is written at all.
  let expected: string | undefined;
  if (prev) {
    const hashing = ctx.progress(`${def.name}: checking ${src}`);
    expected = treeHash(await hashMirrorFiles(src, files, ctx.signal, hashing));
    hashing.done();
    if (prev.sha256 === expected) return { kind: 'current', name: def.name, record: prev };
  }

  const staged = ctx.tx.stagedDir(def.dir);
  const copying = ctx.progress(`${def.name}: copying`);
  const entries = await copyMirrorFiles(src, files, staged, ctx.signal, copying);
  copying.done();
  const sha256 = treeHash(entries);
  if (expected !== undefined && sha256 !== expected) throw new UserError('the mirror changed while it was being copied', { file: src }, 'run setup again');

  const sourceMd = await readOptional(join(src, 'SOURCE.md'));
  const commit = sourceMd !== undefined ? commitFromSourceMd(sourceMd) : undefined;
  let version = commit ?? 'unknown';
  let revision: string | undefined;
  if (def.name === 'attack') {
    const bundle = await checkStixBundle(join(staged, 'enterprise-attack.json'), join(src, 'enterprise-attack.json'));
    const indexText = await readOptional(join(staged, 'index.json'));
    const fromIndex = indexText !== undefined ? releaseForBundle(parseAttackIndex(indexText, join(src, 'index.json')), bundle.newestModified) : undefined;
    version = bundle.collectionVersion ?? fromIndex ?? 'unknown';
    revision = commit;
  }
  const record: SourceRecord = {
    name: def.name,
    dir: def.dir,
    origin: { kind: 'mirror', location: src },
    version,
    ...(revision !== undefined ? { revision } : {}),
    sha256,
    size: sum(entries),
    files: entries.length,
    fetchedAt: new Date().toISOString(),
    keyFiles: keyFilesOf(def, entries),
    downloads: [],
  };
  return { kind: 'staged', name: def.name, record };
}

// ---------------------------------------------------------------- HTTP(S)

function downloadRecord(d: Extract<DownloadResult, { notModified: false }>): DownloadRecord {
  return {
    url: d.url,
    sha256: d.sha256,
    size: d.size,
    ...(d.etag !== undefined ? { etag: d.etag } : {}),
    ...(d.lastModified !== undefined ? { lastModified: d.lastModified } : {}),
  };
}

function conditional(prev: SourceRecord | undefined, url: string): { etag?: string; lastModified?: string } {
  const d = prev?.downloads.find((x) => x.url === url);
  if (!d) return {};
  return { ...(d.etag !== undefined ? { etag: d.etag } : {}), ...(d.lastModified !== undefined ? { lastModified: d.lastModified } : {}) };
}

async function fetchTo(url: string, dest: string, label: string, ctx: Ctx, extra: { etag?: string; lastModified?: string; expectedSha256?: string; maxBytes: number }): Promise<DownloadResult> {
  const bar = ctx.progress(label);
  try {
    return await download(url, dest, { ...extra, progress: bar, ...(ctx.signal ? { signal: ctx.signal } : {}) });
  } finally {
    bar.done();
  }
}

async function prepareFromHttp(def: SourceDef, remote: RemoteConfig, prev: SourceRecord | undefined, ctx: Ctx): Promise<Prepared> {
  return def.name === 'attack' ? prepareAttackHttp(def, remote, prev, ctx) : prepareArchiveHttp(def, remote, prev, ctx);
}

async function prepareAttackHttp(def: SourceDef, remote: RemoteConfig, prev: SourceRecord | undefined, ctx: Ctx): Promise<Prepared> {
  const live = join(ctx.dataDir, def.dir);
  const staged = ctx.tx.stagedDir(def.dir);
  const indexUrl = `${remote.attackBaseUrl}/index.json`;
  const indexFile = ctx.tx.downloadPath('attack-index.json');
  const idx = await fetchTo(indexUrl, indexFile, 'attack: index.json', ctx, { ...conditional(prev, indexUrl), maxBytes: LIMITS.indexBytes });

  let indexText: string;
  let indexRecord: DownloadRecord;
  if (idx.notModified) {
    // Unchanged on the server: the installed copy is the current one.
    indexText = await readFile(join(live, 'index.json'), 'utf8');
    indexRecord = prev!.downloads.find((d) => d.url === indexUrl)!;
  } else {
    indexText = await readFile(indexFile, 'utf8');
    indexRecord = downloadRecord(idx);
  }
  const releases = parseAttackIndex(indexText, indexUrl);
  const wanted = remote.attackVersion;
  const release = wanted !== undefined ? releases.find((r) => r.version === wanted) : releases[0];
  if (!release) {
    throw new UserError(`ATT&CK version ${wanted} is not in the release index`, { file: indexUrl }, `available: ${releases.slice(0, 8).map((r) => r.version).join(', ')}…`);
  }
  const version = release.version;
  const bundleUrl = `${remote.attackBaseUrl}/enterprise-attack/enterprise-attack-${version}.json`;
  if (idx.notModified && prev && prev.version === version && prev.downloads.some((d) => d.url === bundleUrl)) {
    return { kind: 'current', name: def.name, record: prev };
  }

  mkdirSync(staged, { recursive: true });
  const pin = remote.pins.attack;
  const bundleFile = ctx.tx.downloadPath('enterprise-attack.json');
  const b = await fetchTo(bundleUrl, bundleFile, `attack: ATT&CK ${version} bundle`, ctx, {
    ...(pin === undefined ? conditional(prev, bundleUrl) : {}),
    ...(pin !== undefined ? { expectedSha256: pin } : {}),
    maxBytes: LIMITS.bundleBytes,
  });
  let bundleRecord: DownloadRecord;
  if (b.notModified) {
    // Reuse the installed bundle, after checking it is still the one recorded.
    bundleRecord = prev!.downloads.find((d) => d.url === bundleUrl)!;
    const installed = join(live, 'enterprise-attack.json');
    const check = await hashFile(installed, ctx.signal);
    if (check.sha256 !== prev!.keyFiles['enterprise-attack.json']?.sha256) {
      throw new UserError('installed ATT&CK bundle differs from its manifest entry', { file: installed }, 'run `ttpscope setup --force`');
    }
    copyFileSync(installed, join(staged, 'enterprise-attack.json'));
  } else {
    bundleRecord = downloadRecord(b);
    renameSync(bundleFile, join(staged, 'enterprise-attack.json'));
  }
  writeFileSync(join(staged, 'index.json'), indexText);

  const bundle = await checkStixBundle(join(staged, 'enterprise-attack.json'), bundleUrl);
  if (bundle.collectionVersion !== undefined && bundle.collectionVersion !== version) {
    throw new UserError(`ATT&CK bundle is version ${bundle.collectionVersion}, the release index says ${version}`, { file: bundleUrl });
  }
  const indexBytes = Buffer.from(indexText, 'utf8');
  const bundleDigest = await hashFile(join(staged, 'enterprise-attack.json'), ctx.signal);
  const entries: FileEntry[] = [
    { path: 'enterprise-attack.json', ...bundleDigest },
    { path: 'index.json', size: indexBytes.length, sha256: sha256Hex(indexBytes) },
  ];
  const record: SourceRecord = {
    name: def.name,
    dir: def.dir,
    origin: { kind: 'http', location: indexUrl },
    version,
    sha256: treeHash(entries),
    size: sum(entries),
    files: entries.length,
    fetchedAt: new Date().toISOString(),
    keyFiles: keyFilesOf(def, entries),
    downloads: [indexRecord, bundleRecord],
  };
  if (prev && prev.sha256 === record.sha256) {
    // Same content (a server without ETags): keep the files, remember the new validators.
    return { kind: 'current', name: def.name, record: { ...prev, downloads: record.downloads } };
  }
  return { kind: 'staged', name: def.name, record };
}

async function prepareArchiveHttp(def: SourceDef, remote: RemoteConfig, prev: SourceRecord | undefined, ctx: Ctx): Promise<Prepared> {
  const [base, ref] = def.name === 'sigma' ? [remote.sigmaBaseUrl, remote.sigmaRef] : [remote.atomicsBaseUrl, remote.atomicsRef];
  const url = `${base}/${ref}.tar.gz`;
  const pin = remote.pins[def.name];
  const file = ctx.tx.downloadPath(`${def.name}.tar.gz`);
  const dl = await fetchTo(url, file, `${def.name}: ${ref.slice(0, 12)}.tar.gz`, ctx, {
    ...(pin === undefined ? conditional(prev, url) : {}),
    ...(pin !== undefined ? { expectedSha256: pin } : {}),
    maxBytes: LIMITS.archiveBytes,
  });
  if (dl.notModified) return { kind: 'current', name: def.name, record: prev! };

  const staged = ctx.tx.stagedDir(def.dir);
  mkdirSync(staged, { recursive: true });
  const bar = ctx.progress(`${def.name}: extracting`);
  const entries = await extractSelected(file, staged, {
    select: def.select,
    origin: url,
    maxFileBytes: LIMITS.extractedFileBytes,
    maxTotalBytes: LIMITS.extractedTotalBytes,
    ...(ctx.signal ? { signal: ctx.signal } : {}),
    progress: bar,
  });
  bar.done();
  requireContent(def, entries.map((e) => e.path), url);
  const record: SourceRecord = {
    name: def.name,
    dir: def.dir,
    origin: { kind: 'http', location: url },
    version: ref,
    sha256: treeHash(entries),
    size: sum(entries),
    files: entries.length,
    fetchedAt: new Date().toISOString(),
    keyFiles: keyFilesOf(def, entries),
    downloads: [downloadRecord(dl)],
  };
  if (prev && prev.sha256 === record.sha256) {
    return { kind: 'current', name: def.name, record: { ...prev, downloads: record.downloads } };
  }
  return { kind: 'staged', name: def.name, record };
}
