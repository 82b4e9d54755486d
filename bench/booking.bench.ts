/**
 * Booking throughput, measured against a baseline in the same run.
 *
 *   npm run bench:booking                      (SQLite)
 *   BENCH_DATABASE_URL=postgres://… npm run bench:booking
 *
 * 1. Baseline: GET /health (the framework plus one database round trip) at the same concurrency.
 * 2. Bookings on an empty calendar: POST /api/v1/appointments, each at a free slot.
 * 3. The same after HISTORY past appointments were added: bounded overlap queries keep the ratio near 1.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { createApp } from '../src/app.factory';
import { loadConfig } from '../src/config/app-config';
import { resetPostgres } from '../test/support/test-app';

const KEY = 'bench-admin-key-0123456789abcdef';
const CONCURRENCY = 8;
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 2000);
const HISTORY = Number(process.env.BENCH_HISTORY ?? 50000);
const HEADERS = { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' };

async function databaseUrl(): Promise<string> {
  const url = process.env.BENCH_DATABASE_URL;
  if (!url) return `sqlite:${join(mkdtempSync(join(tmpdir(), 'booking-bench-')), 'bench.sqlite')}`;
  await resetPostgres(url);
  return url;
}

/** Runs `count` requests with CONCURRENCY in flight; returns requests per second and latency percentiles. */
async function load(count: number, request: (i: number) => Promise<Response>) {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < count) {
        const i = next++;
        const t0 = performance.now();
        const response = await request(i);
        await response.arrayBuffer();
        if (!response.ok) throw new Error(`request ${i} answered ${response.status}`);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))];
  return { perSecond: count / seconds, p50: at(0.5), p99: at(0.99) };
}

async function main(): Promise<void> {
  const config = loadConfig({ DATABASE_URL: await databaseUrl(), ADMIN_API_KEY: KEY, LOG_LEVEL: 'warn' });
  const app = await createApp(config);
  await app.listen(0, '127.0.0.1');
  const base = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  const post = (path: string, body: object) =>
    fetch(base + path, { method: 'POST', headers: HEADERS, body: JSON.stringify(body) });

  const allDay = Object.fromEntries(
    ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'].map((d) => [
      d,
      [{ start: '00:00', end: '24:00' }],
    ]),
  );
  const typeResponse = await post('/api/v1/appointment-types', {
    title: 'Bench',
    duration: 15,
    availability_increment: 15,
    timezone: 'UTC',
    availability: allDay,
  });
  const type = (await typeResponse.json()) as { id: number };
  // Slots 15 minutes apart from 2031 on: every booking takes a free one.
  const slot = (offset: number, i: number) =>
    new Date(Date.UTC(2031, 0, 1) + (offset + i) * 15 * 60_000).toISOString();
  const book = (offset: number) => (i: number) =>
    post('/api/v1/appointments', {
      appointment_type_id: type.id,
      start_date: slot(offset, i),
      customer_information: { Name: `Customer ${i % 100}`, Email: `c${i % 100}@example.com` },
    });

  await load(200, () => fetch(`${base}/health`)); // warm-up
  const health = await load(REQUESTS, () => fetch(`${base}/health`));
  const empty = await load(REQUESTS, book(0));

  // History: many earlier appointments on the same type, as years of use would leave.
  const dataSource = app.get(DataSource);
  const now = Date.now();
  const rows = Array.from({ length: HISTORY }, (_, i) => {
    const start = Date.UTC(2020, 0, 1) + i * 30 * 60_000;
    return {
      appointment_type_id: type.id,
      customer_id: 1,
      customer_information: '{}',
      start_at: start,
      end_at: start + 15 * 60_000,
      status: 'booked',
      team_member_ids: '[]',
      token: `history-${i}`,
      date_created: now,
      date_modified: now,
    };
  });
  for (let i = 0; i < rows.length; i += 500) {
    await dataSource
      .createQueryBuilder()
      .insert()
      .into('appointments')
      .values(rows.slice(i, i + 500))
      .execute();
  }
  const full = await load(REQUESTS, book(REQUESTS));
  await app.close();

  const fmt = (n: number) => n.toFixed(0).padStart(6);
  const ms = (n: number) => `${n.toFixed(1)} ms`;
  console.log(
    `\nBooking benchmark on ${config.database.type}, ${REQUESTS} requests each, concurrency ${CONCURRENCY}`,
  );
  console.log(
    `  baseline GET /health           ${fmt(health.perSecond)} req/s   p50 ${ms(health.p50)}  p99 ${ms(health.p99)}`,
  );
  console.log(
    `  POST booking, empty calendar   ${fmt(empty.perSecond)} req/s   p50 ${ms(empty.p50)}  p99 ${ms(empty.p99)}`,
  );
  console.log(
    `  POST booking, ${HISTORY} in history ${fmt(full.perSecond)} req/s   p50 ${ms(full.p50)}  p99 ${ms(full.p99)}`,
  );
  console.log(`  ratio booking / baseline: ${(empty.perSecond / health.perSecond).toFixed(2)}`);
  console.log(
    `  ratio with history / empty: ${(full.perSecond / empty.perSecond).toFixed(2)} (1.00 = no slowdown as the table grows)`,
  );
}

void main().catch((error) => {
  console.error(error);
  process.exit(1);
});
