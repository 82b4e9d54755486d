import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { bookAppointment, createType, createWebhook, freshDatabaseUrl } from './support/fixtures';
import { Receiver } from './support/receiver';
import { startTestApp, TestApp } from './support/test-app';

const TIMEOUT_MS = 4000;
const CONCURRENCY = 6;
const SHARE = 2;
const BOOKINGS = 12;

/**
 * WEBHOOK_CONCURRENCY slots are shared by every webhook; a receiver that never answers holds each slot it
 * gets until the attempt's deadline. Without a share per webhook, its deliveries filled every slot and the
 * other webhooks' deliveries waited for those deadlines.
 */
describe('a webhook whose receiver never answers (e2e)', () => {
  let t: TestApp;
  let healthy: Receiver;
  // When each request to the silent receiver arrived; none is answered.
  const silentArrivals: number[] = [];
  const silent = http.createServer(() => silentArrivals.push(Date.now()));

  beforeAll(async () => {
    healthy = await Receiver.start();
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    t = await startTestApp({
      databaseUrl: await freshDatabaseUrl(),
      env: {
        WEBHOOK_CONCURRENCY: String(CONCURRENCY),
        WEBHOOK_CONCURRENCY_PER_WEBHOOK: String(SHARE),
        WEBHOOK_TIMEOUT_MS: String(TIMEOUT_MS),
        WEBHOOK_RETRY_SCHEDULE: '600',
      },
    });
  });

  afterAll(async () => {
    await t.close();
    silent.closeAllConnections();
    await new Promise((resolve) => silent.close(resolve));
    await healthy.close();
  });

  it('holds no more than its share of the slots, and the other webhooks are delivered to meanwhile', async () => {
    // The silent one first: each booking's delivery to it is due before the one to the healthy receiver.
    const { port } = silent.address() as AddressInfo;
    await createWebhook(t, { url: `http://127.0.0.1:${port}/hook` });
    await createWebhook(t, { url: healthy.url() });
    const type = await createType(t, { title: 'Fair share' });
    await Promise.all(
      Array.from({ length: BOOKINGS }, (_, i) =>
        bookAppointment(t, type.id, new Date(Date.UTC(2031, 0, 6, 8 + i)).toISOString(), {
          customer_information: { Name: `Guest ${i}`, Email: `guest${i}@example.com` },
        }),
      ),
    );
    const arrived = await healthy.waitFor('/hook', BOOKINGS, TIMEOUT_MS * 3);
    const firstSilent = silentArrivals[0];
    // Before the first of the silent receiver's attempts timed out (and gave its slot back), every healthy
    // delivery had arrived, and the silent receiver had been sent no more than its share.
    const beforeTimeout = firstSilent + TIMEOUT_MS - 500;
    expect(Math.max(...arrived.map((request) => request.at))).toBeLessThan(beforeTimeout);
    expect(silentArrivals.filter((at) => at < beforeTimeout)).toHaveLength(SHARE);
  });
});
