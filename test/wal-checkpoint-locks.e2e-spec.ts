import { execFileSync } from 'node:child_process';
import Database from 'better-sqlite3';
import { existsSync, statSync } from 'node:fs';
import { DataSource } from 'typeorm';
import { freshDatabaseUrl } from './support/fixtures';
import { onPostgres, startTestApp, TestApp } from './support/test-app';

/**
 * Another process on the file while the checkpointer watches the WAL index: the service must keep SQLite's
 * locks on the `-shm` (closing any descriptor of it would drop them all), or the other process takes itself
 * for the only one, rebuilds the index, and on closing checkpoints and removes the WAL under the service.
 */
(onPostgres ? describe.skip : describe)('WAL checkpointer and another process (SQLite e2e)', () => {
  let t: TestApp;
  let path: string;
  let connection: Database.Database;

  beforeEach(async () => {
    const url = await freshDatabaseUrl();
    path = url.slice('sqlite:'.length);
    t = await startTestApp({ databaseUrl: url, env: { WEBHOOK_WORKER: 'false' } });
    connection = (t.app.get(DataSource).driver as unknown as { databaseConnection: Database.Database })
      .databaseConnection;
    connection.exec('CREATE TABLE filler (x INTEGER)');
  });
  afterEach(() => t.close());

  /** Counts the rows from another process, which opens and closes its own connection. */
  function countElsewhere(): number {
    const script = `const D = require(${JSON.stringify(require.resolve('better-sqlite3'))});
      const db = new D(${JSON.stringify(path)}, { timeout: 5000 });
      process.stdout.write(String(db.prepare('SELECT COUNT(*) FROM filler').pluck().get()));
      db.close();`;
    return Number(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' }));
  }

  /**
   * Whether another process could take SQLite's "dead man switch" lock on the `-shm` (byte 128) exclusively,
   * that is whether this process lost its shared one: python3's fcntl, which Node lacks.
   */
  function dmsLockFree(): boolean {
    const script = `import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDWR)
try:
    fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, 128)
    print("free")
except OSError:
    print("held")`;
    return execFileSync('python3', ['-c', script, `${path}-shm`], { encoding: 'utf8' }).trim() === 'free';
  }

  it('keeps its lock on the -shm while the checkpointer reads it', async () => {
    connection.prepare('INSERT INTO filler VALUES (1)').run();
    expect(dmsLockFree()).toBe(false);
    // The checkpointer reads the WAL index every 100 ms.
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(dmsLockFree()).toBe(false);
  });

  it('another process opening and closing the database sees every commit, before and after', async () => {
    const insert = connection.prepare('INSERT INTO filler VALUES (?)');
    for (let round = 1; round <= 5; round++) {
      insert.run(round);
      // The checkpointer looks at the WAL index every 100 ms.
      await new Promise((resolve) => setTimeout(resolve, 250));
      expect(countElsewhere()).toBe(round);
      expect(existsSync(`${path}-wal`)).toBe(true);
      expect(statSync(`${path}-shm`).size).toBeGreaterThanOrEqual(32768);
    }
  });
});
