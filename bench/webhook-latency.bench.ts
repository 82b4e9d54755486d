/**
 * Webhook latency at a steady 200 bookings/s for 20 s, one subscribed local receiver: from each booking's 201
 * (as the client sees it) to its delivery's arrival at the receiver. No booking may fail.
 *
 * Steady, as the other benches measure the service: two seconds at the same rate go first and are not counted
 * (one in a short run); their figures are given beside. A service just started sends its first deliveries slowly
 * while V8 compiles its code: on the slower kind of machine every one of the 60 slowest of 4,000 deliveries (37 to
 * 137 ms) arrived within the first 0.3 s of the run, or 2.6 s in, and they alone made its p99.
 *
 *   npm run bench:webhook-latency      BENCH_QUICK=1: 5 s      BENCH_RATE=200 BENCH_SECONDS=20
 *
 * The target is absolute (p50 ≤ 5 ms, p99 ≤ 50 ms); the baseline printed beside it is the receiver's own
 * round trip from this process (a bare POST), the floor any delivery pays.
 */
import * as http from 'node:http';
import {
  bookingBody,
  createBenchType,
  fmt,
  percentile,
  paced,
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

const RATE = Number(process.env.BENCH_RATE ?? 200);
const SECONDS = Number(process.env.BENCH_SECONDS ?? (QUICK ? 5 : 20));
const WARM_UP_SECONDS = QUICK ? 1 : 2;

interface Measured {
  /** Each delivered booking's latency, 201 → arrival, in ms, ascending. */
  latencies: number[];
  failures: number;
  firstFailure: string;
}

/**
 * Books `count` slots from slot `first` on at RATE a second and answers each delivery's latency, once all of
 * them arrived (the receiver forgets earlier arrivals first).
 */
async function measure(
  agent: http.Agent,
  serviceUrl: string,
  typeId: number,
  receiver: TimingReceiver,
  first: number,
  count: number,
): Promise<Measured> {
  receiver.arrivals.length = 0;
  const bookingsUrl = new URL(`${serviceUrl}/api/v1/appointments`);
  const answeredAt = new Map<number, number>();
  let failures = 0;
  let firstFailure = '';
  await paced(RATE, count, async (i) => {
    const response = await send(agent, bookingsUrl, 'POST', bookingBody(typeId, first + i));
    if (response.status !== 201) {
      failures++;
      firstFailure ||= `${response.status} ${response.body.slice(0, 200)}`;
      return;
    }
    answeredAt.set((JSON.parse(response.body) as { id: number }).id, performance.now());
  });
  await receiver.waitFor(answeredAt.size, 60_000);
  const latencies = receiver.arrivals
    .map(
      (a) =>
        a.at -
        answeredAt.get(Number((JSON.parse(a.body) as { appointment: { id: string } }).appointment.id))!,
    )
    .sort((a, b) => a - b);
  return { latencies, failures, firstFailure };
}

run(async () => {
  const receiver = await TimingReceiver.start();
  const service = await startService(sqliteUrl());
  try {
    const typeId = await createBenchType(service.url);
    await createWebhook(client(service.url), { url: `${receiver.url}/hook` });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
    const warmUp = RATE * WARM_UP_SECONDS;
    const cold = await measure(agent, service.url, typeId, receiver, 0, warmUp);
    const count = RATE * SECONDS;
    const { latencies, failures, firstFailure } = await measure(
      agent,
      service.url,
      typeId,
      receiver,
      warmUp,
      count,
    );

    // The floor: the same receiver answering a bare POST of the same size from this process.
    const direct: number[] = [];
    const hook = new URL(`${receiver.url}/direct`);
    const body = receiver.arrivals[0].body;
    for (let i = 0; i < 500; i++) {
      const t0 = performance.now();
      await send(agent, hook, 'POST', body);
      direct.push(performance.now() - t0);
    }
    direct.sort((a, b) => a - b);
    agent.destroy();

    const p50 = percentile(latencies, 50);
    const p99 = percentile(latencies, 99);
    report([
      {
        name: `webhook latency, 201 → arrival, ${RATE} bookings/s for ${SECONDS} s (SQLite)`,
        figure: `p50 ${fmt.ms(p50)}, p99 ${fmt.ms(p99)}, max ${fmt.ms(latencies[latencies.length - 1])}; ${failures} of ${count} bookings failed`,
        baseline: `bare POST to the receiver p50 ${fmt.ms(percentile(direct, 50))}, p99 ${fmt.ms(percentile(direct, 99))}`,
        ratio: null,
        target: 'p50 ≤ 5 ms, p99 ≤ 50 ms, 0 failed',
        met: p50 <= 5 && p99 <= 50 && failures === 0 && cold.failures === 0,
        notes: [
          `after ${warmUp} bookings at the same rate from the service's start, not counted: their p50 ${fmt.ms(percentile(cold.latencies, 50))}, p99 ${fmt.ms(percentile(cold.latencies, 99))}, max ${fmt.ms(cold.latencies[cold.latencies.length - 1])}, ${cold.failures} failed`,
          failures + cold.failures > 0 ? `first failure: ${firstFailure || cold.firstFailure}` : undefined,
        ]
          .filter((note) => note !== undefined)
          .join('; '),
      },
    ]);
  } finally {
    await service.stop();
    await receiver.close();
  }
});
