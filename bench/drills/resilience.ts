/**
 * Resilience drills against the real service in its own processes (src/main.ts, or dist/ with BENCH_DIST=1).
 * Each returns the failures it found (empty: it held); the scripts beside this file exit non-zero on any, and
 * test/drills.e2e-spec.ts runs short versions.
 *
 * - killMidLoad: SIGKILL the service while bookings pour in, restart it on the same database: every booking
 *   answered 201 is there, every committed booking is delivered (0 lost), and a booking delivered more than
 *   once carries the same webhook-id each time (a receiver can deduplicate).
 * - receiverOutage: the receiver's port refuses connections while bookings are made, then comes back: every
 *   booking is delivered (0 lost).
 * - twoInstances (PostgreSQL): two instances, 500 simultaneous requests for 100 slots of capacity 1 spread over
 *   both: exactly one booking per slot, and every booking delivered exactly once.
 */
import Database from 'better-sqlite3';
import * as http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import {
  bookingBody,
  createBenchType,
  Proc,
  send,
  sqliteUrl,
  startService,
  TimingReceiver,
  client,
} from '../support/harness';
import { createWebhook } from '../../test/support/fixtures';

export interface DrillResult {
  failures: string[];
  summary: string;
}

/** SQLite's answers to a read-only reader while the service writes or recovers the WAL: worth asking again. */
const TRANSIENT = new Set(['SQLITE_BUSY', 'SQLITE_PROTOCOL', 'SQLITE_READONLY_RECOVERY']);

async function rows<T>(databaseUrl: string, sql: string): Promise<T[]> {
  if (databaseUrl.startsWith('sqlite:')) {
    for (let attempt = 1; ; attempt++) {
      try {
        const db = new Database(databaseUrl.slice('sqlite:'.length), { readonly: true });
        try {
          return db.prepare(sql).all() as T[];
        } finally {
          db.close();
        }
      } catch (error) {
        if (attempt >= 20 || !TRANSIENT.has((error as { code?: string }).code ?? '')) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end();
  }
}

async function bookedIds(databaseUrl: string): Promise<number[]> {
  const found = await rows<{ id: number | string }>(
    databaseUrl,
    "SELECT id FROM appointments WHERE status = 'booked'",
  );
  return found.map((row) => Number(row.id));
}

function appointmentIdOf(body: string): number {
  return Number((JSON.parse(body) as { appointment: { id: string } }).appointment.id);
}

/** Waits until every id has arrived and nothing more came for `quietMs`; returns the arrivals per id. */
async function deliveries(
  receiver: TimingReceiver,
  ids: number[],
  timeoutMs: number,
  quietMs = 2000,
): Promise<Map<number, string[]>> {
  const deadline = Date.now() + timeoutMs;
  let seen = -1;
  let quietSince = Date.now();
  for (;;) {
    const byId = new Map<number, string[]>();
    for (const arrival of receiver.arrivals) {
      const id = appointmentIdOf(arrival.body);
      byId.set(id, [...(byId.get(id) ?? []), arrival.webhookId]);
    }
    if (receiver.arrivals.length !== seen) {
      seen = receiver.arrivals.length;
      quietSince = Date.now();
    }
    const complete = ids.every((id) => byId.has(id));
    if ((complete && Date.now() - quietSince >= quietMs) || Date.now() > deadline) return byId;
    await sleep(100);
  }
}

export async function killMidLoad(options: {
  databaseUrl?: string;
  /** Kill after this many milliseconds of load. */
  killAfterMs: number;
  connections?: number;
}): Promise<DrillResult> {
  const databaseUrl = options.databaseUrl ?? sqliteUrl('drill-kill');
  const receiver = await TimingReceiver.start();
  const failures: string[] = [];
  let first: Proc | undefined = await startService(databaseUrl);
  let second: Proc | undefined;
  try {
    const typeId = await createBenchType(first.url);
    await createWebhook(client(first.url), { url: `${receiver.url}/hook` });
    const agent = new http.Agent({ keepAlive: true, maxSockets: options.connections ?? 16 });
    const url = new URL(`${first.url}/api/v1/appointments`);
    const answered: number[] = [];
    let next = 0;
    let killed = false;
    const load = Promise.all(
      Array.from({ length: options.connections ?? 16 }, async () => {
        while (!killed) {
          try {
            const response = await send(agent, url, 'POST', bookingBody(typeId, next++));
            if (response.status === 201) answered.push((JSON.parse(response.body) as { id: number }).id);
            else if (!killed)
              failures.push(`a booking answered ${response.status} before the kill: ${response.body}`);
          } catch {
            // the connection died with the process
          }
        }
      }),
    );
    await sleep(options.killAfterMs);
    killed = true;
    first.child.kill('SIGKILL');
    await load;
    agent.destroy();
    first = undefined;
    const deliveredBeforeRestart = receiver.arrivals.length;

    second = await startService(databaseUrl);
    const committed = await bookedIds(databaseUrl);
    const committedSet = new Set(committed);
    const lost = answered.filter((id) => !committedSet.has(id));
    if (lost.length > 0)
      failures.push(
        `${lost.length} bookings answered 201 are not in the database: ${lost.slice(0, 10).join(', ')}`,
      );
    const byId = await deliveries(receiver, committed, 120_000);
    const undelivered = committed.filter((id) => !byId.has(id));
    if (undelivered.length > 0)
      failures.push(
        `${undelivered.length} committed bookings were never delivered: ${undelivered.slice(0, 10).join(', ')}`,
      );
    let duplicates = 0;
    for (const [id, webhookIds] of byId) {
      if (webhookIds.length > 1) duplicates++;
      if (new Set(webhookIds).size > 1)
        failures.push(`appointment ${id} was delivered with different webhook-ids: ${webhookIds.join(', ')}`);
    }
    return {
      failures,
      summary: `${answered.length} bookings answered 201 before the kill, ${committed.length} committed, ${deliveredBeforeRestart} delivered before the restart, ${byId.size} delivered in all, ${duplicates} delivered twice (same webhook-id), ${undelivered.length} lost`,
    };
  } finally {
    first?.child.kill('SIGKILL');
    await second?.stop();
    await receiver.close();
  }
}

export async function receiverOutage(options: {
  databaseUrl?: string;
  bookings: number;
  outageMs: number;
}): Promise<DrillResult> {
  const databaseUrl = options.databaseUrl ?? sqliteUrl('drill-outage');
  let receiver = await TimingReceiver.start();
  const port = Number(new URL(receiver.url).port);
  const failures: string[] = [];
  // Retries every second or two, so that the drill waits for the outage, not for the production schedule.
  const service = await startService(databaseUrl, {
    WEBHOOK_RETRY_SCHEDULE: '1,1,1,2,2,2,3,3,3,5,5,5,5,5,5,5,5,5,5,5',
  });
  try {
    const typeId = await createBenchType(service.url);
    await createWebhook(client(service.url), { url: `${receiver.url}/hook` });
    await receiver.close();
    const outageStarted = Date.now();
    const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
    const url = new URL(`${service.url}/api/v1/appointments`);
    const ids: number[] = [];
    for (let i = 0; i < options.bookings; i++) {
      const response = await send(agent, url, 'POST', bookingBody(typeId, i));
      if (response.status !== 201)
        failures.push(`booking ${i} answered ${response.status}: ${response.body}`);
      else ids.push((JSON.parse(response.body) as { id: number }).id);
    }
    agent.destroy();
    await sleep(Math.max(0, options.outageMs - (Date.now() - outageStarted)));
    receiver = await TimingReceiver.start(true, port);
    const back = Date.now();
    const byId = await deliveries(receiver, ids, 120_000);
    const lost = ids.filter((id) => !byId.has(id));
    if (lost.length > 0)
      failures.push(
        `${lost.length} bookings were never delivered after the outage: ${lost.slice(0, 10).join(', ')}`,
      );
    for (const [id, webhookIds] of byId)
      if (new Set(webhookIds).size > 1)
        failures.push(`appointment ${id} was delivered with different webhook-ids`);
    return {
      failures,
      summary: `${ids.length} bookings during a ${Math.round(options.outageMs / 1000)} s outage (connections refused); ${byId.size} delivered within ${Math.round((Date.now() - back) / 1000)} s of the receiver's return; ${lost.length} lost`,
    };
  } finally {
    await service.stop();
    await receiver.close();
  }
}

export async function twoInstances(options: {
  databaseUrl: string;
  requests: number;
  slots: number;
}): Promise<DrillResult> {
  const receiver = await TimingReceiver.start();
  const failures: string[] = [];
  const a = await startService(options.databaseUrl);
  let b: Proc | undefined;
  try {
    b = await startService(options.databaseUrl);
    const typeId = await createBenchType(a.url);
    await createWebhook(client(a.url), { url: `${receiver.url}/hook` });
    const agents = [a, b].map(() => new http.Agent({ keepAlive: false, maxSockets: Infinity }));
    const urls = [a, b].map((p) => new URL(`${p.url}/api/v1/appointments`));
    const statuses = await Promise.all(
      Array.from({ length: options.requests }, async (_, i) => {
        const which = i % 2;
        const slot = Math.floor(i / 2) % options.slots;
        const body = JSON.parse(bookingBody(typeId, slot)) as Record<string, unknown>;
        body.customer_information = { Name: `Racer ${i}`, Email: `r${i}@example.com` };
        const response = await send(agents[which], urls[which], 'POST', JSON.stringify(body));
        return { slot, status: response.status, body: response.body };
      }),
    );
    const perSlot = new Map<number, number>();
    for (const { slot, status, body } of statuses) {
      if (status === 201) perSlot.set(slot, (perSlot.get(slot) ?? 0) + 1);
      else if (status !== 409) failures.push(`a request answered ${status}: ${body.slice(0, 200)}`);
    }
    for (let slot = 0; slot < options.slots; slot++) {
      const won = perSlot.get(slot) ?? 0;
      if (won !== 1) failures.push(`slot ${slot} was booked ${won} times (capacity 1)`);
    }
    const stored = await rows<{ start_at: number | string; n: number | string }>(
      options.databaseUrl,
      `SELECT start_at, COUNT(*) AS n FROM appointments WHERE appointment_type_id = ${typeId} AND status = 'booked' GROUP BY start_at HAVING COUNT(*) > 1`,
    );
    if (stored.length > 0) failures.push(`${stored.length} slots hold more than one booking in the database`);
    const ids = await bookedIds(options.databaseUrl);
    const byId = await deliveries(receiver, ids, 120_000, 3000);
    for (const id of ids) {
      const count = byId.get(id)?.length ?? 0;
      if (count !== 1) failures.push(`appointment ${id} was delivered ${count} times`);
    }
    const created = statuses.filter((s) => s.status === 201).length;
    return {
      failures,
      summary: `${options.requests} simultaneous requests over 2 instances for ${options.slots} slots: ${created} booked, ${statuses.filter((s) => s.status === 409).length} refused 409; ${receiver.arrivals.length} deliveries for ${ids.length} bookings`,
    };
  } finally {
    await a.stop();
    await b?.stop();
    await receiver.close();
  }
}

/** For the scripts: prints the result and exits non-zero on a failure. */
export function runDrill(name: string, drill: () => Promise<DrillResult>): void {
  drill().then(
    (result) => {
      console.log(`${name}: ${result.summary}`);
      for (const failure of result.failures) console.log(`  FAILED: ${failure}`);
      console.log(
        result.failures.length === 0 ? `${name}: held` : `${name}: ${result.failures.length} failures`,
      );
      process.exit(result.failures.length === 0 ? 0 : 1);
    },
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
