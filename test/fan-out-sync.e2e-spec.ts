import { DataSource } from 'typeorm';
import { Transactions } from '../src/database/transactions';
import { DeliveriesRepository } from '../src/webhooks/delivery/deliveries.repository';
import { bookAppointment, createType, createWebhook, eventually, freshDatabaseUrl } from './support/fixtures';
import { Receiver } from './support/receiver';
import { AUTH, onPostgres, startTestApp, TestApp } from './support/test-app';

/** One fewer than a wide fan-out (WIDE_FAN_OUT in deliveries.repository.ts) and one more. */
const NARROW = 99;
const WIDE = 101;

/**
 * On SQLite a wide fan-out commits without a sync of its own and has the WAL synced off the event loop; none
 * of its deliveries is sent, nor its event marked handled, before that sync is done.
 */
(onPostgres ? describe.skip : describe)('wide fan-outs on SQLite (e2e)', () => {
  let t: TestApp;
  let receiver: Receiver;
  let syncs: number;
  let release: () => void;
  let held: Promise<void>;

  beforeAll(async () => {
    receiver = await Receiver.start();
    t = await startTestApp({ databaseUrl: await freshDatabaseUrl() });
    const transactions = t.app.get(Transactions);
    const sync = transactions.syncWal.bind(transactions);
    // The real sync, once the test lets it go.
    jest.spyOn(transactions, 'syncWal').mockImplementation(async () => {
      syncs += 1;
      await held;
      await sync();
    });
  });
  afterEach(() => release());
  afterAll(async () => {
    await t.close();
    await receiver.close();
  });
  beforeEach(() => {
    syncs = 0;
    held = new Promise((resolve) => (release = resolve));
  });

  const db = () => t.app.get(DataSource);
  const count = async (sql: string, params: unknown[]) =>
    Number((await db().query<{ n: number }[]>(sql, params))[0].n);

  async function subscribed(path: string, webhooks: number): Promise<number> {
    const type = await createType(t, { title: `Type ${path}` });
    for (let i = 0; i < webhooks; i++)
      await createWebhook(t, { url: receiver.url(path), appointment_type_ids: [type.id] });
    return type.id;
  }

  it('sends nothing of a wide fan-out, and leaves its event unhandled, until the WAL is synced', async () => {
    const typeId = await subscribed('/wide', WIDE);
    const booked = await bookAppointment(t, typeId, '2031-03-03T10:00:00Z');
    const deliveries = 'SELECT COUNT(*) AS n FROM webhook_deliveries WHERE appointment_id = ?';
    // Committed once the sync is asked for (the one SQLite connection reads the open batch's rows before that).
    await eventually(() => expect(syncs).toBe(1), 10_000);
    expect(await count(deliveries, [booked.id])).toBe(WIDE);
    // Committed and claimable by every other rule, yet a claim now takes none of them.
    const now = Date.now();
    expect(await t.app.get(DeliveriesRepository).claimDue(now, now + 60_000, 1000)).toEqual([]);
    // Nor is one sent by hand: a redelivery by id waits for the sync as well.
    const [first] = await db().query<{ id: number }[]>(
      'SELECT id FROM webhook_deliveries WHERE appointment_id = ? ORDER BY id LIMIT 1',
      [booked.id],
    );
    const redelivered = await t.http().post(`/api/v1/webhook-deliveries/${first.id}/redeliver`).set(AUTH);
    expect(redelivered.status).toBe(409);
    expect(redelivered.body.code).toBe('delivery_in_progress');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(receiver.received('/wide')).toHaveLength(0);
    const unhandled = `SELECT COUNT(*) AS n FROM outbox_events WHERE handled_at IS NULL
      AND id = (SELECT event_id FROM webhook_deliveries WHERE appointment_id = ? LIMIT 1)`;
    expect(await count(unhandled, [booked.id])).toBe(1);

    release();
    const sent = await receiver.waitFor('/wide', WIDE, 15_000);
    expect(new Set(sent.map((request) => request.headers['webhook-id'])).size).toBe(WIDE);
    await eventually(async () => expect(await count(unhandled, [booked.id])).toBe(0), 10_000);
  });

  it('takes none of a wide fan-out in a claim asked for while the fan-out waited for its turn on the writer', async () => {
    await subscribed('/queued', WIDE);
    const webhooks = await db().query<{ id: number }[]>('SELECT id FROM webhooks WHERE url = ?', [
      receiver.url('/queued'),
    ]);
    const deliveries = t.app.get(DeliveriesRepository);
    // Both ask for the writer in this order, in one turn of the event loop: the fan-out's rows and its fence
    // are written before the claim runs, although the claim was asked for before the fence went up.
    const fanOut = deliveries.insertForEvent(
      { event_id: 900_001, action: 'appointment_booked', appointment_id: 900_001 },
      null,
      webhooks.map(({ id }) => ({ webhook_id: Number(id), payload: '{}' })),
    );
    const now = Date.now();
    const claimed = await deliveries.claimDue(now, now + 60_000, 1000);
    expect(syncs).toBe(1);
    expect(
      claimed.filter((delivery) => webhooks.some(({ id }) => Number(id) === delivery.webhook_id)),
    ).toEqual([]);
    release();
    await fanOut;
  });

  it('keeps a wide fan-out fenced when another, which wrote nothing and so took the same fence, is synced first', async () => {
    await subscribed('/twice', WIDE);
    const webhooks = await db().query<{ id: number }[]>('SELECT id FROM webhooks WHERE url = ?', [
      receiver.url('/twice'),
    ]);
    const rows = webhooks.map(({ id }) => ({ webhook_id: Number(id), payload: '{}' }));
    const event = (id: number) => ({
      event_id: id,
      action: 'appointment_booked' as const,
      appointment_id: id,
    });
    const deliveries = t.app.get(DeliveriesRepository);
    release();
    await deliveries.insertForEvent(event(900_002), null, rows);
    const hold = () => {
      let let_go!: () => void;
      held = new Promise((resolve) => (let_go = resolve));
      return let_go;
    };
    // The relay emits 900_002 again: its deliveries are all there, it writes none.
    const releaseAgain = hold();
    const again = deliveries.insertForEvent(event(900_002), null, rows);
    await eventually(() => expect(syncs).toBe(2), 10_000);
    const releaseNew = hold();
    const fresh = deliveries.insertForEvent(event(900_003), null, rows);
    await eventually(() => expect(syncs).toBe(3), 10_000);
    releaseAgain();
    await again;
    const now = Date.now();
    await deliveries.claimDue(now, now + 60_000, 1000);
    const taken = `SELECT COUNT(*) AS n FROM webhook_deliveries WHERE event_id = ?
      AND (lease_until IS NOT NULL OR attempt_count > 0)`;
    expect(await count(taken, [900_003])).toBe(0);
    releaseNew();
    await fresh;
  });

  it('syncs a narrow fan-out with its commit, as any write', async () => {
    const typeId = await subscribed('/narrow', NARROW);
    await bookAppointment(t, typeId, '2031-03-04T10:00:00Z');
    await receiver.waitFor('/narrow', NARROW, 15_000);
    expect(syncs).toBe(0);
  });
});
