import { bookAppointment, createMember, createType, customer, freshDatabaseUrl } from './support/fixtures';
import { AUTH, startTestApp, TestApp } from './support/test-app';

/**
 * Buffers at booking time, on the type's own calendar and across types on one host: a booking checks only the
 * appointments whose time with buffers reaches its slot (src/appointments/placement.ts), so these pin
 * down which ones reach it.
 */
describe('booking next to appointments with buffers', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ databaseUrl: await freshDatabaseUrl() });
  });
  afterAll(() => t.close());

  const at = (time: string) => `2031-03-05T${time}:00.000Z`;
  const book = (typeId: number, time: string) =>
    t
      .http()
      .post('/api/v1/appointments')
      .set(AUTH)
      .send({ appointment_type_id: typeId, start_date: at(time), customer_information: customer() });

  it("on the type's own calendar: its buffer after keeps the next start away, and reaches back", async () => {
    const type = await createType(t, { duration: 30, availability_increment: 15, buffer_after: 30 });
    await bookAppointment(t, type.id, at('10:00'));
    expect((await book(type.id, '10:30')).status).toBe(409);
    expect((await book(type.id, '10:45')).status).toBe(409);
    expect((await book(type.id, '09:45')).status).toBe(409); // its own buffer after reaches 10:15
    expect((await book(type.id, '11:00')).status).toBe(201);
    expect((await book(type.id, '09:00')).status).toBe(201); // 09:30 + 30 min touches 10:00
  });

  it("across types on one host: the other appointment's buffers and the new one's both count", async () => {
    const member = await createMember(t);
    const plain = await createType(t, {
      duration: 30,
      availability_increment: 15,
      team_member_ids: [member.id],
    });
    const before = await createType(t, {
      duration: 30,
      availability_increment: 15,
      buffer_before: 60,
      team_member_ids: [member.id],
    });
    const after = await createType(t, {
      duration: 30,
      availability_increment: 15,
      buffer_after: 60,
      team_member_ids: [member.id],
    });
    await bookAppointment(t, plain.id, at('10:00'));
    expect((await book(before.id, '11:15')).status).toBe(409); // its hour before reaches 10:15
    expect((await book(before.id, '11:30')).status).toBe(201);
    await bookAppointment(t, after.id, at('14:00')); // busy, with its hour after, until 15:30
    expect((await book(plain.id, '15:00')).status).toBe(409);
    expect((await book(plain.id, '15:30')).status).toBe(201);
    expect((await book(after.id, '12:45')).status).toBe(409); // 12:45–13:15, then an hour: reaches 14:00
    expect((await book(after.id, '12:30')).status).toBe(201);
  });
});
