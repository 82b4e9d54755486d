/**
 * kill -9 during wide fan-outs (SQLite): `node --require ts-node/register/transpile-only bench/drills/wide-fan-out-kill.ts`.
 * DRILL_WEBHOOKS (default 150) webhooks on one local receiver, bookings at DRILL_CONNECTIONS (4), SIGKILL after a
 * random 0.2-2.5 s, DRILL_KILLS (3) times, then a last run: every committed booking reaches every webhook, with one
 * webhook-id per (booking, webhook); DRILL_LAST_MS (2000) of load in the last run. DRILL_INSTANCES=2 runs two instances on the file (both killed together).
 * Prints the -wal file's largest size seen.
 */
import Database from 'better-sqlite3';
import { statSync } from 'node:fs';
import * as http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  bookingBody,
  client,
  createBenchType,
  Proc,
  send,
  sqliteUrl,
  startService,
  TimingReceiver,
} from '../support/harness';
import { createWebhook } from '../../test/support/fixtures';

const WEBHOOKS = Number(process.env.DRILL_WEBHOOKS ?? 150);
const KILLS = Number(process.env.DRILL_KILLS ?? 3);
const CONNECTIONS = Number(process.env.DRILL_CONNECTIONS ?? 4);
const INSTANCES = Number(process.env.DRILL_INSTANCES ?? 1);

async function main(): Promise<void> {
  const databaseUrl = sqliteUrl('drill-wide-kill');
  const path = databaseUrl.slice('sqlite:'.length);
  const receiver = await TimingReceiver.start();
  const failures: string[] = [];
  let procs: Proc[] = [await startService(databaseUrl)];
  let maxWal = 0;
  const walWatch = setInterval(() => {
    try {
      maxWal = Math.max(maxWal, statSync(`${path}-wal`).size);
    } catch {
      // no WAL yet
    }
  }, 50);
  let next = 0;
  try {
    const typeId = await createBenchType(procs[0].url);
    for (let i = 0; i < WEBHOOKS; i++)
      await createWebhook(client(procs[0].url), { url: `${receiver.url}/hook/${i}` });
    for (let round = 0; round <= KILLS; round++) {
      if (round > 0 || INSTANCES > 1)
        procs = [
          ...(round > 0 ? [await startService(databaseUrl)] : procs),
          ...(await Promise.all(Array.from({ length: INSTANCES - 1 }, () => startService(databaseUrl)))),
        ];
      const agent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS * INSTANCES });
      let stop = false;
      const load = Promise.all(
        procs.flatMap((proc) =>
          Array.from({ length: CONNECTIONS }, async () => {
            const url = new URL(`${proc.url}/api/v1/appointments`);
            while (!stop) {
              try {
                const response = await send(agent, url, 'POST', bookingBody(typeId, next++));
                if (response.status !== 201 && !stop) failures.push(`booking answered ${response.status}`);
              } catch {
                // died with the process
              }
            }
          }),
        ),
      );
      const last = round === KILLS;
      await sleep(last ? Number(process.env.DRILL_LAST_MS ?? 2000) : 200 + Math.random() * 2300);
      if (!last) for (const proc of procs) proc.child.kill('SIGKILL');
      stop = true;
      await load;
      agent.destroy();
      console.log(`round ${round}: ${receiver.arrivals.length} arrivals so far, ${next} bookings tried`);
    }
    // Wait for every booking to reach every webhook.
    const db = new Database(path, { timeout: 5000 });
    const booked = (
      db.prepare("SELECT id FROM appointments WHERE status = 'booked'").all() as { id: number }[]
    ).map((row) => row.id);
    db.close();
    const expected = booked.length * WEBHOOKS;
    const deadline = Date.now() + 180_000;
    let seen = -1;
    let quietSince = Date.now();
    for (;;) {
      const pairs = new Set<string>();
      for (const a of receiver.arrivals)
        pairs.add(`${(JSON.parse(a.body) as { appointment: { id: string } }).appointment.id} ${a.path}`);
      if (receiver.arrivals.length !== seen) {
        seen = receiver.arrivals.length;
        quietSince = Date.now();
      }
      if ((pairs.size >= expected && Date.now() - quietSince > 3000) || Date.now() > deadline) break;
      await sleep(250);
    }
    const ids = new Map<string, Set<string>>();
    const idToPairs = new Map<string, Set<string>>();
    for (const a of receiver.arrivals) {
      const pair = `${(JSON.parse(a.body) as { appointment: { id: string } }).appointment.id} ${a.path}`;
      ids.set(pair, (ids.get(pair) ?? new Set()).add(a.webhookId));
      idToPairs.set(a.webhookId, (idToPairs.get(a.webhookId) ?? new Set()).add(pair));
    }
    let missing = 0;
    for (const id of booked) for (let i = 0; i < WEBHOOKS; i++) if (!ids.has(`${id} /hook/${i}`)) missing++;
    if (missing > 0) failures.push(`${missing} of ${expected} (booking, webhook) deliveries never arrived`);
    const twoIds = [...ids].filter(([, set]) => set.size > 1);
    if (twoIds.length > 0)
      failures.push(
        `${twoIds.length} (booking, webhook) pairs arrived under 2+ webhook-ids, e.g. ${twoIds[0][0]}: ${[...twoIds[0][1]].join(', ')}`,
      );
    const shared = [...idToPairs].filter(([, set]) => set.size > 1);
    if (shared.length > 0) failures.push(`${shared.length} webhook-ids used for 2+ pairs`);
    const check = new Database(path, { timeout: 5000 });
    const pendingLeft = check
      .prepare("SELECT COUNT(*) AS n FROM webhook_deliveries WHERE status = 'pending'")
      .get() as { n: number };
    check.close();
    console.log(
      `${KILLS} kills x ${INSTANCES} instance(s), ${booked.length} bookings committed, ${WEBHOOKS} webhooks: ${expected} expected, ${ids.size} pairs arrived, ${receiver.arrivals.length} arrivals, ${missing} missing, ${twoIds.length} under two ids; pending left ${pendingLeft.n}; largest -wal ${(maxWal / 1e6).toFixed(1)} MB`,
    );
  } finally {
    clearInterval(walWatch);
    await Promise.all(procs.map((proc) => proc.stop().catch(() => undefined)));
    await receiver.close();
  }
  if (failures.length > 0) {
    console.error(`FAILED:\n${[...new Set(failures)].join('\n')}`);
    process.exit(1);
  }
  console.log('held');
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
