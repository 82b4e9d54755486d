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
import { AvailabilityData, availabilityUrl, seedAvailability } from './support/availability-data';
import { fmt, median, run, send, startService } from './support/harness';
import { type Profile, summarize } from './support/profile';

const APPOINTMENTS = Number(process.env.BENCH_APPOINTMENTS ?? 10_000);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 200);

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
      writeFileSync(metaFile, JSON.stringify(await seedAvailability(seeding, APPOINTMENTS)));
    } finally {
      await seeding.stop();
    }
  }
  const { full, empty } = JSON.parse(readFileSync(metaFile, 'utf8')) as AvailabilityData;

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
