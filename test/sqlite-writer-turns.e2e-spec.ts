import Database from 'better-sqlite3';
import { DataSource } from 'typeorm';
import { Transactions } from '../src/database/transactions';
import { freshDatabaseUrl } from './support/fixtures';
import { onPostgres, startTestApp, TestApp } from './support/test-app';

/**
 * better-sqlite3 answers at once, so the writer's queued turns follow one another in microtasks: without a
 * break they held the event loop until the queue was empty (wide fan-outs queued behind each other: 0.8–1.4 s),
 * and one commit wrote whatever up to 64 turns had written (200 ms for a batch of wide fan-outs).
 */
(onPostgres ? describe.skip : describe)(
  'SQLite writer: queued turns let the event loop come round (e2e)',
  () => {
    let t: TestApp;

    beforeAll(async () => {
      t = await startTestApp({ databaseUrl: await freshDatabaseUrl(), env: { WEBHOOK_WORKER: 'false' } });
      const connection = (
        t.app.get(DataSource).driver as unknown as { databaseConnection: Database.Database }
      ).databaseConnection;
      connection.exec('CREATE TABLE filler (id INTEGER PRIMARY KEY, body TEXT)');
    });
    afterAll(() => t.close());

    it('keeps the loop free within tens of ms while 300 turns write 2,000 rows each', async () => {
      const transactions = t.app.get(Transactions);
      const write = () =>
        transactions.run((tx) =>
          tx.manager.query(
            `WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 2000)
           INSERT INTO filler (body) SELECT printf('%.200c', 'x') FROM n`,
          ),
        );
      await write();
      // The longest time between two runs of a 1 ms interval.
      let last = performance.now();
      let longestMs = 0;
      const probe = setInterval(() => {
        const now = performance.now();
        longestMs = Math.max(longestMs, now - last);
        last = now;
      }, 1);
      const startedAt = performance.now();
      await Promise.all(Array.from({ length: 300 }, write));
      const tookMs = performance.now() - startedAt;
      await new Promise((resolve) => setTimeout(resolve, 5));
      clearInterval(probe);
      // Before: held for the whole queue (about its duration: 360 of 390 ms).
      expect(tookMs).toBeGreaterThan(200);
      expect(longestMs).toBeLessThan(100);
      const [{ count }] = await transactions.sql<{ count: number }>('SELECT COUNT(*) AS count FROM filler');
      expect(Number(count)).toBe(301 * 2000);
    });
  },
);
