import { setTimeout as sleep } from 'node:timers/promises';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { DataSource, IsNull, Not } from 'typeorm';
import { AppointmentBookedEvent } from '../src/appointments/events/appointment-booked.event';
import { OutboxEventEntity } from '../src/outbox/outbox-event.entity';
import { OutboxRelay } from '../src/outbox/outbox-relay';
import { WebhookDeliveryEntity } from '../src/webhooks/webhook-delivery.entity';
import { buildSsaPayload, serializeSsaPayload, SsaEvent } from '../src/webhooks/payload/ssa-payload';
import { WebhookEntity } from '../src/webhooks/webhook.entity';
import { WebhooksService } from '../src/webhooks/webhooks.service';
import { bookAppointment, createType, createWebhook, eventually, freshDatabaseUrl } from './support/fixtures';
import { Receiver, verifyDelivery } from './support/receiver';
import { AUTH, startTestApp, TestApp, writesSettled } from './support/test-app';

const BOOKED = AppointmentBookedEvent.eventName;
/** Long enough that the periodic relay never runs on its own during a test. */
const NO_PERIODIC_RELAY = { OUTBOX_RELAY_INTERVAL_MS: '3600000' };

describe('outbox fan-out (e2e)', () => {
  let databaseUrl: string;
  let receiver: Receiver;
  const running = new Set<TestApp>();

  beforeAll(async () => {
    receiver = await Receiver.start();
  });

  afterAll(async () => {
    for (const t of running) await t.close();
    await receiver.close();
  });

  async function start(env: Record<string, string> = {}): Promise<TestApp> {
    const t = await startTestApp({ databaseUrl, env: { ...NO_PERIODIC_RELAY, ...env } });
    running.add(t);
    return t;
  }

  async function stop(t: TestApp): Promise<void> {
    running.delete(t);
    await t.close();
  }

  async function setUp(t: TestApp, path: string): Promise<{ typeId: number; secret: string }> {
    const type = await createType(t, { title: `Type ${path}` });
    const webhook = await createWebhook(t, { url: receiver.url(path), appointment_type_ids: [type.id] });
    return { typeId: type.id, secret: webhook.secret };
  }

  let hour = 0;
  async function book(t: TestApp, typeId: number, name = 'Ada'): Promise<number> {
    hour += 1;
    const start = new Date(Date.UTC(2031, 0, 6, 0) + hour * 3_600_000).toISOString();
    const booked = await bookAppointment(t, typeId, start, {
      customer_information: { Name: name, Email: `${name.toLowerCase()}@example.com` },
    });
    return booked.id;
  }

  const outbox = (t: TestApp) => t.app.get(DataSource).getRepository(OutboxEventEntity);
  const deliveries = (t: TestApp) => t.app.get(DataSource).getRepository(WebhookDeliveryEntity);

  it('fans out, at the next start, booked events that were committed but never fanned out', async () => {
    databaseUrl = await freshDatabaseUrl();
    const a = await start({ WEBHOOK_WORKER: 'false' });
    const { typeId, secret } = await setUp(a, '/restart');
    const ids = [await book(a, typeId, 'Ann'), await book(a, typeId, 'Bob'), await book(a, typeId, 'Cy')];
    await eventually(
      async () => expect(await outbox(a).countBy({ name: BOOKED, handled_at: Not(IsNull()) })).toBe(3),
      15_000,
    );
    // The state a crash between commit and fan-out leaves: committed events, unhandled, no delivery.
    await a.app.get(DataSource).query('DELETE FROM webhook_deliveries');
    await outbox(a).update({ name: BOOKED }, { handled_at: null });
    await stop(a);

    // On start the relay must wait for the emitter's listeners: emitting before them reaches nobody,
    // and marking the events handled then would lose their webhooks for good.
    const b = await start();
    const requests = await receiver.waitFor('/restart', 3, 15_000);
    const bodies = requests.map((request) => verifyDelivery(secret, request));
    expect(bodies.map((body) => Number(body.appointment.id)).sort((x, y) => x - y)).toEqual(ids);
    expect(bodies.every((body) => body.action === 'appointment_booked')).toBe(true);
    // The mark follows the listeners' commit (its own short transaction), so it may land just after a delivery.
    await eventually(
      async () => expect(await outbox(b).countBy({ name: BOOKED, handled_at: Not(IsNull()) })).toBe(3),
      15_000,
    );
    await stop(b);
  });

  it('keeps an event that reached no listener unhandled, logs it and counts it in /health', async () => {
    databaseUrl = await freshDatabaseUrl();
    const t = await start();
    const { typeId } = await setUp(t, '/unheard');
    // As if the webhooks module's listeners were not registered (the bug at start-up, or a module left out).
    t.app.get(EventEmitter2).removeAllListeners(BOOKED);
    const id = await book(t, typeId);
    const row = await eventually(async () => {
      const event = await outbox(t).findOneByOrFail({ name: BOOKED });
      expect(event.attempts).toBeGreaterThan(0);
      return event;
    }, 15_000);
    expect(row.handled_at).toBeNull();
    expect(row.last_error).toBe(`0 of the 1 listeners of ${BOOKED} are registered`);
    expect(row.next_attempt_at).toBeGreaterThan(Date.now());
    expect(await deliveries(t).countBy({ appointment_id: id })).toBe(0);
    const health = await t.http().get('/health').expect(200);
    expect(health.body.events).toEqual({ unhandled: 1, failing: 1, oldest_failing_id: row.id });
    await stop(t);
  });

  it('backs off a failing event: the relay leaves it alone until its next attempt is due', async () => {
    databaseUrl = await freshDatabaseUrl();
    const t = await start({ OUTBOX_RETRY_BASE_MS: '60000' });
    let failing = true;
    let calls = 0;
    t.app.get(EventEmitter2).on(BOOKED, () => {
      calls += 1;
      if (failing) throw new Error('listener down');
    });
    const { typeId } = await setUp(t, '/backoff');
    await book(t, typeId);
    const row = await eventually(async () => {
      const event = await outbox(t).findOneByOrFail({ name: BOOKED });
      expect(event.attempts).toBe(1);
      return event;
    }, 15_000);
    // 60 s ± 20%.
    expect(row.next_attempt_at! - Date.now()).toBeGreaterThan(40_000);
    // The dispatch that recorded the failure has finished (seen in the database before its caller heard).
    await writesSettled(t);
    const relay = t.app.get(OutboxRelay);
    expect(await relay.relayOnce({ includeRecent: true })).toBe(0);
    expect(calls).toBe(1);

    failing = false;
    await outbox(t).update({ id: row.id }, { next_attempt_at: Date.now() - 1 });
    expect(await relay.relayOnce({ includeRecent: true })).toBe(1);
    expect(calls).toBe(2);
    expect((await outbox(t).findOneByOrFail({ id: row.id })).handled_at).toEqual(expect.any(Number));
    await receiver.waitFor('/backoff', 1, 10_000);
    await stop(t);
  });

  it('relays a backlog larger than one batch in one pass, past a stream stuck behind a failing event', async () => {
    databaseUrl = await freshDatabaseUrl();
    const t = await start();
    const now = Date.now();
    const row = (stream_key: string | null, next_attempt_at: number | null, attempts = 0) => ({
      name: 'appointment_type.created',
      payload: '{}',
      occurred_at: now - 60_000,
      handled_at: null,
      claimed_until: null,
      attempts,
      last_error: null,
      stream_key,
      next_attempt_at,
    });
    // A stream whose first event fails and backs off for an hour, with 150 events waiting behind it…
    await outbox(t).insert(row('appointment:999', now + 3_600_000, 3));
    for (let i = 0; i < 150; i += 1) await outbox(t).insert(row('appointment:999', null));
    // …and 250 events of no stream after them.
    await outbox(t).insert(Array.from({ length: 250 }, () => row(null, null)));
    expect(await t.app.get(OutboxRelay).relayOnce({ includeRecent: true })).toBe(250);
    expect(await outbox(t).countBy({ handled_at: IsNull() })).toBe(151);
    await stop(t);
  });

  it("fans out an appointment's events strictly in order when an earlier event's fan-out failed", async () => {
    databaseUrl = await freshDatabaseUrl();
    const t = await start({ OUTBOX_RETRY_BASE_MS: '0', OUTBOX_RETRY_MAX_MS: '0' });
    let failBooked = true;
    t.app.get(EventEmitter2).on(BOOKED, () => {
      if (failBooked) throw new Error('fan-out failed');
    });
    const { typeId, secret } = await setUp(t, '/order');
    const id = await book(t, typeId);
    await eventually(
      async () => expect((await outbox(t).findOneByOrFail({ name: BOOKED })).attempts).toBeGreaterThan(0),
      15_000,
    );
    await t
      .http()
      .patch(`/api/v1/appointments/${id}`)
      .set(AUTH)
      .send({ customer_information: { Name: 'Ada Lovelace', Email: 'ada@example.com' } })
      .expect(200);
    await sleep(300);
    // The edit is committed but waits for the booking: nothing of it is fanned out yet.
    expect(await deliveries(t).countBy({ appointment_id: id, action: 'appointment_edited' })).toBe(0);
    const edited = await outbox(t).findOneByOrFail({ name: 'appointment.edited' });
    expect(edited.handled_at).toBeNull();
    expect(edited.stream_key).toBe(`appointment:${id}`);

    failBooked = false;
    await t.app.get(OutboxRelay).relayOnce({ includeRecent: true });
    const requests = await receiver.waitFor('/order', 2, 10_000);
    expect(requests.map((request) => verifyDelivery(secret, request).action)).toEqual([
      'appointment_booked',
      'appointment_edited',
    ]);
    await stop(t);
  });

  it("sends each webhook of a fan-out exactly serializeSsaPayload's bytes for its token, the body stored once", async () => {
    databaseUrl = await freshDatabaseUrl();
    const t = await start({ WEBHOOK_WORKER: 'true' });
    const type = await createType(t, { title: 'Type bytes' });
    const hooks = [];
    for (const n of [1, 2, 3]) hooks.push(await createWebhook(t, { url: receiver.url(`/bytes/${n}`) }));
    const booked = await bookAppointment(t, type.id, '2031-03-03T10:00:00.000Z', {
      customer_information: { Name: 'Zoë 😀 "quoted" \\ back', Email: 'zoe@example.com' },
    });
    const id = booked.id;
    for (const n of [1, 2, 3]) await receiver.waitFor(`/bytes/${n}`, 1, 15_000);

    const event = await outbox(t).findOneByOrFail({ name: BOOKED });
    const site = t.app.get(WebhooksService);
    const rows = await deliveries(t).find({ where: { appointment_id: id }, order: { webhook_id: 'ASC' } });
    expect(rows).toHaveLength(3);
    for (const [n, hook] of hooks.entries()) {
      const expected = serializeSsaPayload(
        buildSsaPayload('appointment_booked', JSON.parse(event.payload) as SsaEvent, site.site(hook.token)),
      );
      const [received] = receiver.received(`/bytes/${n + 1}`);
      expect(received.body).toBe(expected);
      expect(Number(received.headers['content-length'])).toBe(Buffer.byteLength(expected));
      verifyDelivery(hook.secret, received);
      const row = rows.find((delivery) => delivery.webhook_id === hook.id)!;
      // Stored once for the event, not per delivery; the API still shows each delivery's exact body.
      expect([row.shared_body, row.payload]).toEqual([true, '']);
      const shown = await t.http().get(`/api/v1/webhook-deliveries/${row.id}`).set(AUTH).expect(200);
      expect(shown.body.payload).toBe(expected);
    }
    const bodies: unknown[] = await t.app
      .get(DataSource)
      .query(`SELECT event_id FROM webhook_event_bodies WHERE event_id = ${event.id}`);
    expect(bodies).toHaveLength(1);
    await stop(t);
  });

  it('answers a booking without waiting for its fan-out to 10,000 webhooks, and fans out all of them', async () => {
    databaseUrl = await freshDatabaseUrl();
    const t = await start({ WEBHOOK_WORKER: 'false' });
    const { typeId } = await setUp(t, '/many');
    const now = Date.now();
    const many = Array.from({ length: 10_000 }, (_, n) => ({
      title: `Bulk ${n}`,
      url: receiver.url(`/bulk/${n}`),
      triggers: ['appointment_booked' as const],
      appointment_type_ids: [],
      enabled: true,
      disabled_reason: null,
      token: n.toString(16).padStart(24, '0'),
      secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
      previous_secret: null,
      previous_secret_expires_at: null,
      failing_since: null,
      date_created: now,
      date_modified: now,
    }));
    const webhooks = t.app.get(DataSource).getRepository(WebhookEntity);
    for (let i = 0; i < many.length; i += 500) await webhooks.insert(many.slice(i, i + 500));

    const started = Date.now();
    const id = await book(t, typeId);
    const answeredIn = Date.now() - started;
    // Fan-out of this event to 10,001 webhooks takes seconds; the booking must not wait for it.
    const fannedOutSoFar = await deliveries(t).countBy({ appointment_id: id });
    expect(fannedOutSoFar).toBeLessThan(10_001);

    // Meanwhile the service answers others: the fan-out yields between chunks.
    const healthTimes: number[] = [];
    while ((await deliveries(t).countBy({ appointment_id: id })) < 10_001) {
      const before = Date.now();
      await t.http().get('/health').expect(200);
      healthTimes.push(Date.now() - before);
      if (Date.now() - started > 60_000) throw new Error('fan-out did not finish within 60 s');
    }
    const event = await outbox(t).findOneByOrFail({ name: BOOKED });
    await eventually(
      async () => expect((await outbox(t).findOneByOrFail({ id: event.id })).handled_at).not.toBeNull(),
      15_000,
    );
    expect(Math.max(...healthTimes)).toBeLessThan(1000);
    expect(answeredIn).toBeLessThan(2000);
    await stop(t);
  });
});
