import { Logger } from '@nestjs/common';
import pg from 'pg';
import type { DataSource, Migration } from 'typeorm';

/** The PostgreSQL advisory lock migration runs take: a fixed key outside the int4 range of `hashtext` keys. */
const MIGRATION_LOCK = '7093006223306009970';

/**
 * Runs the pending migrations, each in its own transaction. On PostgreSQL one instance at a time: instances
 * started together on an empty database each found every migration pending and ran them side by side, and all
 * but the first failed on a table or type the first had just made ("relation … already exists"), a failed
 * start retried as if the database were down. Under the lock, the later ones find the schema up to date.
 *
 * The lock is held by a connection of its own, ended afterwards: its session's end frees the lock whatever
 * happened (a failed unlock, a process killed), and the pool keeps all its connections for the migrations.
 */
export async function runMigrations(dataSource: DataSource): Promise<Migration[]> {
  const { options } = dataSource;
  if (options.type !== 'postgres') return dataSource.runMigrations({ transaction: 'each' });
  const lockHolder = new pg.Client({ connectionString: options.url });
  await lockHolder.connect();
  try {
    const [{ locked }] = (
      await lockHolder.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS locked', [
        MIGRATION_LOCK,
      ])
    ).rows;
    if (!locked) {
      // Another instance is migrating: this one starts once it is done (a start that seems to hang says why).
      new Logger('Migrations').log({ msg: "waiting for another instance's migrations to finish" });
      await lockHolder.query('SELECT pg_advisory_lock($1::bigint)', [MIGRATION_LOCK]);
    }
    return await dataSource.runMigrations({ transaction: 'each' });
  } finally {
    await lockHolder.end().catch(() => undefined);
  }
}
