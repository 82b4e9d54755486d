import { setTimeout as sleep } from 'node:timers/promises';
import { DataSource } from 'typeorm';
import { EventDispatcher } from '../src/outbox/event-dispatcher';
import { bookAppointment, createType, createWebhook, freshDatabaseUrl } from './support/fixtures';
import { Receiver } from './support/receiver';
import { startTestApp, TestApp } from './support/test-app';

/**
 * Nest runs the shutdown hooks while the HTTP server still serves: the event dispatcher's hook waits for the
 * emissions of what was committed before it began, not for those of bookings that keep coming (it chased them,
 * and a loaded service never stopped). Those stay in the outbox for the relay of the next start.
 */
describe('shutdown under load (e2e)', () => {
  let t: TestApp;
  let receiver: Receiver;

  beforeAll(async () => {
    receiver = await Receiver.start();
    t = await startTestApp({ databaseUrl: await freshDatabaseUrl() });
  });
  afterAll(async () => {
    await t.close();
    await receiver.close();
  });

  it('finishes the dispatcher’s hook while bookings go on, and leaves the events of later ones to the relay', async () => {
    const type = await createType(t);
    for (let i = 0; i < 20; i++)
      await createWebhook(t, { url: receiver.url('/load'), appointment_type_ids: [type.id] });
    let running = true;
    let slot = 0;
    const start = (n: number) => new Date(Date.UTC(2031, 0, 6) + n * 30 * 60_000).toISOString();
    const loops = Array.from({ length: 8 }, async () => {
      while (running) await bookAppointment(t, type.id, start(slot++));
    });
    await sleep(500);

    const began = Date.now();
    await t.app.get(EventDispatcher).beforeApplicationShutdown();
    const took = Date.now() - began;
    // Booked after the hook: committed and answered, its event not emitted.
    const late = await bookAppointment(t, type.id, start(100_000));
    running = false;
    await Promise.all(loops);
    expect(took).toBeLessThan(10_000);
    await sleep(500);
    const booked: { payload: string; handled_at: number | string | null }[] = await t.app
      .get(DataSource)
      .query("SELECT payload, handled_at FROM outbox_events WHERE name = 'appointment.booked'");
    const rows = booked
      .filter(
        (row) => (JSON.parse(row.payload) as { appointment: { id: number } }).appointment.id === late.id,
      )
      .map((row) => ({ handled_at: row.handled_at }));
    expect(rows).toEqual([{ handled_at: null }]);
  }, 60_000);
});
