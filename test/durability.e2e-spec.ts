import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { killAll, run } from './support/service-process';
import { freshDatabaseUrl, onPostgres, startTestApp } from './support/test-app';

/** PRAGMA synchronous answers a number: 1 NORMAL, 2 FULL. */
async function synchronous(env: Record<string, string>): Promise<number> {
  const app = await startTestApp({ databaseUrl: await freshDatabaseUrl(), env });
  try {
    const rows: Array<{ synchronous: number }> = await app.app.get(DataSource).query('PRAGMA synchronous');
    return rows[0].synchronous;
  } finally {
    await app.close();
  }
}

(onPostgres ? describe.skip : describe)('SQLite durability (e2e)', () => {
  afterAll(killAll);

  it('commits with synchronous = FULL by default: an answered booking survives a power loss', async () => {
    expect(await synchronous({})).toBe(2);
  });

  it('runs with synchronous = NORMAL when SQLITE_SYNCHRONOUS=normal, FULL when full', async () => {
    expect(await synchronous({ SQLITE_SYNCHRONOUS: 'normal' })).toBe(1);
    expect(await synchronous({ SQLITE_SYNCHRONOUS: 'full' })).toBe(2);
  });

  it('refuses to start with another SQLITE_SYNCHRONOUS, naming the variable', async () => {
    const server = run({
      DATABASE_URL: `sqlite:${join(mkdtempSync(join(tmpdir(), 'booking-sync-')), 'db.sqlite')}`,
      SQLITE_SYNCHRONOUS: 'off',
      PORT: '0',
    });
    expect(await server.exited).toEqual({ code: 1, signal: null });
    expect(server.stderr()).toContain(
      'Invalid configuration: SQLITE_SYNCHRONOUS must be one of full, normal, got "off"',
    );
  }, 120_000);
});
