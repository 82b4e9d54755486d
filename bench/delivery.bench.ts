/**
 * Delivery throughput: 20,000 pending deliveries (2,000 bookings × 10 webhooks, each at its own local
 * receiver, behind 5,000 more for the warm-up) drained by a worker that starts on the backlog, against bare
 * clients POSTing the same bodies to
 * the same receivers at the same concurrency (WEBHOOK_CONCURRENCY, 50): an undici Pool per receiver (the
 * issue's baseline), and for comparison a node:http keep-alive pool and Node's fetch. The ratio is against
 * the undici pool; the notes give it against the node:http pool too. Five rounds (BENCH_ROUNDS), each a drain
 * of a copy of one backlog followed by a run of each client; each figure is the median of its rounds', the
 * ratio the median of the rounds' ratios. The notes also give the worker's CPU time per delivery, all of it
 * and by thread: the event loop (which one drain cannot outrun), worker threads, and V8's helpers (garbage
 * collection, compiling).
 *
 * Both sides are measured warm, as the other throughput benches measure the service (after a warm-up), and the
 * target is judged on the warm rate: the backlog holds a quarter more bookings' deliveries, which the worker sends
 * first, and its rate is that of the 20,000 after them; each client posts the warm-up's bodies once before its
 * first timed run, and keeps its connections open from one run to the next, as the worker does. A worker starting
 * on a backlog is a fresh process: its first few thousand deliveries run at half the speed it reaches later or
 * less, while V8 compiles its hot code (and it opens its connections, SQLite's page cache fills), where the
 * clients run in this long-lived process. The notes give the cold rate too: that of the first 20,000 from the
 * worker's first delivery.
 *
 *   npm run bench:delivery        BENCH_QUICK=1: 5,000 (+1,250) deliveries   BENCH_BOOKINGS=2000   BENCH_ROUNDS=5
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
/** Bookings whose deliveries the worker sends before the measured ones (the clients post theirs once first). */
const WARM_UP_BOOKINGS = Math.ceil(BOOKINGS / 4);
const WARM_UP = WARM_UP_BOOKINGS * RECEIVERS;

type Post = { url: string; body: string };

/** The baselines' clients, made once: their connections stay open from one run to the next, as the worker's. */
interface Clients {
  agent: http.Agent;
  /** An undici Pool per receiver. */
  pools: Map<string, Pool>;
}

async function pooled(
  bodies: Post[],
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
function undiciPools(pools: Map<string, Pool>, bodies: Post[]): Promise<number> {
  const poolOf = (url: URL) => {
    let pool = pools.get(url.origin);
    if (pool === undefined) {
      pool = new Pool(url.origin, { connections: CONCURRENCY });
      pools.set(url.origin, pool);
    }
    return pool;
  };
  return pooled(bodies, async (url, body) => {
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
}

run(async () => {
  const receivers = await Promise.all(Array.from({ length: RECEIVERS }, () => TimingReceiver.start()));
  const total = BOOKINGS * RECEIVERS;
  const backlog = await pendingBacklog(receivers, BOOKINGS + WARM_UP_BOOKINGS);
  const forget = () => receivers.forEach((r) => (r.arrivals.length = 0));
  const clients: Clients = {
    agent: new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY }),
    pools: new Map(),
  };
  const drains: Drained[] = [];
  const rounds = { http: [] as number[], fetch: [] as number[], undici: [] as number[] };
  let bodies: Post[] = [];
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
    drains.push(await drained(copy, receivers, WARM_UP, total));
    delivered = receivers.reduce((sum, r) => sum + r.arrivals.length, 0) - WARM_UP;
    if (round === 0) {
      // Each receiver's bodies in the order they arrived: the warm-up's bookings first, as the worker sent them.
      const posts = (r: TimingReceiver, from: number, to?: number) =>
        r.arrivals.slice(from, to).map((a) => ({ url: `${r.url}/baseline`, body: a.body }));
      bodies = receivers.flatMap((r) => posts(r, WARM_UP_BOOKINGS));
      await clientRates(
        clients,
        receivers.flatMap((r) => posts(r, 0, WARM_UP_BOOKINGS)),
        forget,
      );
    }
    const clientRate = await clientRates(clients, bodies, forget);
    for (const name of ['http', 'fetch', 'undici'] as const) rounds[name].push(clientRate[name]);
  }
  clients.agent.destroy();
  await Promise.all([...clients.pools.values()].map((pool) => pool.close()));
  await Promise.all(receivers.map((r) => r.close()));
  const rates = drains.map((drain) => drain.rate);
  const perSecond = median(rates);
  const viaHttp = median(rounds.http);
  const viaFetch = median(rounds.fetch);
  const viaUndici = median(rounds.undici);
  const ratio = median(rates.map((rate, round) => rate / rounds.undici[round]));
  report([
    {
      name: `delivery throughput, ${total.toLocaleString('en-US')} pending to ${RECEIVERS} receivers after ${WARM_UP.toLocaleString('en-US')} more (SQLite)`,
      figure: `${fmt.rate(perSecond)} warm (${delivered} arrived after the warm-up); cold ratio ${median(drains.map((drain, round) => drain.coldRate / rounds.undici[round])).toFixed(2)}`,
      baseline: `undici Pool ${fmt.rate(viaUndici)} (node:http pool ${fmt.rate(viaHttp)}, fetch ${fmt.rate(viaFetch)}; ${CONCURRENCY} in flight)`,
      ratio,
      target: '≥ 0.5 × baseline',
      met: ratio >= 0.5,
      notes: `both warm, the ratio judged on the warm rates: the worker's after its first ${WARM_UP.toLocaleString('en-US')} deliveries, each client's after one run of the warm-up's bodies, on connections kept open from run to run; ratio: the median of ${ROUNDS} rounds' (a drain, then the clients), ${rates.map((rate, round) => (rate / rounds.undici[round]).toFixed(2)).join(', ')}; the service's drains ${rates.map((rate) => fmt.rate(rate)).join(', ')}, the undici pool ${rounds.undici.map((rate) => fmt.rate(rate)).join(', ')}; against the node:http pool ${(perSecond / viaHttp).toFixed(2)}, against fetch ${(perSecond / viaFetch).toFixed(2)}; cold (the first ${total.toLocaleString('en-US')} from the worker's first delivery) ${drains.map((drain) => fmt.rate(drain.coldRate)).join(', ')}, a ratio of ${median(drains.map((drain, round) => drain.coldRate / rounds.undici[round])).toFixed(2)}; the worker's CPU per delivery ${drains.map((drain) => `${Math.round(drain.cpuPerDelivery * 1e6)} µs`).join(', ')}; by thread (median) ${byThread(drains.map((drain) => drain.threadCpuPerDelivery))}`,
    },
  ]);
});

/**
 * A database whose outbox holds `bookings` bookings' deliveries, one to each receiver, all pending: booked on a
 * service that sends nothing, then copied aside (each drain starts from a copy of it).
 */
async function pendingBacklog(receivers: TimingReceiver[], bookings: number): Promise<string> {
  const databaseUrl = sqliteUrl();
  const writer = await startService(databaseUrl, { WEBHOOK_WORKER: 'false' });
  try {
    const typeId = await createBenchType(writer.url);
    for (const receiver of receivers)
      await createWebhook(client(writer.url), { url: `${receiver.url}/hook` });
    const bookingAgent = new http.Agent({ keepAlive: true, maxSockets: 8 });
    const bookingsUrl = new URL(`${writer.url}/api/v1/appointments`);
    await pooled(
      Array.from({ length: bookings }, (_, i) => ({ url: '', body: bookingBody(typeId, i) })),
      async (_url, body) => {
        const response = await send(bookingAgent, bookingsUrl, 'POST', body);
        if (response.status !== 201) throw new Error(`booking answered ${response.status}: ${response.body}`);
      },
      8,
    );
    bookingAgent.destroy();
    // Every booking's fan-out recorded.
    const db = new Database(databaseUrl.slice('sqlite:'.length), { readonly: true });
    const expected = bookings * receivers.length;
    const pending = () =>
      db.prepare("SELECT COUNT(*) FROM webhook_deliveries WHERE status = 'pending'").pluck().get() as number;
    const deadline = Date.now() + 120_000;
    while (pending() < expected) {
      if (Date.now() > deadline) throw new Error(`${pending()} of ${expected} deliveries were recorded`);
      await sleep(100);
    }
    db.close();
  } finally {
    await writer.stop();
  }
  const backlog = join(mkdtempSync(join(tmpdir(), 'booking-backlog-')), 'backlog.sqlite');
  const source = new Database(databaseUrl.slice('sqlite:'.length), { readonly: true });
  source.exec(`VACUUM INTO '${backlog}'`);
  source.close();
  return backlog;
}

/** Each client's rate posting `bodies`: a node:http keep-alive pool, fetch, an undici Pool per receiver. */
async function clientRates(
  clients: Clients,
  bodies: Post[],
  forget: () => void,
): Promise<{ http: number; fetch: number; undici: number }> {
  forget();
  const viaHttp = await pooled(bodies, async (url, body) => {
    const response = await send(clients.agent, new URL(url), 'POST', body);
    if (response.status !== 200) throw new Error(`receiver answered ${response.status}`);
  });
  forget();
  const viaFetch = await pooled(bodies, async (url, body) => {
    const response = await fetch(url, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json' },
    });
    await response.arrayBuffer();
  });
  forget();
  const viaUndici = await undiciPools(clients.pools, bodies);
  forget();
  return { http: viaHttp, fetch: viaFetch, undici: viaUndici };
}

interface Drained {
  /** Deliveries a second after the warm-up, by their arrival at the receivers. */
  rate: number;
  /** Deliveries a second of the first as many from the start. */
  coldRate: number;
  /** The worker's CPU time per delivery after the warm-up, all of it, and by kind of thread. */
  cpuPerDelivery: number;
  threadCpuPerDelivery: Map<string, number>;
}

/**
 * Drains the backlog in `databaseUrl` with a worker; answers the rate at which the `measured` deliveries after
 * the first `warmUp` arrived at the receivers, and the worker's CPU time per delivery from then on: a figure
 * that noise from other work on the machine moves far less than the rate.
 */
async function drained(
  databaseUrl: string,
  receivers: TimingReceiver[],
  warmUp: number,
  measured: number,
): Promise<Drained> {
  const profileDir = process.env.BENCH_CPU_PROF;
  const worker = await startService(
    databaseUrl,
    { WEBHOOK_WORKER: 'true', WEBHOOK_CONCURRENCY: String(CONCURRENCY) },
    profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [],
  );
  const total = warmUp + measured;
  try {
    const arrived = () => receivers.reduce((sum, r) => sum + r.arrivals.length, 0);
    const deadline = Date.now() + 600_000;
    let last = -1;
    let quietSince = Date.now();
    let warm: { arrived: number; cpu: number; threads: Map<string, number> } | undefined;
    // Drained: at least the backlog arrived and nothing more for a second.
    while (Date.now() < deadline) {
      const now = arrived();
      if (warm === undefined && now > warmUp)
        warm = { arrived: now, cpu: worker.cpuSeconds(), threads: worker.threadCpuSeconds() };
      if (now !== last) {
        last = now;
        quietSince = Date.now();
      } else if (now >= total && Date.now() - quietSince > 1000) break;
      await sleep(50);
    }
    const times = receivers.flatMap((r) => r.arrivals.map((a) => a.at)).sort((a, b) => a - b);
    if (times.length < total) throw new Error(`${times.length} of ${total} deliveries arrived`);
    const counted = times.length - warm!.arrived;
    const rate = (from: number, to: number) => (to - from) / ((times[to] - times[from]) / 1000);
    return {
      rate: rate(warmUp, times.length - 1),
      coldRate: rate(0, measured - 1),
      cpuPerDelivery: (worker.cpuSeconds() - warm!.cpu) / counted,
      threadCpuPerDelivery: new Map(
        [...worker.threadCpuSeconds()].map(([name, cpu]) => [
          name,
          (cpu - (warm!.threads.get(name) ?? 0)) / counted,
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
