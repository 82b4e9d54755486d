/**
 * Memory: resident set size of the service while it takes 100,000 bookings (BENCH_MEMORY_BOOKINGS; quick:
 * 5,000), each delivered to one subscribed local receiver. Reported: RSS at the end, and its growth over the
 * second half of the run (a leak shows as steady growth; the target is none). RSS is sampled 50 times. The
 * growth is the trend of the second half's 25 samples over the second half: their Theil-Sen slope (the median
 * of the slopes between every two of them), which one sample taken right after a collection does not move
 * (seen: 415 MB, then 259 MB, then back to 313 MB, which a difference of two samples read as 91 MB of growth).
 * The baseline is the median RSS of the tenth after half-way; each tenth's median is printed.
 */
import * as http from 'node:http';
import {
  bookingBody,
  createBenchType,
  fmt,
  median,
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
    const tenths = Array.from({ length: 10 }, (_, tenth) =>
      median(
        samples
          .filter((sample) => Math.ceil((sample.booked / BOOKINGS) * 10) === tenth + 1)
          .map((sample) => sample.rss),
      ),
    );
    const half = tenths[5];
    const end = tenths[9];
    const peak = Math.max(...samples.map((s) => s.rss));
    const secondHalf = samples.filter((sample) => sample.booked > BOOKINGS / 2);
    const growth = theilSenSlope(secondHalf.map((sample) => [sample.booked, sample.rss])) * (BOOKINGS / 2);
    report([
      {
        name: `memory after ${BOOKINGS.toLocaleString('en-US')} bookings with deliveries (SQLite)`,
        figure: `RSS ${fmt.mb(end)} over the last tenth (median), ${fmt.mb(settled)} once delivered (peak ${fmt.mb(peak)}); growth over the second half (trend of its samples) ${fmt.mb(growth)}`,
        baseline: `RSS over the tenth after half-way ${fmt.mb(half)} (median)`,
        ratio: end / half,
        target: 'no steady growth over the second half',
        met: growth <= 0.1 * half,
        notes: `${Math.round(BOOKINGS / seconds)} bookings/s at ${CONNECTIONS} connections; median RSS of each tenth (MB): ${tenths
          .map((rss) => (rss / 1048576).toFixed(0))
          .join(' ')}`,
      },
    ]);
  } finally {
    await service.stop();
    await receiver.close();
  }
});

/** The median of the slopes between every two points: a trend that a few outlying points do not move. */
function theilSenSlope(points: Array<[number, number]>): number {
  const slopes: number[] = [];
  for (let i = 0; i < points.length; i++)
    for (let j = i + 1; j < points.length; j++)
      if (points[j][0] !== points[i][0])
        slopes.push((points[j][1] - points[i][1]) / (points[j][0] - points[i][0]));
  return median(slopes);
}
