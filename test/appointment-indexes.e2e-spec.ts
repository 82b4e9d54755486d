import { DataSource } from 'typeorm';
import { tableIndexes } from './support/database';
import { bookAppointment, createType, customer, EVERY_DAY, freshDatabaseUrl } from './support/fixtures';
import { AUTH, startTestApp, TestApp } from './support/test-app';

/**
 * A booking's check reads the type's appointments that start up to a day before the slot and keeps those that
 * end after it starts (migration 1764190000032): the index holds `end_at`, so that the others are dropped in
 * the index rather than each read from its row.
 */
describe('appointment indexes (e2e)', () => {
  let t: TestApp;
  let db: DataSource;

  beforeAll(async () => {
    t = await startTestApp({ databaseUrl: await freshDatabaseUrl(), env: { WEBHOOK_WORKER: 'false' } });
    db = t.app.get(DataSource);
  });
  afterAll(() => t.close());

  it("holds each type's appointments by start and end", async () => {
    expect(await tableIndexes(db, 'appointments')).toMatchObject({
      idx_appointments_type_start: ['appointment_type_id', 'start_at', 'end_at'],
      idx_appointments_customer: ['customer_id'],
      idx_appointments_start: ['start_at'],
    });
  });

  it('still refuses a slot that an appointment of the day before reaches into', async () => {
    const type = await createType(t, { duration: 600, availability_increment: 60, availability: EVERY_DAY });
    const start = Date.UTC(2031, 0, 6, 20);
    // Past midnight, so booked past the type's hours (an admin may).
    await bookAppointment(t, type.id, new Date(start).toISOString(), { ignore_availability: true });
    // The day after, at 02:00: the ten-hour appointment of 20:00 lasts until 06:00.
    const refused = await t
      .http()
      .post('/api/v1/appointments')
      .set(AUTH)
      .send({
        appointment_type_id: type.id,
        start_date: new Date(start + 6 * 3_600_000).toISOString(),
        customer_information: customer(),
      });
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('slot_unavailable');
    await bookAppointment(t, type.id, new Date(start + 10 * 3_600_000).toISOString());
  });
});
