import { DataSource } from 'typeorm';
import { Transactions } from '../src/database/transactions';
import { DeliveriesRepository } from '../src/webhooks/delivery/deliveries.repository';
import { bookAppointment, createType, createWebhook, eventually, freshDatabaseUrl } from './support/fixtures';
import { Receiver } from './support/receiver';
import { AUTH, onPostgres, startTestApp, TestApp } from './support/test-app';

/** A wide fan-out (WIDE_FAN_OUT in deliveries.repository.ts is 100). */
const WIDE = 101;

/**
 * On SQLite a fan-out's deliveries are not sent, nor its event marked handled, before the WAL sync that puts
 * them on disk. With `SQLITE_SYNCHRONOUS=normal` (these tests but the last) only a wide fan-out is synced: its
 * commit does not wait, and `Transactions.syncWal` syncs the WAL off the event loop after it. With `full`, the
 * default, every fan-out is synced by its commit's own sync, off the event loop too (the last test).
 */
(onPostgres ? describe.skip : describe)('fan-outs on SQLite (e2e)', () => {
  let t: TestApp;
  let receiver: Receiver;
  let syncs: number;
  let release: () => void;
  let held: Promise<void>;

  beforeAll(async () => {
    receiver = await Receiver.start();
    t = await startTestApp({ databaseUrl: await freshDatabaseUrl(), env: { SQLITE_SYNCHRONOUS: 'normal' } });
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

  it('holds a fan-out of one delivery too with synchronous = full, until its own commit is synced', async () => {
    const full = await startTestApp({ databaseUrl: await freshDatabaseUrl() });
    try {
      const webhook = await createWebhook(full, { url: receiver.url('/full') });
      let release = () => {};
      const gate = new Promise<void>((resolve) => (release = resolve));
      let fileSyncs = 0;
      // The private sync every durable commit waits for (not the public syncWal, which it does not call).
      const transactions = full.app.get<Transactions, { syncWalFile(): Promise<void> }>(Transactions);
      const sync = transactions.syncWalFile.bind(transactions);
      jest.spyOn(transactions, 'syncWalFile').mockImplementation(async () => {
        fileSyncs += 1;
        await gate;
        await sync();
      });
      const deliveries = full.app.get(DeliveriesRepository);
      const fanOut = deliveries.insertForEvent(
        { event_id: 900_010, action: 'appointment_booked', appointment_id: 900_010 },
        null,
        [{ webhook_id: webhook.id, payload: '{}' }],
      );
      await eventually(() => expect(fileSyncs).toBe(1), 10_000);
      const [row] = await full.app
        .get(DataSource)
        .query<{ id: number }[]>('SELECT id FROM webhook_deliveries WHERE event_id = 900010');
      const now = Date.now();
      const claimed = await deliveries.claimDue(now, now + 60_000, 1000);
      expect(claimed.filter((delivery) => delivery.webhook_id === webhook.id)).toEqual([]);
      const redelivered = await full.http().post(`/api/v1/webhook-deliveries/${row.id}/redeliver`).set(AUTH);
      expect(redelivered.body.code).toBe('delivery_in_progress');
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(receiver.received('/full')).toHaveLength(0);
      release();
      await fanOut;
      expect(fileSyncs).toBe(1);
      await receiver.waitFor('/full', 1, 15_000);
    } finally {
      await full.close();
    }
  });
});
