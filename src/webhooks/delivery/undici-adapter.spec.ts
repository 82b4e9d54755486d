import axios, { AxiosError, AxiosHeaders } from 'axios';
import * as http from 'node:http';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Readable } from 'node:stream';
import { deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { undiciAdapter } from './undici-adapter';
import { createGuardedDispatcher, UrlNotAllowedError, WEBHOOK_URL_NOT_ALLOWED } from './url-guard';

async function text(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

describe('undiciAdapter', () => {
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
        if (req.url === '/headers' || req.url === '/headers-gone') {
          res.setHeader('X-Twice', ['a', 'b']);
          res.setHeader('X-Padded', ' v\t ');
          res.writeHead(req.url === '/headers' ? 200 : 410, { 'Retry-After': '7' }).end();
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
    const dispatcher = createGuardedDispatcher({ allowPrivate, connections: 4, connectTimeoutMs: 1000 });
    const instance = axios.create({
      adapter: undiciAdapter(dispatcher),
      proxy: false,
      maxRedirects: 0,
      validateStatus: () => true,
      responseType: 'stream',
      transformResponse: [(data: unknown) => data],
    });
    return {
      instance,
      close: () => dispatcher.destroy(),
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
      await close();
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
      // undici frees the connection for the next request once the answer's end has been handled, a turn later.
      await new Promise(setImmediate);
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
      await close();
    }
  });

  it("gives the answer's headers as axios' own constructor would, also with a status it refuses", async () => {
    const { instance, close } = client(true);
    try {
      const expected = { 'x-twice': ['a', 'b'], 'x-padded': 'v', 'retry-after': '7' };
      const answered = await instance.post<Readable>(`http://127.0.0.1:${port}/headers`, Buffer.from('{}'));
      await text(answered.data);
      expect(answered.headers).toBeInstanceOf(AxiosHeaders);
      expect((answered.headers as AxiosHeaders).toJSON()).toMatchObject(expected);
      const refused = await instance
        .post(`http://127.0.0.1:${port}/headers-gone`, Buffer.from('{}'), { validateStatus: (s) => s < 400 })
        .then(
          () => undefined,
          (error: AxiosError) => error.response,
        );
      expect(refused?.status).toBe(410);
      expect(refused?.headers).toBeInstanceOf(AxiosHeaders);
      expect((refused?.headers as AxiosHeaders).toJSON()).toMatchObject(expected);
    } finally {
      await close();
    }
  });

  it('decompresses a gzip answer as axios does', async () => {
    const { instance, close } = client(true);
    try {
      const response = await instance.post<Readable>(`http://127.0.0.1:${port}/gzip`, Buffer.from('{}'));
      expect(response.headers['content-encoding']).toBeUndefined();
      expect(await text(response.data)).toBe('unzipped');
    } finally {
      await close();
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
      await close();
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
      await close();
    }
  });

  it('keeps the socket error code of a refused connection', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const { instance, close } = client(true);
    try {
      const error = await instance
        .post(`http://127.0.0.1:${closedPort}/`, Buffer.from('{}'))
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AxiosError);
      expect((error as AxiosError).code).toBe('ECONNREFUSED');
    } finally {
      await close();
    }
  });

  it('sends the credentials of the URL as basic authorization, and says an empty POST is empty', async () => {
    const { instance, close } = client(true);
    try {
      const response = await instance.post<Readable>(`http://user%20a:p%40ss@127.0.0.1:${port}/auth`);
      await text(response.data);
      const request = seen[seen.length - 1];
      expect(request.url).toBe('/auth');
      expect(request.headers.authorization).toBe(`Basic ${Buffer.from('user a:p@ss').toString('base64')}`);
      expect(request.headers['content-length']).toBe('0');
    } finally {
      await close();
    }
  });

  it('opens no more connections to a receiver than it is given', async () => {
    const dispatcher = createGuardedDispatcher({
      allowPrivate: true,
      connections: 2,
      connectTimeoutMs: 1000,
    });
    const instance = axios.create({ adapter: undiciAdapter(dispatcher), validateStatus: () => true });
    const before = connections;
    try {
      await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          instance
            .post(`http://127.0.0.1:${port}/limit-${i}`, Buffer.from('{}'), { responseType: 'stream' })
            .then((response) => text(response.data as Readable)),
        ),
      );
      expect(connections - before).toBe(2);
    } finally {
      await dispatcher.destroy();
    }
  });

  /** A raw receiver: `answer` decides, per request on each connection, to answer it or to close the connection. */
  async function rawReceiver(answer: (connection: number, request: number) => boolean) {
    let connections = 0;
    const server = net.createServer((socket) => {
      const connection = ++connections;
      let requests = 0;
      socket.on('data', () => {
        if (answer(connection, ++requests)) socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
        else socket.destroy();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return {
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
      connections: () => connections,
      close: () => new Promise((resolve) => server.close(resolve)),
    };
  }

  it('sends a request lost on a kept-alive connection the receiver closed once more, on a new connection', async () => {
    // The receiver answers the first request of a connection and closes it on the second: as one that closes
    // idle connections does, right when a request was written to it.
    const receiver = await rawReceiver((_connection, request) => request === 1);
    const { instance, close } = client(true);
    try {
      const first = await instance.post<Readable>(receiver.url, Buffer.from('{}'));
      expect(await text(first.data)).toBe('ok');
      await new Promise(setImmediate);
      const second = await instance.post<Readable>(receiver.url, Buffer.from('{}'));
      expect(second.status).toBe(200);
      expect(await text(second.data)).toBe('ok');
      expect(receiver.connections()).toBe(2);
    } finally {
      await close();
      await receiver.close();
    }
  });

  it('sends such a request once more only: a receiver that drops every request fails it after two connections', async () => {
    const receiver = await rawReceiver(() => false);
    const { instance, close } = client(true);
    try {
      const error = await instance.post(receiver.url, Buffer.from('{}')).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AxiosError);
      expect((error as AxiosError).code).toBe('UND_ERR_SOCKET');
      expect(receiver.connections()).toBe(2);
    } finally {
      await close();
      await receiver.close();
    }
  });
});
