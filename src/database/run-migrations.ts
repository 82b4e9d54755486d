import type { DataSource, Migration } from 'typeorm';

/**
 * The PostgreSQL advisory lock that migration runs take, one at a time (a bigint outside the int4 range of the
 * `hashtext` keys the services lock by): "bookmigr" in ASCII.
 */
const MIGRATION_LOCK = '7093006223306009970';

/**
 * Runs the pending migrations, each in its own transaction. On PostgreSQL one instance at a time: instances
 * started together on an empty database each found every migration pending and ran them side by side, and all
 * but the first failed on a table or type the first had just made ("relation … already exists"), a failed
 * start retried as if the database were down. Under the lock, the later ones find the schema up to date.
 */
export async function runMigrations(dataSource: DataSource): Promise<Migration[]> {
  if (dataSource.options.type !== 'postgres') return dataSource.runMigrations({ transaction: 'each' });
  const lockHolder = dataSource.createQueryRunner();
  await lockHolder.connect();
  try {
    await lockHolder.query('SELECT pg_advisory_lock($1::bigint)', [MIGRATION_LOCK]);
    try {
      return await dataSource.runMigrations({ transaction: 'each' });
    } finally {
      await lockHolder.query('SELECT pg_advisory_unlock($1::bigint)', [MIGRATION_LOCK]);
    }
  } finally {
    await lockHolder.release();
  }
}
