/**
 * One verified HTTP(S) download into a file: the body is streamed to disk
 * while its sha256 is computed, its length must equal Content-Length, a pinned
 * hash must match, and on any failure the partial file is removed. Conditional
 * requests (ETag / Last-Modified) let a re-run skip what has not changed.
 */
import { createHash } from 'node:crypto';
import { createWriteStream, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { UserError, errorMessage } from '../common/errors.js';
import type { Progress } from '../common/progress.js';

export interface DownloadOptions {
  /** Send If-None-Match / If-Modified-Since; a 304 answer returns `{ notModified: true }`. */
  etag?: string;
  lastModified?: string;
  /** The body's sha256 must be this (lower-case hex). */
  expectedSha256?: string;
  /** Refuse bodies larger than this many bytes (a hostile or broken server cannot fill the disk). */
  maxBytes: number;
  /** Give up when no byte arrives for this long. */
  idleTimeoutMs?: number;
  signal?: AbortSignal;
  progress?: Progress;
  userAgent?: string;
}

export type DownloadResult =
  | { notModified: true; url: string }
  | { notModified: false; url: string; finalUrl: string; sha256: string; size: number; etag?: string; lastModified?: string };

const HINT = 'check the network and the source URL, or set up from a local mirror with --from DIR';
const MAX_REDIRECTS = 5;

/** Download `url` into `dest` (created; must not exist). */
export async function download(url: string, dest: string, opts: DownloadOptions): Promise<DownloadResult> {
  let current = url;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const res = await request(current, url, opts);
    const status = res.statusCode ?? 0;
    if ([301, 302, 303, 307, 308].includes(status)) {
      res.resume();
      const location = res.headers.location;
      if (!location) throw new UserError(`download failed: HTTP ${status} without a Location header`, { file: current }, HINT);
      const next = new URL(location, current);
      if (new URL(current).protocol === 'https:' && next.protocol !== 'https:') {
        throw new UserError(`download failed: refusing a redirect from https to ${next.protocol}`, { file: current }, HINT);
      }
      current = next.href;
      continue;
    }
    if (status === 304 && (opts.etag || opts.lastModified)) {
      res.resume();
      return { notModified: true, url };
    }
    if (status !== 200) {
      res.resume();
      throw new UserError(`download failed: HTTP ${status}${res.statusMessage ? ' ' + res.statusMessage : ''}`, { file: current }, HINT);
    }
    return await receive(res, url, current, dest, opts);
  }
  throw new UserError(`download failed: more than ${MAX_REDIRECTS} redirects`, { file: url }, HINT);
}

function request(target: string, original: string, opts: DownloadOptions): Promise<http.IncomingMessage> {
  let parsed: URL;
  try {
    parsed = new URL(target);
  } catch {
    throw new UserError('download failed: not a URL', { file: target }, HINT);
  }
  const mod = parsed.protocol === 'https:' ? https : parsed.protocol === 'http:' ? http : undefined;
  if (!mod) throw new UserError(`download failed: unsupported scheme ${parsed.protocol}`, { file: target }, HINT);
  const headers: Record<string, string> = {
    // Identity encoding: Content-Length and the recorded hash are then those of the file itself.
    'accept-encoding': 'identity',
    'user-agent': opts.userAgent ?? 'ttpscope-setup',
  };
  // Conditional headers only on the URL they were recorded for, not on a redirect target.
  if (target === original && opts.etag) headers['if-none-match'] = opts.etag;
  if (target === original && opts.lastModified) headers['if-modified-since'] = opts.lastModified;
  return new Promise((resolve, reject) => {
    const req = mod.get(parsed, { headers, signal: opts.signal }, resolve);
    req.setTimeout(opts.idleTimeoutMs ?? 60_000, () => req.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })));
    req.on('error', (err) => reject(networkError(err, target)));
  });
}

async function receive(
  res: http.IncomingMessage,
  url: string,
  finalUrl: string,
  dest: string,
  opts: DownloadOptions,
): Promise<DownloadResult> {
  const lengthHeader = res.headers['content-length'];
  const expected = lengthHeader !== undefined && /^\d+$/.test(lengthHeader) ? Number(lengthHeader) : undefined;
  if (expected !== undefined && expected > opts.maxBytes) {
    res.destroy();
    throw new UserError(`download refused: ${expected} bytes is more than the limit of ${opts.maxBytes}`, { file: finalUrl }, HINT);
  }
  const hash = createHash('sha256');
  let received = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      received += chunk.length;
      if (received > opts.maxBytes) {
        done(new UserError(`download refused: more than the limit of ${opts.maxBytes} bytes`, { file: finalUrl }, HINT));
        return;
      }
      hash.update(chunk);
      opts.progress?.update(received, expected, 'bytes');
      done(null, chunk);
    },
  });
  try {
    await pipeline(res, meter, createWriteStream(dest, { flags: 'wx' }), { signal: opts.signal });
  } catch (err) {
    rmSync(dest, { force: true });
    if (err instanceof UserError) throw err;
    if (opts.signal?.aborted) throw err;
    if (expected !== undefined && received < expected) throw truncated(received, expected, finalUrl);
    if (isNetworkError(err)) throw networkError(err, finalUrl);
    throw err;
  }
  if (expected !== undefined && received !== expected) {
    rmSync(dest, { force: true });
    throw truncated(received, expected, finalUrl);
  }
  const sha256 = hash.digest('hex');
  if (opts.expectedSha256 && sha256 !== opts.expectedSha256) {
    rmSync(dest, { force: true });
    throw new UserError(`download does not match its pinned sha256 (got ${sha256}, expected ${opts.expectedSha256})`, { file: finalUrl }, 'the source changed or was tampered with; check the pin');
  }
  const etag = header(res, 'etag');
  const lastModified = header(res, 'last-modified');
  return {
    notModified: false,
    url,
    finalUrl,
    sha256,
    size: received,
    ...(etag !== undefined ? { etag } : {}),
    ...(lastModified !== undefined ? { lastModified } : {}),
  };
}

function header(res: http.IncomingMessage, name: string): string | undefined {
  const v = res.headers[name];
  return typeof v === 'string' && v.length <= 512 ? v : undefined;
}

function truncated(received: number, expected: number, url: string): UserError {
  return new UserError(`download truncated: received ${received} of ${expected} bytes`, { file: url }, HINT);
}

const NETWORK_CODES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  ETIMEDOUT: 'timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EPIPE: 'connection closed',
  ERR_STREAM_PREMATURE_CLOSE: 'connection closed early',
};

function isNetworkError(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code !== undefined && (code in NETWORK_CODES || code.startsWith('ERR_TLS') || code.includes('CERT'));
}

function networkError(err: unknown, url: string): unknown {
  if ((err as Error | undefined)?.name === 'AbortError') return err;
  const code = (err as NodeJS.ErrnoException | undefined)?.code ?? '';
  const what = NETWORK_CODES[code] ?? (code.startsWith('ERR_TLS') || code.includes('CERT') ? `TLS error (${errorMessage(err)})` : errorMessage(err));
  return new UserError(`cannot download: ${what}`, { file: url }, HINT, { cause: err });
}
