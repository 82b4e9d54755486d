/**
 * Webhook latency at a steady 200 bookings/s for 20 s, one subscribed local receiver: from each booking's 201
 * (as the client sees it) to its delivery's arrival at the receiver. No booking may fail.
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

run(async () => {
  const receiver = await TimingReceiver.start();
  const service = await startService(sqliteUrl());
  try {
    const typeId = await createBenchType(service.url);
    await createWebhook(client(service.url), { url: `${receiver.url}/hook` });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
    const bookingsUrl = new URL(`${service.url}/api/v1/appointments`);
    const answeredAt = new Map<number, number>();
    let failures = 0;
    let firstFailure = '';
    const count = RATE * SECONDS;
    await paced(RATE, count, async (i) => {
      const response = await send(agent, bookingsUrl, 'POST', bookingBody(typeId, i));
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
        met: p50 <= 5 && p99 <= 50 && failures === 0,
        notes: failures > 0 ? `first failure: ${firstFailure}` : undefined,
      },
    ]);
  } finally {
    await service.stop();
    await receiver.close();
  }
});
