import { setTimeout as sleep } from 'node:timers/promises';
import { killAll, startLoggingService, stopped, type Server } from './support/service-process';
import { ADMIN_KEY, AUTH } from './support/test-app';

const TYPES = '/api/v1/appointment-types';
const MEMBERS = '/api/v1/team-members';
const clock = (minutes: number) =>
  `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;

/** The largest schedule a body may hold (README, "Limits on any request"): 550 overrides of 48 windows. */
function largestOverrides(minutesShort: number): object[] {
  return Array.from({ length: 550 }, (_, d) => ({
    date: new Date(Date.UTC(2031, 0, 1 + d)).toISOString().slice(0, 10),
    windows: Array.from({ length: 48 }, (_, i) => ({
      start: clock(i * 30),
      end: clock(i * 30 + 30 - minutesShort),
    })),
  }));
}

describe('the largest schedule, written and read while /health is asked (e2e, a service process)', () => {
  let server: Server;

  beforeAll(async () => {
    server = await startLoggingService(ADMIN_KEY);
  }, 240_000);

  afterAll(async () => {
    server.child.kill('SIGTERM');
    await stopped(server);
    killAll();
  });

  async function send(
    method: string,
    path: string,
    body?: string,
  ): Promise<{ status: number; body: string }> {
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers: { ...AUTH, 'content-type': 'application/json' },
      body,
    });
    return { status: response.status, body: await response.text() };
  }

  /**
   * The slowest /health answer while `request` runs, the best of up to five tries: a loaded machine may deschedule
   * either process for a moment, but a request that holds the event loop holds it on every try. On this round's
   * machine under other work (load 7 on 2 cores), before the fix the best tries read 215 ms (PATCH of a type),
   * 182 ms (POST of a type) and 170 ms (PATCH of a member); after it 40-105 ms each, once 271 ms (a PATCH).
   */
  async function slowestHealth(request: () => Promise<{ status: number }>, status: number): Promise<number> {
    const slowest: number[] = [];
    while (slowest.length < 5 && !(slowest.length > 0 && Math.min(...slowest) < 150)) {
      let done = false;
      const answered = request().finally(() => (done = true));
      const health: number[] = [];
      while (!done) {
        const asked = performance.now();
        expect((await fetch(`${server.url}/health`)).status).toBe(200);
        health.push(performance.now() - asked);
        await sleep(5);
      }
      expect((await answered).status).toBe(status);
      slowest.push(Math.max(...health));
    }
    return Math.min(...slowest);
  }

  it('keeps /health answering within 150 ms through a create, change and read of a type and a member holding it', async () => {
    const member = await send(
      'POST',
      MEMBERS,
      JSON.stringify({
        name: 'Busy',
        email: 'busy@example.com',
        availability: { monday: [{ start: '00:00', end: '24:00' }] },
      }),
    );
    const memberId = (JSON.parse(member.body) as { id: number }).id;
    const type = await send(
      'POST',
      TYPES,
      JSON.stringify({ title: 'Full', duration: 30, team_member_ids: [memberId] }),
    );
    const typeId = (JSON.parse(type.body) as { id: number }).id;
    // Serialized beforehand (the client shares this process's event loop); two, so that each PATCH changes it.
    const schedules = [0, 10].map((short) => JSON.stringify({ date_overrides: largestOverrides(short) }));
    let patches = 0;
    const patch = (path: string) => () => send('PATCH', path, schedules[(patches += 1) % 2]);
    const created = JSON.stringify({ title: 'Created', duration: 30, date_overrides: largestOverrides(0) });
    const availability = `${TYPES}/${typeId}/availability?start_date=2031-01-06&end_date=2031-01-12`;

    // Not measured: the first large bodies after the start compile their code paths and grow the heap.
    for (const path of [`${TYPES}/${typeId}`, `${MEMBERS}/${memberId}`, `${TYPES}/${typeId}`]) {
      expect((await patch(path)()).status).toBe(200);
    }
    const slowest = {
      'PATCH member': await slowestHealth(patch(`${MEMBERS}/${memberId}`), 200),
      'GET type': await slowestHealth(() => send('GET', `${TYPES}/${typeId}`), 200),
      'POST type': await slowestHealth(() => send('POST', TYPES, created), 201),
      'PATCH type': await slowestHealth(patch(`${TYPES}/${typeId}`), 200),
      'GET member': await slowestHealth(() => send('GET', `${MEMBERS}/${memberId}`), 200),
      availability: await slowestHealth(() => send('GET', availability), 200),
    };
    expect(Object.entries(slowest).filter(([, ms]) => ms >= 150)).toEqual([]);
  }, 240_000);
});
