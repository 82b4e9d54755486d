import { Client } from 'pg';
import { recordEvents } from './support/events';
import { bookAppointment, createMember, createType, customer, eventually } from './support/fixtures';
import { AUTH, freshDatabaseUrl, onPostgres, startTestApp, TestApp } from './support/test-app';

const REQUESTS = 50;

/** Fires all requests at once (spread over the given apps) and counts the answers by status. */
async function race(apps: TestApp[], typeId: number, start: string): Promise<Record<number, number>> {
  const responses = await Promise.all(
    Array.from({ length: REQUESTS }, (_, i) =>
      apps[i % apps.length]
        .http()
        .post('/api/v1/appointments')
        .set(AUTH)
        .send({
          appointment_type_id: typeId,
          start_date: start,
          customer_information: { Name: `Customer ${i}`, Email: `c${i}@example.com` },
        }),
    ),
  );
  const counts: Record<number, number> = {};
  for (const response of responses) {
    counts[response.status] = (counts[response.status] ?? 0) + 1;
    if (response.status === 409) expect(response.body.code).toBe('slot_unavailable');
  }
  return counts;
}

async function activeAt(t: TestApp, typeId: number, start: string): Promise<number> {
  const response = await t
    .http()
    .get(`/api/v1/appointments?appointment_type_id=${typeId}&start_after=${start}&limit=200`)
    .set(AUTH)
    .expect(200);
  return response.body.data.filter(
    (a: { start_date: string; status: string }) =>
      a.start_date === new Date(start).toISOString() && a.status === 'booked',
  ).length;
}

describe('no double booking (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ databaseUrl: await freshDatabaseUrl() });
  });

  afterAll(async () => {
    await t.close();
  });

  it(`gives the last seat to exactly one of ${REQUESTS} simultaneous requests`, async () => {
    const typeId = (await createType(t, { capacity: 1 })).id;
    const counts = await race([t], typeId, '2030-01-07T10:00:00Z');
    expect(counts).toEqual({ 201: 1, 409: REQUESTS - 1 });
    expect(await activeAt(t, typeId, '2030-01-07T10:00:00Z')).toBe(1);
  });

  it(`gives three seats of a capacity-3 slot to exactly three of ${REQUESTS} requests`, async () => {
    const typeId = (await createType(t, { capacity: 3 })).id;
    const counts = await race([t], typeId, '2030-01-07T11:00:00Z');
    expect(counts).toEqual({ 201: 3, 409: REQUESTS - 3 });
    expect(await activeAt(t, typeId, '2030-01-07T11:00:00Z')).toBe(3);
  });

  it('gives a host shared by two types to exactly one of the requests for both types', async () => {
    const host = await createMember(t, { name: 'Shared', email: 'shared@example.com' });
    const types: number[] = [];
    for (const title of ['Shared A', 'Shared B']) {
      types.push((await createType(t, { title, team_member_ids: [host.id] })).id);
    }
    const responses = await Promise.all(
      Array.from({ length: REQUESTS }, (_, i) =>
        t
          .http()
          .post('/api/v1/appointments')
          .set(AUTH)
          .send({
            appointment_type_id: types[i % 2],
            start_date: '2030-01-07T15:00:00Z',
            customer_information: { Name: `Customer ${i}`, Email: `s${i}@example.com` },
          }),
      ),
    );
    expect(responses.filter((r) => r.status === 201)).toHaveLength(1);
    expect(responses.filter((r) => r.status === 409)).toHaveLength(REQUESTS - 1);
  });

  it('announces one cancellation when the same appointment is canceled many times at once', async () => {
    const typeId = (await createType(t, { capacity: 1 })).id;
    const booked = await bookAppointment(t, typeId, '2030-01-07T16:00:00Z', {
      customer_information: { Name: 'C', Email: 'c@example.com' },
    });
    const recorder = recordEvents(t, 'appointment.canceled');
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => t.http().post(`/api/v1/appointments/${booked.id}/cancel`).set(AUTH)),
    );
    expect(responses.every((r) => r.status === 200 && r.body.status === 'canceled')).toBe(true);
    expect(recorder.events.filter((e) => e.payload.appointment.id === booked.id)).toHaveLength(1);
  });

  /** Another PostgreSQL session that holds a booking lock (`type:3`, `member:7`) until it commits. */
  interface LockHolder {
    query(text: string, values: unknown[]): Promise<unknown>;
    /** Waits until exactly `count` lock requests wait (the requests started meanwhile have queued). */
    waiting(count: number): Promise<void>;
    commit(): Promise<void>;
  }

  const holdingLock = async (key: string, steps: (holder: LockHolder) => Promise<void>): Promise<void> => {
    const client = new Client({ connectionString: t.config.database.url });
    await client.connect();
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [key]);
      await steps({
        query: (text, values) => client.query(text, values),
        waiting: (count) =>
          eventually(async () => {
            const { rows } = await client.query<{ n: string }>(
              'SELECT count(*) AS n FROM pg_locks WHERE NOT granted',
            );
            expect(Number(rows[0].n)).toBe(count);
          }),
        commit: async () => {
          await client.query('COMMIT');
        },
      });
    } finally {
      await client.end();
    }
  };

  /** Sends a booking now (a new customer, 2030-01-09 10:00 unless `body` says otherwise); awaited later. */
  const booking = (body: object, headers: Record<string, string> = {}) =>
    t
      .http()
      .post('/api/v1/appointments')
      .set({ ...AUTH, ...headers })
      .send({ start_date: '2030-01-09T10:00:00Z', customer_information: customer(), ...body })
      .then((response) => response);

  (!onPostgres && 'PostgreSQL only' ? it.skip : it).each([
    ['', {}],
    [' with an Idempotency-Key', { 'Idempotency-Key': 'type-deleted-under-the-lock' }],
  ])(
    'answers a booking whose type was deleted while it waited for the type lock as for an unknown type (400)%s',
    async (_label, headers: Record<string, string>) => {
      const typeId = (await createType(t, { capacity: 1 })).id;
      // The holder does what a delete does: it takes the type's lock first, deletes the type, commits. The
      // booking read the type before and waits for the lock meanwhile.
      await holdingLock(`type:${typeId}`, async (holder) => {
        const answer = booking({ appointment_type_id: typeId }, headers);
        await holder.waiting(1);
        await holder.query('DELETE FROM appointment_types WHERE id = $1', [typeId]);
        await holder.commit();
        const response = await answer;
        expect(response.status).toBe(400);
        expect(response.body.code).toBe('validation_failed');
        expect(response.body.details).toEqual([
          { field: 'appointment_type_id', message: `appointment type ${typeId} does not exist` },
        ]);
      });
    },
  );

  (!onPostgres && 'PostgreSQL only' ? it.skip : it)(
    'makes a type delete wait for the booking in flight, which is kept: the delete then answers 409',
    async () => {
      const typeId = (await createType(t, { capacity: 1 })).id;
      await holdingLock(`type:${typeId}`, async (holder) => {
        const answer = booking({ appointment_type_id: typeId });
        await holder.waiting(1);
        const removal = t
          .http()
          .delete(`/api/v1/appointment-types/${typeId}`)
          .set(AUTH)
          .then((response) => response);
        await holder.waiting(2);
        await holder.commit();
        expect((await answer).status).toBe(201);
        const removed = await removal;
        expect(removed.status).toBe(409);
        expect(removed.body.code).toBe('appointment_type_in_use');
      });
    },
  );

  (!onPostgres && 'PostgreSQL only' ? it.skip : it)(
    'lets a member delete and a booking naming that member wait for each other in one order (no deadlock)',
    async () => {
      const member = await createMember(t);
      const typeId = (await createType(t, { team_member_ids: [member.id] })).id;
      // The delete queues for the member's booking lock (held here), then the booking naming the member.
      await holdingLock(`member:${member.id}`, async (holder) => {
        const removal = t
          .http()
          .delete(`/api/v1/team-members/${member.id}`)
          .set(AUTH)
          .then((response) => response);
        await holder.waiting(1);
        const answer = booking({
          appointment_type_id: typeId,
          team_member_ids: [member.id],
          start_date: '2030-01-10T10:00:00Z',
        });
        await holder.waiting(2);
        await holder.commit();
        expect((await removal).status).toBe(204);
        const refused = await answer;
        expect(refused.status).toBe(400);
        expect(refused.body.details[0].field).toBe('team_member_ids');
      });
    },
  );

  it('never answers 500 when a member is edited, deleted, booked and blacked out at once', async () => {
    for (let round = 0; round < 10; round++) {
      const member = await createMember(t);
      const typeId = (await createType(t, { team_member_ids: [member.id] })).id;
      const answers = await Promise.all([
        t
          .http()
          .patch(`/api/v1/team-members/${member.id}`)
          .set(AUTH)
          .send({ name: `Renamed ${round}` }),
        t.http().delete(`/api/v1/team-members/${member.id}`).set(AUTH),
        booking({
          appointment_type_id: typeId,
          team_member_ids: [member.id],
          start_date: new Date(Date.UTC(2030, 1, 1 + round, 10)).toISOString(),
        }),
        t.http().post('/api/v1/blackouts').set(AUTH).send({
          team_member_id: member.id,
          start_date: '2031-02-01T00:00:00Z',
          end_date: '2031-02-02T00:00:00Z',
        }),
      ]);
      const [edit, removal, booked, blackout] = answers.map((answer) => answer.status);
      expect([200, 404]).toContain(edit);
      expect(removal).toBe(204);
      expect([201, 400]).toContain(booked);
      expect([201, 400]).toContain(blackout);
    }
  });

  (!onPostgres && 'PostgreSQL only' ? it.skip : it)(
    'holds across two instances sharing one PostgreSQL database',
    async () => {
      const second = await startTestApp({ databaseUrl: t.config.database.url });
      try {
        const single = (await createType(t, { capacity: 1 })).id;
        expect(await race([t, second], single, '2030-01-08T10:00:00Z')).toEqual({
          201: 1,
          409: REQUESTS - 1,
        });
        const triple = (await createType(t, { capacity: 3 })).id;
        expect(await race([t, second], triple, '2030-01-08T11:00:00Z')).toEqual({
          201: 3,
          409: REQUESTS - 3,
        });
        expect(await activeAt(second, triple, '2030-01-08T11:00:00Z')).toBe(3);
      } finally {
        await second.close();
      }
    },
  );
});
