import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Client } from 'pg';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { OutboxEventEntity } from '../src/outbox/outbox-event.entity';
import { bookAppointment, createType, createWebhook, eventually } from './support/fixtures';
import { Receiver, verifyDelivery } from './support/receiver';
import { freePort, killAll, run, Server, started } from './support/service-process';
import { ADMIN_KEY, AUTH, freshDatabaseUrl, onPostgres, startTestApp } from './support/test-app';

/** A service process on its own database, killed with SIGKILL by the tests: no shutdown hook runs. */
async function service(databaseUrl: string, env: Record<string, string>): Promise<Server> {
  const server = run({
    DATABASE_URL: databaseUrl,
    DATA_DIR: mkdtempSync(join(tmpdir(), 'booking-crash-')),
    PORT: String(await freePort()),
    ADMIN_API_KEY: ADMIN_KEY,
    WEBHOOK_ALLOW_PRIVATE_URLS: 'true',
    ...env,
  });
  await started(server);
  return server;
}

async function killed(server: Server): Promise<void> {
  server.child.kill('SIGKILL');
  expect(await server.exited).toEqual({ code: null, signal: 'SIGKILL' });
}

async function bookSome(url: string, count: number, receiverUrl: string): Promise<string> {
  const http = () => request(url);
  const type = await createType(http, { title: 'Crash' });
  const webhook = await createWebhook(http, { url: receiverUrl });
  for (let i = 0; i < count; i += 1) {
    await bookAppointment(http, type.id, new Date(Date.UTC(2030, 0, 7, 8 + i)).toISOString(), {
      customer_information: { Name: `Customer ${i}`, Email: `c${i}@example.com` },
    });
  }
  return webhook.secret;
}

/** Booked events committed and not yet handled, read straight from the database of a dead process. */
async function unhandledBookings(databaseUrl: string): Promise<number> {
  const sql =
    "SELECT COUNT(*) AS n FROM outbox_events WHERE name = 'appointment.booked' AND handled_at IS NULL";
  if (databaseUrl.startsWith('sqlite:')) {
    const db = new Database(databaseUrl.slice('sqlite:'.length), { readonly: true });
    try {
      return Number((db.prepare(sql).get() as { n: number }).n);
    } finally {
      db.close();
    }
  }
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return Number((await client.query<{ n: string }>(sql)).rows[0].n);
  } finally {
    await client.end();
  }
}

describe('crash recovery (e2e)', () => {
  afterAll(killAll);

  const databaseUrl = async () =>
    onPostgres
      ? await freshDatabaseUrl()
      : `sqlite:${join(mkdtempSync(join(tmpdir(), 'booking-crash-db-')), 'db.sqlite')}`;

  it('delivers every booking committed by a process that was killed before sending', async () => {
    const receiver = await Receiver.start();
    const url = await databaseUrl();
    const crashed = await service(url, { WEBHOOK_WORKER: 'false' });
    const secret = await bookSome(crashed.url, 5, receiver.url('/crash'));
    await killed(crashed);
    expect(receiver.received('/crash')).toHaveLength(0);

    const restarted = await startTestApp({ databaseUrl: url });
    try {
      const requests = await receiver.waitFor('/crash', 5, 10_000);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(receiver.received('/crash')).toHaveLength(5);
      const bodies = requests.map((r) => verifyDelivery(secret, r)) as {
        action: string;
        appointment: { customer_information: { Name: string } };
      }[];
      expect(bodies.every((b) => b.action === 'appointment_booked')).toBe(true);
      expect(bodies.map((b) => b.appointment.customer_information.Name).sort()).toEqual([
        'Customer 0',
        'Customer 1',
        'Customer 2',
        'Customer 3',
        'Customer 4',
      ]);
    } finally {
      await restarted.close();
      await receiver.close();
    }
  });

  it('delivers every booking whose process was killed between commit and fan-out', async () => {
    const receiver = await Receiver.start();
    const url = await databaseUrl();
    let unhandled = 0;
    let secret = '';
    // A kill lands between a commit and its fan-out only by timing: a burst is tried again (bounded) until
    // the dead process left committed bookings whose fan-out never ran; otherwise the test proves nothing.
    for (let burst = 0; burst < 5 && unhandled === 0; burst += 1) {
      // A delivery the kill cut mid-attempt is retried once its lease (timeout + 15 s) expires: a short
      // timeout keeps that well inside the wait below, also on a loaded machine.
      const crashed = await service(url, { WEBHOOK_TIMEOUT_MS: '2000' });
      const http = () => request(crashed.url);
      const type = await createType(http, { title: `Burst ${burst}` });
      if (secret === '') secret = (await createWebhook(http, { url: receiver.url('/fan-out') })).secret;
      let answered = 0;
      const killedAfterAnswers = new Promise<void>((resolve) => {
        for (let i = 0; i < 40; i += 1) {
          void http()
            .post('/api/v1/appointments')
            .set(AUTH)
            .send({
              appointment_type_id: type.id,
              start_date: new Date(Date.UTC(2030, 0, 7 + 7 * burst, 0, 30 * i)).toISOString(),
              customer_information: { Name: `Customer ${burst}-${i}`, Email: `c${burst}-${i}@example.com` },
            })
            .then(
              (response) => {
                if (response.status === 201 && ++answered === 10) resolve();
              },
              () => undefined,
            );
        }
      });
      await killedAfterAnswers;
      await killed(crashed);
      unhandled = await unhandledBookings(url);
    }
    expect(unhandled).toBeGreaterThan(0);

    const restarted = await startTestApp({ databaseUrl: url });
    try {
      const booked = await restarted.app
        .get(DataSource)
        .getRepository(OutboxEventEntity)
        .findBy({ name: 'appointment.booked' });
      const committed = new Set(
        booked.map((event) => (JSON.parse(event.payload) as { appointment: { id: number } }).appointment.id),
      );
      const heard = () =>
        new Set(
          receiver
            .received('/fan-out')
            .map((r) =>
              Number((verifyDelivery(secret, r) as { appointment: { id: string } }).appointment.id),
            ),
        );
      await eventually(
        () => expect([...heard()].sort((a, b) => a - b)).toEqual([...committed].sort((a, b) => a - b)),
        30_000,
      );
      // Exactly once per booking, but for a retry of an attempt cut by the kill, which keeps its webhook-id.
      const ids = receiver.received('/fan-out').map((r) => r.headers['webhook-id']);
      expect(new Set(ids).size).toBe(committed.size);
    } finally {
      await restarted.close();
      await receiver.close();
    }
  });

  it('retries, with the same webhook-id, a delivery whose sender was killed mid-attempt', async () => {
    const receiver = await Receiver.start();
    // The first attempt hangs until the sender is dead; the retry is answered.
    receiver.on('/mid', [{ status: 200, delayMs: 3000 }, 200]);
    const url = await databaseUrl();
    const env = { WEBHOOK_TIMEOUT_MS: '1000', WEBHOOK_POLL_INTERVAL_MS: '200' };
    const crashed = await service(url, env);
    await bookSome(crashed.url, 1, receiver.url('/mid'));
    await receiver.waitFor('/mid', 1, 5000);
    await killed(crashed);

    const restarted = await startTestApp({ databaseUrl: url, env });
    try {
      // The dead instance's lease (timeout + 15 s margin) must run out before another instance takes it.
      const requests = await receiver.waitFor('/mid', 2, 25_000);
      expect(requests[1].headers['webhook-id']).toBe(requests[0].headers['webhook-id']);
      expect(requests[1].body).toBe(requests[0].body);
    } finally {
      await restarted.close();
      await receiver.close();
    }
  });
});
