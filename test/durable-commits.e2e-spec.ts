import { DataSource } from 'typeorm';
import { Transactions } from '../src/database/transactions';
import { bookAppointment, createType, createWebhook, eventually, freshDatabaseUrl } from './support/fixtures';
import { Receiver } from './support/receiver';
import { onPostgres, startTestApp, TestApp } from './support/test-app';

/**
 * On SQLite a durable commit (`synchronous = FULL`, the default) commits without syncing and has the WAL synced
 * off the event loop: its caller hears of it, and its events go out, once that sync is done, and no delivery
 * read from the database is sent before every durable commit made until then is on disk. Meanwhile the event
 * loop serves other requests. The WAL syncs are held here until the test lets each go.
 */
(onPostgres ? describe.skip : describe)('durable commits synced off the event loop on SQLite (e2e)', () => {
  let t: TestApp;
  let receiver: Receiver;
  /** The syncs asked for and not yet let go, oldest first; each runs the real sync once let go. */
  let waiting: (() => void)[];
  let holding: boolean;

  beforeAll(async () => {
    receiver = await Receiver.start();
    t = await startTestApp({ databaseUrl: await freshDatabaseUrl() });
    const transactions = t.app.get<Transactions, { syncWalFile: () => Promise<void> }>(Transactions);
    const sync = transactions.syncWalFile.bind(transactions);
    jest.spyOn(transactions, 'syncWalFile').mockImplementation(async () => {
      if (holding) await new Promise<void>((resolve) => waiting.push(resolve));
      await sync();
    });
  });
  beforeEach(() => {
    waiting = [];
    holding = false;
  });
  afterEach(() => {
    holding = false;
    waiting.splice(0).forEach((letGo) => letGo());
  });
  afterAll(async () => {
    await t.close();
    await receiver.close();
  });

  const letOneGo = () => waiting.shift()!();
  const count = async (sql: string, params: unknown[]) =>
    Number((await t.app.get(DataSource).query<{ n: number }[]>(sql, params))[0].n);
  /** Settles within `ms` or not: the value it settled with, or 'pending'. */
  const within = <T>(promise: Promise<T>, ms: number) =>
    Promise.race([promise, new Promise<'pending'>((resolve) => setTimeout(() => resolve('pending'), ms))]);

  it('answers a booking once its commit is synced, and serves other requests while the sync runs', async () => {
    const type = await createType(t, { title: 'Synced' });
    holding = true;
    const booking = bookAppointment(t, type.id, '2031-05-05T10:00:00Z');
    await eventually(() => expect(waiting).toHaveLength(1), 10_000);
    // Committed (the one connection reads it) and not answered: the sync it waits for is held.
    expect(
      await count('SELECT COUNT(*) AS n FROM appointments WHERE appointment_type_id = ?', [type.id]),
    ).toBe(1);
    expect(await within(booking, 300)).toBe('pending');
    // The event loop is free: a request that touches no write answers meanwhile.
    const startedAt = Date.now();
    const health = await t.http().get('/health');
    expect(health.status).toBe(200);
    expect(Date.now() - startedAt).toBeLessThan(1000);
    expect(await within(booking, 0)).toBe('pending');

    letOneGo();
    const booked = await booking;
    expect(booked.id).toEqual(expect.any(Number));
  });

  it('sends no delivery of a fan-out before its commit is synced', async () => {
    const type = await createType(t, { title: 'Delivered after sync' });
    await createWebhook(t, { url: receiver.url('/synced'), appointment_type_ids: [type.id] });
    holding = true;
    const booking = bookAppointment(t, type.id, '2031-05-06T10:00:00Z');
    await eventually(() => expect(waiting).toHaveLength(1), 10_000);
    letOneGo();
    const booked = await booking;
    // The fan-out's commit is the next durable one: its delivery is written, and may be leased, but not sent.
    await eventually(() => expect(waiting).toHaveLength(1), 10_000);
    await eventually(
      async () =>
        expect(
          await count('SELECT COUNT(*) AS n FROM webhook_deliveries WHERE appointment_id = ?', [booked.id]),
        ).toBe(1),
      10_000,
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(receiver.received('/synced')).toHaveLength(0);

    holding = false;
    waiting.splice(0).forEach((letGo) => letGo());
    const [sent] = await receiver.waitFor('/synced', 1, 10_000);
    expect(Number(sent.json.appointment.id)).toBe(booked.id);
  });
});
