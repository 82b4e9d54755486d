/**
 * Availability: GET …/availability for 31 days of a type with 10 hosts and 10,000 booked appointments in that
 * range, median over BENCH_REQUESTS sequential requests, against the same request on a type with 10 other
 * hosts and nothing booked. Repeated requests find the busy list in memory (BusyCache); a third series books
 * an appointment (on the empty type, two months on) before each request, so that each reads the database:
 * the figure right after a change.
 *
 *   npm run bench:availability      BENCH_QUICK=1: 2,000 appointments, 10 requests
 */
import * as http from 'node:http';
import { availabilityUrl, DAYS, HOSTS, seedAvailability } from './support/availability-data';
import {
  fmt,
  median,
  QUICK,
  report,
  run,
  send,
  SLOT_ORIGIN,
  sqliteUrl,
  startService,
} from './support/harness';

const APPOINTMENTS = Number(process.env.BENCH_APPOINTMENTS ?? (QUICK ? 2000 : 10_000));
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? (QUICK ? 10 : 40));

/** Books the `i`-th slot of a day two months after the measured range: a change that empties BusyCache. */
async function bookLater(base: string, agent: http.Agent, typeId: number, i: number): Promise<void> {
  const body = JSON.stringify({
    appointment_type_id: typeId,
    start_date: new Date(SLOT_ORIGIN + 60 * 86_400_000 + i * 15 * 60_000).toISOString(),
    customer_information: { Name: 'Later', Email: 'later@example.com' },
  });
  const response = await send(agent, new URL(`${base}/api/v1/appointments`), 'POST', body);
  if (response.status !== 201) throw new Error(`booking answered ${response.status}: ${response.body}`);
}

run(async () => {
  const service = await startService(sqliteUrl());
  try {
    const { full, empty } = await seedAvailability(service, APPOINTMENTS);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
    const time = async (typeId: number, before?: (i: number) => Promise<void>) => {
      const url = availabilityUrl(service.url, typeId);
      await send(agent, url, 'GET'); // warm-up
      const times: number[] = [];
      for (let i = 0; i < REQUESTS; i++) {
        await before?.(i);
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
    const afterChange = await time(full, (i) => bookLater(service.url, agent, empty, i));
    agent.destroy();
    const ratio = busy / idle;
    report([
      {
        name: `availability, ${DAYS} days, ${HOSTS} hosts, ${APPOINTMENTS.toLocaleString('en-US')} appointments (SQLite)`,
        figure: `median ${fmt.ms(busy)}; right after a booking ${fmt.ms(afterChange)}`,
        baseline: `empty type: median ${fmt.ms(idle)}`,
        ratio,
        target: '≤ 25 ms and ≤ 2 × empty',
        met: busy <= 25 && ratio <= 2,
        notes:
          `${REQUESTS} sequential requests each; repeated requests read the busy list from memory, ` +
          `"right after a booking" reads it from the database (${(afterChange / idle).toFixed(2)} × empty)`,
      },
    ]);
  } finally {
    await service.stop();
  }
});
