import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Worker } from 'node:worker_threads';
import { Webhook } from 'standardwebhooks';
import type { AppConfig } from '../src/config/app-config';
import { generateSecret } from '../src/webhooks/webhook-secrets';
import { ThreadedSender } from '../src/webhooks/delivery/threaded-sender';

describe('ThreadedSender (e2e: the sender thread and a local receiver)', () => {
  let server: http.Server;
  let base: string;
  const held: http.ServerResponse[] = [];

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        if (req.url === '/hold') {
          held.push(res);
          return;
        }
        const body = Buffer.concat(chunks).toString();
        // A receiver told the secret (here in the query) checks the signature as Standard Webhooks do.
        const secret = new URL(req.url!, 'http://receiver').searchParams.get('secret');
        res.writeHead(200).end(
          JSON.stringify({
            id: req.headers['webhook-id'],
            verified: secret === null ? null : verifies(secret, body, req.headers),
          }),
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const config = {
    webhookAllowPrivateUrls: true,
    webhookConcurrency: 8,
    webhookTimeoutMs: 5000,
  } as AppConfig;
  const threadOf = (sender: ThreadedSender) => (sender as unknown as { thread?: Worker }).thread;

  it('posts signed messages on its thread, each answered with its own result, many in one batch', async () => {
    const sender = new ThreadedSender(config);
    const secret = generateSecret();
    try {
      const results = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          sender.send({ url: `${base}/hook`, secrets: [secret] }, { id: i + 1, payload: `{"n":${i}}` }),
        ),
      );
      results.forEach((result, i) => {
        expect(result).toMatchObject({ status_code: 200, error: null });
        expect(JSON.parse(result.response_body!)).toEqual({ id: `msg_${i + 1}`, verified: null });
      });
      expect(threadOf(sender)).toBeDefined();
    } finally {
      await sender.onApplicationShutdown();
    }
  });

  it('signs as Standard Webhooks receivers verify', async () => {
    const sender = new ThreadedSender(config);
    const secret = generateSecret();
    try {
      const url = `${base}/signed?secret=${encodeURIComponent(secret)}`;
      const result = await sender.send({ url, secrets: [secret] }, { id: 7, payload: '{"a":1}' });
      expect(result.status_code).toBe(200);
      expect(JSON.parse(result.response_body!)).toEqual({ id: 'msg_7', verified: true });
    } finally {
      await sender.onApplicationShutdown();
    }
  });

  it('fails the attempts a dead thread held, and starts another for the next', async () => {
    const sender = new ThreadedSender(config);
    try {
      const stuck = sender.send(
        { url: `${base}/hold`, secrets: [generateSecret()] },
        { id: 1, payload: '{}' },
      );
      while (held.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
      const first = threadOf(sender)!;
      await first.terminate();
      expect(await stuck).toMatchObject({
        status_code: null,
        error: expect.stringMatching(/sender thread stopped/),
      });
      const next = await sender.send(
        { url: `${base}/hook`, secrets: [generateSecret()] },
        { id: 2, payload: '{}' },
      );
      expect(next).toMatchObject({ status_code: 200, error: null });
      expect(threadOf(sender)).not.toBe(first);
    } finally {
      held.splice(0).forEach((res) => res.destroy());
      await sender.onApplicationShutdown();
    }
  });

  it('ends its thread at shutdown, leaving the attempts still out to the pump (which handed them back)', async () => {
    const sender = new ThreadedSender(config);
    let settled = false;
    void sender
      .send({ url: `${base}/hold`, secrets: [generateSecret()] }, { id: 3, payload: '{}' })
      .then(() => (settled = true));
    while (held.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    const thread = threadOf(sender)!;
    const exited = new Promise((resolve) => thread.once('exit', resolve));
    await sender.onApplicationShutdown();
    await exited;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(settled).toBe(false);
    expect(threadOf(sender)).toBeUndefined();
    held.splice(0).forEach((res) => res.destroy());
  });
});

function verifies(secret: string, body: string, headers: http.IncomingHttpHeaders): boolean {
  try {
    new Webhook(secret).verify(body, headers as Record<string, string>);
    return true;
  } catch {
    return false;
  }
}
