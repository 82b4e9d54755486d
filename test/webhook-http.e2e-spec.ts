import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import type { AppConfig } from '../src/config/app-config';
import { webhookHttpService } from '../src/webhooks/delivery/webhook-http';
import { WebhookSender } from '../src/webhooks/delivery/webhook-sender';

describe('webhookHttpService (e2e: a local receiver)', () => {
  let server: http.Server;
  let url: string;
  const seen: Array<{
    method: string;
    headers: http.IncomingHttpHeaders;
    rawHeaders: string[];
    body: string;
  }> = [];

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        seen.push({
          method: req.method!,
          headers: req.headers,
          rawHeaders: req.rawHeaders,
          body: Buffer.concat(chunks).toString(),
        });
        if (req.url === '/moved') {
          res.writeHead(302, { location: '/hook', 'content-encoding': 'gzip' }).end(gzipSync('see /hook'));
          return;
        }
        const twice = req.url === '/twice';
        res.writeHead(503, ['retry-after', '7', ...(twice ? ['retry-after', '9'] : [])]).end('busy');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const config = {
    webhookAllowPrivateUrls: true,
    webhookConcurrency: 4,
    webhookTimeoutMs: 1000,
  } as AppConfig;
  const service = () => webhookHttpService(config);

  it('holds only what a delivery uses: the transport and Accept; no per-method headers, transforms, socket timeout or form settings', () => {
    const { defaults } = service().axiosRef;
    expect(Object.keys(defaults).sort()).toEqual(['adapter', 'headers']);
    expect(defaults.headers).toEqual({ Accept: 'application/json, text/plain, */*' });
  });

  it('without those settings still follows no redirect, settles any status, and streams the answer decompressed', async () => {
    const response = await service().axiosRef.request<Readable>({
      method: 'post',
      url: url.replace(/\/hook$/, '/moved'),
      data: Buffer.from('{}'),
    });
    expect(response.status).toBe(302);
    expect(response.headers.location).toBe('/hook');
    const chunks: Buffer[] = [];
    for await (const chunk of response.data) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe('see /hook');
    // The one request: the redirect was not followed.
    expect(seen.splice(0).map((request) => request.body)).toEqual(['{}']);
  });

  it('posts the Buffer as given with exactly the headers set, and hands back any status as a stream', async () => {
    const response = await service().axiosRef.post<Readable>(url, Buffer.from('{"a":1}'), {
      headers: { 'content-type': 'application/json; charset=utf-8', 'webhook-id': 'msg_1' },
    });
    expect(response.status).toBe(503);
    expect(response.headers['retry-after']).toBe('7');
    const chunks: Buffer[] = [];
    for await (const chunk of response.data) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe('busy');
    const [request] = seen.splice(0);
    expect(request).toEqual({
      method: 'POST',
      body: '{"a":1}',
      headers: expect.any(Object),
      rawHeaders: expect.any(Array),
    });
    const { host: _host, connection: _connection, ...headers } = request.headers;
    expect(headers).toEqual({
      accept: 'application/json, text/plain, */*',
      'accept-encoding': 'gzip, compress, deflate, br',
      'content-length': '7',
      'content-type': 'application/json; charset=utf-8',
      'user-agent': expect.stringMatching(/^axios\//),
      'webhook-id': 'msg_1',
    });
  });

  it("sends a delivery's own headers spelt as receivers have always seen them (case-preserving readers, e.g. PHP getallheaders); undici writes its own (host, connection, content-length) in lower case", async () => {
    const sender = new WebhookSender(service(), config);
    const result = await sender.send(
      { url, secrets: [`whsec_${Buffer.alloc(24, 1).toString('base64')}`] },
      { id: 1, payload: '{"a":1}' },
    );
    expect(result).toMatchObject({ status_code: 503, error: null, response_body: 'busy', retry_after: '7' });
    const [request] = seen.splice(0);
    const names = request.rawHeaders.filter((_, i) => i % 2 === 0);
    // undici writes host and connection ahead of the request's headers, and content-length after them.
    expect(names).toEqual([
      'host',
      'connection',
      'Accept',
      'Content-Type',
      'user-agent',
      'webhook-id',
      'webhook-timestamp',
      'webhook-signature',
      'Accept-Encoding',
      'content-length',
    ]);
  });

  it('takes the first Retry-After of an answer that sends two, as node:http did', async () => {
    const sender = new WebhookSender(service(), config);
    const result = await sender.send(
      { url: url.replace(/\/hook$/, '/twice'), secrets: [`whsec_${Buffer.alloc(24, 1).toString('base64')}`] },
      { id: 2, payload: '{}' },
    );
    seen.splice(0);
    expect(result).toMatchObject({ status_code: 503, retry_after: '7' });
  });
});
