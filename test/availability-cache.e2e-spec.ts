import Database from 'better-sqlite3';
import { Client } from 'pg';
import { AppointmentsRepository } from '../src/appointments/appointments.repository';
import { AppointmentsService } from '../src/appointments/appointments.service';
import { Transactions } from '../src/database/transactions';
import { bookAppointment, createMember, createType, customer, freshDatabaseUrl } from './support/fixtures';
import { AUTH, onPostgres, startTestApp, TestApp } from './support/test-app';

/**
 * Availability keeps a type's busy list in memory between changes (src/appointments/busy-cache.ts). What it
 * shows must still follow every change at once: the service's own writes, a rolled-back write it read
 * meanwhile, and another connection's commits.
 */
describe('availability after changes (busy list cache, e2e)', () => {
  let t: TestApp;
  let databaseUrl: string;
  const DAY = '2031-03-04';
  const NINE = `${DAY}T09:00:00.000Z`;

  const seatsAtNine = async (typeId: number): Promise<number> => {
    const response = await t
      .http()
      .get(`/api/v1/appointment-types/${typeId}/availability?start_date=${DAY}&end_date=${DAY}`)
      .set(AUTH)
      .expect(200);
    const slot = (response.body.slots as { start_date: string; seats_remaining: number }[]).find(
      (s) => Date.parse(s.start_date) === Date.parse(NINE),
    );
    return slot?.seats_remaining ?? 0;
  };
  /** A type of one host and `capacity` seats, with the 09:00 slot read once (so its busy list is cached). */
  const typeRead = async (capacity = 1): Promise<number> => {
    const host = await createMember(t);
    const type = await createType(t, { capacity, team_member_ids: [host.id] });
    expect(await seatsAtNine(type.id)).toBe(capacity);
    return type.id;
  };

  beforeAll(async () => {
    databaseUrl = await freshDatabaseUrl();
    t = await startTestApp({ databaseUrl });
  });
  afterAll(() => t.close());

  it('a booking, a cancellation and a reschedule show at once', async () => {
    const typeId = await typeRead(2);
    const booked = await bookAppointment(t, typeId, NINE);
    expect(await seatsAtNine(typeId)).toBe(1);
    expect(await seatsAtNine(typeId)).toBe(1);
    await t.http().post(`/api/v1/appointments/${booked.id}/cancel`).set(AUTH).expect(200);
    expect(await seatsAtNine(typeId)).toBe(2);
    const other = await bookAppointment(t, typeId, `${DAY}T11:00:00.000Z`);
    expect(await seatsAtNine(typeId)).toBe(2);
    await t.http().patch(`/api/v1/appointments/${other.id}`).set(AUTH).send({ start_date: NINE }).expect(200);
    expect(await seatsAtNine(typeId)).toBe(1);
  });

  it('a booking read inside its transaction and then rolled back leaves no trace', async () => {
    const typeId = await typeRead();
    const transactions = t.app.get(Transactions);
    const appointments = t.app.get(AppointmentsService);
    const rollback = new Error('rolled back on purpose');
    await expect(
      transactions.run(async () => {
        await appointments.book({
          appointment_type_id: typeId,
          start_date: NINE,
          customer_information: customer(),
        });
        // Read while the write is open: on SQLite this read sees it (one shared connection).
        await seatsAtNine(typeId);
        throw rollback;
      }),
    ).rejects.toBe(rollback);
    expect(await seatsAtNine(typeId)).toBe(1);
    await bookAppointment(t, typeId, NINE);
    expect(await seatsAtNine(typeId)).toBe(0);
  });

  it('repeated reads with nothing changed read the database once on SQLite (every time on PostgreSQL)', async () => {
    const typeId = await typeRead();
    await bookAppointment(t, typeId, `${DAY}T12:00:00.000Z`);
    const reads = jest.spyOn(t.app.get(AppointmentsRepository), 'busy');
    try {
      for (let i = 0; i < 3; i++) expect(await seatsAtNine(typeId)).toBe(1);
      expect(reads).toHaveBeenCalledTimes(onPostgres ? 3 : 1);
    } finally {
      reads.mockRestore();
    }
  });

  it('a change committed by another connection to the database shows at once', async () => {
    const typeId = await typeRead();
    const booked = await bookAppointment(t, typeId, NINE);
    expect(await seatsAtNine(typeId)).toBe(0);
    const cancel = `UPDATE appointments SET status = 'canceled' WHERE id = ${Number(booked.id)}`;
    if (onPostgres) {
      const client = new Client({ connectionString: databaseUrl });
      await client.connect();
      await client.query(cancel);
      await client.end();
    } else {
      const db = new Database(databaseUrl.slice('sqlite:'.length));
      db.exec(cancel);
      db.close();
    }
    expect(await seatsAtNine(typeId)).toBe(1);
  });
});
