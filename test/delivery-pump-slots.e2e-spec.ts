import { AppointmentBookedEvent } from '../src/appointments/events/appointment-booked.event';
import { AppointmentCanceledEvent } from '../src/appointments/events/appointment-canceled.event';
import { Transactions } from '../src/database/transactions';
import { sampleAppointmentSnapshot } from '../src/webhooks/payload/ssa-payload';
import { createWebhook, freshDatabaseUrl } from './support/fixtures';
import { Receiver } from './support/receiver';
import { startTestApp, TestApp } from './support/test-app';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

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

  it('holds back a receiver that never answers: the others wait about a second, once, and it gets a quarter of the slots', async () => {
    let hanging = true;
    receiver.on('/hang', () => (hanging ? { status: 200, delayMs: 60_000 } : { status: 200 }));
    t = await startTestApp({
      databaseUrl: await freshDatabaseUrl(),
      env: {
        WEBHOOK_CONCURRENCY: '8',
        WEBHOOK_TIMEOUT_MS: '4000',
        WEBHOOK_POLL_INTERVAL_MS: '250',
        WEBHOOK_RETRY_SCHEDULE: '3,3,3,3,3,3,3,3,3,3',
      },
    });
    await createWebhook(t, { url: receiver.url('/hang'), triggers: ['appointment_canceled'] });
    await createWebhook(t, { url: receiver.url('/fast-held'), triggers: ['appointment_booked'] });
    const transactions = t.app.get(Transactions);

    // A backlog of 40 for the receiver that hangs: its first 8 take every slot.
    await publish(transactions, 'canceled', 3000, 40);
    const [first] = await receiver.waitFor('/hang', 8, 5000);
    const startedAt = Date.now();
    await publish(transactions, 'booked', 300, 5);
    const fast = await receiver.waitFor('/fast-held', 5, 5000);
    // Before: behind 40 requests that time out 8 at a time, 20 s.
    expect(Math.max(...fast.map((request) => request.at)) - startedAt).toBeLessThan(2500);

    // From then on it has a quarter of 8 on the wire at most: each request lasts until it times out (4 s), and
    // no more than 2 of those after the first 8 overlap. Before: 8 at a time.
    await sleep(first.at + 12_500 - Date.now());
    const later = receiver.received('/hang').slice(8);
    expect(later.length).toBeGreaterThanOrEqual(2);
    const overlapping = later.map(
      (request) => later.filter((other) => other.at >= request.at && other.at < request.at + 3900).length,
    );
    expect(Math.max(...overlapping)).toBe(2);

    // Once it answers again, a prompt answer lets it go: all 40 arrive, none lost.
    hanging = false;
    await receiver.waitFor(
      '/hang',
      (requests) => new Set(requests.map((request) => request.headers['webhook-id'])).size === 40,
      20_000,
    );
  }, 60_000);

  it('keeps a held-back receiver that answers in seconds busy on its quarter, not put off for a request timeout', async () => {
    receiver.on('/slow-held', () => ({ status: 200, delayMs: 1600 }));
    t = await startTestApp({
      databaseUrl: await freshDatabaseUrl(),
      env: { WEBHOOK_CONCURRENCY: '8', WEBHOOK_TIMEOUT_MS: '20000', WEBHOOK_POLL_INTERVAL_MS: '250' },
    });
    await createWebhook(t, { url: receiver.url('/slow-held'), triggers: ['appointment_canceled'] });
    await publish(t.app.get(Transactions), 'canceled', 4000, 16);
    const requests = await receiver.waitFor('/slow-held', 16, 14_000);
    // 8 at first, then 2 at a time, each pair put off about as long as a request takes (not the 20 s timeout).
    const later = requests.slice(8);
    const overlapping = later.map(
      (request) => later.filter((other) => other.at >= request.at && other.at < request.at + 1500).length,
    );
    expect(Math.max(...overlapping)).toBe(2);
  });
});
