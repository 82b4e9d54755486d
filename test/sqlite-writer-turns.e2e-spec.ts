import Database from 'better-sqlite3';
import { DataSource } from 'typeorm';
import { Transactions } from '../src/database/transactions';
import { WalCheckpointer } from '../src/database/wal-checkpointer';
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
      // No checkpoints meanwhile: the 250 MB written pass the WAL's limit several times, and each truncating
      // checkpoint holds the writer, and a write waiting on it the loop, for as long as the disk takes to copy
      // and sync (473 ms once in CI, on a slow disk); that is the checkpointer's to bound, not the turns'.
      await t.app.get(WalCheckpointer).beforeApplicationShutdown();
    });
    afterAll(() => t.close());

    it('keeps the loop free within tens of ms while 600 turns write 2,000 rows each', async () => {
      const transactions = t.app.get(Transactions);
      // Relaxed commits (no sync of their own): what is measured is the turns, not the disk, whose syncs on the
      // event loop this does not bound (20 ms quiet, 50-260 ms with other processes writing).
      const write = () =>
        transactions.run(
          (tx) =>
            tx.manager.query(
              `WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 2000)
             INSERT INTO filler (body) SELECT printf('%.200c', 'x') FROM n`,
            ),
          { durable: false },
        );
      await write();
      // The longest time between two runs of a 1 ms interval, while 600 turns write.
      const measure = async () => {
        let last = performance.now();
        let longestMs = 0;
        const probe = setInterval(() => {
          const now = performance.now();
          longestMs = Math.max(longestMs, now - last);
          last = now;
        }, 1);
        const startedAt = performance.now();
        await Promise.all(Array.from({ length: 600 }, write));
        const tookMs = performance.now() - startedAt;
        await new Promise((resolve) => setTimeout(resolve, 5));
        clearInterval(probe);
        return { tookMs, longestMs };
      };
      // The best of three tries: a write of the 250 MB may wait on the disk's writeback, once, which holds the loop
      // whatever the turns do (1.5 s once on a slow machine under CI).
      const tries: Array<{ tookMs: number; longestMs: number }> = [];
      while (tries.length < 3 && !tries.some((run) => run.longestMs < Math.min(run.tookMs / 3, 150))) {
        tries.push(await measure());
      }
      const { tookMs, longestMs } = tries.reduce((best, run) =>
        run.longestMs < best.longestMs ? run : best,
      );
      // Before: held for the whole queue, about its duration.
      expect(tookMs).toBeGreaterThan(400);
      expect(longestMs).toBeLessThan(tookMs / 3);
      expect(longestMs).toBeLessThan(150);
      const [{ count }] = await transactions.sql<{ count: number }>('SELECT COUNT(*) AS count FROM filler');
      expect(Number(count)).toBe((1 + 600 * tries.length) * 2000);
    });
  },
);
