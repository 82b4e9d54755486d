import Database from 'better-sqlite3';
import { mkdirSync, mkdtempSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { Transactions } from '../src/database/transactions';
import { uncheckpointedPages } from '../src/database/wal-checkpointer';
import { bookAppointment, createType, createWebhook, eventually, freshDatabaseUrl } from './support/fixtures';
import { Receiver } from './support/receiver';
import { onPostgres, startTestApp, TestApp } from './support/test-app';

/** A wide fan-out (WIDE_FAN_OUT in deliveries.repository.ts, 100 or more): it syncs the WAL itself. */
const WIDE = 101;

/** The service's one SQLite connection. */
function connectionOf(t: TestApp): Database.Database {
  return (t.app.get(DataSource).driver as unknown as { databaseConnection: Database.Database })
    .databaseConnection;
}

/** A database file in a directory of its own, and a symlink to it in another. */
function symlinkedDatabase(): { link: string; target: string } {
  const dir = mkdtempSync(join(tmpdir(), 'booking-link-'));
  mkdirSync(join(dir, 'data'));
  const target = join(dir, 'data', 'db.sqlite');
  new Database(target).close();
  const link = join(dir, 'db.sqlite');
  symlinkSync(target, link);
  return { link, target };
}

(onPostgres ? describe.skip : describe)('SQLite: what the disk and the file system do (e2e)', () => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('commits again after SQLite rolled a batch back by itself', async () => {
    t = await startTestApp({ databaseUrl: await freshDatabaseUrl() });
    const app = t;
    const type = await createType(app, { title: 'Rolled back' });
    const db = connectionOf(app);
    const transactions = app.app.get(Transactions);
    // What SQLite does by itself on some errors within a transaction or at COMMIT (a full disk, I/O): the
    // transaction is gone, the batch's works fail with it.
    await expect(
      transactions.run(async ({ manager }) => {
        await manager.query('SELECT 1');
        db.exec('ROLLBACK');
      }),
    ).rejects.toThrow(/no such savepoint/);
    expect(db.inTransaction).toBe(false);
    // Then a commit that fails and leaves the transaction open (a deferred foreign key), to be rolled back.
    await expect(
      transactions.run(async ({ manager }) => {
        await manager.query('PRAGMA defer_foreign_keys = ON');
        await manager.query(
          "INSERT INTO webhook_deliveries (webhook_id, action, status, payload, date_created) VALUES (999999, 'x', 'pending', '', 0)",
        );
      }),
    ).rejects.toThrow(/FOREIGN KEY/);
    const booked = await bookAppointment(app, type.id, '2032-03-01T10:00:00Z');
    // Committed for another connection to see, not a savepoint inside a transaction left open for good.
    const reader = new Database(db.name, { readonly: true });
    try {
      expect(reader.prepare('SELECT COUNT(*) AS n FROM appointments WHERE id = ?').get(booked.id)).toEqual({
        n: 1,
      });
    } finally {
      reader.close();
    }
  });

  it('rolls the whole batch back when a failed work cannot be undone alone', async () => {
    t = await startTestApp({ databaseUrl: await freshDatabaseUrl() });
    const app = t;
    const db = connectionOf(app);
    const transactions = app.app.get(Transactions);
    const exec = db.exec.bind(db);
    // The undo of one work (ROLLBACK TO its savepoint) fails once, as an I/O error could make it.
    let refused = 0;
    jest.spyOn(db, 'exec').mockImplementation((sql: string) => {
      if (sql.startsWith('ROLLBACK TO') && refused++ === 0) throw new Error('disk I/O error');
      return exec(sql);
    });
    const failed = transactions.run(async ({ manager }) => {
      await manager.query(
        "INSERT INTO customers (name, email, email_normalized, date_created, date_modified) VALUES ('Half', 'half@example.com', 'half@example.com', 0, 0)",
      );
      throw new Error('the work failed after its first write');
    });
    await expect(failed).rejects.toThrow('the work failed after its first write');
    // The next work commits, and the failed one's write does not commit with it.
    await transactions.run(({ manager }) =>
      manager.query(
        "INSERT INTO customers (name, email, email_normalized, date_created, date_modified) VALUES ('Whole', 'whole@example.com', 'whole@example.com', 0, 0)",
      ),
    );
    jest.restoreAllMocks();
    expect(refused).toBe(1);
    const reader = new Database(db.name, { readonly: true });
    try {
      expect(reader.prepare('SELECT name FROM customers ORDER BY name').pluck().all()).toEqual(['Whole']);
    } finally {
      reader.close();
    }
  });

  it('syncs a wide fan-out, and checkpoints, beside the file a symlinked database path leads to', async () => {
    const receiver = await Receiver.start();
    try {
      const { link, target } = symlinkedDatabase();
      t = await startTestApp({ databaseUrl: `sqlite:${link}` });
      const app = t;
      const type = await createType(app, { title: 'Linked' });
      for (let i = 0; i < WIDE; i++)
        await createWebhook(app, { url: receiver.url('/linked'), appointment_type_ids: [type.id] });
      await bookAppointment(app, type.id, '2032-04-01T10:00:00Z');
      const sent = await receiver.waitFor('/linked', WIDE, 20_000);
      expect(new Set(sent.map((request) => request.headers['webhook-id'])).size).toBe(WIDE);
      // Handled once its deliveries are synced to disk (the sync found no WAL beside the link, and failed).
      const unhandled = () =>
        connectionOf(app)
          .prepare(
            "SELECT COUNT(*) AS n FROM outbox_events WHERE name = 'appointment.booked' AND handled_at IS NULL",
          )
          .get() as { n: number };
      await eventually(() => expect(unhandled()).toEqual({ n: 0 }), 10_000);

      // Past 1,000 pages in the WAL (SQLite's rule) the checkpointer copies it back into the database file.
      await app.app.get(Transactions).run(async ({ manager }) => {
        await manager.query('CREATE TABLE filler (x BLOB)');
        await manager.query(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000)
          INSERT INTO filler SELECT randomblob(4000) FROM n`);
      });
      const pageSize = connectionOf(app).pragma('page_size', { simple: true }) as number;
      expect(statSync(`${target}-wal`).size).toBeGreaterThan(1000 * pageSize);
      await eventually(async () => expect(await uncheckpointedPages(target)).toBeLessThan(1000), 10_000);
    } finally {
      await receiver.close();
    }
  }, 60_000);
});
