/**
 * Availability: GET …/availability for 31 days of a type with 10 hosts and 10,000 booked appointments in that
 * range, median over BENCH_REQUESTS sequential requests, against the same request on a type with 10 other
 * hosts and nothing booked.
 *
 *   npm run bench:availability      BENCH_QUICK=1: 2,000 appointments, 10 requests
 */
import * as http from 'node:http';
import { availabilityUrl, DAYS, HOSTS, seedAvailability } from './support/availability-data';
import { fmt, median, QUICK, report, run, send, sqliteUrl, startService } from './support/harness';

const APPOINTMENTS = Number(process.env.BENCH_APPOINTMENTS ?? (QUICK ? 2000 : 10_000));
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? (QUICK ? 10 : 40));

run(async () => {
  const service = await startService(sqliteUrl());
  try {
    const { full, empty } = await seedAvailability(service, APPOINTMENTS);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
    const time = async (typeId: number) => {
      const url = availabilityUrl(service.url, typeId);
      await send(agent, url, 'GET'); // warm-up
      const times: number[] = [];
      for (let i = 0; i < REQUESTS; i++) {
        const t0 = performance.now();
        const response = await send(agent, url, 'GET');
        if (response.status !== 200)
          throw new Error(`availability answered ${response.status}: ${response.body}`);
        times.push(performance.now() - t0);
      }
      return median(times);
    };
    const busy = await time(full);
    const idle = await time(empty);
    agent.destroy();
    const ratio = busy / idle;
    report([
      {
        name: `availability, ${DAYS} days, ${HOSTS} hosts, ${APPOINTMENTS.toLocaleString('en-US')} appointments (SQLite)`,
        figure: `median ${fmt.ms(busy)}`,
        baseline: `empty type: median ${fmt.ms(idle)}`,
        ratio,
        target: '≤ 25 ms and ≤ 2 × empty',
        met: busy <= 25 && ratio <= 2,
        notes: `${REQUESTS} sequential requests each`,
      },
    ]);
  } finally {
    await service.stop();
  }
});
