import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import request from 'supertest';
import { freePort, killAll, run, Server, SHUTDOWN_MS } from './support/service-process';
import { freshDatabaseUrl, onPostgres } from './support/test-app';

const BANNER = 'Generated an admin API key';

/*
 * Each start runs src/main.ts through ts-node, which compiles the whole application first: on a busy 2-core
 * machine that alone has taken over 30 s. So every wait is for a sign of readiness (the "listening" line, the
 * exit), bounded generously, never a fixed sleep.
 */
const BOOT_MS = 180_000;
const EXIT_MS = 60_000;

async function listening(server: Server): Promise<void> {
  const deadline = Date.now() + BOOT_MS;
  let exited = false;
  void server.exited.then(() => (exited = true));
  while (!server.stdout().includes('"msg":"listening"')) {
    if (exited) throw new Error(`the service exited during start-up:\n${server.stderr()}`);
    if (Date.now() > deadline)
      throw new Error(`the service did not start in ${BOOT_MS} ms:\n${server.stderr()}`);
    await sleep(50);
  }
}

async function exit(
  server: Server,
  ms: number,
): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the service did not exit within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([server.exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** True once the port refuses new connections. */
function refusesConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

async function environment(
  options: { database?: boolean } = {},
): Promise<{ dataDir: string; env: Record<string, string> }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'booking-boot-'));
  const databaseUrl =
    onPostgres && options.database !== false
      ? await freshDatabaseUrl()
      : `sqlite:${join(dataDir, 'booking.sqlite')}`;
  return {
    dataDir,
    env: { DATA_DIR: dataDir, DATABASE_URL: databaseUrl, PORT: String(await freePort()) },
  };
}

describe('boot and shutdown (e2e)', () => {
  afterAll(killAll);

  it('refuses to start on an invalid variable, naming it, and writes nothing', async () => {
    const cases = [
      ['PORT', 'abc'],
      ['DATABASE_URL', 'mysql://root@localhost/booking'],
    ];
    await Promise.all(
      cases.map(async ([variable, value]) => {
        const { dataDir, env } = await environment({ database: false });
        const server = run({ ...env, [variable]: value });
        expect(await exit(server, BOOT_MS)).toEqual({ code: 1, signal: null });
        expect(server.stderr()).toContain(`Invalid configuration: ${variable} `);
        expect(server.stderr()).not.toContain('    at ');
        expect(server.stdout()).not.toContain(BANNER);
        expect(readdirSync(dataDir)).toEqual([]);
      }),
    );
  });

  (onPostgres ? it : it.skip)(
    'refuses at once a PostgreSQL database that does not exist, saying how to create it',
    async () => {
      const { dataDir, env } = await environment({ database: false });
      const url = new URL(process.env.TEST_DATABASE_URL!);
      url.pathname = `/${url.pathname.slice(1)}_missing_${process.pid}`;
      const server = run({
        ...env,
        DATABASE_URL: url.toString(),
        ADMIN_API_KEY: 'boot-test-admin-key-0123456789',
      });
      expect(await exit(server, BOOT_MS)).toEqual({ code: 1, signal: null });
      // TypeORM retried it ten times, three seconds apart, and the last line did not say what failed.
      expect(server.stdout()).not.toContain('Retrying (1)');
      // Only the explanation: no stack trace of the error logged first (Nest's ExceptionHandler did).
      expect(server.stdout()).not.toContain('    at ');
      expect(server.stdout()).not.toContain('ExceptionHandler');
      expect(server.stderr()).toContain('does not exist');
      expect(server.stderr()).toContain(`Cannot open the database ${url.toString()} (DATABASE_URL)`);
      expect(server.stderr()).toContain('createdb ');
      expect(readdirSync(dataDir)).toEqual([]);
    },
  );

  it('says which port is taken when another process holds it, only that, before it writes anything', async () => {
    const { dataDir, env } = await environment();
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(Number(env.PORT), '127.0.0.1', resolve));
    try {
      // A first start: no key yet.
      const server = run({ ...env, HOST: '127.0.0.1' });
      expect(await exit(server, BOOT_MS)).toEqual({ code: 1, signal: null });
      expect(server.stderr()).toBe(
        `Port ${env.PORT} on 127.0.0.1 is already in use (another instance?). ` +
          'Stop it, or start this one with PORT=<another port>.\n',
      );
      // Not "Nest application successfully started" first, nor a JSON line repeating the explanation after.
      expect(server.stdout()).not.toContain('successfully started');
      expect(server.stdout()).not.toContain('EADDRINUSE');
      // Neither a database nor a key stored unseen (its banner is shown only on the start that generates it).
      expect(readdirSync(dataDir)).toEqual([]);
    } finally {
      holder.close();
    }
  });

  it('generates an admin key on first start, prints it once, stores it with mode 0600 and reuses it', async () => {
    const { dataDir, env } = await environment();
    const keyFile = join(dataDir, 'admin-api-key');

    // The first start serves HTTP only, and says so; the second sends webhooks too.
    const first = run({ ...env, WEBHOOK_WORKER: 'false' });
    await listening(first);
    expect(first.stdout()).toContain('"webhooks":"not sent by this instance (WEBHOOK_WORKER=false)"');
    const banner = first.stdout().split(BANNER);
    expect(banner).toHaveLength(2);
    const key = readFileSync(keyFile, 'utf8').trim();
    expect(key.length).toBeGreaterThanOrEqual(32);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(first.stdout().split(key).length - 1).toBeGreaterThanOrEqual(1);
    expect(banner[1]).toContain(`\n    ${key}\n`);
    // Framed, so that it stands out between the JSON log lines.
    expect(banner[0]).toMatch(/\n━{20,}\n {2}$/);
    expect(banner[1].split('\n━')[0]).toContain('Swagger UI');

    await request(first.url)
      .get('/api/v1/appointment-types')
      .set('Authorization', `Bearer ${key}`)
      .expect(200);
    const refused = await request(first.url).get('/api/v1/appointment-types').expect(401);
    expect(refused.body.code).toBe('unauthorized');
    first.child.kill('SIGTERM');
    await exit(first, EXIT_MS);

    const second = run(env);
    await listening(second);
    expect(second.stdout()).not.toContain(BANNER);
    expect(second.stdout()).not.toContain(key);
    // It says where the key is kept, for whoever missed the first start's banner.
    expect(second.stdout()).toContain(`"admin_key":${JSON.stringify(keyFile)}`);
    expect(second.stdout()).toContain('"webhooks":"sent by this instance"');
    // Nest's per-route start-up lines are debug detail, not info.
    expect(second.stdout()).not.toContain('RouterExplorer');
    expect(readFileSync(keyFile, 'utf8').trim()).toBe(key);
    await request(second.url)
      .get('/api/v1/appointment-types')
      .set('Authorization', `Bearer ${key}`)
      .expect(200);
    second.child.kill('SIGTERM');
    await exit(second, EXIT_MS);
  });

  it('on SIGTERM stops accepting, finishes the request in flight, closes the database and exits 0', async () => {
    const { dataDir, env } = await environment();
    const key = 'configured-admin-key-0123456789';
    const server = run({ ...env, ADMIN_API_KEY: key });
    await listening(server);
    const port = Number(env.PORT);
    // A configured key is used as it is: nothing generated, stored or printed.
    expect(server.stdout()).not.toContain(BANNER);
    expect(existsSync(join(dataDir, 'admin-api-key'))).toBe(false);

    // A request whose body is still arriving when the signal comes.
    const body = JSON.stringify({ title: 'In flight', duration: 30 });
    const inFlight = httpRequest(`${server.url}/api/v1/appointment-types`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${key}`,
        'Content-Type': 'application/json',
        'Content-Length': Buffer.byteLength(body),
      },
    });
    const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
      inFlight.on('error', reject);
      inFlight.on('response', (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      });
    });
    inFlight.write(body.slice(0, 10));
    await sleep(300);

    server.child.kill('SIGTERM');
    const deadline = Date.now() + SHUTDOWN_MS;
    while (!(await refusesConnections(port))) {
      if (Date.now() > deadline) throw new Error('the service kept accepting connections after SIGTERM');
      await sleep(20);
    }
    expect(server.child.exitCode).toBeNull();

    inFlight.end(body.slice(10));
    const answered = await response;
    expect(answered.status).toBe(201);
    expect(JSON.parse(answered.body)).toMatchObject({ title: 'In flight' });

    expect(await exit(server, EXIT_MS)).toEqual({ code: 0, signal: null });
    expect(server.stdout()).toMatch(/"msg":"shutting down","signal":"SIGTERM"/);
    if (!onPostgres) {
      // SQLite removes the write-ahead log when the last connection closes cleanly.
      expect(existsSync(join(dataDir, 'booking.sqlite-wal'))).toBe(false);
    }

    const again = run({ ...env, ADMIN_API_KEY: key });
    await listening(again);
    const list = await request(again.url)
      .get('/api/v1/appointment-types')
      .set('Authorization', `Bearer ${key}`)
      .expect(200);
    expect(list.body.data.map((type: { title: string }) => type.title)).toContain('In flight');
    again.child.kill('SIGTERM');
    await exit(again, EXIT_MS);
  });
});
