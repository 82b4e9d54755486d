import { AppointmentBookedEvent } from '../src/appointments/events/appointment-booked.event';
import { Transactions } from '../src/database/transactions';
import { sampleAppointmentSnapshot } from '../src/webhooks/payload/ssa-payload';
import { createWebhook, eventually } from './support/fixtures';
import { Receiver } from './support/receiver';
import { AUTH, freshDatabaseUrl, startTestApp, TestApp } from './support/test-app';

describe('webhook retry policy against a live receiver (e2e)', () => {
  let t: TestApp;
  let receiver: Receiver;

  beforeAll(async () => {
    receiver = await Receiver.start();
    t = await startTestApp({
      databaseUrl: await freshDatabaseUrl(),
      // About one second without a success disables; retries every 0.3 s keep failing past it.
      env: {
        WEBHOOK_DISABLE_AFTER_HOURS: '0.0003',
        WEBHOOK_RETRY_SCHEDULE: '0.3,0.3,0.3,0.3,0.3,0.3,0.3,0.3,0.3,0.3',
      },
    });
  });

  afterAll(async () => {
    await t.close();
    await receiver.close();
  });

  it('disables a webhook that has had no success for the configured period, and says why', async () => {
    receiver.on('/down', () => ({ status: 500 }));
    const webhook = await createWebhook(t, { url: receiver.url('/down') });
    await t.app
      .get(Transactions)
      .run((tx) => tx.publish(new AppointmentBookedEvent({ appointment: sampleAppointmentSnapshot() })));

    const body = await eventually(async () => {
      const read = await t.http().get(`/api/v1/webhooks/${webhook.id}`).set(AUTH).expect(200);
      expect(read.body.enabled).toBe(false);
      return read.body as { enabled: boolean; disabled_reason: string | null };
    }, 10_000);
    expect(body.disabled_reason).toMatch(/no successful delivery since/);
    // Disabled, it gets no more attempts: the count stays where it stopped.
    const attempts = receiver.received('/down').length;
    expect(attempts).toBeGreaterThanOrEqual(3);
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect(receiver.received('/down')).toHaveLength(attempts);
  });

  it('waits as long as a 503 Retry-After asks when that is longer than the schedule', async () => {
    receiver.on('/busy', [{ status: 503, headers: { 'retry-after': '2' } }, 200]);
    const webhook = await createWebhook(t, { url: receiver.url('/busy') });
    await t.app
      .get(Transactions)
      .run((tx) => tx.publish(new AppointmentBookedEvent({ appointment: sampleAppointmentSnapshot() })));
    const [first, second] = await receiver.waitFor('/busy', 2, 6000);
    // The schedule alone would have retried after 0.3 s (±20%).
    expect(second.at - first.at).toBeGreaterThanOrEqual(1900);
    expect(second.headers['webhook-id']).toBe(first.headers['webhook-id']);
    const after = (await t.http().get(`/api/v1/webhooks/${webhook.id}`).set(AUTH).expect(200)).body;
    expect(after).toMatchObject({ enabled: true, disabled_reason: null });
  });
});
