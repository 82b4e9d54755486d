/*
 * Webhook delivery throughput and latency, against a baseline of plain axios POSTs.
 *
 *   npm run bench:webhooks                      # SQLite
 *   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench npm run bench:webhooks   # and PostgreSQL
 *   BENCH_EVENTS=2000 BENCH_PUBLISHERS=16 …     # knobs
 *
 * live:  N booking events are published (each in its own transaction, BENCH_PUBLISHERS at a time) while the
 *        worker runs; latency is from the end of the publishing transaction to receipt at the receiver.
 * drain: N deliveries are committed with the worker off, then an instance with the worker starts; this is
 *        the engine alone (claim, sign, POST, record) emptying a backlog.
 * paced: BENCH_PACED_RATE events per second (default 100) for BENCH_PACED_EVENTS (default 500): the latency a
 *        receiver sees in normal operation, below saturation, from commit to receipt.
 * axios: the same bodies POSTed with plain axios (keep-alive agent), same concurrency, same receiver.
 */
import axios from 'axios';
import * as http from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppointmentBookedEvent } from '../src/appointments/events/appointment-booked.event';
import { Transactions } from '../src/database/transactions';
import { sampleAppointmentSnapshot } from '../src/webhooks/payload/ssa-payload';
import { Receiver } from '../test/support/receiver';
import { createWebhook } from '../test/support/fixtures';
import { resetPostgres, startTestApp, TestApp } from '../test/support/test-app';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 2000);
const PUBLISHERS = Number(process.env.BENCH_PUBLISHERS ?? 16);
const CONCURRENCY = Number(process.env.WEBHOOK_CONCURRENCY ?? 50);
const PACED_RATE = Number(process.env.BENCH_PACED_RATE ?? 100);
const PACED_EVENTS = Number(process.env.BENCH_PACED_EVENTS ?? 500);

interface Figures {
  perSecond: number;
  p50: number | null;
  p99: number | null;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function freshDatabase(url: string | undefined): Promise<string> {
  if (url === undefined)
    return `sqlite:${join(mkdtempSync(join(tmpdir(), 'webhook-bench-')), 'bench.sqlite')}`;
  await resetPostgres(url);
  return url;
}

function boot(databaseUrl: string, worker: boolean): Promise<TestApp> {
  return startTestApp({
    databaseUrl,
    env: { WEBHOOK_WORKER: String(worker), WEBHOOK_CONCURRENCY: String(CONCURRENCY) },
  });
}

/** Publishes `count` bookings, each in its own transaction; returns the commit time per appointment id. */
async function publish(app: TestApp, count: number, firstId: number): Promise<Map<string, number>> {
  const transactions = app.app.get(Transactions);
  const committed = new Map<string, number>();
  let next = 0;
  const publisher = async () => {
    while (next < count) {
      const id = firstId + next++;
      // Bookings arrive as HTTP requests, each its own turn of the event loop. Without this, SQLite's
      // synchronous driver would let the publishers run on microtasks alone and starve every socket.
      await new Promise((resolve) => setImmediate(resolve));
      const appointment = { ...sampleAppointmentSnapshot(), id };
      await transactions.run(async (tx) => {
        await tx.publish(new AppointmentBookedEvent({ appointment }));
        committed.set(String(id), Date.now());
      });
    }
  };
  await Promise.all(Array.from({ length: PUBLISHERS }, publisher));
  return committed;
}

async function live(databaseUrl: string, receiver: Receiver): Promise<Figures> {
  const app = await boot(databaseUrl, true);
  try {
    await createWebhook(app, { url: receiver.url('/live') });
    const started = Date.now();
    const committed = await publish(app, EVENTS, 1);
    const received = await receiver.waitFor('/live', EVENTS, 600_000);
    const elapsed = Math.max(...received.map((r) => r.at)) - started;
    const latencies = received
      .map((r) => r.at - committed.get(String(r.json.appointment.id))!)
      .sort((a, b) => a - b);
    return {
      perSecond: (EVENTS / elapsed) * 1000,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
    };
  } finally {
    await app.close();
  }
}

/** One booking event every 1/PACED_RATE s, each published on its own schedule as requests would arrive. */
async function paced(databaseUrl: string, receiver: Receiver): Promise<Figures> {
  const app = await boot(databaseUrl, true);
  try {
    await createWebhook(app, { url: receiver.url('/paced') });
    const transactions = app.app.get(Transactions);
    const committed = new Map<string, number>();
    const started = Date.now() + 50;
    await Promise.all(
      Array.from({ length: PACED_EVENTS }, async (_, i) => {
        await new Promise((resolve) => setTimeout(resolve, started + (i * 1000) / PACED_RATE - Date.now()));
        const appointment = { ...sampleAppointmentSnapshot(), id: 100_000 + i };
        await transactions.run(async (tx) => {
          await tx.publish(new AppointmentBookedEvent({ appointment }));
          committed.set(String(appointment.id), Date.now());
        });
      }),
    );
    const received = await receiver.waitFor('/paced', PACED_EVENTS, 60_000);
    const latencies = received
      .map((r) => r.at - committed.get(String(r.json.appointment.id))!)
      .sort((a, b) => a - b);
    return { perSecond: PACED_RATE, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
  } finally {
    await app.close();
  }
}

/** Publishes with the worker off (timed: the ceiling of `live`), then lets a worker empty the backlog. */
async function drain(databaseUrl: string, receiver: Receiver): Promise<{ publish: Figures; drain: Figures }> {
  const writer = await boot(databaseUrl, false);
  let publishFigures: Figures;
  try {
    await createWebhook(writer, { url: receiver.url('/drain') });
    const publishStarted = Date.now();
    await publish(writer, EVENTS, EVENTS + 1);
    publishFigures = { perSecond: (EVENTS / (Date.now() - publishStarted)) * 1000, p50: null, p99: null };
  } finally {
    await writer.close();
  }
  const started = Date.now();
  const app = await boot(databaseUrl, true);
  try {
    const received = await receiver.waitFor('/drain', EVENTS, 600_000);
    const elapsed = Math.max(...received.map((r) => r.at)) - started;
    return { publish: publishFigures, drain: { perSecond: (EVENTS / elapsed) * 1000, p50: null, p99: null } };
  } finally {
    await app.close();
  }
}

async function plainAxios(receiver: Receiver, bodies: string[]): Promise<Figures> {
  const client = axios.create({
    httpAgent: new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY }),
    headers: { 'content-type': 'application/json; charset=utf-8' },
    validateStatus: () => true,
  });
  const latencies: number[] = [];
  let next = 0;
  const started = Date.now();
  const sender = async () => {
    while (next < bodies.length) {
      const body = bodies[next++];
      const sentAt = Date.now();
      await client.post(receiver.url('/axios'), Buffer.from(body));
      latencies.push(Date.now() - sentAt);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, sender));
  const elapsed = Date.now() - started;
  latencies.sort((a, b) => a - b);
  return {
    perSecond: (bodies.length / elapsed) * 1000,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
  };
}

function line(name: string, figures: Figures, baseline?: Figures): string {
  const latency = figures.p50 === null ? '' : `  p50 ${figures.p50} ms  p99 ${figures.p99} ms`;
  const ratio = baseline
    ? `  (${((figures.perSecond / baseline.perSecond) * 100).toFixed(0)}% of axios)`
    : '';
  const unit = name === 'events' ? 'events/s    ' : 'deliveries/s';
  return `  ${name.padEnd(6)} ${figures.perSecond.toFixed(0).padStart(6)} ${unit}${latency}${ratio}`;
}

async function run(label: string, url: string | undefined): Promise<void> {
  const receiver = await Receiver.start();
  try {
    const pacedFigures = await paced(await freshDatabase(url), receiver);
    const liveFigures = await live(await freshDatabase(url), receiver);
    const backlog = await drain(await freshDatabase(url), receiver);
    const bodies = receiver.received('/live').map((r) => r.body);
    const baseline = await plainAxios(receiver, bodies);
    const duplicates = EVENTS - new Set(receiver.received('/live').map((r) => r.headers['webhook-id'])).size;
    console.log(`${label}: ${EVENTS} events, ${CONCURRENCY} in flight, ${PUBLISHERS} publishers`);
    console.log(
      `${line('paced', pacedFigures)} (${PACED_EVENTS} events at ${PACED_RATE}/s: commit to receipt, below saturation)`,
    );
    console.log(line('live', liveFigures, baseline));
    console.log(line('drain', backlog.drain, baseline));
    console.log(`${line('events', backlog.publish)} (publishing alone, worker off: the ceiling of live)`);
    console.log(line('axios', baseline));
    if (duplicates !== 0) console.log(`  !! ${duplicates} duplicate webhook-ids`);
  } finally {
    await receiver.close();
  }
}

async function main(): Promise<void> {
  await run('SQLite', undefined);
  if (process.env.BENCH_DATABASE_URL) await run('PostgreSQL', process.env.BENCH_DATABASE_URL);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
