import { DataSource } from 'typeorm';
import { AppointmentBookedEvent } from '../src/appointments/events/appointment-booked.event';
import { Transactions } from '../src/database/transactions';
import { DeliveriesRepository } from '../src/webhooks/delivery/deliveries.repository';
import { sampleAppointmentSnapshot } from '../src/webhooks/payload/ssa-payload';
import { createWebhook, eventually, freshDatabaseUrl } from './support/fixtures';
import { Receiver } from './support/receiver';
import { AUTH, onPostgres, startTestApp, TestApp } from './support/test-app';

const WEBHOOKS = '/api/v1/webhooks';
const FAST = { WEBHOOK_RETRY_SCHEDULE: '0.2,0.2,0.2', WEBHOOK_POLL_INTERVAL_MS: '200' };

describe('webhook delivery across restarts and instances (e2e)', () => {
  let databaseUrl: string;
  let receiver: Receiver;
  let running: TestApp[] = [];
  let nextAppointmentId = 1;

  beforeAll(async () => {
    databaseUrl = await freshDatabaseUrl();
    receiver = await Receiver.start();
  });

  afterAll(async () => {
    await receiver.close();
  });

  afterEach(async () => {
    for (const app of running) await app.close();
    running = [];
  });

  async function start(env: Record<string, string> = {}): Promise<TestApp> {
    const app = await startTestApp({ databaseUrl, env: { ...FAST, ...env } });
    running.push(app);
    return app;
  }

  async function stop(app: TestApp): Promise<void> {
    running = running.filter((other) => other !== app);
    await app.close();
  }

  function publishBookings(app: TestApp, count: number): Promise<void> {
    const transactions = app.app.get(Transactions);
    return transactions.run(async (tx) => {
      for (let i = 0; i < count; i += 1) {
        await tx.publish(
          new AppointmentBookedEvent({
            appointment: { ...sampleAppointmentSnapshot(), id: nextAppointmentId++ },
          }),
        );
      }
    });
  }

  async function deliveries(app: TestApp, webhookId: number): Promise<any[]> {
    const response = await app
      .http()
      .get(`${WEBHOOKS}/${webhookId}/deliveries?limit=200`)
      .set(AUTH)
      .expect(200);
    return response.body.data;
  }

  it('sends what was committed while no worker ran, and retakes a dead instance’s lease with the same webhook-id', async () => {
    const serverOnly = await start({ WEBHOOK_WORKER: 'false' });
    const { id: webhookId } = await createWebhook(serverOnly, { url: receiver.url('/restart') });
    await publishBookings(serverOnly, 10);
    // Fan-out follows the commit: wait until every event has its delivery.
    const [stuck, ...waiting] = await eventually(async () => {
      const all = await deliveries(serverOnly, webhookId);
      expect(all).toHaveLength(10);
      return all;
    });
    expect(waiting).toHaveLength(9);
    // As if another instance had claimed it and then died mid-attempt.
    const leaseEnds = Date.now() + 1500;
    await serverOnly.app
      .get(DataSource)
      .query(`UPDATE webhook_deliveries SET lease_until = ${leaseEnds} WHERE id = ${stuck.id}`);
    await stop(serverOnly);
    expect(receiver.received('/restart')).toEqual([]);

    const worker = await start();
    const requests = await receiver.waitFor('/restart', 10, 5000);
    const ids = requests.map((request) => request.headers['webhook-id']);
    expect(new Set(ids).size).toBe(10);
    const late = requests.find((request) => request.headers['webhook-id'] === `msg_${stuck.id}`)!;
    expect(late.at).toBeGreaterThanOrEqual(leaseEnds);
    expect(requests.filter((request) => request.at < leaseEnds)).toHaveLength(9);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const rows = await deliveries(worker, webhookId);
    expect(rows.map((row) => [row.status, row.attempt_count])).toEqual(Array(10).fill(['delivered', 1]));
    await worker.http().delete(`${WEBHOOKS}/${webhookId}`).set(AUTH).expect(204);
  });

  it('sends a test send whose instance died before recording it once its lease runs out', async () => {
    const app = await start();
    const { id: webhookId } = await createWebhook(app, { url: receiver.url('/orphan-test') });
    // As a test send leaves it when its process dies mid-request: created leased, its attempt never recorded.
    const leaseEnds = Date.now() + 1000;
    const orphan = await app.app.get(DeliveriesRepository).insertLeased(
      {
        webhook_id: webhookId,
        event_id: null,
        action: 'appointment_booked',
        appointment_id: null,
        payload: '{}',
      },
      leaseEnds,
    );
    const [request] = await receiver.waitFor('/orphan-test', 1, 5000);
    expect(request.headers['webhook-id']).toBe(`msg_${orphan.id}`);
    expect(request.at).toBeGreaterThanOrEqual(leaseEnds);
    const row = await eventually(async () => {
      const [found] = (await deliveries(app, webhookId)).filter((delivery) => delivery.id === orphan.id);
      expect(found.status).toBe('delivered');
      return found;
    });
    expect(row.attempt_count).toBe(1);
    await app.http().delete(`${WEBHOOKS}/${webhookId}`).set(AUTH).expect(204);
  });

  it('finishes the attempts in flight before it shuts down', async () => {
    receiver.on('/shutdown', () => ({ status: 200, delayMs: 400 }));
    const app = await start();
    const { id: webhookId } = await createWebhook(app, { url: receiver.url('/shutdown') });
    await publishBookings(app, 5);
    await receiver.waitFor('/shutdown', 5);
    await stop(app);

    const after = await start({ WEBHOOK_WORKER: 'false' });
    const rows = await deliveries(after, webhookId);
    expect(rows.map((row) => [row.status, row.attempt_count])).toEqual(Array(5).fill(['delivered', 1]));
    expect(receiver.received('/shutdown')).toHaveLength(5);
    await after.http().delete(`${WEBHOOKS}/${webhookId}`).set(AUTH).expect(204);
  });

  // Two instances in one process cannot share a SQLite file: better-sqlite3 waits for the other's lock while
  // blocking the very thread that would release it. Several instances are a PostgreSQL deployment anyway.
  (!onPostgres ? it.skip : it)(
    'shares a burst between two instances without sending anything twice',
    async () => {
      const [first, second] = [await start(), await start()];
      const { id: webhookId } = await createWebhook(first, { url: receiver.url('/burst') });
      const events = 100;
      await Promise.all(
        Array.from({ length: 20 }, (_, i) => publishBookings(i % 2 === 0 ? first : second, events / 20)),
      );
      await receiver.waitFor(
        '/burst',
        (requests) => new Set(requests.map((r) => r.headers['webhook-id'])).size >= events,
        15000,
      );
      await new Promise((resolve) => setTimeout(resolve, 500));
      const requests = receiver.received('/burst');
      expect(new Set(requests.map((r) => r.headers['webhook-id'])).size).toBe(events);
      expect(requests).toHaveLength(events);
      const rows = await deliveries(second, webhookId);
      expect(rows.filter((row) => row.status === 'delivered')).toHaveLength(events);
    },
  );
});
