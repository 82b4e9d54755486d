import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';

/** The PostgreSQL run sets TEST_DATABASE_URL; otherwise each test file gets its own SQLite file. */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL;
export const onPostgres = TEST_DATABASE_URL !== undefined;

/**
 * Empties a PostgreSQL database (its public schema, or `schema`) for a test file or a benchmark run; with
 * `recreate: false` the schema is only dropped.
 */
export async function resetPostgres(url: string, schema = 'public', recreate = true): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    if (recreate) await client.query(`CREATE SCHEMA ${schema}`);
  } finally {
    await client.end();
  }
}

/** A fresh database for one test file: a new SQLite file, or an emptied PostgreSQL schema. */
export async function freshDatabaseUrl(): Promise<string> {
  if (TEST_DATABASE_URL === undefined) {
    return `sqlite:${join(mkdtempSync(join(tmpdir(), 'booking-e2e-')), 'test.sqlite')}`;
  }
  await resetPostgres(TEST_DATABASE_URL);
  return TEST_DATABASE_URL;
}

/** A table's indexes (not its primary key) and their columns in order, on either database. */
export async function tableIndexes(
  db: { query(sql: string): Promise<unknown> },
  table: string,
): Promise<Record<string, string[]>> {
  const rows = (await db.query(
    onPostgres
      ? `SELECT i.relname AS name, string_agg(a.attname, ',' ORDER BY k.ord) AS columns
         FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
         CROSS JOIN LATERAL unnest(x.indkey) WITH ORDINALITY AS k(attnum, ord)
         JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum
         WHERE x.indrelid = '${table}'::regclass AND NOT x.indisprimary
         GROUP BY i.relname`
      : `SELECT l.name AS name, (SELECT group_concat(name, ',') FROM
           (SELECT c.name FROM pragma_index_info(l.name) c ORDER BY c.seqno)) AS columns
         FROM pragma_index_list('${table}') l WHERE l.origin = 'c'`,
  )) as { name: string; columns: string }[];
  return Object.fromEntries(rows.map((row) => [row.name, row.columns.split(',')]));
}
