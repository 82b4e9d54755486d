/**
 * The data of the availability benches (bench:availability, bench/profile-availability.ts): a type with 10
 * hosts and `appointments` bookings spread over 31 days from SLOT_ORIGIN, booked over HTTP, and an empty type
 * of 10 other hosts.
 */
import * as http from 'node:http';
import { createMember } from '../../test/support/fixtures';
import { client, createBenchType, Proc, send, SLOT_ORIGIN } from './harness';

export const HOSTS = 10;
export const DAYS = 31;
const SLOTS = DAYS * 96;

export interface AvailabilityData {
  /** The busy type. */
  full: number;
  /** The type with nothing booked. */
  empty: number;
}

async function hosts(base: string, prefix: string): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < HOSTS; i++) {
    ids.push(
      (await createMember(client(base), { name: `${prefix} ${i}`, email: `${prefix}${i}@example.com` })).id,
    );
  }
  return ids;
}

export async function seedAvailability(service: Proc, appointments: number): Promise<AvailabilityData> {
  const full = await createBenchType(service.url, { team_member_ids: await hosts(service.url, 'busy') });
  const empty = await createBenchType(service.url, { team_member_ids: await hosts(service.url, 'idle') });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  const bookings = new URL(`${service.url}/api/v1/appointments`);
  let next = 0;
  try {
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < appointments) {
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
  } finally {
    agent.destroy();
  }
  return { full, empty };
}

/** GET …/availability of the type for the 31 days. */
export function availabilityUrl(base: string, typeId: number): URL {
  const from = new Date(SLOT_ORIGIN).toISOString().slice(0, 10);
  const to = new Date(SLOT_ORIGIN + (DAYS - 1) * 86_400_000).toISOString().slice(0, 10);
  return new URL(`${base}/api/v1/appointment-types/${typeId}/availability?start_date=${from}&end_date=${to}`);
}
