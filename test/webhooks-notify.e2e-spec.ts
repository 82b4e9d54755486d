import { DataSource } from 'typeorm';
import { AppointmentBookedEvent } from '../src/appointments/events/appointment-booked.event';
import { Transactions } from '../src/database/transactions';
import { LISTENER_APPLICATION_NAME } from '../src/webhooks/delivery/delivery-notifications';
import { sampleAppointmentSnapshot } from '../src/webhooks/payload/ssa-payload';
import { createWebhook, eventually, freshDatabaseUrl } from './support/fixtures';
import { Receiver } from './support/receiver';
import { AUTH, onPostgres, startTestApp, TestApp } from './support/test-app';

const WEBHOOKS = '/api/v1/webhooks';
/** Far beyond every wait below: whatever arrives in time was not fetched by the poll. */
const POLL = { WEBHOOK_POLL_INTERVAL_MS: '60000' };
const CONCURRENCY = 4;

// Several instances on one database are a PostgreSQL deployment; on SQLite the one instance kicks itself.
(!onPostgres && 'PostgreSQL only' ? describe.skip : describe)(
  'webhook deliveries committed on an instance without a worker (e2e)',
  () => {
    let receiver: Receiver;
    /** Serves HTTP only: it fans out, but sends nothing. */
    let server: TestApp;
    /** The only worker, with a poll too slow to explain anything these tests see. */
    let worker: TestApp | undefined;
    let nextAppointmentId = 1;

    beforeAll(async () => {
      const databaseUrl = await freshDatabaseUrl();
      receiver = await Receiver.start();
      server = await startTestApp({ databaseUrl, env: { ...POLL, WEBHOOK_WORKER: 'false' } });
      worker = await startTestApp({
        databaseUrl,
        env: { ...POLL, WEBHOOK_WORKER: 'true', WEBHOOK_CONCURRENCY: String(CONCURRENCY) },
      });
    });

    afterAll(async () => {
      await worker?.close();
      await server.close();
      await receiver.close();
    });

    /** One booking event in its own transaction on the HTTP-only instance; resolves with when it began. */
    async function publishBooking(): Promise<number> {
      const startedAt = Date.now();
      const appointment = { ...sampleAppointmentSnapshot(), id: nextAppointmentId++ };
      await server.app.get(Transactions).run((tx) => tx.publish(new AppointmentBookedEvent({ appointment })));
      return startedAt;
    }

    async function listeners(): Promise<number[]> {
      const rows: Array<{ pid: number }> = await server.app
        .get(DataSource)
        // This database only: instances of other databases on the same server listen too.
        .query(
          'SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database()',
          [LISTENER_APPLICATION_NAME],
        );
      return rows.map((row) => row.pid);
    }

    function webhookIds(path: string): string[] {
      return receiver.received(path).map((request) => String(request.headers['webhook-id']));
    }

    it('keeps one listening connection per worker instance, none on an instance without a worker', async () => {
      expect(await listeners()).toHaveLength(1);
    });

    it('sends a delivery committed on an instance without a worker within milliseconds, not on the next poll', async () => {
      await createWebhook(server, { url: receiver.url('/at-once') });
      const latencies: number[] = [];
      for (let i = 1; i <= 10; i += 1) {
        const startedAt = await publishBooking();
        const [request] = (await receiver.waitFor('/at-once', i, 1000)).slice(i - 1);
        latencies.push(request.at - startedAt);
      }
      latencies.sort((a, b) => a - b);
      console.log(`publish → received: median ${latencies[5]} ms, max ${latencies[9]} ms`);
      expect(latencies[9]).toBeLessThan(1000);
      expect(new Set(webhookIds('/at-once')).size).toBe(10);
    });

    it('loses nothing announced while the worker is busy, and sends nothing twice', async () => {
      receiver.on('/busy', () => ({ status: 200, delayMs: 30 }));
      const { id: webhookId } = await createWebhook(server, { url: receiver.url('/busy') });
      const events = 50;
      // Waves of events, each in its own transaction, arriving while the worker's slots are all taken.
      const published: Array<Promise<number>> = [];
      for (let wave = 0; wave < 10; wave += 1) {
        for (let i = 0; i < events / 10; i += 1) published.push(publishBooking());
        await new Promise((resolve) => setTimeout(resolve, 15));
      }
      await Promise.all(published);
      await receiver.waitFor('/busy', events, 5000);
      // Anything sent twice would arrive soon after the rest.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(new Set(webhookIds('/busy')).size).toBe(events);
      expect(receiver.received('/busy')).toHaveLength(events);
      const response = await server
        .http()
        .get(`${WEBHOOKS}/${webhookId}/deliveries?limit=100`)
        .set(AUTH)
        .expect(200);
      expect(response.body.data.map((row: any) => [row.status, row.attempt_count])).toEqual(
        Array(events).fill(['delivered', 1]),
      );
    });

    it('listens again after losing its connection, and sends what was announced meanwhile', async () => {
      await createWebhook(server, { url: receiver.url('/reconnect') });
      const [lost] = await listeners();
      await server.app.get(DataSource).query('SELECT pg_terminate_backend($1)', [lost]);
      // Announced while nobody listens: sent once the worker is back, long before its poll.
      await publishBooking();
      await receiver.waitFor('/reconnect', 1, 3000);
      await eventually(async () => expect((await listeners()).some((pid) => pid !== lost)).toBe(true), 3000);
      expect(await listeners()).toHaveLength(1);

      const startedAt = await publishBooking();
      const [, request] = await receiver.waitFor('/reconnect', 2, 1000);
      expect(request.at - startedAt).toBeLessThan(1000);
      expect(new Set(webhookIds('/reconnect')).size).toBe(2);
    });

    it('closes its listening connection when it shuts down', async () => {
      await worker!.close();
      worker = undefined;
      await eventually(async () => expect(await listeners()).toEqual([]), 2000);
    });
  },
);
