import * as net from 'node:net';
import { gzipSync } from 'node:zlib';
import { bookAppointment, createType, createWebhook, eventually, freshDatabaseUrl } from './support/fixtures';
import { DataSource } from 'typeorm';
import { AUTH, onPostgres, startTestApp, TestApp } from './support/test-app';

const TIMEOUT_MS = 1000;

/**
 * A raw TCP receiver on 127.0.0.1: `answer` runs once per request read off a connection (headers and a
 * Content-Length body), with the socket to write whatever it likes, HTTP or not. It counts the connections
 * still open, which is what the service holds: a socket the service forgot to close stays open here.
 */
class RawReceiver {
  readonly requests: string[] = [];
  private readonly sockets = new Set<net.Socket>();

  private constructor(private readonly server: net.Server) {}

  static async start(answer: (socket: net.Socket) => void): Promise<RawReceiver> {
    const server = net.createServer((socket) => receiver.accept(socket, answer));
    const receiver = new RawReceiver(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return receiver;
  }

  url(path = '/hook'): string {
    return `http://127.0.0.1:${(this.server.address() as net.AddressInfo).port}${path}`;
  }

  get openConnections(): number {
    return this.sockets.size;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private accept(socket: net.Socket, answer: (socket: net.Socket) => void): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket)).on('error', () => undefined);
    let buffered = '';
    socket.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('latin1');
      for (;;) {
        const end = buffered.indexOf('\r\n\r\n');
        if (end < 0) return;
        const length = Number(/content-length:\s*(\d+)/i.exec(buffered.slice(0, end))?.[1] ?? 0);
        if (buffered.length < end + 4 + length) return;
        this.requests.push(buffered.slice(0, end + 4 + length));
        buffered = buffered.slice(end + 4 + length);
        if (!socket.destroyed) answer(socket);
      }
    });
  }
}

describe('hostile receivers (e2e: raw sockets)', () => {
  let t: TestApp;
  const receivers: RawReceiver[] = [];
  let nextStart = Date.UTC(2031, 0, 6, 8);

  beforeAll(async () => {
    t = await startTestApp({
      databaseUrl: await freshDatabaseUrl(),
      env: { WEBHOOK_RETRY_SCHEDULE: '0.2', WEBHOOK_TIMEOUT_MS: String(TIMEOUT_MS) },
    });
  });

  afterAll(async () => {
    await t.close();
    for (const receiver of receivers) await receiver.close();
  });

  // Each test's webhooks go, so that later bookings reach only the webhooks of the test that books them.
  let created: number[] = [];
  afterEach(async () => {
    for (const id of created) await t.http().delete(`/api/v1/webhooks/${id}`).set(AUTH);
    created = [];
  });

  async function webhookOn(url: string): Promise<number> {
    const { id } = await createWebhook(t, { url });
    created.push(id);
    return id;
  }

  async function receiver(answer: (socket: net.Socket) => void): Promise<RawReceiver> {
    const started = await RawReceiver.start(answer);
    receivers.push(started);
    return started;
  }

  /** One booking: each webhook given gets one delivery of it. */
  async function book(): Promise<void> {
    const type = await createType(t, { title: `Hostile ${nextStart}` });
    await bookAppointment(t, type.id, new Date(nextStart).toISOString(), {
      customer_information: { Name: 'Ada', Email: 'ada@example.com' },
    });
    nextStart += 3600_000;
  }

  /** The webhook's one delivery with its attempts, once `done` holds for it. */
  async function deliveryOf(webhookId: number, done: (delivery: any) => boolean): Promise<any> {
    return eventually(async () => {
      const list = await t.http().get(`/api/v1/webhooks/${webhookId}/deliveries`).set(AUTH).expect(200);
      expect(list.body.data).toHaveLength(1);
      const detail = await t.http().get(`/api/v1/webhook-deliveries/${list.body.data[0].id}`).set(AUTH);
      expect(done(detail.body)).toBe(true);
      return detail.body;
    }, 10_000);
  }

  it('logs an answer holding a NUL byte (PostgreSQL text cannot) without losing the other outcomes written with it', async () => {
    // A 500 whose body has a NUL, as any binary answer does (an image, protobuf, gzip not declared; the
    // zeros of the bomb below): on PostgreSQL its attempt failed to insert, and with it the whole batch of
    // outcomes written together. Every delivery in it stayed leased, was sent again when the lease ran out
    // and failed to record again, forever: the well-behaved receiver below got the same message, answered
    // 200, every 16 s while its delivery stayed pending with no attempt logged.
    const nul = await receiver((socket) =>
      socket.write(
        Buffer.concat([
          Buffer.from('HTTP/1.1 500 Internal Server Error\r\nContent-Length: 7\r\n\r\n'),
          Buffer.from([0x6e, 0x75, 0x6c, 0x00, 0x62, 0x79, 0x65]),
        ]),
      ),
    );
    const fine = await receiver((socket) => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'));
    const nulHook = await webhookOn(nul.url());
    const fineHook = await webhookOn(fine.url());
    await book();
    const failing = await deliveryOf(nulHook, (delivery) => delivery.status === 'failed');
    expect(failing.status).toBe('failed');
    expect(failing.attempts.map((a: any) => [a.status_code, a.response_body])).toEqual([
      [500, 'nul\uFFFDbye'],
      [500, 'nul\uFFFDbye'],
    ]);
    const delivered = await deliveryOf(fineHook, (delivery) => delivery.status === 'delivered');
    expect(delivered.attempts).toHaveLength(1);
    expect(fine.requests).toHaveLength(1);
  });

  it('records an answer the database refuses without its text, and the outcomes written with it as they are', async () => {
    // Whatever else a database may refuse in a receiver's text (NUL was the one found): a rule here refuses
    // the body "poison". The batch of outcomes fails, each is then written alone, and the refused one without
    // its answer: delivered once, not leased and sent again when its lease runs out, forever.
    const db = t.app.get(DataSource);
    await db.query(
      onPostgres
        ? "ALTER TABLE webhook_delivery_attempts ADD CONSTRAINT no_poison CHECK (response_body IS DISTINCT FROM 'poison')"
        : "CREATE TRIGGER no_poison BEFORE INSERT ON webhook_delivery_attempts WHEN NEW.response_body = 'poison' BEGIN SELECT RAISE(ABORT, 'poison refused'); END",
    );
    try {
      const poison = await receiver((socket) =>
        socket.write('HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\npoison'),
      );
      const fine = await receiver((socket) => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'));
      const poisonHook = await webhookOn(poison.url());
      const fineHook = await webhookOn(fine.url());
      await book();
      const refused = await deliveryOf(poisonHook, (delivery) => delivery.status === 'delivered');
      expect(refused.attempts.map((a: any) => [a.status_code, a.response_body, a.error])).toEqual([
        [200, null, null],
      ]);
      const delivered = await deliveryOf(fineHook, (delivery) => delivery.status === 'delivered');
      expect(delivered.attempts.map((a: any) => a.response_body)).toEqual(['ok']);
      expect([poison.requests.length, fine.requests.length]).toEqual([1, 1]);
    } finally {
      await db.query(
        onPostgres
          ? 'ALTER TABLE webhook_delivery_attempts DROP CONSTRAINT no_poison'
          : 'DROP TRIGGER no_poison',
      );
    }
  });

  it('ends an attempt answered 101 Switching Protocols at once, as that status, not at the deadline', async () => {
    // An upgrade nobody asked for: node:http destroyed the socket and said nothing (the attempt waited for the
    // full WEBHOOK_TIMEOUT_MS holding a slot, logged as a timeout); undici refuses it as a "bad upgrade".
    const upgrading = await receiver((socket) =>
      socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n'),
    );
    const webhook = await webhookOn(upgrading.url());
    await book();
    const delivery = await deliveryOf(webhook, (d) => d.status === 'failed');
    expect(delivery.status).toBe('failed');
    for (const attempt of delivery.attempts) {
      expect(attempt).toMatchObject({ status_code: 101, error: null });
      expect(attempt.duration_ms).toBeLessThan(TIMEOUT_MS / 2);
    }
    expect(delivery.last_error).toBe('HTTP 101');
  });

  it('ends every attempt to a receiver that stalls, floods or garbles by its deadline, and keeps no socket open', async () => {
    const header = (lines: string) => `HTTP/1.1 ${lines}\r\n\r\n`;
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024));
    const hostile: Record<string, (socket: net.Socket) => void> = {
      silent: () => undefined,
      'headers, then nothing': (s) => s.write(header('200 OK\r\nContent-Length: 100')),
      'half a status line': (s) => s.write('HTTP/1.1 200 O'),
      '102 Processing every 10 ms': (s) => {
        const tick = setInterval(
          () => (s.destroyed ? clearInterval(tick) : s.write(header('102 Processing'))),
          10,
        );
      },
      'a byte every 50 ms': (s) => {
        const answer = header('200 OK\r\nContent-Length: 2') + 'ok';
        let sent = 0;
        const tick = setInterval(
          () => (s.destroyed || sent === answer.length ? clearInterval(tick) : s.write(answer[sent++])),
          50,
        );
      },
      // The two bytes of gzip's magic, then nothing: the decoder waits for the rest until the deadline.
      'gzip cut short': (s) =>
        s.write(
          Buffer.concat([
            Buffer.from(header('200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 50')),
            Buffer.from([0x1f, 0x8b]),
          ]),
        ),
      // Valid gzip as far as it goes, then the connection ends: a cut answer, not an undecodable one.
      'gzip cut mid-body': (s) =>
        s.end(
          Buffer.concat([
            Buffer.from(header('200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 200')),
            gzipSync('cut '.repeat(500)).subarray(0, 20),
          ]),
        ),
      'not HTTP': (s) => s.end('SSH-2.0-OpenSSH_9.6\r\n'),
      'invalid gzip': (s) =>
        s.write(header('200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 8') + 'not gzip'),
      'reset mid-request': (s) => s.resetAndDestroy(),
      'closed after its headers': (s) => s.end(header('200 OK\r\nContent-Length: 100')),
      '64 MB of gzip from 64 KB': (s) =>
        s.write(
          Buffer.concat([
            Buffer.from(header(`200 OK\r\nContent-Encoding: gzip\r\nContent-Length: ${bomb.length}`)),
            bomb,
          ]),
        ),
    };
    const started = new Map<string, { receiver: RawReceiver; webhookId: number }>();
    for (const [name, answer] of Object.entries(hostile)) {
      const raw = await receiver(answer);
      started.set(name, { receiver: raw, webhookId: await webhookOn(raw.url()) });
    }
    await book();
    for (const [name, { receiver: raw, webhookId }] of started) {
      const delivery = await deliveryOf(webhookId, (d) => d.status !== 'pending' && d.attempts.length >= 1);
      // Accepted, once: the bomb (its first 4 KB kept) and a 200 whose body does not decode as gzip (the
      // receiver's answer is its status; its body is only logged). Every other answer fails and is retried.
      const expected = name.startsWith('64 MB') || name === 'invalid gzip' ? 1 : 2;
      expect({ name, attempts: delivery.attempts.length }).toEqual({ name, attempts: expected });
      for (const attempt of delivery.attempts) {
        expect({ name, duration: attempt.duration_ms < TIMEOUT_MS + 250 }).toEqual({ name, duration: true });
        if (expected === 2)
          expect({ name, error: attempt.error }).toEqual({ name, error: expect.any(String) });
      }
      // Every connection the service opened to it is closed again, but one kept alive for the next delivery
      // after an answer whose whole Content-Length arrived (the invalid gzip, the small bomb).
      const idle = name === 'invalid gzip' || name.startsWith('64 MB') ? 1 : 0;
      await eventually(
        () => expect({ name, open: raw.openConnections <= idle }).toEqual({ name, open: true }),
        3000,
      );
    }
  });
});
