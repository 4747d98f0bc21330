/**
 * A loopback server that speaks OpenAI's `POST /v1/chat/completions` for
 * tests: it records requests and answers with what the test's handler
 * returns (a JSON answer for the assistant message, an HTTP error, a delay,
 * or a broken body).
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ChatRequest {
  path: string;
  headers: IncomingMessage['headers'];
  body: {
    model: string;
    temperature?: number;
    messages: { role: string; content: string }[];
    response_format?: { type: string; json_schema?: { name: string; strict?: boolean; schema: unknown } };
  };
}

export type Reply = { content: string } | { status: number; body: string } | { delayMs: number; content: string } | { raw: string };

export interface LoopbackLlm {
  url: string;
  requests: ChatRequest[];
  close(): Promise<void>;
}

export async function startLlmServer(handler: (req: ChatRequest) => Reply): Promise<LoopbackLlm> {
  const requests: ChatRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"message":"not found"}}');
        return;
      }
      let body: ChatRequest['body'];
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as ChatRequest['body'];
      } catch {
        res.writeHead(400).end('{"error":{"message":"bad json"}}');
        return;
      }
      const r: ChatRequest = { path: req.url, headers: req.headers, body };
      requests.push(r);
      const reply = handler(r);
      const send = (content: string) =>
        res.writeHead(200, { 'content-type': 'application/json' }).end(
          JSON.stringify({ id: `chatcmpl-${requests.length}`, object: 'chat.completion', model: body.model, choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content } }] }),
        );
      if ('status' in reply) res.writeHead(reply.status, { 'content-type': 'application/json' }).end(reply.body);
      else if ('raw' in reply) res.writeHead(200, { 'content-type': 'application/json' }).end(reply.raw);
      else if ('delayMs' in reply) setTimeout(() => send(reply.content), reply.delayMs);
      else send(reply.content);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
