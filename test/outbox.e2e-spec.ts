import { spawn } from 'node:child_process';
import { join } from 'node:path';
import * as readline from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource, In } from 'typeorm';
import { AppointmentTypeCreatedEvent } from '../src/appointment-types/events/appointment-type-created.event';
import { StoredEvent } from '../src/common/events/domain-event';
import { OutboxEventEntity } from '../src/outbox/outbox-event.entity';
import { EventDispatcher } from '../src/outbox/event-dispatcher';
import { OutboxRelay } from '../src/outbox/outbox-relay';
import { Transactions } from '../src/database/transactions';
import { createType, eventually, freshDatabaseUrl } from './support/fixtures';
import { AUTH, onPostgres, startTestApp, TestApp, writesSettled } from './support/test-app';

const CREATED = AppointmentTypeCreatedEvent.eventName;
/** Long enough that the periodic relay never runs on its own during a test. */
const NO_PERIODIC_RELAY = { OUTBOX_RELAY_INTERVAL_MS: '3600000' };

const NO_BACK_OFF = { OUTBOX_RETRY_BASE_MS: '0', OUTBOX_RETRY_MAX_MS: '0' };

const BACKLOG_LISTENER_MS = 50;

const isBacklog = (title: string) => title.startsWith('Backlog ');

/** A second instance in its own process: it relays on `relay` and prints what it emitted. */
const INSTANCE_SCRIPT = `
const readline = require('node:readline');
const { EventEmitter2 } = require('@nestjs/event-emitter');
const { OutboxRelay } = require('./src/outbox/outbox-relay');
const { startTestApp } = require('./test/support/test-app');
(async () => {
  const t = await startTestApp({
    databaseUrl: process.env.OUTBOX_TEST_DATABASE_URL,
    env: ${JSON.stringify(NO_PERIODIC_RELAY)},
    beforeListen: (app) =>
      app.get(EventEmitter2).on('${CREATED}', async (event) => {
        if (!event.payload.appointment_type.title.startsWith('Backlog ')) return;
        console.log('EMIT ' + event.id);
        await new Promise((resolve) => setTimeout(resolve, ${BACKLOG_LISTENER_MS}));
      }),
  });
  console.log('READY');
  for await (const line of readline.createInterface({ input: process.stdin })) {
    if (line === 'relay') console.log('RELAYED ' + (await t.app.get(OutboxRelay).relayOnce({ includeRecent: true })));
    if (line === 'close') break;
  }
  await t.close();
  process.exit(0);
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
`;

interface Instance {
  lines: string[];
  send(line: string): void;
  /** Resolves with the first line (seen so far or later) that matches; fails after 30 s. */
  next(match: (line: string) => boolean): Promise<string>;
  exited: Promise<number | null>;
  kill(): void;
}

function spawnInstance(databaseUrl: string): Instance {
  const child = spawn(
    process.execPath,
    ['--require', 'ts-node/register/transpile-only', '-e', INSTANCE_SCRIPT],
    {
      cwd: join(__dirname, '..'),
      env: { ...process.env, OUTBOX_TEST_DATABASE_URL: databaseUrl },
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  const lines: string[] = [];
  let stderr = '';
  const waiters = new Set<() => void>();
  readline.createInterface({ input: child.stdout }).on('line', (line) => {
    lines.push(line);
    for (const wake of waiters) wake();
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    lines,
    send: (line) => void child.stdin.write(`${line}\n`),
    next: (match) =>
      new Promise<string>((resolve, reject) => {
        const check = () => {
          const found = lines.find(match);
          if (found === undefined) return;
          cleanup();
          resolve(found);
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(
            new Error(
              `the second instance did not answer; stdout: ${lines.slice(-20).join(' | ')}; stderr: ${stderr.slice(-2000)}`,
            ),
          );
        }, 30_000);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        void exited.then(() => {
          check();
          if (waiters.has(check)) {
            cleanup();
            reject(new Error(`the second instance exited; stderr: ${stderr.slice(-2000)}`));
          }
        });
        check();
      }),
    exited,
    kill: () => void child.kill('SIGKILL'),
  };
}

describe('domain-event outbox (e2e)', () => {
  let databaseUrl: string;
  const running = new Set<TestApp>();
  const children = new Set<Instance>();

  beforeAll(async () => {
    databaseUrl = await freshDatabaseUrl();
  });

  afterAll(async () => {
    for (const child of children) child.kill();
    for (const t of running) await t.close();
  });

  async function start(
    options: { env?: Record<string, string>; beforeListen?: (app: NestFastifyApplication) => void } = {},
  ): Promise<TestApp> {
    const t = await startTestApp({
      databaseUrl,
      env: { ...NO_PERIODIC_RELAY, ...options.env },
      beforeListen: options.beforeListen,
    });
    running.add(t);
    return t;
  }

  async function stop(t: TestApp): Promise<void> {
    running.delete(t);
    await t.close();
  }

  /** What happens when the process dies right after the commit: the events are never emitted. */
  function crashAfterCommit(t: TestApp): StoredEvent[] {
    const committed: StoredEvent[] = [];
    t.app.get(Transactions).onCommitted((events) => committed.push(...events));
    t.app.get(EventDispatcher).schedule = () => {};
    return committed;
  }

  function outboxRow(t: TestApp, id: number): Promise<OutboxEventEntity> {
    return t.app.get(DataSource).getRepository(OutboxEventEntity).findOneByOrFail({ id });
  }

  /** Subscribes to appointment_type.created, keeping only the events of the given titles. */
  function listen(
    app: NestFastifyApplication,
    titles: (title: string) => boolean,
    handler: (event: StoredEvent<{ appointment_type: { title: string } }>) => Promise<void> | void,
  ): void {
    app.get(EventEmitter2).on(
      CREATED,
      // The dispatcher's emitAsync awaits what a listener returns: that is how a failure reaches it.
      // eslint-disable-next-line @typescript-eslint/no-misused-promises
      async (event: StoredEvent<{ appointment_type: { title: string } }>) => {
        if (titles(event.payload.appointment_type.title)) await handler(event);
      },
    );
  }

  it('re-emits at the next start an event committed by a process that crashed before emitting it', async () => {
    const a = await start();
    const emittedByA: StoredEvent[] = [];
    listen(
      a.app,
      (title) => title === 'Crash',
      (event) => void emittedByA.push(event),
    );
    const committed = crashAfterCommit(a);

    const type = await createType(a, { title: 'Crash' });
    expect(committed).toHaveLength(1);
    const [event] = committed;
    expect(event).toMatchObject({ name: CREATED, payload: { appointment_type: type } });
    expect(emittedByA).toEqual([]);
    const before = await outboxRow(a, event.id);
    expect(before).toMatchObject({ name: CREATED, handled_at: null, attempts: 0 });
    expect(JSON.parse(before.payload)).toEqual({ appointment_type: type });
    await stop(a);

    // A listener subscribed before bootstrap sees what the start-up relay emits.
    const received: StoredEvent[] = [];
    const b = await start({
      beforeListen: (app) =>
        listen(
          app,
          (title) => title === 'Crash',
          (e) => void received.push(e),
        ),
    });
    await b.app.get(OutboxRelay).started;
    expect(received).toEqual([
      {
        id: event.id,
        name: CREATED,
        payload: JSON.parse(JSON.stringify(event.payload)),
        occurred_at: event.occurred_at,
        stream_key: null,
      },
    ]);
    const after = await outboxRow(b, event.id);
    expect(after.handled_at).toEqual(expect.any(Number));
    expect(after.claimed_until).toBeNull();

    // Handled: it is not emitted again, neither by a later relay nor by another start.
    expect(await b.app.get(OutboxRelay).relayOnce({ includeRecent: true })).toBe(0);
    await stop(b);
    const c = await start({
      beforeListen: (app) =>
        listen(
          app,
          (title) => title === 'Crash',
          (e) => void received.push(e),
        ),
    });
    await c.app.get(OutboxRelay).started;
    expect(received).toHaveLength(1);
    await stop(c);
  });

  it('keeps the event of a failed listener unhandled, and the relay emits it again', async () => {
    let failing = true;
    const calls: number[] = [];
    const t = await start({
      env: NO_BACK_OFF,
      beforeListen: (app) =>
        listen(
          app,
          (title) => title === 'Flaky',
          (event) => {
            calls.push(event.id);
            if (failing) throw new Error('receiver is down');
          },
        ),
    });
    const committed: StoredEvent[] = [];
    t.app.get(Transactions).onCommitted((events) => committed.push(...events));

    await createType(t, { title: 'Flaky' });
    const [event] = committed;
    // The failure is recorded just after the listener threw (and its dispatch has finished).
    await eventually(async () => expect((await outboxRow(t, event.id)).attempts).toBe(1));
    await writesSettled(t);
    expect(calls).toEqual([event.id]);
    expect(await outboxRow(t, event.id)).toMatchObject({
      handled_at: null,
      claimed_until: null,
      attempts: 1,
      last_error: 'receiver is down',
    });

    const relay = t.app.get(OutboxRelay);
    // A fresh event is left to its after-commit emission: the periodic relay takes only older ones.
    expect(await relay.relayOnce()).toBe(0);
    expect(await relay.relayOnce({ includeRecent: true })).toBe(0);
    expect(calls).toEqual([event.id, event.id]);
    expect((await outboxRow(t, event.id)).attempts).toBe(2);

    failing = false;
    expect(await relay.relayOnce({ includeRecent: true })).toBe(1);
    expect(calls).toEqual([event.id, event.id, event.id]);
    const row = await outboxRow(t, event.id);
    expect(row.handled_at).toEqual(expect.any(Number));
    expect(row.attempts).toBe(2);

    expect(await relay.relayOnce({ includeRecent: true })).toBe(0);
    expect(calls).toHaveLength(3);
    await stop(t);
  });

  it('retries a failed event periodically without being asked', async () => {
    let failures = 0;
    const calls: number[] = [];
    const t = await start({
      env: { OUTBOX_RELAY_INTERVAL_MS: '100', OUTBOX_RETRY_BASE_MS: '50' },
      beforeListen: (app) =>
        listen(
          app,
          (title) => title === 'Periodic',
          (event) => {
            calls.push(event.id);
            if (failures++ < 2) throw new Error('not yet');
          },
        ),
    });
    await createType(t, { title: 'Periodic' });
    await eventually(() => expect(calls).toHaveLength(1));
    const [id] = calls;
    expect((await outboxRow(t, id)).handled_at).toBeNull();
    await eventually(
      async () => expect((await outboxRow(t, id)).handled_at).toEqual(expect.any(Number)),
      10_000,
    );
    expect(calls).toEqual([id, id, id]);
    await stop(t);
  });

  (onPostgres && 'SQLite only: its driver shares one query runner' ? it.skip : it)(
    'keeps committing after tens of thousands of SQLite transactions',
    async () => {
      const t = await start();
      const transactions = t.app.get(Transactions);
      for (let n = 0; n < 30_000; n += 1) {
        await transactions.run(({ manager }) => manager.query('SELECT 1'));
      }
      // Still answering: the type is created and read back.
      const type = await createType(t, { title: 'After many transactions' });
      expect(type).toMatchObject({ id: expect.any(Number), title: 'After many transactions' });
      expect((await t.http().get(`/api/v1/appointment-types/${type.id}`).set(AUTH).expect(200)).body).toEqual(
        type,
      );
      await stop(t);
    },
  );

  it('lets two instances relay the same backlog without emitting any event twice', async () => {
    // The second instance is a separate process, as in production: better-sqlite3 waits for a lock
    // synchronously, so two instances in one process would block each other's event loop.
    const emissions: { instance: string; id: number }[] = [];
    const p = await start({
      beforeListen: (app) =>
        listen(app, isBacklog, async (event) => {
          emissions.push({ instance: 'p', id: event.id });
          await sleep(BACKLOG_LISTENER_MS);
        }),
    });
    const q = spawnInstance(databaseUrl);
    children.add(q);
    await q.next((line) => line === 'READY');

    const committed = crashAfterCommit(p);
    for (let n = 1; n <= 12; n += 1) await createType(p, { title: `Backlog ${n}` });
    const ids = committed.map((event) => event.id);
    expect(ids).toHaveLength(12);

    q.send('relay');
    const byP = await p.app.get(OutboxRelay).relayOnce({ includeRecent: true });
    const byQ = Number((await q.next((line) => line.startsWith('RELAYED '))).split(' ')[1]);
    emissions.push(
      ...q.lines
        .filter((line) => line.startsWith('EMIT '))
        .map((line) => ({ instance: 'q', id: Number(line.split(' ')[1]) })),
    );

    expect(emissions.map((emission) => emission.id).sort((x, y) => x - y)).toEqual(ids);
    expect(byP + byQ).toBe(12);
    // Both took part, so it was the claim that kept them apart.
    expect(byP).toBeGreaterThan(0);
    expect(byQ).toBeGreaterThan(0);
    const rows = await p.app
      .get(DataSource)
      .getRepository(OutboxEventEntity)
      .findBy({ id: In(ids) });
    expect(rows.filter((row) => row.handled_at === null)).toEqual([]);

    q.send('relay');
    expect(await p.app.get(OutboxRelay).relayOnce({ includeRecent: true })).toBe(0);
    expect(await q.next((line) => line === 'RELAYED 0')).toBe('RELAYED 0');
    q.send('close');
    expect(await q.exited).toBe(0);
    children.delete(q);
    await stop(p);
  });
});
