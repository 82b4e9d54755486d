import Database from 'better-sqlite3';
import { statSync } from 'node:fs';
import { DataSource } from 'typeorm';
import { WAL_LIMIT_BYTES, WalCheckpointer } from '../src/database/wal-checkpointer';
import { eventually, freshDatabaseUrl } from './support/fixtures';
import { onPostgres, startTestApp, TestApp } from './support/test-app';

/** SQLite's checkpoints run on a worker thread's connection, not in a commit on the event loop. */
(onPostgres ? describe.skip : describe)('WAL checkpoints off the event loop (SQLite e2e)', () => {
  let t: TestApp;
  let path: string;
  let connection: Database.Database;
  let checkpointer: WalCheckpointer;

  beforeEach(async () => {
    const url = await freshDatabaseUrl();
    path = url.slice('sqlite:'.length);
    t = await startTestApp({ databaseUrl: url, env: { WEBHOOK_WORKER: 'false' } });
    const dataSource = t.app.get(DataSource);
    connection = (dataSource.driver as unknown as { databaseConnection: Database.Database })
      .databaseConnection;
    checkpointer = t.app.get(WalCheckpointer);
  });
  afterEach(() => t.close());

  /** `pages` 4 KiB pages through the service's connection, as any commit writes them. */
  function write(pages: number): void {
    connection.exec('CREATE TABLE IF NOT EXISTS filler (x BLOB)');
    const insert = connection.prepare('INSERT INTO filler VALUES (randomblob(4000))');
    connection.transaction(() => {
      for (let i = 0; i < pages; i++) insert.run();
    })();
  }

  it('never checkpoints on the service connection; the worker copies the WAL back once it passes 1,000 pages', async () => {
    expect(connection.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
    const before = statSync(path).size;
    write(500);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(checkpointer.completed).toBe(0);
    write(1200);
    await eventually(() => expect(checkpointer.completed).toBeGreaterThan(0), 10_000);
    // Copied back into the database file: on disk without the WAL.
    expect(statSync(path).size - before).toBeGreaterThan(1500 * 4000);
    const copy = new Database(path, { readonly: true });
    try {
      expect(copy.prepare('SELECT COUNT(*) FROM filler').pluck().get()).toBe(1700);
    } finally {
      copy.close();
    }
  });

  it('restarts the WAL once checkpointed, so that it does not grow without bound', async () => {
    for (let round = 0; round < 6; round++) {
      write(1100);
      const done = checkpointer.completed;
      await eventually(() => expect(checkpointer.completed).toBeGreaterThan(done), 10_000);
    }
    // Six rounds of 1,100 pages went through a WAL that stayed near the size of one round.
    expect(statSync(`${path}-wal`).size).toBeLessThan(3 * 1100 * 4200);
  });

  it('empties a WAL grown past its limit, which no pause in the writes would have started over', async () => {
    // One transaction past the limit: no write begins after it to start the WAL over.
    write(Math.ceil(WAL_LIMIT_BYTES / 4000) + 500);
    expect(statSync(`${path}-wal`).size).toBeGreaterThan(WAL_LIMIT_BYTES);
    await eventually(() => expect(statSync(`${path}-wal`).size).toBe(0), 20_000);
    expect(connection.prepare('SELECT COUNT(*) FROM filler').pluck().get()).toBe(
      Math.ceil(WAL_LIMIT_BYTES / 4000) + 500,
    );
  });

  it('starts no worker once shutdown began, even for a check that was reading the WAL index then', async () => {
    write(1200);
    const internals = checkpointer as unknown as { check(): Promise<void>; worker?: unknown };
    const checking = internals.check();
    await checkpointer.beforeApplicationShutdown();
    await checking;
    expect(internals.worker).toBeUndefined();
  });

  it('hands checkpoints back to the service connection when the worker fails', async () => {
    write(10);
    const pending = checkpointer.checkpoint();
    await (checkpointer as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
    await expect(pending).rejects.toThrow(/exited/);
    expect(connection.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
  });
});
