/**
 * Where availability time goes: the set-up of `bench:availability` (31 days, 10 hosts, 10,000 appointments
 * booked over HTTP, and an empty type of 10 other hosts), then the service restarted under `node --cpu-prof`
 * answering BENCH_REQUESTS (default 200) requests for the busy type; the profile is summarized by package and
 * by function. Before that, the two types are timed with requests interleaved (median of each and their ratio).
 *
 *   node --require ts-node/register/transpile-only bench/profile-availability.ts
 *   PROFILE_DB=/tmp/avail.sqlite …     keeps the seeded database and reuses it on the next run
 *   PROFILE=0 …                        timings only, no profile
 *   PROFILE_TYPE=empty …               profiles the empty type instead (what every answer costs)
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  api,
  createBenchType,
  fmt,
  median,
  Proc,
  run,
  send,
  SLOT_ORIGIN,
  startService,
} from './support/harness';
import { type Profile, summarize } from './support/profile';

const HOSTS = 10;
const APPOINTMENTS = Number(process.env.BENCH_APPOINTMENTS ?? 10_000);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 200);
const DAYS = 31;
const SLOTS = DAYS * 96;

interface Seeded {
  full: number;
  empty: number;
}

async function hosts(base: string, prefix: string): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < HOSTS; i++) {
    const member = await api<{ id: number }>(base, 'POST', '/api/v1/team-members', {
      name: `${prefix} ${i}`,
      email: `${prefix}${i}@example.com`,
    });
    ids.push(member.id);
  }
  return ids;
}

/** The same data as bench/availability.bench.ts, booked over HTTP. */
async function seed(service: Proc): Promise<Seeded> {
  const full = await createBenchType(service.url, { team_member_ids: await hosts(service.url, 'busy') });
  const empty = await createBenchType(service.url, { team_member_ids: await hosts(service.url, 'idle') });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  const bookings = new URL(`${service.url}/api/v1/appointments`);
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < APPOINTMENTS) {
        const i = next++;
        const body = JSON.stringify({
          appointment_type_id: full,
          start_date: new Date(SLOT_ORIGIN + (i % SLOTS) * 15 * 60_000).toISOString(),
          customer_information: { Name: `Customer ${i % 100}`, Email: `c${i % 100}@example.com` },
        });
        const response = await send(agent, bookings, 'POST', body);
        if (response.status !== 201)
          throw new Error(`booking ${i} answered ${response.status}: ${response.body}`);
      }
    }),
  );
  agent.destroy();
  return { full, empty };
}

function availabilityUrl(base: string, typeId: number): URL {
  const from = new Date(SLOT_ORIGIN).toISOString().slice(0, 10);
  const to = new Date(SLOT_ORIGIN + (DAYS - 1) * 86_400_000).toISOString().slice(0, 10);
  return new URL(`${base}/api/v1/appointment-types/${typeId}/availability?start_date=${from}&end_date=${to}`);
}

async function timed(agent: http.Agent, url: URL): Promise<number> {
  const t0 = performance.now();
  const response = await send(agent, url, 'GET');
  if (response.status !== 200) throw new Error(`availability answered ${response.status}: ${response.body}`);
  return performance.now() - t0;
}

run(async () => {
  const db =
    process.env.PROFILE_DB ?? join(mkdtempSync(join(tmpdir(), 'availability-profile-')), 'db.sqlite');
  const metaFile = `${db}.json`;
  if (!existsSync(metaFile)) {
    const seeding = await startService(`sqlite:${db}`);
    try {
      writeFileSync(metaFile, JSON.stringify(await seed(seeding)));
    } finally {
      await seeding.stop();
    }
  }
  const { full, empty } = JSON.parse(readFileSync(metaFile, 'utf8')) as Seeded;

  const plain = await startService(`sqlite:${db}`);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const busyUrl = availabilityUrl(plain.url, full);
    const idleUrl = availabilityUrl(plain.url, empty);
    for (let i = 0; i < 10; i++) await Promise.all([timed(agent, busyUrl), timed(agent, idleUrl)]);
    const busy: number[] = [];
    const idle: number[] = [];
    for (let i = 0; i < 40; i++) {
      busy.push(await timed(agent, busyUrl));
      idle.push(await timed(agent, idleUrl));
    }
    const ratio = median(busy) / median(idle);
    console.log(
      `interleaved, 40 each: busy median ${fmt.ms(median(busy))}, empty median ${fmt.ms(median(idle))}, ratio ${ratio.toFixed(2)}`,
    );
  } finally {
    agent.destroy();
    await plain.stop();
  }
  if (process.env.PROFILE === '0') return;

  const dir = mkdtempSync(join(tmpdir(), 'availability-cpuprofile-'));
  const service = await startService(`sqlite:${db}`, {}, ['--cpu-prof', `--cpu-prof-dir=${dir}`]);
  const profiled = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const url = availabilityUrl(service.url, process.env.PROFILE_TYPE === 'empty' ? empty : full);
    for (let i = 0; i < REQUESTS; i++) await timed(profiled, url);
  } finally {
    profiled.destroy();
    await service.stop();
  }
  const file = readdirSync(dir).find((name) => name.endsWith('.cpuprofile'));
  if (!file) throw new Error(`no profile written in ${dir}`);
  const which = process.env.PROFILE_TYPE === 'empty' ? 'empty' : 'busy';
  console.log(`${REQUESTS} requests for the ${which} type under the profiler; profile: ${join(dir, file)}\n`);
  console.log(summarize(JSON.parse(readFileSync(join(dir, file), 'utf8')) as Profile, 30, REQUESTS));
});
