import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { PreparedSql } from '../src/database/prepared-sql';
import { Transactions } from '../src/database/transactions';
import { freshDatabaseUrl } from './support/fixtures';
import { onPostgres, resetPostgres, startTestApp, TEST_DATABASE_URL, TestApp } from './support/test-app';

/** The driver-level statements of the booking path (src/database/prepared-sql.ts), on real databases. */
describe('PreparedSql on SQLite', () => {
  let db: Database.Database;
  const sql = new PreparedSql();

  beforeEach(() => {
    db = new Database(join(mkdtempSync(join(tmpdir(), 'prepared-sql-')), 'x.sqlite'));
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, flag INTEGER, at BIGINT)');
  });
  afterEach(() => db.close());

  it('binds $n placeholders in order, repeated or out of order, and returns RETURNING rows', () => {
    const [row] = sql.onSqlite<{ id: number }>(
      db,
      'INSERT INTO t (name, flag, at) VALUES ($1, $2, $3) RETURNING id',
      ['a', true, 1_800_000_000_000],
    );
    expect(row.id).toBe(1);
    sql.onSqlite(db, 'INSERT INTO t (name, flag, at) VALUES ($1, $2, $3)', ['b', false, 5]);
    const rows = sql.onSqlite<{ name: string; flag: number }>(
      db,
      'SELECT name, flag FROM t WHERE at > $2 AND (name = $1 OR name = $1 || $3) ORDER BY id',
      ['a', 0, ''],
    );
    expect(rows).toEqual([{ name: 'a', flag: 1 }]);
  });

  it('writes without RETURNING give no rows, and booleans are stored as 0/1', () => {
    expect(sql.onSqlite(db, 'INSERT INTO t (name, flag, at) VALUES ($1, $2, $3)', ['c', true, 1])).toEqual(
      [],
    );
    expect(db.prepare('SELECT flag FROM t').pluck().get()).toBe(1);
  });

  it('binds a list as JSON for json_each, an empty one matching nothing', () => {
    for (const name of ['a', 'b', 'c']) sql.onSqlite(db, 'INSERT INTO t (name) VALUES ($1)', [name]);
    const text = 'SELECT name FROM t WHERE id IN (SELECT value FROM json_each($1)) ORDER BY id';
    expect(sql.onSqlite<{ name: string }>(db, text, [[1, 3]]).map((r) => r.name)).toEqual(['a', 'c']);
    expect(sql.onSqlite(db, text, [[]])).toEqual([]);
  });

  it('prepares each text once however often it runs', () => {
    const local = new PreparedSql();
    for (let i = 0; i < 250; i += 1)
      local.onSqlite(db, 'INSERT INTO t (name, at) VALUES ($1, $2)', [`n${i}`, i]);
    local.onSqlite(db, 'SELECT COUNT(*) AS n FROM t', []);
    expect(local.sqliteStatements(db)).toBe(2);
    expect(db.prepare('SELECT COUNT(*) FROM t').pluck().get()).toBe(250);
  });

  it('passes the driver error through (a unique violation keeps its code)', () => {
    db.exec('CREATE UNIQUE INDEX t_name ON t (name)');
    sql.onSqlite(db, 'INSERT INTO t (name) VALUES ($1)', ['same']);
    expect(() => sql.onSqlite(db, 'INSERT INTO t (name) VALUES ($1)', ['same'])).toThrow(
      expect.objectContaining({ code: 'SQLITE_CONSTRAINT_UNIQUE' }),
    );
  });
});

(onPostgres ? describe : describe.skip)('PreparedSql on PostgreSQL', () => {
  let client: Client;
  const sql = new PreparedSql();

  beforeAll(async () => {
    await resetPostgres(TEST_DATABASE_URL!);
    client = new Client({ connectionString: TEST_DATABASE_URL });
    await client.connect();
    await client.query('CREATE TABLE t (id SERIAL PRIMARY KEY, name TEXT UNIQUE, flag BOOLEAN, at BIGINT)');
  });
  afterAll(() => client.end());

  it('runs named statements, bigints as strings, lists with ANY', async () => {
    const [row] = await sql.onPostgres<{ id: number }>(
      client,
      'INSERT INTO t (name, flag, at) VALUES ($1, $2, $3) RETURNING id',
      ['a', true, 1_800_000_000_000],
    );
    expect(row.id).toBe(1);
    await sql.onPostgres(client, 'INSERT INTO t (name, flag, at) VALUES ($1, $2, $3) RETURNING id', [
      'b',
      false,
      2,
    ]);
    const rows = await sql.onPostgres<{ name: string; flag: boolean; at: string }>(
      client,
      'SELECT name, flag, at FROM t WHERE id = ANY($1) AND (name = $2 OR $2 = $3) ORDER BY id',
      [[1, 2], 'x', 'x'],
    );
    expect(rows).toEqual([
      { name: 'a', flag: true, at: '1800000000000' },
      { name: 'b', flag: false, at: '2' },
    ]);
    const prepared = await client.query<{ n: string }>(
      "SELECT COUNT(*) AS n FROM pg_prepared_statements WHERE name LIKE 'prepared_sql_%'",
    );
    expect(Number(prepared.rows[0].n)).toBe(2);
  });

  it('passes the driver error through (a unique violation keeps its code)', async () => {
    await expect(
      sql.onPostgres(client, 'INSERT INTO t (name, flag, at) VALUES ($1, $2, $3) RETURNING id', [
        'a',
        true,
        1,
      ]),
    ).rejects.toMatchObject({ code: '23505' });
  });
});

/** Transactions.sql and, on SQLite, the group commit of the writer's turns. */
describe('Transactions.sql and the SQLite writer', () => {
  let t: TestApp;
  let transactions: Transactions;

  beforeAll(async () => {
    t = await startTestApp({ databaseUrl: await freshDatabaseUrl() });
    transactions = t.app.get(Transactions);
    const id = onPostgres ? 'SERIAL PRIMARY KEY' : 'INTEGER PRIMARY KEY';
    await t.app.get(DataSource).query(`CREATE TABLE scratch (id ${id}, name VARCHAR(20) UNIQUE)`);
  });
  afterAll(() => t.close());

  const names = async () =>
    (await transactions.sql<{ name: string }>('SELECT name FROM scratch ORDER BY name')).map((r) => r.name);

  it('runs in the ambient transaction: a rollback takes its statements back', async () => {
    await expect(
      transactions.run(async () => {
        await transactions.sql('INSERT INTO scratch (id, name) VALUES ($1, $2)', [1, 'rolled-back']);
        expect(await names()).toEqual(['rolled-back']);
        throw new Error('no');
      }),
    ).rejects.toThrow('no');
    expect(await names()).toEqual([]);
  });

  it('concurrent runs: each failure rolls back alone, every other run commits, each settles after its commit', async () => {
    const runs = Array.from({ length: 20 }, (_, i) =>
      transactions.run(async () => {
        await transactions.sql('INSERT INTO scratch (id, name) VALUES ($1, $2)', [100 + i, `n${i}`]);
        if (i % 5 === 2) throw new Error(`fail ${i}`);
        return i;
      }),
    );
    const settled = await Promise.allSettled(runs);
    for (const [i, result] of settled.entries()) {
      if (i % 5 === 2) expect(result).toMatchObject({ status: 'rejected', reason: { message: `fail ${i}` } });
      else expect(result).toEqual({ status: 'fulfilled', value: i });
    }
    expect(await names()).toHaveLength(16);
    if (!onPostgres) {
      const db = (t.app.get(DataSource).driver as any).databaseConnection as Database.Database;
      expect(db.inTransaction).toBe(false);
    }
  });

  it('a unique violation in one run leaves the others committed', async () => {
    const results = await Promise.allSettled(
      ['dup', 'dup', 'other'].map((name) =>
        transactions.run(() =>
          transactions.sql('INSERT INTO scratch (name) VALUES ($1) RETURNING id', [name]),
        ),
      ),
    );
    // Which of the two 'dup' inserts wins is the database's choice on PostgreSQL (two pooled connections).
    expect([results[0].status, results[1].status].sort()).toEqual(['fulfilled', 'rejected']);
    expect(results[2].status).toBe('fulfilled');
    expect((await names()).filter((n) => n === 'dup' || n === 'other')).toEqual(['dup', 'other']);
  });

  it('a write that fails before its answer is awaited fails its run with its own error and keeps nothing', async () => {
    await transactions.run(() => transactions.sql('INSERT INTO scratch (name) VALUES ($1)', ['taken']));
    const failed = transactions.run(async () => {
      await transactions.sql('INSERT INTO scratch (name) VALUES ($1)', ['not-kept']);
      await transactions.write('INSERT INTO scratch (name) VALUES ($1)', ['taken']);
      // On PostgreSQL this one fails as well, the transaction being aborted: the run reports the first.
      await transactions.sql('SELECT 1');
    });
    await expect(failed).rejects.toMatchObject({ code: onPostgres ? '23505' : 'SQLITE_CONSTRAINT_UNIQUE' });
    expect(await names()).not.toContain('not-kept');
  });

  it('a write whose answer is awaited at commit is committed with its run', async () => {
    await transactions.run(() => transactions.write('INSERT INTO scratch (name) VALUES ($1)', ['written']));
    expect(await names()).toContain('written');
  });

  it('a relaxed run commits at NORMAL, a durable one at the configured level, which stays in place between runs', async () => {
    const db = onPostgres
      ? undefined
      : ((t.app.get(DataSource).driver as any).databaseConnection as Database.Database);
    const level = () => db?.pragma('synchronous', { simple: true });
    const levels: unknown[] = [];
    await transactions.run(
      async () => {
        await transactions.sql('INSERT INTO scratch (name) VALUES ($1)', ['relaxed']);
        levels.push(level());
      },
      { durable: false },
    );
    await transactions.run(async () => {
      await transactions.sql('INSERT INTO scratch (name) VALUES ($1)', ['durable']);
      levels.push(level());
    });
    expect(await names()).toEqual(expect.arrayContaining(['relaxed', 'durable']));
    // NORMAL (1) for the relaxed commit, FULL (2, the default) for the durable one, and FULL again between
    // runs: a write that did not go through `run` would still commit durably.
    if (!onPostgres) expect([...levels, level()]).toEqual([1, 2, 2]);
  });
});
