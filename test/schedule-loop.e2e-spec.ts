import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, killAll, run, started, stopped, type Server } from './support/service-process';
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

/**
 * Loaded into the service's process before it (node --require): on SIGWINCH it opens a window, in which a chain of
 * setImmediate reads the main thread's CPU time (process.threadCpuUsage) at each turn of the event loop, and on the
 * next SIGWINCH closes it and writes the longest turn's CPU time to stderr. CPU time of the main thread only: a
 * loaded machine that deschedules the process, or the threads of the garbage collector and libuv, do not add to it.
 * The chain runs only while a window is open. SIGWINCH, which no one else sends a service: Nest's shutdown hooks
 * (enableShutdownHooks with no list) end the service on SIGUSR2, and Node keeps SIGUSR1 for its inspector.
 */
const HOOK = `
let window = 0;
let longest = 0;
const cpu = () => { const { user, system } = process.threadCpuUsage(); return user + system; };
function turns(open, last) {
  if (open !== window) return;
  const now = cpu();
  longest = Math.max(longest, now - last);
  setImmediate(turns, open, now);
}
process.on('SIGWINCH', () => {
  window += 1;
  if (window % 2 === 1) {
    longest = 0;
    setImmediate(turns, window, cpu());
    process.stderr.write('turns: open\\n');
  } else {
    process.stderr.write('turns: longest ' + longest + ' us\\n');
  }
});
`;

/**
 * The bound on a request's longest turn of the event loop, in CPU milliseconds of the service's main thread. On this
 * round's machine (2 cores, a load of 3-6 from other work), the least of three tries before the schedule commits
 * (45c03f7), over four runs: POST of a type 93-103, PATCH of a type 132-151, PATCH of a member 115-126 (each try
 * 93-167); after them: 35-40, 48-58 and 16-42 (each try at most 61). Reads (GET of a type or member, availability):
 * 19-28 in both.
 */
const LONGEST_TURN_MS = 75;

describe("the largest schedule's longest turn of the event loop, written and read (e2e, a service process)", () => {
  let server: Server;

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'booking-turns-'));
    const hook = join(dir, 'turns.js');
    writeFileSync(hook, HOOK);
    server = run(
      {
        DATA_DIR: dir,
        DATABASE_URL: `sqlite:${join(dir, 'booking.sqlite')}`,
        PORT: String(await freePort()),
        ADMIN_API_KEY: ADMIN_KEY,
      },
      ['--require', hook, '--require', 'ts-node/register/transpile-only', 'src/main.ts'],
    );
    await started(server, 180_000);
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

  /** Signals the hook and waits for its line (its `count`-th): "open", or the longest turn in microseconds. */
  async function signalled(count: number): Promise<string> {
    server.child.kill('SIGWINCH');
    const deadline = Date.now() + 10_000;
    for (;;) {
      const lines = [...server.stderr().matchAll(/^turns: (.*)$/gm)];
      if (lines.length >= count) return lines[count - 1][1];
      if (Date.now() > deadline) throw new Error(`the hook did not answer:\n${server.stderr()}`);
      await sleep(10);
    }
  }

  let signals = 0;

  /** The CPU milliseconds of the longest turn of the service's event loop while `request` is sent and answered. */
  async function longestTurn(request: () => Promise<{ status: number }>, status: number): Promise<number> {
    expect(await signalled((signals += 1))).toBe('open');
    expect((await request()).status).toBe(status);
    const line = await signalled((signals += 1));
    const micros = /^longest (\d+) us$/.exec(line);
    if (!micros) throw new Error(`the hook answered "${line}"`);
    return Number(micros[1]) / 1000;
  }

  /** The least of up to three tries' longest turns: one at or under the bound ends the tries. */
  async function leastOfThree(request: () => Promise<{ status: number }>, status: number): Promise<number> {
    const tries: number[] = [];
    while (tries.length < 3 && !tries.some((ms) => ms <= LONGEST_TURN_MS)) {
      tries.push(await longestTurn(request, status));
    }
    return Math.round(Math.min(...tries) * 10) / 10;
  }

  it(`holds the event loop at most ${LONGEST_TURN_MS} ms of CPU at a turn through a create, change and read of a type and a member holding it`, async () => {
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
    // Serialized beforehand; two, so that each PATCH changes the schedule.
    const schedules = [0, 10].map((short) => JSON.stringify({ date_overrides: largestOverrides(short) }));
    let patches = 0;
    const patch = (path: string) => () => send('PATCH', path, schedules[(patches += 1) % 2]);
    const created = JSON.stringify({ title: 'Created', duration: 30, date_overrides: largestOverrides(0) });
    const availability = `${TYPES}/${typeId}/availability?start_date=2031-01-06&end_date=2031-01-12`;

    // Not measured: the first large bodies after the start compile their code paths and grow the heap.
    for (const path of [`${TYPES}/${typeId}`, `${MEMBERS}/${memberId}`, `${TYPES}/${typeId}`]) {
      expect((await patch(path)()).status).toBe(200);
    }
    expect((await send('POST', TYPES, created)).status).toBe(201);
    const longest = {
      'POST type': await leastOfThree(() => send('POST', TYPES, created), 201),
      'PATCH type': await leastOfThree(patch(`${TYPES}/${typeId}`), 200),
      'PATCH member': await leastOfThree(patch(`${MEMBERS}/${memberId}`), 200),
      'GET type': await leastOfThree(() => send('GET', `${TYPES}/${typeId}`), 200),
      'GET member': await leastOfThree(() => send('GET', `${MEMBERS}/${memberId}`), 200),
      availability: await leastOfThree(() => send('GET', availability), 200),
    };
    expect(Object.entries(longest).filter(([, ms]) => ms > LONGEST_TURN_MS)).toEqual([]);
  }, 240_000);
});
