/**
 * Where booking time goes: the service runs under `node --cpu-prof` while it takes BENCH_SECONDS (default 10)
 * of bookings at 32 connections; the profile is summarized by package (self time) and by function.
 *
 *   npm run bench:profile          the .cpuprofile stays in the printed directory (open it in Chrome DevTools)
 *   BENCH_DATABASE_URL=postgres://…/db npm run bench:profile   the same on PostgreSQL (empties db)
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  bookingBody,
  createBenchType,
  fmt,
  load,
  QUICK,
  resetPostgres,
  run,
  sqliteUrl,
  startService,
} from './support/harness';
import { type Profile, summarize } from './support/profile';

run(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'booking-profile-'));
  const pg = process.env.BENCH_DATABASE_URL;
  const databaseUrl = pg ? await resetPostgres(pg) : sqliteUrl();
  const service = await startService(databaseUrl, {}, ['--cpu-prof', `--cpu-prof-dir=${dir}`]);
  const typeId = await createBenchType(service.url);
  const result = await load({
    url: `${service.url}/api/v1/appointments`,
    connections: 32,
    durationMs: Number(process.env.BENCH_SECONDS ?? (QUICK ? 3 : 10)) * 1000,
    method: 'POST',
    expect: 201,
    body: (i) => bookingBody(typeId, i),
  });
  await service.stop();
  const file = readdirSync(dir).find((name) => name.endsWith('.cpuprofile'));
  if (!file) throw new Error(`no profile written in ${dir}`);
  console.log(
    `${fmt.rate(result.perSecond)} bookings (p99 ${fmt.ms(result.p99)}) under the profiler; profile: ${join(dir, file)}\n`,
  );
  console.log(summarize(JSON.parse(readFileSync(join(dir, file), 'utf8')) as Profile));
});
