import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { DatabaseProbe, PROBE_APPLICATION_NAME, PROBE_TIMEOUT_MS } from '../src/health/database-probe';
import { eventually } from './support/eventually';
import { freshDatabaseUrl, onPostgres, startTestApp, TestApp } from './support/test-app';

/** Times one GET /health: its status, its body and how long it took. */
async function timedHealth(t: TestApp): Promise<{ status: number; body: any; ms: number }> {
  const started = performance.now();
  const response = await fetch(`${t.url}/health`);
  const body = await response.json();
  return { status: response.status, body, ms: performance.now() - started };
}

describe('GET /health (e2e)', () => {
  let t: TestApp;
  let databaseUrl: string;

  beforeAll(async () => {
    databaseUrl = await freshDatabaseUrl();
    t = await startTestApp({ databaseUrl });
  });

  afterAll(async () => {
    await t?.close();
  });

  it('answers a flood of checks, every one of them', async () => {
    const answers = await Promise.all(Array.from({ length: 200 }, () => timedHealth(t)));
    expect(answers.map(({ status }) => status)).toEqual(answers.map(() => 200));
    expect(answers[0].body).toEqual({
      status: 'ok',
      database: 'up',
      events: { unhandled: expect.any(Number), failing: 0, oldest_failing_id: null },
    });
  });

  (!onPostgres && 'PostgreSQL only' ? describe.skip : describe)('on PostgreSQL', () => {
    let other: Client;

    beforeAll(async () => {
      other = new Client({ connectionString: databaseUrl });
      await other.connect();
    });

    afterAll(async () => {
      await other?.end();
    });

    it('answers at once while bookings hold every pooled connection: it has a connection of its own', async () => {
      const dataSource = t.app.get(DataSource);
      const poolSize = (dataSource.options as { extra: { max: number } }).extra.max;
      // Every pooled connection busy for 3 s, as under a booking load that outnumbers the pool.
      const held = Array.from({ length: poolSize }, () => dataSource.query('SELECT pg_sleep(3)'));
      try {
        await eventually(async () => {
          const { rows } = await other.query(
            "SELECT count(*)::int AS n FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(3)' AND state = 'active' AND datname = current_database()",
          );
          expect(rows[0].n).toBe(poolSize);
        });
        const check = await timedHealth(t);
        expect(check.status).toBe(200);
        expect(check.body.database).toBe('up');
        // Queued behind the pool it took the rest of the 3 s.
        expect(check.ms).toBeLessThan(1000);
        expect(await probeConnections(other)).toBe(1);
      } finally {
        await Promise.all(held);
      }
    });

    it('reads once more on a new connection when its own is ended mid-read: the database is not down', async () => {
      await timedHealth(t);
      await other.query('BEGIN');
      let check: Promise<{ status: number; body: any; ms: number }>;
      try {
        await other.query('LOCK TABLE outbox_events IN ACCESS EXCLUSIVE MODE');
        check = timedHealth(t);
        // The probe's read waits for the lock; then its backend is ended, as a failover or an operator would.
        await eventually(async () => {
          const { rows } = await other.query(
            `SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database()
               AND wait_event_type = 'Lock'`,
            [PROBE_APPLICATION_NAME],
          );
          expect(rows).toHaveLength(1);
          await other.query('SELECT pg_terminate_backend($1)', [rows[0].pid]);
        });
      } finally {
        await other.query('ROLLBACK');
      }
      expect((await check).status).toBe(200);
    });

    it('answers 503 within its bound when the database does not answer, and recovers after', async () => {
      await other.query('BEGIN');
      try {
        // Every read of the outbox waits for this lock: to the check, a database that does not answer.
        await other.query('LOCK TABLE outbox_events IN ACCESS EXCLUSIVE MODE');
        const check = await timedHealth(t);
        expect(check.status).toBe(503);
        expect(check.body).toEqual({ status: 'unavailable', database: 'down' });
        expect(check.ms).toBeGreaterThanOrEqual(PROBE_TIMEOUT_MS - 500);
        expect(check.ms).toBeLessThan(PROBE_TIMEOUT_MS + 1000);
        // Checks after checks, and checks together, while the lock holds: no read stuck behind it is left on the
        // server (each held a connection until the lock went), and those that come together share one.
        const reads = jest.spyOn(t.app.get(DatabaseProbe), 'read');
        for (let round = 0; round < 3; round += 1) {
          reads.mockClear();
          const together = await Promise.all(Array.from({ length: 20 }, () => timedHealth(t)));
          expect(together.map(({ status }) => status)).toEqual(together.map(() => 503));
          expect(reads).toHaveBeenCalledTimes(1);
          expect(await probeConnections(other)).toBeLessThanOrEqual(1);
        }
        reads.mockRestore();
      } finally {
        await other.query('ROLLBACK');
      }
      const after = await timedHealth(t);
      expect(after.status).toBe(200);
      // The connection stuck behind the lock was dropped; one new one took its place.
      await eventually(async () => expect(await probeConnections(other)).toBe(1));
    });
  });
});

/** The health probe's connections to the database, as the server counts them. */
async function probeConnections(client: Client): Promise<number> {
  const { rows } = await client.query(
    'SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database()',
    [PROBE_APPLICATION_NAME],
  );
  return rows[0].n;
}
