/**
 * Availability with schedules in place, against the same run without them.
 *
 *   npm run bench:schedules                      (SQLite)
 *   BENCH_DATABASE_URL=postgres://… npm run bench:schedules
 *
 * One type in Europe/Berlin with 10 hosts, a 15-minute grid of 30-minute slots, and 10,000 active
 * appointments spread over the 31 days asked for. First the availability of those 31 days is measured
 * with the weekly hours only; then the type gets date overrides, every host its own hours (four zones,
 * some with overrides), and a few blackouts (site, type, members) plus 1,000 past ones, and the same
 * requests are measured again (once with schedules that close nothing, so the same slots come back and
 * only the schedule work differs, once with schedules that close some). Last, the `?conflicts=true` list over all 10,000 future appointments.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { createApp } from '../src/app.factory';
import { loadConfig } from '../src/config/app-config';
import request from 'supertest';
import { ADMIN_KEY } from '../test/support/admin';
import { resetPostgres } from '../test/support/database';
import { bookAppointment, createMember, createType } from '../test/support/fixtures';

const CONCURRENCY = 4;
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 100);
const APPOINTMENTS = 10_000;
const HOSTS = 10;
const HEADERS = { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' };
const FROM = '2031-03-01';
const TO = '2031-03-31';
const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'];
const hours = (days: string[], start: string, end: string) =>
  Object.fromEntries(days.map((day) => [day, [{ start, end }]]));

async function databaseUrl(): Promise<string> {
  const url = process.env.BENCH_DATABASE_URL;
  if (!url) return `sqlite:${join(mkdtempSync(join(tmpdir(), 'schedules-bench-')), 'bench.sqlite')}`;
  await resetPostgres(url);
  return url;
}

/** Runs `count` requests with CONCURRENCY in flight; returns requests per second and latency percentiles. */
async function load(count: number, request: () => Promise<Response>) {
  const latencies: number[] = [];
  let next = 0;
  let bytes = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < count) {
        next++;
        const t0 = performance.now();
        const response = await request();
        bytes = (await response.arrayBuffer()).byteLength;
        if (!response.ok) throw new Error(`answered ${response.status}`);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))];
  return { perSecond: count / seconds, p50: at(0.5), p99: at(0.99), bytes };
}

async function main(): Promise<void> {
  const config = loadConfig({
    DATABASE_URL: await databaseUrl(),
    ADMIN_API_KEY: ADMIN_KEY,
    LOG_LEVEL: 'warn',
  });
  const app = await createApp(config);
  await app.listen(0, '127.0.0.1');
  const base = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  const client = () => request(base);
  const send = async (method: 'PATCH' | 'POST', path: string, body: object) => {
    const response = await fetch(base + path, { method, headers: HEADERS, body: JSON.stringify(body) });
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  };
  const hostIds: number[] = [];
  for (let i = 0; i < HOSTS; i++) hostIds.push((await createMember(client, { name: `Host ${i}` })).id);
  const type = await createType(client, {
    title: 'Bench',
    duration: 30,
    availability_increment: 15,
    timezone: 'Europe/Berlin',
    availability: hours([...WEEKDAYS, 'saturday'], '08:00', '20:00'),
    team_member_ids: hostIds,
  });
  // One real booking (outside the range) creates the customer the generated rows refer to.
  const first = await bookAppointment(client, type.id, '2031-02-03T09:00:00+01:00', {
    customer_information: { Name: 'Bench', Email: 'bench@example.com' },
  });
  const { customer_id } = (await (
    await fetch(`${base}/api/v1/appointments/${first.id}`, { headers: HEADERS })
  ).json()) as { customer_id: number };

  // 10,000 appointments on the 31 days, on random hosts at random grid starts inside the weekly hours.
  const dataSource = app.get(DataSource);
  let seed = 42;
  const random = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  const now = Date.now();
  const rows = Array.from({ length: APPOINTMENTS }, (_, i) => {
    const day = random(31);
    // 08:00-20:00 Berlin is 07:00-19:00 UTC in March before the switch; close enough for load.
    const start = Date.UTC(2031, 2, 1 + day, 7) + random(46) * 15 * 60_000;
    const host = hostIds[random(HOSTS)];
    return {
      appointment_type_id: type.id,
      customer_id,
      customer_information: {},
      start_at: start,
      end_at: start + 30 * 60_000,
      status: 'booked',
      team_member_ids: [host],
      token: `bench-${i}`,
      date_created: now,
      date_modified: now,
      host,
    };
  });
  for (let i = 0; i < rows.length; i += 500) {
    const chunk = rows.slice(i, i + 500);
    const inserted = await dataSource
      .createQueryBuilder()
      .insert()
      .into('appointments')
      .values(chunk.map(({ host: _host, ...row }) => row))
      .execute();
    await dataSource
      .createQueryBuilder()
      .insert()
      .into('appointment_hosts')
      .values(
        chunk.map((row, j) => ({
          appointment_id: Number(inserted.identifiers[j].id),
          team_member_id: row.host,
          start_at: row.start_at,
        })),
      )
      .execute();
  }

  const availability = () =>
    fetch(`${base}/api/v1/appointment-types/${type.id}/availability?start_date=${FROM}&end_date=${TO}`, {
      headers: HEADERS,
    });
  const slotCount = async () => ((await (await availability()).json()) as { slots: unknown[] }).slots.length;

  await load(10, availability); // warm-up
  const plainSlots = await slotCount();
  const plain = await load(REQUESTS, availability);

  // Schedules that close nothing: the engine does all the schedule work but answers the same slots.
  const zones = ['Europe/Berlin', 'Europe/London', 'Asia/Kolkata', 'America/New_York'];
  const everyDay = hours([...WEEKDAYS, 'saturday', 'sunday'], '00:00', '24:00');
  await send('PATCH', `/api/v1/appointment-types/${type.id}`, {
    date_overrides: ['2031-03-03', '2031-03-10', '2031-03-17', '2031-03-24'].map((date) => ({
      date,
      windows: [{ start: '08:00', end: '20:00' }],
    })),
  });
  for (let i = 0; i < HOSTS; i++) {
    await send('PATCH', `/api/v1/team-members/${hostIds[i]}`, {
      timezone: zones[i % 4],
      availability: everyDay,
    });
  }
  // Years of past blackouts: the bounded query must not read them.
  const past = Array.from({ length: 1000 }, (_, i) => ({
    start_at: Date.UTC(2026, 0, 1) + i * 86_400_000,
    end_at: Date.UTC(2026, 0, 1) + i * 86_400_000 + 3_600_000,
    reason: 'past',
    date_created: now,
    date_modified: now,
  }));
  for (let i = 0; i < past.length; i += 500) {
    await dataSource
      .createQueryBuilder()
      .insert()
      .into('blackouts')
      .values(past.slice(i, i + 500))
      .execute();
  }
  await load(10, availability); // warm-up
  const neutralSlots = await slotCount();
  const neutral = await load(REQUESTS, availability);

  // Schedules that bite: overrides on the type, own hours for every host in four zones, and blackouts.
  await send('PATCH', `/api/v1/appointment-types/${type.id}`, {
    date_overrides: [
      { date: '2031-03-08', windows: [] },
      { date: '2031-03-09', windows: [{ start: '10:00', end: '14:00' }] },
      {
        date: '2031-03-17',
        windows: [
          { start: '08:00', end: '12:00' },
          { start: '13:00', end: '22:00' },
        ],
      },
      { date: '2031-03-28', windows: [] },
    ],
  });
  const memberHours = [
    ['08:00', '16:00'],
    ['09:00', '17:00'],
    ['13:00', '22:00'],
    ['06:00', '14:00'],
  ];
  for (let i = 0; i < HOSTS; i++) {
    const [start, end] = memberHours[i % 4];
    await send('PATCH', `/api/v1/team-members/${hostIds[i]}`, {
      timezone: zones[i % 4],
      availability: hours([...WEEKDAYS, 'saturday'], start, end),
      date_overrides:
        i % 3 === 0
          ? [
              { date: '2031-03-12', windows: [] },
              { date: '2031-03-19', windows: [{ start: '10:00', end: '12:00' }] },
            ]
          : [],
    });
  }
  await send('POST', '/api/v1/blackouts', {
    start_date: '2031-03-14T12:00:00+01:00',
    end_date: '2031-03-14T18:00:00+01:00',
    reason: 'Site afternoon',
  });
  await send('POST', '/api/v1/blackouts', {
    start_date: '2031-03-21T00:00:00+01:00',
    end_date: '2031-03-22T00:00:00+01:00',
    appointment_type_id: type.id,
  });
  for (let i = 0; i < 5; i++) {
    await send('POST', '/api/v1/blackouts', {
      start_date: `2031-03-${String(3 + i * 5).padStart(2, '0')}T00:00:00Z`,
      end_date: `2031-03-${String(6 + i * 5).padStart(2, '0')}T00:00:00Z`,
      team_member_id: hostIds[i],
    });
  }
  await load(10, availability); // warm-up
  const scheduledSlots = await slotCount();
  const scheduled = await load(REQUESTS, availability);

  const conflicts = () => fetch(`${base}/api/v1/appointments?conflicts=true&limit=50`, { headers: HEADERS });
  const { meta } = (await (await conflicts()).json()) as { meta: { total: number } };
  const conflictList = await load(10, conflicts);
  await app.close();

  const fmt = (n: number) => n.toFixed(1).padStart(7);
  const ms = (n: number) => `${n.toFixed(1)} ms`;
  console.log(
    `\nAvailability of ${FROM}..${TO} (31 days), ${HOSTS} hosts, ${APPOINTMENTS} appointments, on ` +
      `${config.database.type}; ${REQUESTS} requests each, concurrency ${CONCURRENCY}`,
  );
  console.log(
    `  weekly hours only        ${fmt(plain.perSecond)} req/s   p50 ${ms(plain.p50)}  p99 ${ms(plain.p99)}   ${plainSlots} slots, ${plain.bytes} bytes`,
  );
  console.log(
    `  schedules closing nothing ${fmt(neutral.perSecond)} req/s   p50 ${ms(neutral.p50)}  p99 ${ms(neutral.p99)}   ${neutralSlots} slots, ${neutral.bytes} bytes`,
  );
  console.log(
    `  schedules closing some   ${fmt(scheduled.perSecond)} req/s   p50 ${ms(scheduled.p50)}  p99 ${ms(scheduled.p99)}   ${scheduledSlots} slots, ${scheduled.bytes} bytes`,
  );
  console.log(
    `  ratio to weekly hours only: closing nothing ${(neutral.perSecond / plain.perSecond).toFixed(2)}, ` +
      `closing some ${(scheduled.perSecond / plain.perSecond).toFixed(2)}`,
  );
  console.log(
    `  GET ?conflicts=true over ${APPOINTMENTS} future appointments: p50 ${ms(conflictList.p50)}, p99 ${ms(conflictList.p99)}, ${meta.total} conflicts`,
  );
}

void main().catch((error) => {
  console.error(error);
  process.exit(1);
});
