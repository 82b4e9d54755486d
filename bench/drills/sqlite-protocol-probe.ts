/**
 * A second connection beside a running service (SQLite) under wide fan-outs: counts the statements that fail
 * (SQLITE_PROTOCOL, SQLITE_BUSY) on fresh connections opened while bookings pour in. DRILL_WEBHOOKS (150).
 * `BENCH_DIST=1 node --require ts-node/register/transpile-only bench/drills/sqlite-protocol-probe.ts`
 */
import Database from 'better-sqlite3';
import * as http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  bookingBody,
  client,
  createBenchType,
  send,
  sqliteUrl,
  startService,
  TimingReceiver,
} from '../support/harness';
import { createWebhook } from '../../test/support/fixtures';

const WEBHOOKS = Number(process.env.DRILL_WEBHOOKS ?? 150);

async function main(): Promise<void> {
  const databaseUrl = sqliteUrl('drill-protocol');
  const path = databaseUrl.slice('sqlite:'.length);
  const receiver = await TimingReceiver.start(false);
  const proc = await startService(databaseUrl);
  const errors = new Map<string, number>();
  let probes = 0;
  try {
    console.log('started');
    const typeId = await createBenchType(proc.url);
    for (let i = 0; i < WEBHOOKS; i++)
      await createWebhook(client(proc.url), { url: `${receiver.url}/hook/${i}` });
    console.log('webhooks created');
    const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
    let stop = false;
    let next = 0;
    const url = new URL(`${proc.url}/api/v1/appointments`);
    const load = Promise.all(
      Array.from({ length: 4 }, async () => {
        while (!stop) await send(agent, url, 'POST', bookingBody(typeId, next++)).catch(() => undefined);
      }),
    );
    const until = Date.now() + Number(process.env.DRILL_MS ?? 15_000);
    while (Date.now() < until) {
      probes++;
      try {
        const db = new Database(path, { timeout: 200 });
        db.prepare('SELECT COUNT(*) FROM webhook_deliveries').get();
        db.close();
      } catch (error) {
        const code = (error as { code?: string }).code ?? String(error);
        errors.set(code, (errors.get(code) ?? 0) + 1);
      }
      await sleep(20);
    }
    stop = true;
    console.log(`probes done ${probes} ${JSON.stringify([...errors])}`);
    await load;
    agent.destroy();
    console.log(
      `${next} bookings, ${receiver.arrivals.length} arrivals, ${probes} probes, errors: ${JSON.stringify([...errors])}`,
    );
  } finally {
    await proc.stop();
    await receiver.close();
  }
  if (errors.size > 0) process.exit(1);
}

void main();
