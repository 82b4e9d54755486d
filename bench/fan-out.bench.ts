/**
 * Fan-out off the request path: booking latency (p50) with 1,000 subscribed webhooks against the same service
 * with none, paced at BENCH_RATE bookings/s (default 20) for BENCH_COUNT bookings (default 200; quick 60).
 *
 * The instance runs WEBHOOK_WORKER=false: it records the 1,000 deliveries of every booking (the fan-out) but
 * sends none, so what is measured is the request path beside the fan-out, not the sending of 20,000 POSTs/s.
 */
import * as http from 'node:http';
import {
  bookingBody,
  createBenchType,
  fmt,
  median,
  paced,
  percentile,
  QUICK,
  report,
  run,
  send,
  sqliteUrl,
  startService,
  client,
} from './support/harness';
import { createWebhook } from '../test/support/fixtures';

const RATE = Number(process.env.BENCH_RATE ?? 20);
const COUNT = Number(process.env.BENCH_COUNT ?? (QUICK ? 60 : 200));
const WEBHOOKS = Number(process.env.BENCH_WEBHOOKS ?? 1000);

async function bookings(base: string, typeId: number, offset: number): Promise<number[]> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const url = new URL(`${base}/api/v1/appointments`);
  const latencies: number[] = [];
  await paced(RATE, COUNT, async (i) => {
    const t0 = performance.now();
    const response = await send(agent, url, 'POST', bookingBody(typeId, offset + i));
    if (response.status !== 201) throw new Error(`booking answered ${response.status}: ${response.body}`);
    latencies.push(performance.now() - t0);
  });
  agent.destroy();
  return latencies.sort((a, b) => a - b);
}

run(async () => {
  const service = await startService(sqliteUrl(), { WEBHOOK_WORKER: 'false' });
  try {
    const typeId = await createBenchType(service.url);
    await bookings(service.url, typeId, 100_000); // warm-up
    const none = await bookings(service.url, typeId, 0);
    for (let i = 0; i < WEBHOOKS; i++)
      await createWebhook(client(service.url), { url: `http://127.0.0.1:9/hook/${i}` });
    const many = await bookings(service.url, typeId, 10_000);
    const ratio = median(many) / median(none);
    report([
      {
        name: `booking p50 with ${WEBHOOKS.toLocaleString('en-US')} webhooks vs none (SQLite, ${RATE}/s)`,
        figure: `p50 ${fmt.ms(median(many))}, p99 ${fmt.ms(percentile(many, 99))}`,
        baseline: `none: p50 ${fmt.ms(median(none))}, p99 ${fmt.ms(percentile(none, 99))}`,
        ratio,
        target: '≤ 1.5 × none',
        met: ratio <= 1.5,
        notes: `${COUNT} bookings each; worker off (deliveries recorded, not sent)`,
      },
    ]);
  } finally {
    await service.stop();
  }
});
