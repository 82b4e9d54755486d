import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';

/** The PostgreSQL run sets TEST_DATABASE_URL; otherwise each test file gets its own SQLite file. */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL;
export const onPostgres = TEST_DATABASE_URL !== undefined;

/** Empties a PostgreSQL database (its public schema) for a test file or a benchmark run. */
export async function resetPostgres(url: string): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('DROP SCHEMA IF EXISTS public CASCADE');
    await client.query('CREATE SCHEMA public');
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
