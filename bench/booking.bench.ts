/**
 * Booking throughput: POST /api/v1/appointments at 32 connections for 10 s, each request a different free
 * slot of one type, against the minimal server of bench/baseline doing the same work, in the same run: three
 * rounds of each, alternated, the ratio the median of the rounds' own.
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
  baselineSchema,
  bookingBody,
  dropBaselineSchema,
  createBenchType,
  fmt,
  load,
  LoadResult,
  median,
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

const ROUNDS = 3;

/** Books at CONNECTIONS for SECONDS, each request a free slot from `firstSlot` on, after a second's warm-up. */
async function measure(server: Proc, typeId: number, firstSlot: number): Promise<LoadResult> {
  const url = `${server.url}/api/v1/appointments`;
  // Warm-up on slots far from the measured ones (JIT, statement caches, connection pools).
  await load({
    url,
    connections: CONNECTIONS,
    durationMs: 1000,
    method: 'POST',
    expect: 201,
    body: (i) => bookingBody(typeId, 1_000_000 + firstSlot + i),
  });
  const result = await load({
    url,
    connections: CONNECTIONS,
    durationMs: SECONDS * 1000,
    method: 'POST',
    expect: 201,
    body: (i) => bookingBody(typeId, firstSlot + i),
  });
  if (result.failures > 0)
    throw new Error(`${result.failures} bookings failed on ${server.url}; first: ${result.firstFailure}`);
  return result;
}

/**
 * Both servers stay up, each in its own process on its own database, and are measured in turn: three rounds
 * of the baseline then the service, the ratio the median of the rounds' own. A round's two measurements are
 * seconds apart, on a machine whose speed drifts by a quarter from minute to minute.
 */
async function compare(
  label: string,
  serviceUrl: () => Promise<string>,
  baselineUrl: () => Promise<string>,
): Promise<Row[]> {
  const baselineServer = await startBaseline(await baselineUrl());
  const rounds: { service: LoadResult; baseline: LoadResult }[] = [];
  try {
    const service = await startService(await serviceUrl());
    try {
      const typeId = await createBenchType(service.url);
      for (let round = 0; round < ROUNDS; round++) {
        // Each round books slots no round before took (a round takes fewer than 100,000).
        const firstSlot = round * 100_000;
        const baseline = await measure(baselineServer, 1, firstSlot);
        rounds.push({ baseline, service: await measure(service, typeId, firstSlot) });
      }
    } finally {
      await service.stop();
    }
  } finally {
    await baselineServer.stop();
  }
  const ratios = rounds.map((round) => round.service.perSecond / round.baseline.perSecond);
  const ratio = median(ratios);
  // The figures shown are those of the median round.
  const { service: figures, baseline } = rounds[ratios.indexOf(ratio)];
  const rates = (side: 'service' | 'baseline') =>
    rounds.map((round) => fmt.rate(round[side].perSecond)).join(', ');
  return [
    {
      name: `booking throughput, ${label}`,
      figure: `${fmt.rate(figures.perSecond)} (p50 ${fmt.ms(figures.p50)}, p99 ${fmt.ms(figures.p99)})`,
      baseline: `${fmt.rate(baseline.perSecond)} (p50 ${fmt.ms(baseline.p50)}, p99 ${fmt.ms(baseline.p99)})`,
      ratio,
      target: '≥ 0.5 × baseline',
      met: ratio >= 0.5,
      notes:
        `${CONNECTIONS} connections, ${SECONDS} s a measurement; the median of ${ROUNDS} rounds (the baseline, ` +
        `then the service): ratios ${ratios.map((r) => r.toFixed(2)).join(', ')}; the service ${rates('service')}, ` +
        `the baseline ${rates('baseline')}`,
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
  if (pg) {
    try {
      rows.push(
        ...(await compare(
          'PostgreSQL',
          () => resetPostgres(pg),
          // Both servers are up at once: the baseline in a schema of its own.
          () => baselineSchema(pg),
        )),
      );
    } finally {
      await dropBaselineSchema(pg);
    }
  }
  report(rows);
});
