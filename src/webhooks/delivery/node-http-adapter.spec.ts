import axios, { AxiosError } from 'axios';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Readable } from 'node:stream';
import { deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { nodeHttpAdapter } from './node-http-adapter';
import { createGuardedAgents, UrlNotAllowedError, WEBHOOK_URL_NOT_ALLOWED } from './url-guard';

async function text(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

describe('nodeHttpAdapter', () => {
  let server: http.Server;
  let port: number;
  const seen: Array<{ url: string; headers: http.IncomingHttpHeaders; body: string; socket: number }> = [];
  const sockets = new WeakMap<object, number>();
  let connections = 0;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        if (!sockets.has(req.socket)) sockets.set(req.socket, (connections += 1));
        seen.push({
          url: req.url!,
          headers: req.headers,
          body: Buffer.concat(chunks).toString(),
          socket: sockets.get(req.socket)!,
        });
        if (req.url === '/slow') return; // never answers
        if (req.url === '/deflate' || req.url === '/deflate-raw') {
          const encode = req.url === '/deflate' ? deflateSync : deflateRawSync;
          res.writeHead(200, { 'content-encoding': 'deflate' }).end(encode('inflated'));
          return;
        }
        if (req.url === '/gzip') {
          res.writeHead(200, { 'content-encoding': 'gzip' }).end(gzipSync('unzipped'));
          return;
        }
        res.writeHead(req.url === '/gone' ? 410 : 200, { 'retry-after': '7' }).end(`reached ${req.url}`);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const client = (allowPrivate: boolean) => {
    const agents = createGuardedAgents({ allowPrivate, maxSockets: 4 });
    const instance = axios.create({
      ...agents,
      adapter: nodeHttpAdapter,
      proxy: false,
      maxRedirects: 0,
      validateStatus: () => true,
      responseType: 'stream',
      transformResponse: [(data: unknown) => data],
    });
    return {
      instance,
      close: () => [agents.httpAgent, agents.httpsAgent].forEach((agent) => agent.destroy()),
    };
  };

  it('keeps the connect-time SSRF guard: a name resolving to loopback is refused before any byte is sent', async () => {
    const { instance, close } = client(false);
    const before = seen.length;
    try {
      const error = await instance
        .post(`http://localhost:${port}/private`, Buffer.from('{}'))
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AxiosError);
      expect((error as AxiosError).code).toBe(WEBHOOK_URL_NOT_ALLOWED);
      expect((error as AxiosError).cause).toBeInstanceOf(UrlNotAllowedError);
      expect(seen.length).toBe(before);
    } finally {
      close();
    }
  });

  it('posts the exact bytes with the given headers, streams the answer, and reuses the connection', async () => {
    const { instance, close } = client(true);
    try {
      const body = Buffer.from('{"a":"é"}');
      const first = await instance.post<Readable>(`http://localhost:${port}/one`, body, {
        headers: { 'content-type': 'application/json', 'webhook-id': 'msg_1' },
      });
      expect(first.status).toBe(200);
      expect(first.headers['retry-after']).toBe('7');
      expect(await text(first.data)).toBe('reached /one');
      const second = await instance.post<Readable>(`http://localhost:${port}/gone`, body);
      expect(second.status).toBe(410);
      await text(second.data);
      const [one, gone] = seen.slice(-2);
      expect(one.body).toBe('{"a":"é"}');
      expect(one.headers).toMatchObject({
        'content-type': 'application/json',
        'content-length': String(body.length),
        'webhook-id': 'msg_1',
      });
      expect(gone.socket).toBe(one.socket);
    } finally {
      close();
    }
  });

  it('decompresses a gzip answer as axios does', async () => {
    const { instance, close } = client(true);
    try {
      const response = await instance.post<Readable>(`http://127.0.0.1:${port}/gzip`, Buffer.from('{}'));
      expect(response.headers['content-encoding']).toBeUndefined();
      expect(await text(response.data)).toBe('unzipped');
    } finally {
      close();
    }
  });

  it('decodes a deflate answer, with or without its zlib header, as axios does', async () => {
    const { instance, close } = client(true);
    try {
      for (const path of ['/deflate', '/deflate-raw']) {
        const response = await instance.post<Readable>(`http://127.0.0.1:${port}${path}`, Buffer.from('{}'));
        expect(await text(response.data)).toBe('inflated');
      }
    } finally {
      close();
    }
  });

  it('fails with the codes axios uses on timeout and on abort', async () => {
    const { instance, close } = client(true);
    try {
      const timedOut = await instance
        .post(`http://127.0.0.1:${port}/slow`, Buffer.from('{}'), { timeout: 50 })
        .catch((e: unknown) => e);
      expect((timedOut as AxiosError).code).toBe('ECONNABORTED');
      const aborted = await instance
        .post(`http://127.0.0.1:${port}/slow`, Buffer.from('{}'), { signal: AbortSignal.timeout(50) })
        .catch((e: unknown) => e);
      expect((aborted as AxiosError).code).toBe('ERR_CANCELED');
    } finally {
      close();
    }
  });
});
