import { Logger } from '@nestjs/common';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { DataSource } from 'typeorm';
import { AppointmentBookedEvent } from '../src/appointments/events/appointment-booked.event';
import { AppointmentCanceledEvent } from '../src/appointments/events/appointment-canceled.event';
import { AppointmentEditedEvent } from '../src/appointments/events/appointment-edited.event';
import { AppointmentRescheduledEvent } from '../src/appointments/events/appointment-rescheduled.event';
import type { AppointmentSnapshot } from '../src/appointments/events/appointment-snapshot';
import type { DomainEvent } from '../src/common/events/domain-event';
import { OutboxRelay } from '../src/outbox/outbox-relay';
import { Transactions } from '../src/database/transactions';
import { sampleAppointmentSnapshot } from '../src/webhooks/payload/ssa-payload';
import { createType, createWebhook, CreatedWebhook, eventually, freshDatabaseUrl } from './support/fixtures';
import { Receiver, verifyDelivery } from './support/receiver';
import { AUTH, onPostgres, startTestApp, TestApp } from './support/test-app';

const WEBHOOKS = '/api/v1/webhooks';
const DELIVERIES = '/api/v1/webhook-deliveries';

function snapshot(overrides: Partial<AppointmentSnapshot> = {}): AppointmentSnapshot {
  return { ...sampleAppointmentSnapshot(), ...overrides };
}

describe('webhooks (e2e)', () => {
  let t: TestApp;
  let receiver: Receiver;
  let created: number[] = [];
  let nextAppointmentId = 1000;

  beforeAll(async () => {
    receiver = await Receiver.start();
    t = await startTestApp({
      databaseUrl: await freshDatabaseUrl(),
      env: { WEBHOOK_RETRY_SCHEDULE: '0.2,0.2,0.2', WEBHOOK_TIMEOUT_MS: '300' },
    });
  });

  afterAll(async () => {
    await t.close();
    await receiver.close();
  });

  // Every test's webhooks go, so that later events reach only the webhooks of the test that publishes them.
  afterEach(async () => {
    for (const id of created) await t.http().delete(`${WEBHOOKS}/${id}`).set(AUTH);
    created = [];
  });

  /** A webhook that this test's afterEach deletes. */
  async function webhookOfThisTest(body: { url: string } & Record<string, unknown>): Promise<CreatedWebhook> {
    const webhook = await createWebhook(t, body);
    created.push(webhook.id);
    return webhook;
  }

  /** The webhook, once it reads as disabled. */
  const disabledWebhook = (id: number) =>
    eventually(async () => {
      const { body } = await t.http().get(`${WEBHOOKS}/${id}`).set(AUTH);
      expect(body.enabled).toBe(false);
      return body as { disabled_reason: string | null };
    }, 5000);

  const publish = (...events: DomainEvent[]) =>
    t.app.get(Transactions).run(async (tx) => {
      for (const event of events) await tx.publish(event);
    });

  const booked = (appointment = snapshot({ id: nextAppointmentId++ })) =>
    new AppointmentBookedEvent({ appointment });

  async function deliveries(webhookId: number, query = ''): Promise<any[]> {
    const response = await t.http().get(`${WEBHOOKS}/${webhookId}/deliveries${query}`).set(AUTH).expect(200);
    return response.body.data;
  }

  async function delivery(id: number): Promise<any> {
    return (await t.http().get(`${DELIVERIES}/${id}`).set(AUTH).expect(200)).body;
  }

  describe('management', () => {
    it('creates a webhook with defaults and shows its secret only on create', async () => {
      const response = await t
        .http()
        .post(WEBHOOKS)
        .set(AUTH)
        .send({ url: receiver.url('/crud') })
        .expect(201);
      created.push(response.body.id);
      const webhook = response.body;
      expect(webhook).toMatchObject({
        title: new URL(receiver.base).host,
        url: receiver.url('/crud'),
        triggers: [
          'appointment_booked',
          'appointment_edited',
          'appointment_rescheduled',
          'appointment_canceled',
        ],
        appointment_type_ids: [],
        enabled: true,
        disabled_reason: null,
        previous_secret_expires_at: null,
      });
      expect(webhook.token).toMatch(/^[0-9a-f]{24}$/);
      expect(webhook.secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
      expect(Buffer.from(webhook.secret.slice(6), 'base64').length).toBeGreaterThanOrEqual(24);

      const fetched = await t.http().get(`${WEBHOOKS}/${webhook.id}`).set(AUTH).expect(200);
      const list = await t.http().get(WEBHOOKS).set(AUTH).expect(200);
      const patched = await t
        .http()
        .patch(`${WEBHOOKS}/${webhook.id}`)
        .set(AUTH)
        .send({ title: 'CRM' })
        .expect(200);
      for (const body of [fetched.body, list.body, patched.body]) {
        expect(JSON.stringify(body)).not.toContain(webhook.secret);
        expect(JSON.stringify(body)).not.toContain('"secret"');
      }
      const { secret: _secret, ...withoutSecret } = webhook;
      expect(fetched.body).toEqual(withoutSecret);
      expect(list.body.data).toEqual([withoutSecret]);
      expect(patched.body.title).toBe('CRM');
    });

    it('changes only the fields given and refuses invalid ones', async () => {
      const webhook = await webhookOfThisTest({ url: receiver.url('/crud'), title: 'A' });
      const type = await createType(t);
      const patched = await t
        .http()
        .patch(`${WEBHOOKS}/${webhook.id}`)
        .set(AUTH)
        .send({ triggers: ['appointment_canceled'], appointment_type_ids: [type.id], enabled: false })
        .expect(200);
      expect(patched.body).toMatchObject({
        title: 'A',
        triggers: ['appointment_canceled'],
        appointment_type_ids: [type.id],
        enabled: false,
      });
      // A blank title, as on create, is the URL's host.
      const blank = await t
        .http()
        .patch(`${WEBHOOKS}/${webhook.id}`)
        .set(AUTH)
        .send({ title: '   ' })
        .expect(200);
      expect(blank.body.title).toBe(new URL(receiver.url('/crud')).host);

      const invalid = [
        [{ url: receiver.url(), triggers: ['appointment_deleted'] }, 'triggers'],
        [{ url: receiver.url(), triggers: [] }, 'triggers'],
        [{ url: 'not a url' }, 'url'],
        [{ url: receiver.url(), appointment_type_ids: [0] }, 'appointment_type_ids'],
        [{ url: receiver.url(), secret: 'whsec_mine' }, 'secret'],
      ] as const;
      for (const [body, field] of invalid) {
        const response = await t.http().post(WEBHOOKS).set(AUTH).send(body).expect(400);
        expect(response.body.code).toBe('validation_failed');
        expect(response.body.details.map((d: { field: string }) => d.field)).toContain(field);
      }
      // Credentials that cannot go out as Basic authentication: every delivery would fail ("URI malformed"),
      // or the receiver would split a user name holding ':' in the wrong place.
      const { port } = new URL(receiver.url());
      for (const url of [`http://u%FF:p@127.0.0.1:${port}/i`, `http://us%3Aer:p@127.0.0.1:${port}/i`]) {
        const created = await t.http().post(WEBHOOKS).set(AUTH).send({ url });
        const updated = await t.http().patch(`${WEBHOOKS}/${webhook.id}`).set(AUTH).send({ url });
        for (const response of [created, updated]) {
          expect([url, response.status, response.body.code]).toEqual([url, 400, 'validation_failed']);
          expect(response.body.details).toEqual([expect.objectContaining({ field: 'url' })]);
        }
      }
      const ftp = await t.http().post(WEBHOOKS).set(AUTH).send({ url: 'ftp://example.com/x' }).expect(400);
      expect(ftp.body).toMatchObject({ code: 'webhook_url_not_allowed', details: [{ field: 'url' }] });
      const portZero = await t
        .http()
        .post(WEBHOOKS)
        .set(AUTH)
        .send({ url: 'http://127.0.0.1:0/x' })
        .expect(400);
      expect(portZero.body).toMatchObject({ code: 'webhook_url_not_allowed', details: [{ field: 'url' }] });
    });

    it('deletes a webhook with its deliveries', async () => {
      const webhook = await webhookOfThisTest({ url: receiver.url('/delete') });
      await publish(booked());
      await receiver.waitFor('/delete', 1);
      const [first] = await eventually(async () => {
        const rows = await deliveries(webhook.id);
        expect(rows[0]?.status).toBe('delivered');
        return rows;
      }, 5000);
      await t.http().delete(`${WEBHOOKS}/${webhook.id}`).set(AUTH).expect(204);
      await t.http().get(`${WEBHOOKS}/${webhook.id}`).set(AUTH).expect(404);
      await t.http().get(`${DELIVERIES}/${first.id}`).set(AUTH).expect(404);
      created = [];
    });
  });

  describe('delivery', () => {
    it('delivers a booking within a second, signed so that standardwebhooks verifies it', async () => {
      const webhook = await webhookOfThisTest({ url: receiver.url('/booked') });
      const appointment = snapshot({ id: nextAppointmentId++ });
      const publishedAt = Date.now();
      await publish(new AppointmentBookedEvent({ appointment }));
      const [request] = await receiver.waitFor('/booked', 1, 1000);
      expect(request.at - publishedAt).toBeLessThan(1000);

      expect(verifyDelivery(webhook.secret, request)).toMatchObject({ action: 'appointment_booked' });
      expect(request.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(request.headers['user-agent']).toMatch(/^booking-webhooks\/\d+\.\d+\.\d+/);
      expect(Math.abs(Number(request.headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(5);
      expect(request.json).toMatchObject({
        action: 'appointment_booked',
        action_noun: 'appointment',
        action_verb: 'booked',
        signature: {
          token: webhook.token,
          site_name: 'Test Site',
          site_url: 'https://booking.example.com',
          home_url: 'https://booking.example.com',
          network_site_url: 'https://booking.example.com',
        },
        appointment: {
          id: String(appointment.id),
          appointment_type_id: '36',
          start_date: '2018-09-20 16:15:00',
        },
      });

      const [row] = await eventually(async () => {
        const rows = await deliveries(webhook.id);
        expect(rows[0]?.status).toBe('delivered');
        return rows;
      }, 5000);
      expect(request.headers['webhook-id']).toBe(`msg_${row.id}`);
      expect(row).toMatchObject({
        webhook_id: webhook.id,
        action: 'appointment_booked',
        appointment_id: appointment.id,
        attempt_count: 1,
        last_status_code: 200,
        next_attempt_at: null,
        payload: request.body,
      });
      expect(typeof row.event_id).toBe('number');
      const detail = await delivery(row.id);
      expect(detail.attempts).toEqual([
        expect.objectContaining({ attempt_number: 1, status_code: 200, error: null, response_body: 'ok' }),
      ]);
    });

    it('adds nothing when the outbox relay emits an event again', async () => {
      const webhook = await webhookOfThisTest({ url: receiver.url('/replayed') });
      await publish(booked());
      await receiver.waitFor('/replayed', 1);
      await eventually(async () => {
        const rows = await deliveries(webhook.id);
        expect(rows[0]?.status).toBe('delivered');
        return rows;
      }, 5000);
      await t.app
        .get(DataSource)
        .query('UPDATE outbox_events SET handled_at = NULL WHERE id = (SELECT MAX(id) FROM outbox_events)');
      expect(await t.app.get(OutboxRelay).relayOnce({ includeRecent: true })).toBe(1);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(await deliveries(webhook.id)).toHaveLength(1);
      expect(receiver.received('/replayed')).toHaveLength(1);
    });

    it('sends data_before on edits and the old start on reschedules', async () => {
      await webhookOfThisTest({ url: receiver.url('/actions') });
      const id = nextAppointmentId++;
      await publish(
        new AppointmentEditedEvent({
          appointment: snapshot({ id, customer_information: { Name: 'New Name', Email: 'n@example.com' } }),
          data_before: { customer_information: { Name: 'Old Name', Email: 'n@example.com' } },
        }),
        new AppointmentRescheduledEvent({
          appointment: snapshot({
            id,
            start_date: '2030-01-07T15:00:00.000Z',
            end_date: '2030-01-07T17:00:00.000Z',
          }),
          rescheduled_from_start_date: '2030-01-07T14:00:00.000Z',
        }),
        new AppointmentCanceledEvent({ appointment: snapshot({ id, status: 'canceled' }) }),
      );
      const requests = await receiver.waitFor('/actions', 3);
      expect(requests.map((r) => r.json.action)).toEqual([
        'appointment_edited',
        'appointment_rescheduled',
        'appointment_canceled',
      ]);
      const [edited, rescheduled, canceled] = requests.map((r) => r.json);
      expect(edited.data_before).toEqual({
        customer_information: { Name: 'Old Name', Email: 'n@example.com' },
      });
      expect(edited.appointment.customer_information.Name).toBe('New Name');
      expect(rescheduled.rescheduled_from_start_date).toBe('2030-01-07 14:00:00');
      expect(rescheduled.appointment.start_date).toBe('2030-01-07 15:00:00');
      expect(rescheduled.data_before).toBeUndefined();
      expect(canceled).toMatchObject({ action_verb: 'canceled', appointment: { status: 'canceled' } });
      expect(canceled.data_before).toBeUndefined();
      expect(canceled.rescheduled_from_start_date).toBeUndefined();
    });

    it('refuses appointment types that do not exist, except those a webhook holds already', async () => {
      const [kept, deleted] = [await createType(t), await createType(t)];
      const unknown = deleted.id + 1000;
      const refused = await t
        .http()
        .post(WEBHOOKS)
        .set(AUTH)
        .send({ url: receiver.url('/types'), appointment_type_ids: [kept.id, unknown, unknown + 1] })
        .expect(400);
      expect(refused.body).toMatchObject({
        code: 'validation_failed',
        details: [
          {
            field: 'appointment_type_ids',
            message: `unknown appointment type id(s): ${unknown}, ${unknown + 1}`,
          },
        ],
      });
      const webhook = await webhookOfThisTest({
        url: receiver.url('/types'),
        appointment_type_ids: [kept.id, deleted.id],
      });
      await t.http().delete(`/api/v1/appointment-types/${deleted.id}`).set(AUTH).expect(204);
      // Sent back as it was read (a deleted type among them), the list is kept; a type added must exist.
      const patch = (ids: number[]) =>
        t.http().patch(`${WEBHOOKS}/${webhook.id}`).set(AUTH).send({ title: 'B', appointment_type_ids: ids });
      expect((await patch([kept.id, deleted.id]).expect(200)).body.appointment_type_ids).toEqual([
        kept.id,
        deleted.id,
      ]);
      const added = await patch([kept.id, deleted.id, unknown]).expect(400);
      expect(added.body.details).toEqual([
        { field: 'appointment_type_ids', message: `unknown appointment type id(s): ${unknown}` },
      ]);
      const { body } = await t.http().get(`${WEBHOOKS}/${webhook.id}`).set(AUTH).expect(200);
      expect(body).toMatchObject({ title: 'B', appointment_type_ids: [kept.id, deleted.id] });
    });

    it('sends only the triggers and appointment types a webhook asks for', async () => {
      const [five, six] = [await createType(t), await createType(t)];
      await webhookOfThisTest({ url: receiver.url('/canceled-only'), triggers: ['appointment_canceled'] });
      await webhookOfThisTest({ url: receiver.url('/type-5'), appointment_type_ids: [five.id] });
      await webhookOfThisTest({ url: receiver.url('/disabled'), enabled: false });
      const ofType5 = snapshot({ id: nextAppointmentId++, appointment_type_id: five.id });
      const ofType6 = snapshot({ id: nextAppointmentId++, appointment_type_id: six.id });
      await publish(
        new AppointmentBookedEvent({ appointment: ofType5 }),
        new AppointmentBookedEvent({ appointment: ofType6 }),
        new AppointmentCanceledEvent({ appointment: { ...ofType6, status: 'canceled' } }),
      );
      const canceled = await receiver.waitFor('/canceled-only', 1);
      const type5 = await receiver.waitFor('/type-5', 1);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(canceled.map((r) => [r.json.action, r.json.appointment.id])).toEqual([
        ['appointment_canceled', String(ofType6.id)],
      ]);
      expect(type5.map((r) => [r.json.action, r.json.appointment.id])).toEqual([
        ['appointment_booked', String(ofType5.id)],
      ]);
      expect(receiver.received('/disabled')).toEqual([]);
    });

    it('retries a failing receiver and logs every attempt: 500, 500, 200 is delivered on the third', async () => {
      receiver.on('/flaky', [{ status: 500, body: 'boom' }, 500, 200]);
      const webhook = await webhookOfThisTest({ url: receiver.url('/flaky') });
      await publish(booked());
      const requests = await receiver.waitFor('/flaky', 3);
      expect(new Set(requests.map((r) => r.headers['webhook-id'])).size).toBe(1);
      expect(new Set(requests.map((r) => r.body)).size).toBe(1);
      expect(requests[1].at - requests[0].at).toBeGreaterThanOrEqual(150);

      const [row] = await eventually(async () => {
        const rows = await deliveries(webhook.id);
        expect(rows[0]?.status).toBe('delivered');
        return rows;
      }, 5000);
      expect(row).toMatchObject({ attempt_count: 3, last_status_code: 200, last_error: null });
      const detail = await delivery(row.id);
      expect(detail.attempts.map((a: any) => [a.attempt_number, a.status_code])).toEqual([
        [1, 500],
        [2, 500],
        [3, 200],
      ]);
      expect(detail.attempts[0].response_body).toBe('boom');
      const fetched = await t.http().get(`${WEBHOOKS}/${webhook.id}`).set(AUTH).expect(200);
      expect(fetched.body.failing_since).toBeNull();
    });

    it('gives up after the last scheduled attempt', async () => {
      receiver.on('/down', () => ({ status: 503 }));
      const webhook = await webhookOfThisTest({ url: receiver.url('/down') });
      await publish(booked());
      await receiver.waitFor('/down', 4);
      const [row] = await eventually(async () => {
        const rows = await deliveries(webhook.id);
        expect(rows[0]?.status).toBe('failed');
        return rows;
      }, 5000);
      expect(row).toMatchObject({ attempt_count: 4, last_status_code: 503, last_error: 'HTTP 503' });
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect(receiver.received('/down')).toHaveLength(4);
      const fetched = await t.http().get(`${WEBHOOKS}/${webhook.id}`).set(AUTH).expect(200);
      expect(fetched.body.failing_since).not.toBeNull();
    });

    it('disables the webhook on 410 Gone from a test send too', async () => {
      receiver.on('/gone-on-test', [410]);
      const webhook = await webhookOfThisTest({ url: receiver.url('/gone-on-test') });
      await t.http().post(`${WEBHOOKS}/${webhook.id}/test`).set(AUTH).send({});
      const disabled = await disabledWebhook(webhook.id);
      expect(disabled.disabled_reason).toMatch(/410/);
    });

    it('disables the webhook at once on 410 Gone, says so in the log, and enabling it again clears the reason', async () => {
      receiver.on('/gone', [410]);
      const webhook = await webhookOfThisTest({ url: receiver.url('/gone') });
      const warnings = jest.spyOn(Logger.prototype, 'warn');
      try {
        await publish(booked());
        await receiver.waitFor('/gone', 1);
        const disabled = await disabledWebhook(webhook.id);
        expect(disabled.disabled_reason).toMatch(/410/);
        expect(warnings).toHaveBeenCalledWith({
          msg: 'webhook disabled',
          webhook_id: webhook.id,
          reason: disabled.disabled_reason,
        });
      } finally {
        warnings.mockRestore();
      }
      const [row] = await deliveries(webhook.id);
      expect(row).toMatchObject({ status: 'failed', attempt_count: 1, last_status_code: 410 });

      await publish(booked());
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(receiver.received('/gone')).toHaveLength(1);
      const enabled = await t
        .http()
        .patch(`${WEBHOOKS}/${webhook.id}`)
        .set(AUTH)
        .send({ enabled: true })
        .expect(200);
      expect(enabled.body).toMatchObject({ enabled: true, disabled_reason: null });
    });

    it('treats a redirect as a failure and does not follow it', async () => {
      receiver.on('/moved', () => ({ status: 302, headers: { location: receiver.url('/elsewhere') } }));
      const webhook = await webhookOfThisTest({ url: receiver.url('/moved') });
      await publish(booked());
      await receiver.waitFor('/moved', 2);
      const [row] = await deliveries(webhook.id);
      expect(row).toMatchObject({ status: 'pending', last_status_code: 302 });
      expect(row.last_error).toMatch(/redirect/);
      expect(receiver.received('/elsewhere')).toEqual([]);
    });

    /** The webhook's first delivery once it has had an attempt, and that attempt. */
    const firstAttempt = async (webhookId: number) => {
      const [row] = await eventually(async () => {
        const rows = await deliveries(webhookId);
        expect(rows[0]?.attempt_count).toBeGreaterThanOrEqual(1);
        return rows;
      }, 5000);
      const [attempt] = (await delivery(row.id)).attempts;
      return { row, attempt };
    };

    it('times out a slow receiver', async () => {
      receiver.on('/slow', () => ({ status: 200, delayMs: 1000 }));
      const webhook = await webhookOfThisTest({ url: receiver.url('/slow') });
      await publish(booked());
      await receiver.waitFor('/slow', 1);
      const { row, attempt } = await firstAttempt(webhook.id);
      expect(attempt.status_code).toBeNull();
      expect(attempt.error).toMatch(/timeout/);
      expect(attempt.duration_ms).toBeGreaterThanOrEqual(250);
      expect(attempt.duration_ms).toBeLessThan(900);
      expect(row.status).not.toBe('delivered');
    });

    it('times out a receiver that answers at once and then trickles its body', async () => {
      // Headers at once, then a byte every 50 ms for 2 s: the socket is never idle for the timeout, so only
      // the attempt's own deadline ends it.
      const trickler = http.createServer((_request, response) => {
        response.writeHead(200, { 'content-type': 'text/plain' });
        let sent = 0;
        const tick = setInterval(() => {
          if (++sent > 40 || response.destroyed) {
            clearInterval(tick);
            response.end();
          } else response.write('x');
        }, 50);
      });
      await withReceiver(trickler, async (url) => {
        const webhook = await webhookOfThisTest({ url: `${url}/trickle` });
        await publish(booked());
        const { row, attempt } = await firstAttempt(webhook.id);
        expect(attempt.status_code).toBeNull();
        expect(attempt.error).toMatch(/timeout/);
        expect(attempt.duration_ms).toBeLessThan(1500);
        expect(row.status).not.toBe('delivered');
      });
    });

    it('records an answer cut mid-body as a failed attempt, not as a success or a timeout', async () => {
      // A 200 promising 100 bytes, 10 of them sent, then the connection cut: the delivery is not done.
      const cutter = http.createServer((_request, response) => {
        response.writeHead(200, { 'content-type': 'text/plain', 'content-length': '100' });
        response.write('0123456789', () => setTimeout(() => response.socket?.destroy(), 20));
      });
      await withReceiver(cutter, async (url) => {
        const webhook = await webhookOfThisTest({ url: `${url}/cut` });
        await publish(booked());
        const { row, attempt } = await firstAttempt(webhook.id);
        expect(attempt.status_code).toBeNull();
        expect(attempt.error).toMatch(/aborted|ECONNRESET|Premature close|other side closed/);
        expect(attempt.error).not.toMatch(/timeout/);
        expect(row.status).not.toBe('delivered');
      });
    });

    it("holds an appointment's later events until its earlier delivery is done, without holding others", async () => {
      const first = snapshot({ id: nextAppointmentId++ });
      const other = snapshot({ id: nextAppointmentId++ });
      let failures = 2;
      receiver.on('/ordered', (request) =>
        request.json.appointment.id === String(first.id) &&
        request.json.action === 'appointment_booked' &&
        failures-- > 0
          ? { status: 500 }
          : { status: 200 },
      );
      await webhookOfThisTest({ url: receiver.url('/ordered') });
      await publish(new AppointmentBookedEvent({ appointment: first }));
      await publish(
        new AppointmentEditedEvent({ appointment: first, data_before: { customer_timezone: 'UTC' } }),
        new AppointmentCanceledEvent({ appointment: { ...first, status: 'canceled' } }),
        new AppointmentBookedEvent({ appointment: other }),
      );
      const requests = await receiver.waitFor('/ordered', 6);
      const ofFirst = requests.filter((r) => r.json.appointment.id === String(first.id));
      expect(ofFirst.map((r) => [r.json.action, r.status])).toEqual([
        ['appointment_booked', 500],
        ['appointment_booked', 500],
        ['appointment_booked', 200],
        ['appointment_edited', 200],
        ['appointment_canceled', 200],
      ]);
      const otherAt = requests.findIndex((r) => r.json.appointment.id === String(other.id));
      expect(otherAt).toBeLessThan(2);
    });

    it('redelivers with the same webhook-id and body', async () => {
      const webhook = await webhookOfThisTest({ url: receiver.url('/again') });
      await publish(booked());
      await receiver.waitFor('/again', 1);
      const [row] = await eventually(async () => {
        const rows = await deliveries(webhook.id);
        expect(rows[0]?.status).toBe('delivered');
        return rows;
      }, 5000);
      const unknown = await t
        .http()
        .post(`${DELIVERIES}/${row.id}/redeliver`)
        .set(AUTH)
        .send({ x: 1 })
        .expect(400);
      expect(unknown.body).toMatchObject({
        code: 'validation_failed',
        details: [{ field: 'x', message: 'is not a known field' }],
      });
      const redelivered = await t.http().post(`${DELIVERIES}/${row.id}/redeliver`).set(AUTH).expect(200);
      expect(redelivered.body).toMatchObject({ delivery_id: row.id, attempt_number: 2, status_code: 200 });
      const [firstRequest, secondRequest] = await receiver.waitFor('/again', 2);
      expect(secondRequest.headers['webhook-id']).toBe(firstRequest.headers['webhook-id']);
      expect(secondRequest.body).toBe(firstRequest.body);
      expect(verifyDelivery(webhook.secret, secondRequest)).toBeTruthy();
      const detail = await delivery(row.id);
      expect(detail).toMatchObject({ status: 'delivered', attempt_count: 2 });
      expect(detail.attempts).toHaveLength(2);

      receiver.on('/again', [500]);
      const failed = await t.http().post(`${DELIVERIES}/${row.id}/redeliver`).set(AUTH).expect(200);
      expect(failed.body).toMatchObject({ attempt_number: 3, status_code: 500 });
      expect(await delivery(row.id)).toMatchObject({ status: 'delivered', attempt_count: 3 });

      await t.http().post(`${DELIVERIES}/999999/redeliver`).set(AUTH).expect(404);
      await t.http().patch(`${WEBHOOKS}/${webhook.id}`).set(AUTH).send({ enabled: false }).expect(200);
      const refused = await t.http().post(`${DELIVERIES}/${row.id}/redeliver`).set(AUTH).expect(409);
      expect(refused.body.code).toBe('webhook_disabled');
    });

    it('refuses to redeliver a pending event ahead of an earlier one of its appointment still pending', async () => {
      const appointment = snapshot({ id: nextAppointmentId++ });
      // The booking's attempts fail, each after 250 ms: it stays pending for four attempts, about 2 s.
      receiver.on('/behind', (request) =>
        request.json.action === 'appointment_booked' ? { status: 500, delayMs: 250 } : { status: 200 },
      );
      const webhook = await webhookOfThisTest({ url: receiver.url('/behind') });
      await publish(
        new AppointmentBookedEvent({ appointment }),
        new AppointmentCanceledEvent({ appointment: { ...appointment, status: 'canceled' } }),
      );
      await receiver.waitFor('/behind', 1);
      const rows = await eventually(async () => {
        const both = await deliveries(webhook.id);
        expect(both).toHaveLength(2);
        return both;
      }, 5000);
      const bookedRow = rows.find((row) => row.action === 'appointment_booked');
      const canceledRow = rows.find((row) => row.action === 'appointment_canceled');
      const refused = await t.http().post(`${DELIVERIES}/${canceledRow.id}/redeliver`).set(AUTH).expect(409);
      expect(refused.body).toMatchObject({ code: 'earlier_delivery_pending' });
      expect(refused.body.message).toContain(`waits for delivery ${bookedRow.id}`);
      // In order once the booking's delivery is done (failed, after its retries).
      const requests = await receiver.waitFor('/behind', 5);
      expect(requests.map((request) => request.json.action)).toEqual([
        'appointment_booked',
        'appointment_booked',
        'appointment_booked',
        'appointment_booked',
        'appointment_canceled',
      ]);
    });

    it('signs with the old and the new secret for a day after a rotation', async () => {
      const webhook = await webhookOfThisTest({ url: receiver.url('/rotated') });
      const rotate = () => t.http().post(`${WEBHOOKS}/${webhook.id}/rotate-secret`).set(AUTH);
      // It takes no fields, as every route refuses one it does not know; an empty body is no field.
      const unknown = await rotate().send({ x: 1 }).expect(400);
      expect(unknown.body).toMatchObject({
        code: 'validation_failed',
        details: [{ field: 'x', message: 'is not a known field' }],
      });
      const rotated = await rotate().send({}).expect(200);
      expect(rotated.body.secret).toMatch(/^whsec_/);
      expect(rotated.body.secret).not.toBe(webhook.secret);
      expect(rotated.body.token).toBe(webhook.token);
      const expiresIn = Date.parse(rotated.body.previous_secret_expires_at) - Date.now();
      expect(expiresIn).toBeGreaterThan(23.9 * 3600 * 1000);
      expect(expiresIn).toBeLessThanOrEqual(24 * 3600 * 1000);
      const fetched = await t.http().get(`${WEBHOOKS}/${webhook.id}`).set(AUTH).expect(200);
      expect(JSON.stringify(fetched.body)).not.toContain(rotated.body.secret);

      await publish(booked());
      const [request] = await receiver.waitFor('/rotated', 1);
      expect(String(request.headers['webhook-signature']).split(' ')).toHaveLength(2);
      expect(verifyDelivery(webhook.secret, request)).toBeTruthy();
      expect(verifyDelivery(rotated.body.secret, request)).toBeTruthy();
      expect(() => verifyDelivery(`whsec_${Buffer.alloc(32, 1).toString('base64')}`, request)).toThrow();
      // Without a body, as most clients send it.
      const again = await rotate().expect(200);
      expect(again.body.secret).not.toBe(rotated.body.secret);
    });

    it('sends a test body now and records it as a delivery', async () => {
      const webhook = await webhookOfThisTest({ url: receiver.url('/test'), enabled: false });
      const attempt = await t.http().post(`${WEBHOOKS}/${webhook.id}/test`).set(AUTH).send({}).expect(200);
      expect(attempt.body).toMatchObject({
        attempt_number: 1,
        status_code: 200,
        error: null,
        response_body: 'ok',
      });
      const [request] = await receiver.waitFor('/test', 1);
      expect(verifyDelivery(webhook.secret, request)).toMatchObject({
        action: 'appointment_booked',
        signature: { token: webhook.token, site_name: 'Test Site', site_url: 'https://booking.example.com' },
        appointment: { id: '0', appointment_type_slug: 'webhook-test' },
      });
      expect(request.headers['webhook-id']).toBe(`msg_${attempt.body.delivery_id}`);
      const [row] = await deliveries(webhook.id);
      expect(row).toMatchObject({
        id: attempt.body.delivery_id,
        event_id: null,
        appointment_id: null,
        action: 'appointment_booked',
        status: 'delivered',
        attempt_count: 1,
      });

      receiver.on('/test', [500]);
      const failed = await t
        .http()
        .post(`${WEBHOOKS}/${webhook.id}/test`)
        .set(AUTH)
        .send({ action: 'appointment_rescheduled' })
        .expect(200);
      expect(failed.body.status_code).toBe(500);
      const [, rescheduled] = await receiver.waitFor('/test', 2);
      expect(rescheduled.json.rescheduled_from_start_date).toMatch(/^\d{4}-\d\d-\d\d \d\d:00:00$/);
      expect(await deliveries(webhook.id, '?status=failed')).toEqual([
        expect.objectContaining({ id: failed.body.delivery_id, status: 'failed' }),
      ]);
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect(receiver.received('/test')).toHaveLength(2);
    });

    it('sends, without an action, a sample of the first event the webhook subscribes to, as it lists them', async () => {
      const webhook = await webhookOfThisTest({
        url: receiver.url('/test-canceled'),
        triggers: ['appointment_canceled', 'appointment_edited'],
      });
      await t.http().post(`${WEBHOOKS}/${webhook.id}/test`).set(AUTH).send({}).expect(200);
      const [request] = await receiver.waitFor('/test-canceled', 1);
      expect(verifyDelivery(webhook.secret, request)).toMatchObject({ action: 'appointment_canceled' });
    });
  });

  describe('SSRF protection (WEBHOOK_ALLOW_PRIVATE_URLS=false)', () => {
    let strict: TestApp;

    beforeAll(async () => {
      // Its own SQLite file: two apps in one process on one file would wait on each other's lock forever.
      // A worker instance, since only one sends test sends itself; its poll is kept out of the way.
      strict = await startTestApp({
        databaseUrl: onPostgres ? t.config.database.url : await freshDatabaseUrl(),
        env: {
          WEBHOOK_ALLOW_PRIVATE_URLS: 'false',
          WEBHOOK_WORKER: 'true',
          WEBHOOK_POLL_INTERVAL_MS: '600000',
        },
      });
    });

    afterAll(async () => {
      await strict.close();
    });

    const privateUrls = [
      'http://127.0.0.1:8080/hook',
      'http://10.0.0.1/hook',
      'http://169.254.169.254/latest/meta-data',
      'http://[::1]:8080/hook',
      'http://localhost:8080/hook',
    ];

    it('refuses private and local addresses at create and at update', async () => {
      const allowed = await strict
        .http()
        .post(WEBHOOKS)
        .set(AUTH)
        .send({ url: 'https://93.184.215.14/hook' })
        .expect(201);
      for (const url of privateUrls) {
        const create = await strict.http().post(WEBHOOKS).set(AUTH).send({ url });
        expect([url, create.status, create.body.code]).toEqual([url, 400, 'webhook_url_not_allowed']);
        expect(create.body.details).toEqual([expect.objectContaining({ field: 'url' })]);
        const update = await strict.http().patch(`${WEBHOOKS}/${allowed.body.id}`).set(AUTH).send({ url });
        expect([url, update.status, update.body.code]).toEqual([url, 400, 'webhook_url_not_allowed']);
      }
      await strict.http().delete(`${WEBHOOKS}/${allowed.body.id}`).set(AUTH).expect(204);
    });

    /** A test send to `url`, stored behind the API's back (as if it had been allowed when saved). */
    async function testSendToStored(url: string) {
      const webhook = await strict
        .http()
        .post(WEBHOOKS)
        .set(AUTH)
        .send({ url: 'https://93.184.215.14/hook' })
        .expect(201);
      await strict.app
        .get(DataSource)
        .query(`UPDATE webhooks SET url = '${url}' WHERE id = ${webhook.body.id}`);
      return strict.http().post(`${WEBHOOKS}/${webhook.body.id}/test`).set(AUTH).send({}).expect(200);
    }

    it('refuses at send time a private address stored while it was allowed', async () => {
      const attempt = await testSendToStored(receiver.url('/private'));
      expect(attempt.body.status_code).toBeNull();
      // Saying how to allow it, as the refusal on save does.
      expect(attempt.body.error).toBe(
        'Webhook URL not allowed: address 127.0.0.1 is not public; private and loopback addresses are refused ' +
          'unless the service runs with WEBHOOK_ALLOW_PRIVATE_URLS=true',
      );
      expect(receiver.received('/private')).toEqual([]);
    });

    it('refuses at connect time a name that resolves to a private address (the transport keeps the guard)', async () => {
      // A name, not an IP literal: the check before the request lets it through, so only the guarded agent's
      // lookup under the sender's transport stands between the delivery and the loopback receiver.
      const attempt = await testSendToStored(receiver.url('/by-name').replace('127.0.0.1', 'localhost'));
      expect(attempt.body.status_code).toBeNull();
      expect(attempt.body.error).toMatch(/resolves to non-public address/);
      expect(receiver.received('/by-name')).toEqual([]);
    });
  });
});

/** Runs `use` with `server` listening on 127.0.0.1 (its base URL), then closes it and its connections. */
async function withReceiver(server: http.Server, use: (url: string) => Promise<void>): Promise<void> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    await use(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}
