/**
 * Extract the wanted files of a .tar.gz source archive (GitHub's layout: one
 * top-level folder) into a staging folder, hashing each file as it is written.
 * Only regular files whose path the source's `select` accepts are written;
 * links, devices and paths with `..` are never followed or created.
 */
import { createReadStream, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Parser, type ReadEntry } from 'tar';
import { UserError, errorMessage } from '../common/errors.js';
import type { Progress } from '../common/progress.js';
import { sha256Hex, type FileEntry } from './tree.js';

export interface ExtractOptions {
  /** Path inside the archive (top-level folder removed) → installed path, or null to skip. */
  select: (rel: string) => string | null;
  /** Name for error messages (the URL the archive came from). */
  origin: string;
  /** Upper bounds against archive bombs. */
  maxFileBytes: number;
  maxTotalBytes: number;
  signal?: AbortSignal;
  progress?: Progress;
}

const FILE_TYPES = new Set(['File', 'OldFile', 'ContiguousFile']);

/** A path we are willing to create: relative, `/`-separated, no empty, `.` or `..` segments, no control characters. */
export function safeRelativePath(rel: string): boolean {
  if (rel.length === 0 || rel.length > 1024 || rel.startsWith('/')) return false;
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\\]/.test(rel)) return false;
  return rel.split('/').every((seg) => seg !== '' && seg !== '.' && seg !== '..');
}

export async function extractSelected(archive: string, destDir: string, opts: ExtractOptions): Promise<FileEntry[]> {
  const entries: FileEntry[] = [];
  const seen = new Set<string>();
  const made = new Set<string>();
  let total = 0;
  let failure: unknown;

  const fail = (err: unknown): void => {
    failure ??= err;
  };

  const onEntry = (entry: ReadEntry): void => {
    const full = entry.path;
    const slash = full.indexOf('/');
    const rel = slash >= 0 ? full.slice(slash + 1) : '';
    const target = failure === undefined && FILE_TYPES.has(entry.type) && rel !== '' ? opts.select(rel) : null;
    if (target === null || !safeRelativePath(target) || seen.has(target)) {
      entry.resume();
      return;
    }
    seen.add(target);
    if (entry.size > opts.maxFileBytes) {
      fail(new UserError(`archive entry too large (${entry.size} bytes): ${rel}`, { file: opts.origin }));
      entry.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    entry.on('data', (chunk: Buffer) => {
      size += chunk.length;
      total += chunk.length;
      if (size <= opts.maxFileBytes) chunks.push(chunk);
    });
    entry.on('end', () => {
      if (failure !== undefined) return;
      if (total > opts.maxTotalBytes) {
        fail(new UserError(`archive expands to more than ${opts.maxTotalBytes} bytes`, { file: opts.origin }));
        return;
      }
      try {
        const data = Buffer.concat(chunks, size);
        const path = join(destDir, ...target.split('/'));
        const dir = dirname(path);
        if (!made.has(dir)) {
          mkdirSync(dir, { recursive: true });
          made.add(dir);
        }
        writeFileSync(path, data, { flag: 'wx' });
        entries.push({ path: target, size, sha256: sha256Hex(data) });
        opts.progress?.update(entries.length, undefined, 'files');
      } catch (err) {
        fail(err);
      }
    });
  };

  const parser = new Parser({ strict: true, onReadEntry: onEntry });
  const finished = new Promise<void>((resolve, reject) => {
    parser.on('end', () => resolve());
    parser.on('error', (err: unknown) => reject(err));
  });
  finished.catch(() => undefined);
  try {
    for await (const chunk of createReadStream(archive, { highWaterMark: 1 << 20, signal: opts.signal })) {
      if (failure !== undefined) break;
      if (!parser.write(chunk as Buffer)) await new Promise<void>((r) => parser.once('drain', () => r()));
    }
    parser.end();
    await finished;
  } catch (err) {
    if (opts.signal?.aborted) throw err;
    if (failure !== undefined) throw asExtractError(failure, opts.origin); // the cause, not the cut-short parse it led to
    if (err instanceof UserError) throw err;
    throw new UserError(`archive is damaged (${errorMessage(err)})`, { file: opts.origin }, 'download it again with --force; if it persists the source is broken');
  }
  if (failure !== undefined) throw asExtractError(failure, opts.origin);
  return entries;
}

function asExtractError(failure: unknown, origin: string): unknown {
  if (failure instanceof UserError) return failure;
  const code = (failure as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOSPC' || code === 'EACCES' || code === 'EROFS' || code === 'EDQUOT') return failure; // setup names the file
  return new UserError(`cannot extract archive (${errorMessage(failure)})`, { file: origin });
}
