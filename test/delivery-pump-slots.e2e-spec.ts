import { AppointmentBookedEvent } from '../src/appointments/events/appointment-booked.event';
import { AppointmentCanceledEvent } from '../src/appointments/events/appointment-canceled.event';
import { Transactions } from '../src/database/transactions';
import { sampleAppointmentSnapshot } from '../src/webhooks/payload/ssa-payload';
import { createWebhook, freshDatabaseUrl } from './support/fixtures';
import { Receiver } from './support/receiver';
import { startTestApp, TestApp } from './support/test-app';

const SLOW_MS = 3000;

/**
 * The pump claims in batches while it works off a backlog (a claim waits a few milliseconds for half the slots),
 * but slots held by a slow receiver never hold back a delivery to another: one that falls due goes out at once,
 * and a backlog keeps moving through the slots left.
 */
describe('delivery pump: slots held by a slow receiver (e2e)', () => {
  let receiver: Receiver;
  let t: TestApp;

  beforeAll(async () => {
    receiver = await Receiver.start();
    receiver.on('/slow', () => ({ status: 200, delayMs: SLOW_MS }));
  });
  afterAll(() => receiver.close());
  afterEach(() => t.close());

  async function start(concurrency: number): Promise<Transactions> {
    t = await startTestApp({
      databaseUrl: await freshDatabaseUrl(),
      env: { WEBHOOK_CONCURRENCY: String(concurrency), WEBHOOK_POLL_INTERVAL_MS: '60000' },
    });
    await createWebhook(t, { url: receiver.url('/slow'), triggers: ['appointment_canceled'] });
    await createWebhook(t, { url: receiver.url(`/fast-${concurrency}`), triggers: ['appointment_booked'] });
    return t.app.get(Transactions);
  }

  /** `count` events of appointments from `firstId` on, each in its own transaction. */
  async function publish(
    transactions: Transactions,
    kind: 'booked' | 'canceled',
    firstId: number,
    count: number,
  ) {
    for (let id = firstId; id < firstId + count; id++) {
      const appointment = { ...sampleAppointmentSnapshot(), id };
      await transactions.run((tx) =>
        tx.publish(
          kind === 'booked'
            ? new AppointmentBookedEvent({ appointment })
            : new AppointmentCanceledEvent({ appointment: { ...appointment, status: 'canceled' } } as never),
        ),
      );
    }
  }

  it('sends a lone delivery at once while a slow receiver holds just over half the slots', async () => {
    const transactions = await start(50);
    await publish(transactions, 'canceled', 1000, 26);
    await receiver.waitFor('/slow', 26, 5000);
    const startedAt = Date.now();
    await publish(transactions, 'booked', 1, 1);
    const [request] = await receiver.waitFor('/fast-50', 1, 10_000);
    expect(request.at - startedAt).toBeLessThan(1000);
  });

  it('keeps a backlog moving through the one slot a slow receiver leaves', async () => {
    const transactions = await start(8);
    await publish(transactions, 'canceled', 2000, 7);
    await receiver.waitFor('/slow', 7, 5000);
    const startedAt = Date.now();
    await publish(transactions, 'booked', 100, 20);
    const requests = await receiver.waitFor('/fast-8', 20, 10_000);
    // All of them long before the slow answers free their slots.
    expect(Math.max(...requests.map((request) => request.at)) - startedAt).toBeLessThan(SLOW_MS / 2);
  });
});
