/**
 * Memory: resident set size of the service while it takes 100,000 bookings (BENCH_MEMORY_BOOKINGS; quick:
 * 5,000), each delivered to one subscribed local receiver. Reported: RSS at the end, and its growth over the
 * second half of the run (a leak shows as steady growth; the target is none). The baseline is the RSS at the
 * half-way point.
 */
import * as http from 'node:http';
import {
  bookingBody,
  createBenchType,
  fmt,
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

const BOOKINGS = Number(process.env.BENCH_MEMORY_BOOKINGS ?? (QUICK ? 5000 : 100_000));
const CONNECTIONS = 16;

run(async () => {
  const receiver = await TimingReceiver.start(false);
  const service = await startService(sqliteUrl());
  try {
    const typeId = await createBenchType(service.url);
    await createWebhook(client(service.url), { url: `${receiver.url}/hook` });
    const agent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS });
    const url = new URL(`${service.url}/api/v1/appointments`);
    const samples: Array<{ booked: number; rss: number }> = [];
    let next = 0;
    let done = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: CONNECTIONS }, async () => {
        while (next < BOOKINGS) {
          const i = next++;
          const response = await send(agent, url, 'POST', bookingBody(typeId, i));
          if (response.status !== 201)
            throw new Error(`booking ${i} answered ${response.status}: ${response.body}`);
          done++;
          if (done % Math.max(1, Math.floor(BOOKINGS / 50)) === 0)
            samples.push({ booked: done, rss: service.rss() });
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    agent.destroy();
    await receiver.waitFor(BOOKINGS, 600_000);
    const settled = service.rss();
    const half = samples.find((s) => s.booked >= BOOKINGS / 2)!;
    const end = samples[samples.length - 1];
    const peak = Math.max(...samples.map((s) => s.rss));
    const growth = end.rss - half.rss;
    report([
      {
        name: `memory after ${BOOKINGS.toLocaleString('en-US')} bookings with deliveries (SQLite)`,
        figure: `RSS ${fmt.mb(end.rss)} at the last booking, ${fmt.mb(settled)} once delivered (peak ${fmt.mb(peak)}); growth over the second half ${fmt.mb(growth)}`,
        baseline: `RSS at half-way ${fmt.mb(half.rss)}`,
        ratio: end.rss / half.rss,
        target: 'no steady growth over the second half',
        met: growth <= 0.1 * half.rss,
        notes: `${Math.round(BOOKINGS / seconds)} bookings/s at ${CONNECTIONS} connections; RSS samples (MB): ${samples
          .filter((_, i) => i % 5 === 4)
          .map((s) => (s.rss / 1048576).toFixed(0))
          .join(' ')}`,
      },
    ]);
  } finally {
    await service.stop();
    await receiver.close();
  }
});
