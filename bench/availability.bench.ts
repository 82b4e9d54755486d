/**
 * Availability: GET …/availability for 31 days of a type with 10 hosts and 10,000 booked appointments in that
 * range, median over BENCH_REQUESTS sequential requests, against the same request on a type with 10 other
 * hosts and nothing booked.
 *
 *   npm run bench:availability      BENCH_QUICK=1: 2,000 appointments, 10 requests
 */
import * as http from 'node:http';
import {
  api,
  createBenchType,
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

const HOSTS = 10;
const APPOINTMENTS = Number(process.env.BENCH_APPOINTMENTS ?? (QUICK ? 2000 : 10_000));
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? (QUICK ? 10 : 40));
const DAYS = 31;
const SLOTS = DAYS * 96;

async function hosts(base: string, prefix: string): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < HOSTS; i++) {
    const member = await api<{ id: number }>(base, 'POST', '/api/v1/team-members', {
      name: `${prefix} ${i}`,
      email: `${prefix}${i}@example.com`,
    });
    ids.push(member.id);
  }
  return ids;
}

run(async () => {
  const service = await startService(sqliteUrl());
  try {
    const full = await createBenchType(service.url, { team_member_ids: await hosts(service.url, 'busy') });
    const empty = await createBenchType(service.url, { team_member_ids: await hosts(service.url, 'idle') });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
    const bookings = new URL(`${service.url}/api/v1/appointments`);
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < APPOINTMENTS) {
          const i = next++;
          // Spread over the 31 days: slot i mod SLOTS, a further host of that slot each time round.
          const body = JSON.stringify({
            appointment_type_id: full,
            start_date: new Date(SLOT_ORIGIN + (i % SLOTS) * 15 * 60_000).toISOString(),
            customer_information: { Name: `Customer ${i % 100}`, Email: `c${i % 100}@example.com` },
          });
          const response = await send(agent, bookings, 'POST', body);
          if (response.status !== 201)
            throw new Error(`booking ${i} answered ${response.status}: ${response.body}`);
        }
      }),
    );
    const from = new Date(SLOT_ORIGIN).toISOString().slice(0, 10);
    const to = new Date(SLOT_ORIGIN + (DAYS - 1) * 86_400_000).toISOString().slice(0, 10);
    const time = async (typeId: number) => {
      const url = new URL(
        `${service.url}/api/v1/appointment-types/${typeId}/availability?start_date=${from}&end_date=${to}`,
      );
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
