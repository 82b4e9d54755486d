import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { AnnouncedEnd1764190000033 } from '../src/database/migrations/1764190000033-announced-end';
import { createMember, createType, createWebhook, customer, EVERY_DAY } from './support/fixtures';
import { expectInvalid } from './support/expect-invalid';
import { Receiver, verifyDelivery } from './support/receiver';
import { freePort, killAll, run, Server, started, stopped } from './support/service-process';
import { ADMIN_KEY, AUTH, freshDatabaseUrl, startTestApp, TestApp } from './support/test-app';

describe('booking semantics (e2e)', () => {
  let t: TestApp;
  let receiver: Receiver;

  const http = () => t.http();
  const book = (body: object) => http().post('/api/v1/appointments').set(AUTH).send(body);

  /** Times GET /health, one request after another, `count` times or until `stop()` holds. */
  async function healthLatencies(until: number | (() => boolean)): Promise<number[]> {
    const latencies: number[] = [];
    const stop = typeof until === 'number' ? () => latencies.length >= until : until;
    while (!stop()) {
      const sent = performance.now();
      const health = await fetch(`${t.url}/health`);
      await health.arrayBuffer();
      latencies.push(performance.now() - sent);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    return latencies;
  }

  const availability = (typeId: number, from: string, to: string) =>
    http()
      .get(`/api/v1/appointment-types/${typeId}/availability?start_date=${from}&end_date=${to}`)
      .set(AUTH);

  beforeAll(async () => {
    t = await startTestApp({ databaseUrl: await freshDatabaseUrl() });
    receiver = await Receiver.start();
  });

  afterAll(async () => {
    await t.close();
    await receiver.close();
  });

  it('offers nothing and refuses bookings (422 slot_not_offered) for a type whose hosts are all inactive', async () => {
    const member = (await createMember(t, { status: 'inactive' })).id;
    const typeId = (await createType(t, { team_member_ids: [member] })).id;
    const slots = await availability(typeId, '2030-03-04', '2030-03-05').expect(200);
    expect(slots.body.slots).toEqual([]);

    const refused = await book({
      appointment_type_id: typeId,
      start_date: '2030-03-04T10:00:00Z',
      customer_information: customer(1),
    }).expect(422);
    expect(refused.body.code).toBe('slot_not_offered');

    const imported = await book({
      appointment_type_id: typeId,
      start_date: '2030-03-04T10:00:00Z',
      customer_information: customer(1),
      ignore_availability: true,
    }).expect(201);
    expect(imported.body.status).toBe('booked');

    // Once its host is active again the type offers its schedule, hosted by that member.
    await http().patch(`/api/v1/team-members/${member}`).set(AUTH).send({ status: 'active' }).expect(200);
    const hosted = await book({
      appointment_type_id: typeId,
      start_date: '2030-03-04T11:00:00Z',
      customer_information: customer(2),
    }).expect(201);
    expect(hosted.body.team_member_ids).toEqual([member]);
  });

  it('offers nothing for a draft type and refuses its bookings with 422 appointment_type_not_published', async () => {
    const typeId = (await createType(t, { status: 'draft' })).id;
    const slots = await availability(typeId, '2030-03-04', '2030-03-04').expect(200);
    expect(slots.body.slots).toEqual([]);

    const refused = await book({
      appointment_type_id: typeId,
      start_date: '2030-03-04T10:00:00Z',
      customer_information: customer(3),
    }).expect(422);
    expect(refused.body).toMatchObject({ statusCode: 422, code: 'appointment_type_not_published' });
    expect(refused.body.message).toMatch(/draft/);

    const imported = await book({
      appointment_type_id: typeId,
      start_date: '2030-03-04T10:00:00Z',
      customer_information: customer(3),
      ignore_availability: true,
    }).expect(201);
    // A reschedule is a booking of the new time: refused too, unless it ignores availability.
    const moved = await http()
      .patch(`/api/v1/appointments/${imported.body.id}`)
      .set(AUTH)
      .send({ start_date: '2030-03-04T12:00:00Z' })
      .expect(422);
    expect(moved.body.code).toBe('appointment_type_not_published');

    await http()
      .patch(`/api/v1/appointment-types/${typeId}`)
      .set(AUTH)
      .send({ status: 'publish' })
      .expect(200);
    expect((await availability(typeId, '2030-03-04', '2030-03-04').expect(200)).body.slots).toHaveLength(47);
  });

  it('refuses an appointment that would end in the year 10000 (its answer, .ics and payload could not print it)', async () => {
    const typeId = (await createType(t, { duration: 60, availability: EVERY_DAY })).id;
    const late = await book({
      appointment_type_id: typeId,
      start_date: '9999-12-31T23:30:00Z',
      customer_information: customer(),
      ignore_availability: true,
    });
    expectInvalid(late, 'start_date');
    expect(late.body.message).toContain('must end before the year 10000');
    // An hour that ends within 9999 is booked, and cannot be moved where it would not.
    const last = await book({
      appointment_type_id: typeId,
      start_date: '9999-12-31T22:00:00Z',
      customer_information: customer(),
      ignore_availability: true,
    }).expect(201);
    expect(last.body.end_date).toBe('9999-12-31T23:00:00.000Z');
    const moved = await http()
      .patch(`/api/v1/appointments/${last.body.id}`)
      .set(AUTH)
      .send({ start_date: '9999-12-31T23:00:00Z', ignore_availability: true });
    expectInvalid(moved, 'start_date');
    const kept = await http().get(`/api/v1/appointments/${last.body.id}`).set(AUTH).expect(200);
    expect(kept.body.start_date).toBe('9999-12-31T22:00:00.000Z');
    // Availability offers no start that would end in 10000, and booking it is 422 slot_not_offered.
    const slots = await availability(typeId, '9999-12-31', '9999-12-31').expect(200);
    expect(slots.body.slots.at(-1).start_date).toBe('9999-12-31T21:00:00.000Z');
    expect(slots.body.slots.every((slot: { end_date: string }) => slot.end_date.startsWith('9999-'))).toBe(
      true,
    );
    const offered = await book({
      appointment_type_id: typeId,
      start_date: '9999-12-31T23:00:00Z',
      customer_information: customer(),
    });
    expect([offered.status, offered.body.code]).toEqual([422, 'slot_not_offered']);
    // Still edited and canceled: a change that does not move it never asks where it ends.
    await http().post(`/api/v1/appointments/${last.body.id}/cancel`).set(AUTH).expect(200);
  });

  it('cancels with 200, takes no body fields, and refuses an unknown reason', async () => {
    const typeId = (await createType(t)).id;
    const booked = await book({
      appointment_type_id: typeId,
      start_date: '2030-03-05T10:00:00Z',
      customer_information: customer(4),
    }).expect(201);
    const cancel = () => http().post(`/api/v1/appointments/${booked.body.id}/cancel`).set(AUTH);

    const refused = await cancel().send({ reason: 'changed my mind' }).expect(400);
    expect(refused.body).toMatchObject({
      code: 'validation_failed',
      details: [{ field: 'reason', message: 'is not a known field' }],
    });
    expect((await http().get(`/api/v1/appointments/${booked.body.id}`).set(AUTH)).body.status).toBe('booked');

    const canceled = await cancel().expect(200);
    expect(canceled.body.status).toBe('canceled');
    await cancel().send({}).expect(200);

    const docs = await http().get('/docs-json').expect(200);
    const responses = docs.body.paths['/api/v1/appointments/{id}/cancel'].post.responses;
    expect(Object.keys(responses)).toContain('200');
    expect(Object.keys(responses)).not.toContain('201');
  });

  it('announces appointment_canceled to a receiver that heard appointment_booked, also through a pending status', async () => {
    const typeId = (await createType(t)).id;
    const { secret } = await createWebhook(t, {
      url: receiver.url('/lifecycle'),
      appointment_type_ids: [typeId],
    });
    const patch = (id: number, body: object) =>
      http().patch(`/api/v1/appointments/${id}`).set(AUTH).send(body).expect(200);

    // booked → pending_payment → canceled
    const first = await book({
      appointment_type_id: typeId,
      start_date: '2030-03-06T10:00:00Z',
      customer_information: customer(5),
    }).expect(201);
    await patch(first.body.id, { status: 'pending_payment' });
    await patch(first.body.id, { status: 'canceled' });

    // Never booked: pending_payment → canceled announces nothing.
    const never = await book({
      appointment_type_id: typeId,
      start_date: '2030-03-06T11:00:00Z',
      customer_information: customer(6),
      status: 'pending_payment',
    }).expect(201);
    await patch(never.body.id, { status: 'canceled' });

    // booked → pending_form → booked → canceled: booked twice (a move into booked), then the end.
    const second = await book({
      appointment_type_id: typeId,
      start_date: '2030-03-06T12:00:00Z',
      customer_information: customer(7),
    }).expect(201);
    await patch(second.body.id, { status: 'pending_form' });
    await patch(second.body.id, { status: 'booked' });
    await http().post(`/api/v1/appointments/${second.body.id}/cancel`).set(AUTH).expect(200);

    const requests = await receiver.waitFor('/lifecycle', 5);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const heard = receiver
      .received('/lifecycle')
      .map((request) => verifyDelivery(secret, request))
      .map((body) => [body.appointment.id, body.action, body.appointment.status]);
    expect(requests).toHaveLength(5);
    // Deliveries are ordered per appointment, not across appointments: on PostgreSQL the first
    // appointment's cancel has arrived after the second's booking (1 run in 4).
    const of = (id: number) => heard.filter(([appointment]) => appointment === String(id));
    expect(of(first.body.id)).toEqual([
      [String(first.body.id), 'appointment_booked', 'booked'],
      [String(first.body.id), 'appointment_canceled', 'canceled'],
    ]);
    expect(of(second.body.id)).toEqual([
      [String(second.body.id), 'appointment_booked', 'booked'],
      [String(second.body.id), 'appointment_booked', 'booked'],
      [String(second.body.id), 'appointment_canceled', 'canceled'],
    ]);
  });

  it('announces appointment_canceled once for a booked appointment that ends abandoned or canceled, again after a new booking', async () => {
    const typeId = (await createType(t)).id;
    const { secret } = await createWebhook(t, {
      url: receiver.url('/ends'),
      appointment_type_ids: [typeId],
    });
    const patch = (id: number, body: object) =>
      http().patch(`/api/v1/appointments/${id}`).set(AUTH).send(body).expect(200);
    const bookAt = async (hour: number) =>
      (
        await book({
          appointment_type_id: typeId,
          start_date: `2030-03-08T${hour}:00:00Z`,
          customer_information: customer(hour),
        }).expect(201)
      ).body.id as number;

    // booked → abandoned, then → canceled: the end once.
    const abandoned = await bookAt(10);
    await patch(abandoned, { status: 'abandoned' });
    await patch(abandoned, { status: 'canceled' });
    // booked → pending_payment → abandoned.
    const paused = await bookAt(11);
    await patch(paused, { status: 'pending_payment' });
    await patch(paused, { status: 'abandoned' });
    // booked → canceled → pending_payment → canceled, then → booked → canceled: each end once after its booking.
    const again = await bookAt(12);
    await patch(again, { status: 'canceled' });
    await patch(again, { status: 'pending_payment' });
    await patch(again, { status: 'canceled' });
    await patch(again, { status: 'booked' });
    await patch(again, { status: 'canceled' });

    await receiver.waitFor('/ends', 8);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const heard = receiver
      .received('/ends')
      .map((request) => verifyDelivery(secret, request))
      .map((body) => [body.appointment.id, body.action, body.appointment.status]);
    const of = (id: number) =>
      heard
        .filter(([appointment]) => appointment === String(id))
        .map(([, action, status]) => [action, status]);
    expect(of(abandoned)).toEqual([
      ['appointment_booked', 'booked'],
      ['appointment_canceled', 'abandoned'],
    ]);
    expect(of(paused)).toEqual([
      ['appointment_booked', 'booked'],
      ['appointment_canceled', 'abandoned'],
    ]);
    expect(of(again)).toEqual([
      ['appointment_booked', 'booked'],
      ['appointment_canceled', 'canceled'],
      ['appointment_booked', 'booked'],
      ['appointment_canceled', 'canceled'],
    ]);
    expect(heard).toHaveLength(8);
  });

  it('clears the flag of appointments whose end went out, and keeps it for abandoned ones still waiting for theirs (migration)', async () => {
    const typeId = (await createType(t)).id;
    const ids: number[] = [];
    for (const hour of [13, 14, 15]) {
      const created = await book({
        appointment_type_id: typeId,
        start_date: `2030-03-08T${hour}:00:00Z`,
        customer_information: customer(hour),
      }).expect(201);
      ids.push(created.body.id);
    }
    const db = t.app.get(DataSource);
    // As the code before it left them: canceled or abandoned, the flag still set.
    await db.query(
      `UPDATE appointments SET status = 'canceled', announced_booked = true WHERE id = ${ids[0]}`,
    );
    await db.query(
      `UPDATE appointments SET status = 'abandoned', announced_booked = true WHERE id = ${ids[1]}`,
    );
    // Canceled (its end announced), then abandoned: the code before left the flag set on the way.
    await http().patch(`/api/v1/appointments/${ids[2]}`).set(AUTH).send({ status: 'canceled' }).expect(200);
    await db.query(
      `UPDATE appointments SET status = 'abandoned', announced_booked = true WHERE id = ${ids[2]}`,
    );
    const runner = db.createQueryRunner();
    try {
      await new AnnouncedEnd1764190000033().up(runner);
    } finally {
      await runner.release();
    }
    const rows = await db.query<Array<{ id: number; announced_booked: boolean | number }>>(
      `SELECT id, announced_booked FROM appointments WHERE id IN (${ids.join(', ')}) ORDER BY id`,
    );
    expect(rows.map((row) => [Number(row.id), Boolean(row.announced_booked)])).toEqual([
      [ids[0], false],
      [ids[1], true],
      [ids[2], false],
    ]);
  });

  it('takes exactly 12 bookings at one start for a type with 4 hosts and capacity 3; the 13th is 409', async () => {
    const hosts: number[] = [];
    for (let n = 0; n < 4; n++) hosts.push((await createMember(t)).id);
    const typeId = (await createType(t, { team_member_ids: hosts, capacity: 3, duration: 60 })).id;
    const start = '2030-03-07T10:00:00Z';
    const offered = await availability(typeId, '2030-03-07', '2030-03-07').expect(200);
    expect(
      offered.body.slots.find((slot: any) => slot.start_date === '2030-03-07T10:00:00.000Z'),
    ).toMatchObject({
      seats_remaining: 12,
    });

    const hostOf: number[] = [];
    for (let n = 0; n < 12; n++) {
      const response = await book({
        appointment_type_id: typeId,
        start_date: start,
        customer_information: customer(100 + n),
      }).expect(201);
      hostOf.push(...response.body.team_member_ids);
    }
    expect(hosts.map((host) => hostOf.filter((id) => id === host).length)).toEqual([3, 3, 3, 3]);
    const thirteenth = await book({
      appointment_type_id: typeId,
      start_date: start,
      customer_information: customer(112),
    }).expect(409);
    expect(thirteenth.body.code).toBe('slot_unavailable');
  });

  it('bounds an availability request and keeps /health answering within 250 ms while the largest allowed one runs', async () => {
    const hosts: number[] = [];
    for (let n = 0; n < 100; n++) hosts.push((await createMember(t)).id);
    const typeId = (await createType(t, { team_member_ids: hosts, duration: 5, availability_increment: 1 }))
      .id;
    // Every host is busy somewhere in the range, so each one has a schedule to search.
    for (let n = 0; n < 100; n++) {
      await book({
        appointment_type_id: typeId,
        start_date: new Date(Date.parse('2030-04-01T00:00:00Z') + n * 97 * 60_000).toISOString(),
        customer_information: customer(1000 + n),
        team_member_ids: [hosts[n]],
      }).expect(201);
    }

    const tooLarge = await availability(typeId, '2030-04-01', '2030-06-01').expect(400);
    expect(tooLarge.body.code).toBe('availability_range_too_large');
    expect(tooLarge.body.details.map((detail: { field: string }) => detail.field)).toEqual([
      'start_date',
      'end_date',
    ]);

    // 6 days of 5-minute slots on a 1-minute grid: 8,616 candidate starts over 100 hosts; a 7th day would pass
    // the cap of 10,000.
    const url = `${t.url}/api/v1/appointment-types/${typeId}/availability?start_date=2030-04-01&end_date=2030-04-06`;
    // Warm: what is measured is the work of the request, not the first compilation of the code it runs.
    await availability(typeId, '2030-04-01', '2030-04-01').expect(200);
    await healthLatencies(3);
    // Health latency is measured on the same event loop that serves the request; the test itself does as
    // little as it can meanwhile (the large body is parsed only afterwards).
    const measure = async () => {
      let done = false;
      const largest = fetch(url, { headers: AUTH }).then(async (response) => {
        const body = await response.arrayBuffer();
        done = true;
        return { status: response.status, body };
      });
      const latencies = await healthLatencies(() => done);
      return { ...(await largest), latencies, worst: Math.max(...latencies) };
    };
    // A loaded machine may preempt any single round trip, so a run may be repeated (at most 3): a request
    // that holds the event loop (seconds, before slicing) fails every run.
    const runs = [await measure()];
    while (runs.length < 3 && runs[runs.length - 1].worst >= 250) runs.push(await measure());
    const best = runs.reduce((a, b) => (b.worst < a.worst ? b : a));
    expect(best.status).toBe(200);
    const slots = (JSON.parse(Buffer.from(best.body).toString('utf8')) as { slots: unknown[] }).slots;
    // Each appointment takes one of the 100 hosts: every start still has a free host.
    expect(slots).toHaveLength(6 * 1436);
    expect(best.latencies.length).toBeGreaterThan(1);
    expect(best.worst).toBeLessThan(250);
  }, 120_000);
});

describe('test sends and redeliveries on an instance without a worker (e2e)', () => {
  let databaseUrl: string;
  let receiver: Receiver;
  let httpOnly: TestApp;
  /** The worker instance runs in a process of its own: two apps in one process on one SQLite file would wait
   * on each other's write lock. */
  let worker: Server | undefined;
  let webhookId: number;
  let secret: string;
  const admin = (base: string) => ({
    post: (path: string) => request(base).post(path).set(AUTH),
    get: (path: string) => request(base).get(path).set(AUTH),
  });
  const startWorker = async (): Promise<Server> => {
    const server = run({
      DATABASE_URL: databaseUrl,
      DATA_DIR: mkdtempSync(join(tmpdir(), 'booking-worker-')),
      PORT: String(await freePort()),
      ADMIN_API_KEY: ADMIN_KEY,
      WEBHOOK_ALLOW_PRIVATE_URLS: 'true',
      WEBHOOK_WORKER: 'true',
      WEBHOOK_POLL_INTERVAL_MS: '100',
    });
    try {
      await started(server);
    } catch (error) {
      server.child.kill('SIGKILL');
      throw error;
    }
    return server;
  };
  const stopWorker = async () => {
    worker?.child.kill('SIGTERM');
    if (worker) await stopped(worker);
    worker = undefined;
  };
  const delivery = async (id: number) =>
    (await admin(httpOnly.url).get(`/api/v1/webhook-deliveries/${id}`).expect(200)).body;
  const quiet = () => new Promise((resolve) => setTimeout(resolve, 500));

  beforeAll(async () => {
    databaseUrl = await freshDatabaseUrl();
    receiver = await Receiver.start();
    httpOnly = await startTestApp({ databaseUrl, env: { WEBHOOK_WORKER: 'false' } });
    ({ id: webhookId, secret } = await createWebhook(httpOnly, { url: receiver.url('/instances') }));
  });

  afterAll(async () => {
    await stopWorker().finally(killAll);
    await httpOnly.close();
    await receiver.close();
  });

  it('queues a test send (202, pending) that only a worker instance sends, once', async () => {
    receiver.on('/instances', [500]);
    const queued = await admin(httpOnly.url).post(`/api/v1/webhooks/${webhookId}/test`).send({}).expect(202);
    expect(queued.body).toMatchObject({
      webhook_id: webhookId,
      event_id: null,
      action: 'appointment_booked',
      status: 'pending',
      attempt_count: 0,
    });
    await quiet();
    expect(receiver.received('/instances')).toHaveLength(0);

    worker = await startWorker();
    const [request] = await receiver.waitFor('/instances', 1);
    expect(request.headers['webhook-id']).toBe(`msg_${queued.body.id}`);
    expect(verifyDelivery(secret, request).action).toBe('appointment_booked');
    // A test send is tried once: the 500 leaves it failed, not waiting for a retry.
    await quiet();
    expect(await delivery(queued.body.id)).toMatchObject({ status: 'failed', attempt_count: 1 });
    expect(receiver.received('/instances')).toHaveLength(1);
    await stopWorker();
  }, 60_000);

  it('queues a redelivery (202) that a worker instance sends with the same webhook-id; a worker instance sends itself (200)', async () => {
    receiver.on('/instances', [200, 500]);
    const sent = await admin(httpOnly.url).post(`/api/v1/webhooks/${webhookId}/test`).expect(202);
    worker = await startWorker();
    await receiver.waitFor('/instances', 2);
    await quiet();
    expect(await delivery(sent.body.id)).toMatchObject({ status: 'delivered', attempt_count: 1 });
    await stopWorker();

    const queued = await admin(httpOnly.url)
      .post(`/api/v1/webhook-deliveries/${sent.body.id}/redeliver`)
      .expect(202);
    expect(queued.body).toMatchObject({ id: sent.body.id, status: 'pending', attempt_count: 1 });
    await quiet();
    expect(receiver.received('/instances')).toHaveLength(2);

    worker = await startWorker();
    const requests = await receiver.waitFor('/instances', 3);
    expect(requests[2].headers['webhook-id']).toBe(`msg_${sent.body.id}`);
    await quiet();
    // The redelivery failed (500) after an earlier success: it stays delivered, and is not retried.
    expect(await delivery(sent.body.id)).toMatchObject({ status: 'delivered', attempt_count: 2 });
    expect(receiver.received('/instances')).toHaveLength(3);

    const direct = await admin(worker.url)
      .post(`/api/v1/webhook-deliveries/${sent.body.id}/redeliver`)
      .expect(200);
    expect(direct.body).toMatchObject({ delivery_id: sent.body.id, attempt_number: 3, status_code: 200 });
    const test = await admin(worker.url).post(`/api/v1/webhooks/${webhookId}/test`).expect(200);
    expect(test.body).toMatchObject({ attempt_number: 1, status_code: 200 });
  }, 60_000);
});
