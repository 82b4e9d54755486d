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

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** The package a script belongs to (`typeorm`, `@nestjs/core`), `app` for the service, `node` for Node's own. */
function owner(url: string): string {
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  if (url.startsWith('node:') || url === '') return url === '' ? '(native / GC / idle)' : 'node internals';
  if (/\/(src|dist)\//.test(url)) return 'app (src/)';
  return url;
}

function summarize(profile: Profile, top = 25): string {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const byPackage = new Map<string, number>();
  const byFunction = new Map<string, number>();
  for (const [id, micros] of self) {
    const { callFrame } = byId.get(id)!;
    const pkg = callFrame.functionName === '(idle)' ? '(idle)' : owner(callFrame.url);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + micros);
    const name = `${callFrame.functionName || '(anonymous)'} ${callFrame.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/(src|dist)\//, '$1/')}:${callFrame.lineNumber + 1}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + micros);
  }
  const pct = (micros: number) => `${((micros / total) * 100).toFixed(1).padStart(5)}%`;
  const sorted = (map: Map<string, number>) => [...map.entries()].sort((a, b) => b[1] - a[1]).slice(0, top);
  return [
    'self time by package:',
    ...sorted(byPackage).map(([name, micros]) => `  ${pct(micros)}  ${name}`),
    '',
    'self time by function:',
    ...sorted(byFunction).map(([name, micros]) => `  ${pct(micros)}  ${name}`),
  ].join('\n');
}

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
