/**
 * Booking throughput: POST /api/v1/appointments at 32 connections for 10 s, each request a different free
 * slot of one type, against the minimal server of bench/baseline doing the same work, in the same run.
 *
 *   npm run bench:booking                                   SQLite (synchronous = FULL, both servers)
 *   BENCH_DATABASE_URL=postgres://…/db npm run bench:booking  also PostgreSQL against the pg baseline (empties db)
 *   BENCH_QUICK=1                                           3 s per measurement
 *   BENCH_CONNECTIONS=32 BENCH_SECONDS=10                   knobs
 *
 * Both servers run in their own process; this process only generates load (node:http keep-alive pool: the
 * project has no autocannon).
 */
import {
  bookingBody,
  createBenchType,
  fmt,
  load,
  LoadResult,
  Proc,
  QUICK,
  report,
  resetPostgres,
  Row,
  run,
  sqliteUrl,
  startBaseline,
  startService,
} from './support/harness';

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const SECONDS = Number(process.env.BENCH_SECONDS ?? (QUICK ? 3 : 10));

async function measure(server: Proc, typeId: number): Promise<LoadResult> {
  const url = `${server.url}/api/v1/appointments`;
  // Warm-up on slots far from the measured ones (JIT, statement caches, connection pools).
  await load({
    url,
    connections: CONNECTIONS,
    durationMs: 1000,
    method: 'POST',
    expect: 201,
    body: (i) => bookingBody(typeId, 500_000 + i),
  });
  const result = await load({
    url,
    connections: CONNECTIONS,
    durationMs: SECONDS * 1000,
    method: 'POST',
    expect: 201,
    body: (i) => bookingBody(typeId, i),
  });
  if (result.failures > 0)
    throw new Error(`${result.failures} bookings failed on ${server.url}; first: ${result.firstFailure}`);
  return result;
}

async function compare(
  label: string,
  serviceUrl: () => Promise<string>,
  baselineUrl: () => Promise<string>,
): Promise<Row[]> {
  const baselineServer = await startBaseline(await baselineUrl());
  const baseline = await measure(baselineServer, 1).finally(() => baselineServer.stop());
  const service = await startService(await serviceUrl());
  let figures: LoadResult;
  try {
    figures = await measure(service, await createBenchType(service.url));
  } finally {
    await service.stop();
  }
  const ratio = figures.perSecond / baseline.perSecond;
  return [
    {
      name: `booking throughput, ${label}`,
      figure: `${fmt.rate(figures.perSecond)} (p50 ${fmt.ms(figures.p50)}, p99 ${fmt.ms(figures.p99)})`,
      baseline: `${fmt.rate(baseline.perSecond)} (p50 ${fmt.ms(baseline.p50)}, p99 ${fmt.ms(baseline.p99)})`,
      ratio,
      target: '≥ 0.5 × baseline',
      met: ratio >= 0.5,
      notes: `${CONNECTIONS} connections, ${SECONDS} s, ${figures.requests} bookings`,
    },
  ];
}

run(async () => {
  const rows = await compare(
    'SQLite',
    () => Promise.resolve(sqliteUrl()),
    () => Promise.resolve(sqliteUrl('baseline')),
  );
  const pg = process.env.BENCH_DATABASE_URL;
  if (pg)
    rows.push(
      ...(await compare(
        'PostgreSQL',
        () => resetPostgres(pg),
        () => resetPostgres(pg),
      )),
    );
  report(rows);
});
