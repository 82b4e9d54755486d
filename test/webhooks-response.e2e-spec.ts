import { eventually } from './support/eventually';
import { Receiver } from './support/receiver';
import { AUTH, freshDatabaseUrl, startTestApp, TestApp } from './support/test-app';

const EVERY_DAY = Object.fromEntries(
  ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'].map((day) => [
    day,
    [{ start: '00:00', end: '24:00' }],
  ]),
);

describe('what a receiver answers (e2e)', () => {
  let t: TestApp;
  let receiver: Receiver;

  beforeAll(async () => {
    receiver = await Receiver.start();
    t = await startTestApp({
      databaseUrl: await freshDatabaseUrl(),
      env: { WEBHOOK_RETRY_SCHEDULE: '1,1,1' },
    });
  });

  afterAll(async () => {
    await t.close();
    await receiver.close();
  });

  it('counts a 2xx with a body far over any limit as delivered, once, and keeps its first 4 KB', async () => {
    receiver.on('/big', () => ({ status: 200, body: 'x'.repeat(2 * 1024 * 1024) }));
    const webhook = await t
      .http()
      .post('/api/v1/webhooks')
      .set(AUTH)
      .send({ url: receiver.url('/big') })
      .expect(201);
    const type = await t
      .http()
      .post('/api/v1/appointment-types')
      .set(AUTH)
      .send({ title: 'Big answers', duration: 30, timezone: 'UTC', availability: EVERY_DAY })
      .expect(201);
    await t
      .http()
      .post('/api/v1/appointments')
      .set(AUTH)
      .send({
        appointment_type_id: type.body.id,
        start_date: '2031-01-06T10:00:00Z',
        customer_information: { Name: 'Ada', Email: 'ada@example.com' },
      })
      .expect(201);
    const delivery = await eventually(async () => {
      const list = await t.http().get(`/api/v1/webhooks/${webhook.body.id}/deliveries`).set(AUTH).expect(200);
      expect(list.body.data).toHaveLength(1);
      expect(list.body.data[0].status).toBe('delivered');
      return list.body.data[0] as { id: number; attempt_count: number; last_status_code: number };
    });
    expect(delivery).toMatchObject({ attempt_count: 1, last_status_code: 200 });
    const detail = await t.http().get(`/api/v1/webhook-deliveries/${delivery.id}`).set(AUTH).expect(200);
    expect(detail.body.attempts[0].response_body).toBe('x'.repeat(4096));
    // Retries would have come after 1 s: none does.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(receiver.received('/big')).toHaveLength(1);
  });
});
