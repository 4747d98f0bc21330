import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { UserError } from '../../src/common/errors.js';
import { download } from '../../src/datadir/download.js';
import { tempDir } from '../helpers.js';
import { closedPort } from './loopback.js';

const body = Buffer.from('x'.repeat(10_000));
const sha = createHash('sha256').update(body).digest('hex');
let base = '';
let server: http.Server;

before(async () => {
  server = http.createServer((req, res) => {
    switch (req.url) {
      case '/file':
        if (req.headers['if-none-match'] === '"v1"') res.writeHead(304).end();
        else res.writeHead(200, { 'content-length': body.length, etag: '"v1"' }).end(body);
        return;
      case '/chunked': // no Content-Length: accepted, hash still recorded
        res.writeHead(200);
        res.write(body.subarray(0, 5000));
        res.end(body.subarray(5000));
        return;
      case '/redirect':
        res.writeHead(302, { location: '/file' }).end();
        return;
      case '/loop':
        res.writeHead(302, { location: '/loop' }).end();
        return;
      case '/short': // says more than it sends, then hangs up
        res.writeHead(200, { 'content-length': body.length + 100 });
        res.write(body, () => res.socket?.destroy());
        return;
      case '/error':
        res.writeHead(500, 'Internal Server Error').end();
        return;
      default:
        res.writeHead(404).end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((r) => {
  server.closeAllConnections();
  server.close(() => r());
}));

async function failure(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof UserError, `expected a UserError, got ${String(err)}`);
    return err.describe();
  }
  assert.fail('expected the download to fail');
}

test('a download is written, hashed and sized; its ETag is recorded', async () => {
  const t = tempDir();
  try {
    const r = await download(`${base}/file`, join(t.path, 'a'), { maxBytes: 1 << 20 });
    assert.equal(r.notModified, false);
    if (r.notModified) return;
    assert.equal(r.sha256, sha);
    assert.equal(r.size, body.length);
    assert.equal(r.etag, '"v1"');
    assert.deepEqual(readFileSync(join(t.path, 'a')), body);
    const again = await download(`${base}/file`, join(t.path, 'b'), { maxBytes: 1 << 20, etag: '"v1"' });
    assert.equal(again.notModified, true);
    assert.ok(!existsSync(join(t.path, 'b')));
  } finally {
    t.cleanup();
  }
});

test('redirects are followed (and bounded); chunked bodies are accepted', async () => {
  const t = tempDir();
  try {
    const r = await download(`${base}/redirect`, join(t.path, 'a'), { maxBytes: 1 << 20 });
    assert.ok(!r.notModified && r.finalUrl === `${base}/file` && r.sha256 === sha);
    const c = await download(`${base}/chunked`, join(t.path, 'c'), { maxBytes: 1 << 20 });
    assert.ok(!c.notModified && c.sha256 === sha);
    assert.match(await failure(download(`${base}/loop`, join(t.path, 'l'), { maxBytes: 1 << 20 })), /more than 5 redirects/);
  } finally {
    t.cleanup();
  }
});

test('failures are one-line UserErrors naming the URL, and leave no partial file', async () => {
  const t = tempDir();
  const dest = join(t.path, 'x');
  try {
    assert.match(await failure(download(`${base}/short`, dest, { maxBytes: 1 << 20 })), /^download truncated: received 10000 of 10100 bytes: http:\/\/127\.0\.0\.1:\d+\/short$/);
    assert.match(await failure(download(`${base}/missing`, dest, { maxBytes: 1 << 20 })), /^download failed: HTTP 404 Not Found: .*\/missing$/);
    assert.match(await failure(download(`${base}/error`, dest, { maxBytes: 1 << 20 })), /HTTP 500 Internal Server Error/);
    assert.match(await failure(download(`${base}/file`, dest, { maxBytes: 100 })), /download refused: 10000 bytes is more than the limit of 100/);
    assert.match(await failure(download(`${base}/chunked`, dest, { maxBytes: 100 })), /more than the limit of 100 bytes/);
    assert.match(await failure(download(`${base}/file`, dest, { maxBytes: 1 << 20, expectedSha256: '0'.repeat(64) })), /does not match its pinned sha256/);
    const port = await closedPort();
    assert.match(await failure(download(`http://127.0.0.1:${port}/x`, dest, { maxBytes: 1 << 20 })), /^cannot download: connection refused: http:\/\/127\.0\.0\.1:\d+\/x$/);
    assert.match(await failure(download('ftp://example.invalid/x', dest, { maxBytes: 1 << 20 })), /unsupported scheme ftp:/);
    assert.ok(!existsSync(dest));
  } finally {
    t.cleanup();
  }
});
