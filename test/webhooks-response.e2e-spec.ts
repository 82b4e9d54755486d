import { bookAppointment, createType, createWebhook, eventually, freshDatabaseUrl } from './support/fixtures';
import { Receiver, type Reply } from './support/receiver';
import { AUTH, startTestApp, TestApp } from './support/test-app';

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
    const webhook = await createWebhook(t, { url: receiver.url('/big') });
    const type = await createType(t, { title: 'Big answers' });
    await bookAppointment(t, type.id, '2031-01-06T10:00:00Z', {
      customer_information: { Name: 'Ada', Email: 'ada@example.com' },
    });
    const delivery = await eventually(async () => {
      const list = await t.http().get(`/api/v1/webhooks/${webhook.id}/deliveries`).set(AUTH).expect(200);
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

  /** A webhook at `path`, answered with `reply`, and a booking at `start` (of a type of its own) that it hears of. */
  async function bookAnswered(path: string, start: string, reply: Reply) {
    receiver.on(path, () => reply);
    const webhook = await createWebhook(t, { url: receiver.url(path) });
    const type = await createType(t, { title: `Answers of ${path}` });
    await bookAppointment(t, type.id, start, {
      customer_information: { Name: 'Ada', Email: 'ada@example.com' },
    });
    return webhook;
  }

  /** The deliveries of one webhook once it is settled as `status`, with the attempts of the first. */
  async function settled(webhookId: number, status: string) {
    const delivery = await eventually(async () => {
      const list = await t.http().get(`/api/v1/webhooks/${webhookId}/deliveries`).set(AUTH).expect(200);
      expect(list.body.data).toHaveLength(1);
      expect(list.body.data[0].status).toBe(status);
      return list.body.data[0] as { id: number; attempt_count: number; last_error: string | null };
    }, 10_000);
    const detail = await t.http().get(`/api/v1/webhook-deliveries/${delivery.id}`).set(AUTH).expect(200);
    return { delivery, attempts: detail.body.attempts as Array<Record<string, unknown>> };
  }

  it('counts a 2xx whose body does not decode as its content-encoding says as delivered, once, saying so', async () => {
    const webhook = await bookAnswered('/mislabelled', '2031-01-06T11:00:00Z', {
      status: 200,
      headers: { 'content-encoding': 'gzip' },
      body: 'plain text, not gzip',
    });
    const { delivery, attempts } = await settled(webhook.id, 'delivered');
    expect(delivery).toMatchObject({ attempt_count: 1, last_error: null });
    expect(attempts[0]).toMatchObject({
      status_code: 200,
      response_body: null,
      error: expect.stringMatching(/^the answer's body could not be decoded: Z_DATA_ERROR/),
    });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(receiver.received('/mislabelled')).toHaveLength(1);
  });

  it('keeps the status of a failure whose body does not decode, and retries it', async () => {
    const webhook = await bookAnswered('/broken-500', '2031-01-06T12:00:00Z', {
      status: 500,
      headers: { 'content-encoding': 'br' },
      body: 'not brotli',
    });
    const { delivery, attempts } = await settled(webhook.id, 'failed');
    expect(delivery.last_error).toBe('HTTP 500');
    expect(attempts).toHaveLength(4);
    expect(attempts[0]).toMatchObject({
      status_code: 500,
      error: expect.stringMatching(/^the answer's body could not be decoded/),
    });
  });
});
