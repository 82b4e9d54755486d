import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { Transactions } from '../src/database/transactions';
import { createType, customer, eventually } from './support/fixtures';
import request from 'supertest';
import { ADMIN_KEY } from './support/admin';
import { freePort, killAll, run, started, stopped } from './support/service-process';
import { AUTH, freshDatabaseUrl, onPostgres, startTestApp, TestApp } from './support/test-app';

/** PRAGMA synchronous answers a number: 1 NORMAL, 2 FULL. */
async function synchronous(env: Record<string, string>): Promise<number> {
  const app = await startTestApp({ databaseUrl: await freshDatabaseUrl(), env });
  try {
    const rows: Array<{ synchronous: number }> = await app.app.get(DataSource).query('PRAGMA synchronous');
    return rows[0].synchronous;
  } finally {
    await app.close();
  }
}

(onPostgres ? describe.skip : describe)('SQLite durability (e2e)', () => {
  afterAll(killAll);

  it('commits with synchronous = FULL by default: an answered booking survives a power loss', async () => {
    expect(await synchronous({})).toBe(2);
  });

  it('runs with synchronous = NORMAL when SQLITE_SYNCHRONOUS=normal, FULL when full', async () => {
    expect(await synchronous({ SQLITE_SYNCHRONOUS: 'normal' })).toBe(1);
    expect(await synchronous({ SQLITE_SYNCHRONOUS: 'full' })).toBe(2);
  });

  /** An app whose WAL syncs (the real ones) wait for the test to let them go, and a type to book. */
  async function heldSyncs(env: Record<string, string>) {
    const databaseUrl = await freshDatabaseUrl();
    const t: TestApp = await startTestApp({ databaseUrl, env });
    const type = await createType(t);
    const held = { syncs: 0, release: () => {} };
    const gate = new Promise<void>((resolve) => (held.release = resolve));
    // The private sync itself: a booking's commit calls it, not the public syncWal.
    const transactions = t.app.get<Transactions, { syncWalFile(): Promise<void> }>(Transactions);
    const sync = transactions.syncWalFile.bind(transactions);
    jest.spyOn(transactions, 'syncWalFile').mockImplementation(async () => {
      held.syncs += 1;
      await gate;
      await sync();
    });
    const book = (start: string) =>
      t
        .http()
        .post('/api/v1/appointments')
        .set(AUTH)
        .send({ appointment_type_id: type.id, start_date: start, customer_information: customer() })
        .then((response) => response);
    return { t, held, book, path: databaseUrl.slice('sqlite:'.length) };
  }

  it('answers a booking once its commit is synced, the sync off the event loop and off the writer', async () => {
    const { t, held, book } = await heldSyncs({});
    try {
      let answered = false;
      const first = book('2031-01-06T09:00:00Z').then((response) => ((answered = true), response));
      await eventually(() => expect(held.syncs).toBe(1));
      // Committed (its slot is taken) and not answered while the sync runs; the service answers meanwhile.
      const second = book('2031-01-06T09:00:00Z');
      await t.http().get('/health').expect(200);
      const rows: { n: number }[] = await t.app
        .get(DataSource)
        .query('SELECT COUNT(*) AS n FROM appointments');
      expect(Number(rows[0].n)).toBe(1);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(answered).toBe(false);
      // The commit ran at NORMAL (SQLite's own sync left out); the connection is back at FULL.
      expect(await t.app.get(DataSource).query('PRAGMA synchronous')).toEqual([{ synchronous: 2 }]);
      held.release();
      expect((await first).status).toBe(201);
      expect((await second).status).toBe(409);
    } finally {
      held.release();
      await t.close();
    }
  });

  it('syncs nothing itself with SQLITE_SYNCHRONOUS=normal', async () => {
    const { t, held, book } = await heldSyncs({ SQLITE_SYNCHRONOUS: 'normal' });
    try {
      expect((await book('2031-01-06T09:00:00Z')).status).toBe(201);
      expect(held.syncs).toBe(0);
    } finally {
      await t.close();
    }
  });

  it('emits, before the database closes, the events of a commit whose sync still runs at shutdown', async () => {
    const { t, held, book, path } = await heldSyncs({});
    const booking = book('2031-01-06T10:00:00Z');
    await eventually(() => expect(held.syncs).toBe(1));
    const closed = t.close();
    setTimeout(() => held.release(), 200);
    await closed;
    expect((await booking).status).toBe(201);
    const db = new Database(path, { readonly: true });
    try {
      // Handled (fanned out and marked) before the close, not left to the relay of the next start.
      expect(db.prepare('SELECT name, handled_at FROM outbox_events').all()).toEqual([
        { name: 'appointment_type.created', handled_at: expect.any(Number) },
        { name: 'appointment.booked', handled_at: expect.any(Number) },
      ]);
    } finally {
      db.close();
    }
  });

  it('stops when the WAL cannot be synced, rather than answer a committed booking either way', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'booking-sync-')), 'db.sqlite');
    const server = run({
      DATABASE_URL: `sqlite:${path}`,
      PORT: String(await freePort()),
      ADMIN_API_KEY: ADMIN_KEY,
    });
    await started(server);
    const type = await createType(() => request(server.url));
    // Unlinked while SQLite holds it open: commits still go into it, and the next sync cannot open it.
    rmSync(`${path}-wal`);
    const answer = await request(server.url)
      .post('/api/v1/appointments')
      .set(AUTH)
      .send({
        appointment_type_id: type.id,
        start_date: '2031-01-06T09:00:00Z',
        customer_information: customer(),
      })
      .then(
        (response) => `answered ${response.status}`,
        (error: Error) => error.message,
      );
    // Neither 201 nor an error status: the connection closes unanswered, the outcome unknown to the client.
    expect(answer).toMatch(/socket hang up|ECONNRESET/);
    expect(await stopped(server)).toEqual({ code: 1, signal: null });
    expect(server.stdout() + server.stderr()).toContain('syncing the SQLite WAL to disk failed');
  }, 120_000);

  it('refuses to start with another SQLITE_SYNCHRONOUS, naming the variable', async () => {
    const server = run({
      DATABASE_URL: `sqlite:${join(mkdtempSync(join(tmpdir(), 'booking-sync-')), 'db.sqlite')}`,
      SQLITE_SYNCHRONOUS: 'off',
      PORT: '0',
    });
    expect(await server.exited).toEqual({ code: 1, signal: null });
    expect(server.stderr()).toContain(
      'Invalid configuration: SQLITE_SYNCHRONOUS must be one of full, normal, got "off"',
    );
  }, 120_000);
});
