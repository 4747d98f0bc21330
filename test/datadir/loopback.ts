/**
 * Test support for setup's download path: an HTTP mirror of the fixture
 * sources (a tiny ATT&CK bundle and index, SigmaHQ and Atomic Red Team
 * archives packed here with `tar`), served on 127.0.0.1 with ETags, and
 * switchable failure modes per path (404, truncated body).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import * as tar from 'tar';
import { repoRoot } from '../helpers.js';

export const fixtures = join(repoRoot, 'test', 'fixtures', 'datadir');
export const SIGMA_REF = 'fixture-sigma-1';
export const ATOMICS_REF = 'fixture-atomics-1';
export const ATTACK_VERSION = '18.1';

export const paths = {
  index: '/attack/index.json',
  bundle: `/attack/enterprise-attack/enterprise-attack-${ATTACK_VERSION}.json`,
  sigma: `/sigma/${SIGMA_REF}.tar.gz`,
  atomics: `/atomic-red-team/${ATOMICS_REF}.tar.gz`,
} as const;

/** A .tar.gz of `fixtures/upstream/<folder>` with the folder as its single top-level entry (as GitHub's archives). */
export async function packUpstream(folder: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const stream = tar.c({ gzip: true, cwd: join(fixtures, 'upstream'), portable: true }, [folder]);
  for await (const c of stream as AsyncIterable<Buffer>) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks);
}

export async function fixtureFiles(): Promise<Map<string, Buffer>> {
  return new Map<string, Buffer>([
    [paths.index, readFileSync(join(fixtures, 'mirror', 'attack', 'index.json'))],
    [paths.bundle, readFileSync(join(fixtures, 'mirror', 'attack', 'enterprise-attack.json'))],
    [paths.sigma, await packUpstream('sigma')],
    [paths.atomics, await packUpstream('atomic-red-team')],
  ]);
}

export type Mode = 'ok' | 'not-found' | 'truncate';

export interface Served {
  method: string;
  path: string;
  status: number;
  conditional: boolean;
}

export interface Loopback {
  base: string;
  files: Map<string, Buffer>;
  requests: Served[];
  setMode(path: string, mode: Mode): void;
  close(): Promise<void>;
}

const etagOf = (body: Buffer): string => `"${createHash('sha256').update(body).digest('hex').slice(0, 16)}"`;

export async function startLoopback(files: Map<string, Buffer>): Promise<Loopback> {
  const modes = new Map<string, Mode>();
  const requests: Served[] = [];
  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    const body = files.get(path);
    const mode = modes.get(path) ?? 'ok';
    const conditional = req.headers['if-none-match'] !== undefined;
    const log = (status: number): void => {
      requests.push({ method: req.method ?? 'GET', path, status, conditional });
    };
    if (!body || mode === 'not-found') {
      log(404);
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    const etag = etagOf(body);
    if (req.headers['if-none-match'] === etag && mode === 'ok') {
      log(304);
      res.writeHead(304, { etag }).end();
      return;
    }
    log(200);
    res.writeHead(200, { 'content-length': String(body.length), etag, 'content-type': 'application/octet-stream' });
    if (mode === 'truncate') {
      // Promise the whole body, send half of it, then hang up.
      res.write(body.subarray(0, Math.floor(body.length / 2)), () => res.socket?.destroy());
      return;
    }
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    files,
    requests,
    setMode: (path, mode) => modes.set(path, mode),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A port nothing listens on: bind one, note it, close it. */
export async function closedPort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/** Environment that points every source of `setup` at `base`. */
export function loopbackEnv(base: string): Record<string, string> {
  return { TTPSCOPE_SOURCE_BASE_URL: base, TTPSCOPE_SIGMA_REF: SIGMA_REF, TTPSCOPE_ATOMICS_REF: ATOMICS_REF };
}
