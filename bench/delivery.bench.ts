/**
 * Delivery throughput: 20,000 pending deliveries (2,000 bookings × 10 webhooks, each at its own local
 * receiver) drained by a worker that starts on the backlog, against bare clients POSTing the same bodies to
 * the same receivers at the same concurrency (WEBHOOK_CONCURRENCY, 50): an undici Pool per receiver (the
 * issue's baseline), and for comparison a node:http keep-alive pool and Node's fetch. The ratio is against
 * the undici pool; the notes give it against the node:http pool too. Five rounds (BENCH_ROUNDS), each a drain
 * of a copy of one backlog followed by a run of each client; each figure is the median of its rounds', the
 * ratio the median of the rounds' ratios. The notes also give the worker's CPU time per delivery, all of it
 * and by thread: the event loop (which one drain cannot outrun), worker threads, and V8's helpers (garbage
 * collection, compiling).
 *
 *   npm run bench:delivery        BENCH_QUICK=1: 5,000 deliveries       BENCH_BOOKINGS=2000   BENCH_ROUNDS=5
 *   BENCH_CPU_PROF=<dir>          each drain's worker runs under `node --cpu-prof`, its profiles left in <dir>
 */
import Database from 'better-sqlite3';
import { copyFileSync, mkdtempSync } from 'node:fs';
import * as http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';
import {
  bookingBody,
  createBenchType,
  fmt,
  median,
  QUICK,
  report,
  run,
  send,
  sqliteUrl,
  startService,
  TimingReceiver,
  client,
} from './support/harness';
import { createWebhook } from '../test/support/fixtures';

const RECEIVERS = 10;
const BOOKINGS = Number(process.env.BENCH_BOOKINGS ?? (QUICK ? 500 : 2000));
const CONCURRENCY = 50;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

async function pooled(
  bodies: Array<{ url: string; body: string }>,
  post: (url: string, body: string) => Promise<void>,
  concurrency = CONCURRENCY,
) {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < bodies.length) {
        const { url, body } = bodies[next++];
        await post(url, body);
      }
    }),
  );
  return bodies.length / ((performance.now() - started) / 1000);
}

/** The bodies POSTed through one undici Pool per receiver, CONCURRENCY requests in flight in all. */
async function undiciPools(bodies: Array<{ url: string; body: string }>): Promise<number> {
  const pools = new Map<string, Pool>();
  const poolOf = (url: URL) => {
    let pool = pools.get(url.origin);
    if (pool === undefined) {
      pool = new Pool(url.origin, { connections: CONCURRENCY });
      pools.set(url.origin, pool);
    }
    return pool;
  };
  try {
    return await pooled(bodies, async (url, body) => {
      const target = new URL(url);
      const response = await poolOf(target).request({
        path: target.pathname,
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json' },
      });
      await response.body.dump();
      if (response.statusCode !== 200) throw new Error(`receiver answered ${response.statusCode}`);
    });
  } finally {
    await Promise.all([...pools.values()].map((pool) => pool.close()));
  }
}

run(async () => {
  const receivers = await Promise.all(Array.from({ length: RECEIVERS }, () => TimingReceiver.start()));
  const databaseUrl = sqliteUrl();
  const total = BOOKINGS * RECEIVERS;
  const writer = await startService(databaseUrl, { WEBHOOK_WORKER: 'false' });
  try {
    const typeId = await createBenchType(writer.url);
    for (const receiver of receivers)
      await createWebhook(client(writer.url), { url: `${receiver.url}/hook` });
    const bookingAgent = new http.Agent({ keepAlive: true, maxSockets: 8 });
    const bookingsUrl = new URL(`${writer.url}/api/v1/appointments`);
    await pooled(
      Array.from({ length: BOOKINGS }, (_, i) => ({ url: '', body: bookingBody(typeId, i) })),
      async (_url, body) => {
        const response = await send(bookingAgent, bookingsUrl, 'POST', body);
        if (response.status !== 201) throw new Error(`booking answered ${response.status}: ${response.body}`);
      },
      8,
    );
    bookingAgent.destroy();
    // Every booking's fan-out recorded.
    const db = new Database(databaseUrl.slice('sqlite:'.length), { readonly: true });
    for (;;) {
      const n = db
        .prepare("SELECT COUNT(*) FROM webhook_deliveries WHERE status = 'pending'")
        .pluck()
        .get() as number;
      if (n >= total) break;
      await sleep(100);
    }
    db.close();
  } finally {
    await writer.stop();
  }
  // The backlog, kept aside: each drain starts from a copy of it.
  const backlog = join(mkdtempSync(join(tmpdir(), 'booking-backlog-')), 'backlog.sqlite');
  const source = new Database(databaseUrl.slice('sqlite:'.length), { readonly: true });
  source.exec(`VACUUM INTO '${backlog}'`);
  source.close();
  const forget = () => receivers.forEach((r) => (r.arrivals.length = 0));
  const drains: number[] = [];
  const cpuPerDelivery: number[] = [];
  const threadCpuPerDelivery: Array<Map<string, number>> = [];
  const rounds = { http: [] as number[], fetch: [] as number[], undici: [] as number[] };
  let bodies: Array<{ url: string; body: string }> = [];
  let delivered = 0;
  // Rounds, each a drain of a copy of the backlog and then a run of each client: the ratio is the median of
  // the rounds' own, each of a drain and a baseline measured a minute apart at most, so that a machine whose
  // speed drifts (these runs' varied by a quarter, and more on a shared machine) moves both alike. Five, not
  // three: on a shared 2-core machine one round's baseline ran anywhere from 7,300/s to 17,500/s. The
  // receivers forget what arrived before each run, so that the bench process' heap is the same for every run.
  for (let round = 0; round < ROUNDS; round++) {
    forget();
    const copy = sqliteUrl('drain');
    copyFileSync(backlog, copy.slice('sqlite:'.length));
    const result = await drained(copy, receivers, total);
    drains.push(result.rate);
    cpuPerDelivery.push(result.cpuPerDelivery);
    threadCpuPerDelivery.push(result.threadCpuPerDelivery);
    delivered = receivers.reduce((sum, r) => sum + r.arrivals.length, 0);
    if (round === 0)
      bodies = receivers.flatMap((r) => r.arrivals.map((a) => ({ url: `${r.url}/baseline`, body: a.body })));

    forget();
    const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
    rounds.http.push(
      await pooled(bodies, async (url, body) => {
        const response = await send(agent, new URL(url), 'POST', body);
        if (response.status !== 200) throw new Error(`receiver answered ${response.status}`);
      }),
    );
    agent.destroy();
    forget();
    rounds.fetch.push(
      await pooled(bodies, async (url, body) => {
        const response = await fetch(url, {
          method: 'POST',
          body,
          headers: { 'content-type': 'application/json' },
        });
        await response.arrayBuffer();
      }),
    );
    forget();
    rounds.undici.push(await undiciPools(bodies));
  }
  await Promise.all(receivers.map((r) => r.close()));
  const perSecond = median(drains);
  const viaHttp = median(rounds.http);
  const viaFetch = median(rounds.fetch);
  const viaUndici = median(rounds.undici);
  const ratio = median(drains.map((rate, round) => rate / rounds.undici[round]));
  report([
    {
      name: `delivery throughput, ${total.toLocaleString('en-US')} pending to ${RECEIVERS} receivers (SQLite)`,
      figure: `${fmt.rate(perSecond)} (${delivered} arrived)`,
      baseline: `undici Pool ${fmt.rate(viaUndici)} (node:http pool ${fmt.rate(viaHttp)}, fetch ${fmt.rate(viaFetch)}; ${CONCURRENCY} in flight)`,
      ratio,
      target: '≥ 0.5 × baseline',
      met: ratio >= 0.5,
      notes: `ratio: the median of ${ROUNDS} rounds' (a drain, then the clients), ${drains.map((rate, round) => (rate / rounds.undici[round]).toFixed(2)).join(', ')}; the service's drains ${drains.map((rate) => fmt.rate(rate)).join(', ')}, the undici pool ${rounds.undici.map((rate) => fmt.rate(rate)).join(', ')}; against the node:http pool ${(perSecond / viaHttp).toFixed(2)}, against fetch ${(perSecond / viaFetch).toFixed(2)}; the worker's CPU per delivery ${cpuPerDelivery.map((s) => `${Math.round(s * 1e6)} µs`).join(', ')}; by thread (median) ${byThread(threadCpuPerDelivery)}`,
    },
  ]);
});

/**
 * Drains the backlog in `databaseUrl` with a worker; answers the rate at which it arrived at the receivers, and
 * the worker's CPU time per delivery from the first arrival on (start-up left out): a figure that noise from
 * other work on the machine moves far less than the rate.
 */
async function drained(
  databaseUrl: string,
  receivers: TimingReceiver[],
  total: number,
): Promise<{ rate: number; cpuPerDelivery: number; threadCpuPerDelivery: Map<string, number> }> {
  const profileDir = process.env.BENCH_CPU_PROF;
  const worker = await startService(
    databaseUrl,
    { WEBHOOK_WORKER: 'true', WEBHOOK_CONCURRENCY: String(CONCURRENCY) },
    profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [],
  );
  try {
    const arrived = () => receivers.reduce((sum, r) => sum + r.arrivals.length, 0);
    const deadline = Date.now() + 600_000;
    let last = -1;
    let quietSince = Date.now();
    let first: { arrived: number; cpu: number; threads: Map<string, number> } | undefined;
    // Drained: at least the backlog arrived and nothing more for a second.
    while (Date.now() < deadline) {
      const now = arrived();
      if (first === undefined && now > 0)
        first = { arrived: now, cpu: worker.cpuSeconds(), threads: worker.threadCpuSeconds() };
      if (now !== last) {
        last = now;
        quietSince = Date.now();
      } else if (now >= total && Date.now() - quietSince > 1000) break;
      await sleep(50);
    }
    const times = receivers.flatMap((r) => r.arrivals.map((a) => a.at)).sort((a, b) => a - b);
    if (times.length < total) throw new Error(`${times.length} of ${total} deliveries arrived`);
    const counted = times.length - first!.arrived;
    return {
      rate: (times.length - 1) / ((times[times.length - 1] - times[0]) / 1000),
      cpuPerDelivery: (worker.cpuSeconds() - first!.cpu) / counted,
      threadCpuPerDelivery: new Map(
        [...worker.threadCpuSeconds()].map(([name, cpu]) => [
          name,
          (cpu - (first!.threads.get(name) ?? 0)) / counted,
        ]),
      ),
    };
  } finally {
    await worker.stop();
  }
}

/** Each kind of thread's CPU time per delivery, the median of the drains': the event loop, worker threads, V8's. */
function byThread(drains: Array<Map<string, number>>): string {
  const kinds: Array<[string, string]> = [
    ['MainThread', 'event loop'],
    ['WorkerThread', 'worker threads'],
    ['V8Worker', "V8's helpers (garbage collection, compiling)"],
  ];
  return kinds
    .map(([name, label]) => `${label} ${Math.round(median(drains.map((d) => d.get(name) ?? 0)) * 1e6)} µs`)
    .join(', ');
}
