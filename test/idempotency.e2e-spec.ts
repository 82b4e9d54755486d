import { DataSource } from 'typeorm';
import { IdempotencyKeyEntity } from '../src/idempotency/idempotency-key.entity';
import { recordEvents } from './support/events';
import { createType } from './support/fixtures';
import { AUTH, freshDatabaseUrl, startTestApp, TestApp } from './support/test-app';

describe('Idempotency-Key on bookings (e2e)', () => {
  let t: TestApp;
  let typeId: number;
  let recorder: ReturnType<typeof recordEvents>;
  let day = 0;

  beforeAll(async () => {
    t = await startTestApp({ databaseUrl: await freshDatabaseUrl() });
    recorder = recordEvents(t, 'appointment.booked');
    typeId = (await createType(t, { title: 'Idempotent', duration: 60 })).id;
  });

  afterAll(() => t.close());

  /** A booking body for a slot no other test uses. */
  function newBooking(name = 'Ada'): Record<string, unknown> {
    day += 1;
    return {
      appointment_type_id: typeId,
      start_date: new Date(Date.UTC(2031, 0, day, 9)).toISOString(),
      customer_information: { Name: name, Email: `${name.toLowerCase()}@example.com` },
    };
  }

  const book = (body: Record<string, unknown>, key?: string) => {
    const req = t.http().post('/api/v1/appointments').set(AUTH);
    return (key === undefined ? req : req.set('Idempotency-Key', key)).send(body);
  };

  const bookingsAt = async (start: unknown) =>
    (await t.http().get('/api/v1/appointments').query({ limit: 200 }).set(AUTH).expect(200)).body.data.filter(
      (appointment: { start_date: string }) => appointment.start_date === start,
    ).length;

  it('answers a repeated request with the first result and books nothing new', async () => {
    const body = newBooking();
    recorder.clear();
    const first = await book(body, 'key-repeat').expect(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    // The same fields in another order are the same request.
    const reordered = Object.fromEntries(Object.entries(body).reverse());
    const second = await book(reordered, 'key-repeat').expect(201);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(second.body).toEqual(first.body);
    expect(await bookingsAt(body.start_date)).toBe(1);
    expect(recorder.events).toHaveLength(1);
  });

  it('refuses the same key with another body, and books nothing', async () => {
    const body = newBooking();
    await book(body, 'key-reused').expect(201);
    const other = newBooking('Bob');
    const response = await book(other, 'key-reused').expect(422);
    expect(response.body).toMatchObject({ code: 'idempotency_key_reused', request_id: expect.any(String) });
    expect(await bookingsAt(other.start_date)).toBe(0);
  });

  it('gives one booking to concurrent requests with one key, and the same answer to all', async () => {
    const body = newBooking();
    recorder.clear();
    const responses = await Promise.all(Array.from({ length: 12 }, () => book(body, 'key-race')));
    expect(responses.map((response) => response.status)).toEqual(Array(12).fill(201));
    expect(new Set(responses.map((response) => response.body.id)).size).toBe(1);
    expect(responses.filter((response) => response.headers['idempotent-replayed'] === 'true')).toHaveLength(
      11,
    );
    expect(await bookingsAt(body.start_date)).toBe(1);
    expect(recorder.events).toHaveLength(1);
  });

  it('does not keep a failed attempt: the same key books once the slot is free', async () => {
    const body = newBooking();
    const blocker = await book(body).expect(201);
    const refused = await book(
      { ...body, customer_information: { Name: 'Cy', Email: 'cy@example.com' } },
      'k-f',
    );
    expect(refused.status).toBe(409);
    await t.http().post(`/api/v1/appointments/${blocker.body.id}/cancel`).set(AUTH).expect(200);
    await book({ ...body, customer_information: { Name: 'Cy', Email: 'cy@example.com' } }, 'k-f').expect(201);
  });

  it('books again with a key older than 24 hours', async () => {
    const body = newBooking();
    const first = await book(body, 'key-old').expect(201);
    await t.http().post(`/api/v1/appointments/${first.body.id}/cancel`).set(AUTH).expect(200);
    await t.app
      .get(DataSource)
      .getRepository(IdempotencyKeyEntity)
      .update({ key: 'key-old' }, { created_at: Date.now() - 25 * 3600 * 1000 });
    const again = await book(body, 'key-old').expect(201);
    expect(again.body.id).not.toBe(first.body.id);
    expect(again.headers['idempotent-replayed']).toBeUndefined();
  });

  it('answers a repeated public booking with the first result, token included', async () => {
    const { slug } = (await t.http().get(`/api/v1/appointment-types/${typeId}`).set(AUTH).expect(200))
      .body as {
      slug: string;
    };
    const { start_date, customer_information } = newBooking('Dee');
    const publicBook = () =>
      t
        .http()
        .post(`/api/v1/public/appointment-types/${slug}/bookings`)
        .set('Idempotency-Key', 'public-key-1')
        .send({ start_date, customer_information });
    const first = await publicBook().expect(201);
    const second = await publicBook().expect(201);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(second.body).toEqual(first.body);
    expect(await bookingsAt(start_date)).toBe(1);
    // Keys of the admin route and of the public route are apart.
    await book(newBooking('Eve'), 'public-key-1').expect(201);
  });

  it('refuses a malformed key with 400 and books nothing', async () => {
    const body = newBooking();
    for (const key of ['x'.repeat(256), 'has space', 'tab\there']) {
      const response = await book(body, key).expect(400);
      expect(response.body).toMatchObject({
        code: 'idempotency_key_invalid',
        details: [{ field: 'Idempotency-Key', message: expect.any(String) }],
      });
    }
    expect(await bookingsAt(body.start_date)).toBe(0);
  });
});
