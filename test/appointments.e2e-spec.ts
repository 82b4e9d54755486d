import { recordEvents } from './support/events';
import { createMember, createType, eventually, freshDatabaseUrl } from './support/fixtures';
import { AUTH, startTestApp, TestApp } from './support/test-app';

describe('appointments (e2e)', () => {
  let t: TestApp;
  let recorder: ReturnType<typeof recordEvents>;
  let typeId: number;
  let hostedTypeId: number;
  let ann: number;
  let bob: number;

  const book = (body: object) => t.http().post('/api/v1/appointments').set(AUTH).send(body);
  const customer = (name = 'Nathan Tyler', email = 'nathan@example.com') => ({ Name: name, Email: email });
  const names = () => recorder.events.map((event) => event.name);

  beforeAll(async () => {
    t = await startTestApp({ databaseUrl: await freshDatabaseUrl() });
    recorder = recordEvents(t, 'appointment.*');
    typeId = (
      await createType(t, {
        title: '2hr Call',
        duration: 120,
        availability_increment: 60,
        timezone: 'America/Los_Angeles',
        price: 100,
        web_meeting_url: 'https://meet.example.com/x',
        customer_fields: [{ label: 'Phone', type: 'phone', required: true }],
      })
    ).id;
    ann = (await createMember(t, { name: 'Ann', email: 'ann@example.com' })).id;
    bob = (await createMember(t, { name: 'Bob', email: 'bob@example.com' })).id;
    hostedTypeId = (await createType(t, { title: 'Hosted', team_member_ids: [ann, bob] })).id;
  });

  afterAll(async () => {
    await t.close();
  });

  beforeEach(() => recorder.clear());

  it('books, emits appointment.booked with a full snapshot, and refuses the same slot', async () => {
    const response = await book({
      appointment_type_id: typeId,
      start_date: '2030-01-07T16:00:00-08:00',
      customer_information: { ...customer(), Phone: '+1 555 0100' },
      customer_timezone: 'America/New_York',
    }).expect(201);
    expect(response.body).toMatchObject({
      appointment_type_id: typeId,
      start_date: '2030-01-08T00:00:00.000Z',
      end_date: '2030-01-08T02:00:00.000Z',
      status: 'booked',
      price_full: 100,
      payment_received: 0,
      payment_method: null,
      web_meeting_url: 'https://meet.example.com/x',
      customer_timezone: 'America/New_York',
      customer_information: { Name: 'Nathan Tyler', Email: 'nathan@example.com', Phone: '+1 555 0100' },
      team_member_ids: [],
    });
    expect(response.body.public_edit_url).toMatch(
      /^https:\/\/booking\.example\.com\/appointments\/change\/[A-Za-z0-9_-]{32,}$/,
    );
    expect(names()).toEqual(['appointment.booked']);
    expect(recorder.events[0].payload.appointment).toMatchObject({
      id: response.body.id,
      appointment_type_slug: '2hr-call',
      appointment_type_title: '2hr Call',
      appointment_type_timezone: 'America/Los_Angeles',
      customer_id: response.body.customer_id,
      start_date: '2030-01-08T00:00:00.000Z',
      public_edit_url: response.body.public_edit_url,
      team_members: [],
    });

    const again = await book({
      appointment_type_id: typeId,
      start_date: '2030-01-08T01:00:00Z',
      customer_information: { ...customer('Other', 'other@example.com'), Phone: '12345' },
    }).expect(409);
    expect(again.body.code).toBe('slot_unavailable');
  });

  it('answers 422 slot_not_offered off the grid, in the past or outside the windows', async () => {
    const offGrid = await book({
      appointment_type_id: typeId,
      start_date: '2030-01-09T10:30:00Z',
      customer_information: { ...customer(), Phone: '12345' },
    });
    expect(offGrid.status).toBe(422);
    expect(offGrid.body.code).toBe('slot_not_offered');
    const past = await book({
      appointment_type_id: typeId,
      start_date: '2020-01-09T10:00:00Z',
      customer_information: { ...customer(), Phone: '12345' },
    });
    expect(past.body.code).toBe('slot_not_offered');
    expect(names()).toEqual([]);
  });

  it('validates customer information against the type fields', async () => {
    const response = await book({
      appointment_type_id: typeId,
      start_date: '2030-01-09T10:00:00Z',
      customer_information: { Name: 'A', Email: 'nope', Colour: 'red' },
    }).expect(400);
    expect(response.body.code).toBe('validation_failed');
    expect(response.body.details.map((d: { field: string }) => d.field).sort()).toEqual([
      'customer_information.Colour',
      'customer_information.Email',
      'customer_information.Phone',
    ]);
    const missingType = await book({
      appointment_type_id: 999,
      start_date: '2030-01-09T10:00:00Z',
      customer_information: customer(),
    }).expect(400);
    expect(missingType.body.details[0].field).toBe('appointment_type_id');
    const badDate = await book({
      appointment_type_id: typeId,
      start_date: 'tomorrow',
      customer_information: customer(),
    }).expect(400);
    expect(badDate.body.details[0].field).toBe('start_date');
  });

  it('reads a number field given as text in decimal notation only', async () => {
    const numbered = (
      await createType(t, {
        title: 'Numbered',
        customer_fields: [{ label: 'N', type: 'number', required: false }],
      })
    ).id;
    const bookN = (N: string, hour: number) =>
      book({
        appointment_type_id: numbered,
        start_date: `2030-01-10T${hour}:00:00Z`,
        customer_information: { ...customer(), N },
      });
    // 1e-400 is no double: it read as 0, where 1e400 is refused as Infinity.
    for (const N of ['0x10', '0b101', '0o17', '1e-400', '1e400']) {
      const refused = await bookN(N, 10).expect(400);
      expect([N, refused.body.code, refused.body.details]).toEqual([
        N,
        'validation_failed',
        [{ field: 'customer_information.N', message: 'must be a number' }],
      ]);
    }
    const taken = await bookN('-1.5e1', 10).expect(201);
    expect(taken.body.customer_information.N).toBe(-15);
    const zero = await bookN('0.0e-400', 11).expect(201);
    expect(zero.body.customer_information.N).toBe(0);
  });

  it('counts characters as a person does: 200 emoji are a title of 200 characters, 201 are refused', async () => {
    const emoji = (count: number) => '\u{1F600}'.repeat(count);
    const send = (method: 'post' | 'patch', path: string, body: object) =>
      t.http()[method](`/api/v1/${path}`).set(AUTH).send(body);
    const titled = await send('post', 'appointment-types', { title: emoji(200), duration: 30 }).expect(201);
    const member = await send('post', 'team-members', {
      name: emoji(200),
      email: 'emoji@example.com',
    }).expect(201);
    const booked = await book({
      appointment_type_id: titled.body.id,
      start_date: '2030-01-11T10:00:00Z',
      customer_information: { Name: emoji(1000), Email: 'emoji@example.com' },
    }).expect(201);
    expect(booked.body.customer_information.Name).toBe(emoji(1000));
    // The customer keeps the first 200 characters, each emoji whole.
    const customerOf = await t
      .http()
      .get(`/api/v1/customers/${booked.body.customer_id}`)
      .set(AUTH)
      .expect(200);
    expect(customerOf.body.name).toBe(emoji(200));
    // Stored as sent, on PostgreSQL in its varchar(200) too.
    const stored = await t.http().get(`/api/v1/appointment-types/${titled.body.id}`).set(AUTH).expect(200);
    expect(stored.body.title).toBe(emoji(200));
    expect(member.body.name).toBe(emoji(200));

    const refusals = [
      [
        send('post', 'appointment-types', { title: emoji(201), duration: 30 }),
        'title',
        'must be text of 1 to 200 characters',
      ],
      [
        send('patch', `team-members/${member.body.id}`, { name: emoji(201) }),
        'name',
        'must be text of 1 to 200 characters',
      ],
      [
        book({
          appointment_type_id: titled.body.id,
          start_date: '2030-01-11T11:00:00Z',
          customer_information: { Name: emoji(1001), Email: 'emoji@example.com' },
        }),
        'customer_information.Name',
        'must be text of at most 1000 characters',
      ],
    ] as const;
    for (const [request, field, message] of refusals) {
      const response = await request;
      expect([response.status, response.body.details]).toEqual([400, [{ field, message }]]);
    }
  });

  it('walks the lifecycle: edit, reschedule, cancel, rebook the freed slot', async () => {
    const booked = await book({
      appointment_type_id: typeId,
      start_date: '2030-02-04T10:00:00Z',
      customer_information: { ...customer('Eve', 'eve@example.com'), Phone: '12345' },
    }).expect(201);
    const id = booked.body.id;
    recorder.clear();

    const edited = await t
      .http()
      .patch(`/api/v1/appointments/${id}`)
      .set(AUTH)
      .send({ payment_method: 'stripe', payment_received: 100 })
      .expect(200);
    expect(edited.body).toMatchObject({ payment_method: 'stripe', payment_received: 100 });
    expect(names()).toEqual(['appointment.edited']);
    expect(recorder.events[0].payload.data_before).toEqual({ payment_method: null, payment_received: 0 });

    recorder.clear();
    await t
      .http()
      .patch(`/api/v1/appointments/${id}`)
      .set(AUTH)
      .send({ payment_method: 'stripe' })
      .expect(200);
    expect(names()).toEqual([]);

    const moved = await t
      .http()
      .patch(`/api/v1/appointments/${id}`)
      .set(AUTH)
      .send({ start_date: '2030-02-04T13:00:00Z' })
      .expect(200);
    expect(moved.body).toMatchObject({
      start_date: '2030-02-04T13:00:00.000Z',
      end_date: '2030-02-04T15:00:00.000Z',
    });
    expect(names()).toEqual(['appointment.rescheduled']);
    expect(recorder.events[0].payload.rescheduled_from_start_date).toBe('2030-02-04T10:00:00.000Z');

    recorder.clear();
    const canceled = await t.http().post(`/api/v1/appointments/${id}/cancel`).set(AUTH).expect(200);
    expect(canceled.body.status).toBe('canceled');
    expect(names()).toEqual(['appointment.canceled']);
    recorder.clear();
    await t.http().post(`/api/v1/appointments/${id}/cancel`).set(AUTH).expect(200);
    expect(names()).toEqual([]);

    const refused = await t
      .http()
      .patch(`/api/v1/appointments/${id}`)
      .set(AUTH)
      .send({ start_date: '2030-02-04T16:00:00Z' })
      .expect(409);
    expect(refused.body.code).toBe('appointment_canceled');

    const rebooked = await book({
      appointment_type_id: typeId,
      start_date: '2030-02-04T13:00:00Z',
      customer_information: { ...customer('Fay', 'fay@example.com'), Phone: '12345' },
    }).expect(201);
    expect(rebooked.body.status).toBe('booked');
    expect(names()).toEqual(['appointment.booked']);
  });

  it('a reschedule ignores the appointment being moved', async () => {
    const booked = await book({
      appointment_type_id: typeId,
      start_date: '2030-03-04T10:00:00Z',
      customer_information: { ...customer(), Phone: '12345' },
    }).expect(201);
    const moved = await t
      .http()
      .patch(`/api/v1/appointments/${booked.body.id}`)
      .set(AUTH)
      .send({ start_date: '2030-03-04T11:00:00Z' })
      .expect(200);
    expect(moved.body.start_date).toBe('2030-03-04T11:00:00.000Z');
  });

  it('moves pending_payment into booked with appointment.booked', async () => {
    const pending = await book({
      appointment_type_id: typeId,
      status: 'pending_payment',
      start_date: '2030-03-05T10:00:00Z',
      customer_information: { ...customer(), Phone: '12345' },
    }).expect(201);
    expect(names()).toEqual([]);
    const blocked = await book({
      appointment_type_id: typeId,
      start_date: '2030-03-05T10:00:00Z',
      customer_information: { ...customer(), Phone: '12345' },
    });
    expect(blocked.body.code).toBe('slot_unavailable');
    await t
      .http()
      .patch(`/api/v1/appointments/${pending.body.id}`)
      .set(AUTH)
      .send({ status: 'booked', payment_received: 100 })
      .expect(200);
    expect(names()).toEqual(['appointment.booked']);
  });

  it('assigns the free host with the fewest appointments and blocks hosts across types', async () => {
    const first = await book({
      appointment_type_id: hostedTypeId,
      start_date: '2030-04-01T09:00:00Z',
      customer_information: customer(),
    }).expect(201);
    expect(first.body.team_member_ids).toEqual([ann]);
    const second = await book({
      appointment_type_id: hostedTypeId,
      start_date: '2030-04-01T09:00:00Z',
      customer_information: customer(),
    }).expect(201);
    expect(second.body.team_member_ids).toEqual([bob]);
    expect(recorder.events[1].payload.appointment.team_members).toEqual([
      { id: bob, wp_user_id: 0, name: 'Bob', display_name: 'Bob', email: 'bob@example.com' },
    ]);
    const third = await book({
      appointment_type_id: hostedTypeId,
      start_date: '2030-04-01T09:00:00Z',
      customer_information: customer(),
    }).expect(409);
    expect(third.body.code).toBe('slot_unavailable');
    const later = await book({
      appointment_type_id: hostedTypeId,
      start_date: '2030-04-01T10:00:00Z',
      customer_information: customer(),
    }).expect(201);
    expect(later.body.team_member_ids).toEqual([ann]);

    const availability = await t
      .http()
      .get(`/api/v1/appointment-types/${hostedTypeId}/availability?start_date=2030-04-01&end_date=2030-04-01`)
      .set(AUTH)
      .expect(200);
    const at = (iso: string) =>
      availability.body.slots.find((slot: { start_date: string }) => slot.start_date === iso);
    expect(at('2030-04-01T09:00:00.000Z')).toBeUndefined();
    expect(at('2030-04-01T10:00:00.000Z')).toMatchObject({ seats_remaining: 1 });
    expect(at('2030-04-01T11:00:00.000Z')).toMatchObject({ seats_remaining: 2 });
  });

  it('counts an appointment of another type that has several of the hosts once', async () => {
    // Created first: the lowest id wins a tie in the host choice.
    const erin = (await createMember(t)).id;
    const carl = (await createMember(t)).id;
    const dana = (await createMember(t)).id;
    const other = (await createType(t, { team_member_ids: [erin, carl, dana] })).id;
    const own = (await createType(t, { team_member_ids: [erin, carl, dana] })).id;
    const otherBooking = (start: string, hosts: number[]) =>
      book({
        appointment_type_id: other,
        start_date: start,
        team_member_ids: hosts,
        customer_information: customer(),
      }).expect(201);
    await otherBooking('2030-05-01T08:00:00Z', [carl, dana]);
    await otherBooking('2030-05-01T10:00:00Z', [erin]);
    await otherBooking('2030-05-01T11:00:00Z', [erin]);
    // That day erin hosts 2, carl and dana 1 each: carl is the least busy (were the shared one counted
    // per host row, all three would have 2 and erin would win).
    const booked = await book({
      appointment_type_id: own,
      start_date: '2030-05-01T14:00:00Z',
      customer_information: customer(),
    }).expect(201);
    expect(booked.body.team_member_ids).toEqual([carl]);
    const availability = await t
      .http()
      .get(`/api/v1/appointment-types/${own}/availability?start_date=2030-05-01&end_date=2030-05-01`)
      .set(AUTH)
      .expect(200);
    const at = (iso: string) =>
      availability.body.slots.find((slot: { start_date: string }) => slot.start_date === iso);
    expect(at('2030-05-01T08:00:00.000Z')).toMatchObject({ seats_remaining: 1 });
    expect(at('2030-05-01T09:00:00.000Z')).toMatchObject({ seats_remaining: 3 });
  });

  it('removes a deleted team member from future appointments, each then edited', async () => {
    const carl = (await createMember(t, { name: 'Carl', email: 'carl@example.com' })).id;
    const booked = await book({
      appointment_type_id: hostedTypeId,
      team_member_ids: [carl],
      start_date: '2030-05-01T09:00:00Z',
      customer_information: customer(),
    }).expect(201);
    expect(booked.body.team_member_ids).toEqual([carl]);
    recorder.clear();
    await t.http().delete(`/api/v1/team-members/${carl}`).set(AUTH).expect(204);
    // The appointments module hears of the deletion just after the response.
    await eventually(async () => {
      const after = await t.http().get(`/api/v1/appointments/${booked.body.id}`).set(AUTH).expect(200);
      expect(after.body.team_member_ids).toEqual([]);
    });
    await eventually(() => expect(names()).toEqual(['appointment.edited']));
    expect(recorder.events[0].payload.data_before.team_members).toEqual([
      { id: carl, wp_user_id: 0, name: 'Carl', display_name: 'Carl', email: 'carl@example.com' },
    ]);
  });

  it('does not take a host deleted since to the new time of a past appointment it moves', async () => {
    const stay = (await createMember(t, { name: 'Stay', email: 'stay@example.com' })).id;
    const leave = (await createMember(t, { name: 'Leave', email: 'leave@example.com' })).id;
    const hosted = (await createType(t, { title: 'Both hosts', team_member_ids: [stay, leave] })).id;
    const hostless = (await createType(t, { title: 'No hosts' })).id;
    const past = (typeId: number) =>
      book({
        appointment_type_id: typeId,
        team_member_ids: [leave],
        ignore_availability: true,
        start_date: '2020-01-06T09:00:00Z',
        customer_information: customer(),
      }).expect(201);
    const [onHosted, onHostless] = [(await past(hosted)).body, (await past(hostless)).body];
    await t.http().delete(`/api/v1/team-members/${leave}`).set(AUTH).expect(204);
    // The delete leaves the past alone.
    await t
      .http()
      .get(`/api/v1/appointments/${onHosted.id}`)
      .set(AUTH)
      .expect(200, /"team_member_ids":\[\d+\]/);
    // Its move is offered only where a host left is free: the deleted one is no free calendar.
    await book({
      appointment_type_id: hosted,
      team_member_ids: [stay],
      start_date: '2030-05-06T11:00:00Z',
      customer_information: customer('Busy', 'busy@example.com'),
    }).expect(201);
    const token = String(new URL(onHosted.public_edit_url).pathname.split('/').pop());
    // Begun long ago, it is no longer its customer's to move (409 appointment_started); the admin's, by the rules.
    await t
      .http()
      .get(`/api/v1/public/appointments/${token}/availability?start_date=2030-05-06&end_date=2030-05-06`)
      .expect(409, /appointment_started/);
    const refused = await t
      .http()
      .patch(`/api/v1/appointments/${onHosted.id}`)
      .set(AUTH)
      .send({ start_date: '2030-05-06T11:00:00Z' });
    expect([refused.status, refused.body.code]).toEqual([409, 'slot_unavailable']);
    const move = (id: number, start: string) =>
      t.http().patch(`/api/v1/appointments/${id}`).set(AUTH).send({ start_date: start }).expect(200);
    // Moved by the rules: the type picks among its hosts left; a type without hosts is its own calendar.
    expect((await move(onHosted.id, '2030-05-06T09:00:00Z')).body.team_member_ids).toEqual([stay]);
    expect((await move(onHostless.id, '2030-05-06T10:00:00Z')).body.team_member_ids).toEqual([]);
  });

  it('lists with each filter and pagination', async () => {
    const all = await t.http().get('/api/v1/appointments?limit=200').set(AUTH).expect(200);
    expect(all.body.meta.total).toBe(all.body.data.length);
    const starts = all.body.data.map((a: { start_date: string }) => a.start_date);
    expect([...starts].sort()).toEqual(starts);
    const check = async (query: string, predicate: (a: any) => boolean) => {
      const response = await t.http().get(`/api/v1/appointments?${query}&limit=200`).set(AUTH).expect(200);
      expect(response.body.data.length).toBeGreaterThan(0);
      expect(response.body.data.every(predicate)).toBe(true);
      expect(response.body.data.length).toBe(all.body.data.filter(predicate).length);
    };
    await check('status=canceled', (a) => a.status === 'canceled');
    await check(`appointment_type_id=${hostedTypeId}`, (a) => a.appointment_type_id === hostedTypeId);
    await check(`team_member_id=${bob}`, (a) => a.team_member_ids.includes(bob));
    const customerId = all.body.data[0].customer_id;
    await check(`customer_id=${customerId}`, (a) => a.customer_id === customerId);
    await check('start_after=2030-03-01T00:00:00Z', (a) => a.start_date >= '2030-03-01T00:00:00.000Z');
    await check('start_before=2030-03-01T00:00:00Z', (a) => a.start_date < '2030-03-01T00:00:00.000Z');
    const paged = await t.http().get('/api/v1/appointments?limit=2&offset=1').set(AUTH).expect(200);
    expect(paged.body.data.map((a: { id: number }) => a.id)).toEqual(
      all.body.data.slice(1, 3).map((a: { id: number }) => a.id),
    );
    const bad = await t.http().get('/api/v1/appointments?status=lost').set(AUTH).expect(400);
    expect(bad.body.details[0].field).toBe('status');
  });

  it('lets admins ignore availability, past times included', async () => {
    const response = await book({
      appointment_type_id: typeId,
      ignore_availability: true,
      start_date: '2021-06-01T10:17:00Z',
      customer_information: { ...customer(), Phone: '12345' },
    }).expect(201);
    expect(response.body.start_date).toBe('2021-06-01T10:17:00.000Z');
  });

  it('validates the availability query', async () => {
    const response = await t
      .http()
      .get(`/api/v1/appointment-types/${typeId}/availability?start_date=2030-01-10&end_date=2030-01-07`)
      .set(AUTH)
      .expect(400);
    expect(response.body.details[0].field).toBe('end_date');
    const tooLong = await t
      .http()
      .get(`/api/v1/appointment-types/${typeId}/availability?start_date=2030-01-01&end_date=2030-03-05`)
      .set(AUTH)
      .expect(400);
    expect(tooLong.body.details[0].field).toBe('end_date');
    await t
      .http()
      .get(`/api/v1/appointment-types/999/availability?start_date=2030-01-01&end_date=2030-01-02`)
      .set(AUTH)
      .expect(404);
    const tz = await t
      .http()
      .get(
        `/api/v1/appointment-types/${typeId}/availability?start_date=2030-01-08&end_date=2030-01-08&timezone=Europe/Berlin`,
      )
      .set(AUTH)
      .expect(200);
    expect(tz.body.timezone).toBe('Europe/Berlin');
    expect(tz.body.slots[0].local_start).toMatch(/\+01:00$/);
  });
});

describe('appointments: edge cases (e2e)', () => {
  let t: TestApp;
  let recorder: ReturnType<typeof recordEvents>;
  let soloTypeId: number;
  let hostedTypeId: number;
  let active: number;
  let inactive: number;

  const book = (body: object) => t.http().post('/api/v1/appointments').set(AUTH).send(body);
  const who = { Name: 'Ann', Email: 'ann@example.com' };

  beforeAll(async () => {
    t = await startTestApp({ databaseUrl: await freshDatabaseUrl() });
    recorder = recordEvents(t, 'appointment.*');
    inactive = (
      await createMember(t, { name: 'inactive', email: 'inactive@example.com', status: 'inactive' })
    ).id;
    active = (await createMember(t, { name: 'active', email: 'active@example.com', status: 'active' })).id;
    soloTypeId = (await createType(t, { title: 'Solo' })).id;
    hostedTypeId = (await createType(t, { title: 'Team', team_member_ids: [inactive, active] })).id;
  });

  afterAll(async () => {
    await t.close();
  });

  beforeEach(() => recorder.clear());

  it('keeps a type without hosts its own calendar even when a booking names a host', async () => {
    const first = await book({
      appointment_type_id: soloTypeId,
      team_member_ids: [active],
      start_date: '2030-06-03T09:00:00Z',
      customer_information: who,
    }).expect(201);
    expect(first.body.team_member_ids).toEqual([active]);
    const second = await book({
      appointment_type_id: soloTypeId,
      start_date: '2030-06-03T09:00:00Z',
      customer_information: who,
    }).expect(409);
    expect(second.body.code).toBe('slot_unavailable');
  });

  it('never assigns an inactive team member', async () => {
    const booked = await book({
      appointment_type_id: hostedTypeId,
      start_date: '2030-06-04T09:00:00Z',
      customer_information: who,
    }).expect(201);
    expect(booked.body.team_member_ids).toEqual([active]);
    const full = await book({
      appointment_type_id: hostedTypeId,
      start_date: '2030-06-04T09:00:00Z',
      customer_information: who,
    }).expect(409);
    expect(full.body.code).toBe('slot_unavailable');
  });

  it('answers 400, not 500, for date-times it cannot read unambiguously', async () => {
    for (const start_date of [
      '20300107T090000Z',
      '2030-W02-1T09:00:00Z',
      '2030-007T09:00:00Z',
      '2030-01-07T09Z',
      '2030-01-07T09:00:00',
      '2030-13-07T09:00:00Z',
    ]) {
      const response = await book({ appointment_type_id: soloTypeId, start_date, customer_information: who });
      expect({ start_date, status: response.status, field: response.body.details?.[0]?.field }).toEqual({
        start_date,
        status: 400,
        field: 'start_date',
      });
    }
    const list = await t
      .http()
      .get('/api/v1/appointments?start_after=20300101T000000Z')
      .set(AUTH)
      .expect(400);
    expect(list.body.details[0].field).toBe('start_after');
  });

  it('refuses custom field labels that every object inherits, such as constructor, and prototype', async () => {
    // An answer under such a label is refused as a field nobody can have (see the validation pipe).
    for (const label of ['constructor', 'prototype']) {
      const response = await t
        .http()
        .post('/api/v1/appointment-types')
        .set(AUTH)
        .send({ title: 'Odd', duration: 30, customer_fields: [{ label, type: 'text' }] })
        .expect(400);
      expect(response.body.details[0]).toEqual({
        field: 'customer_fields[0].label',
        message: 'is reserved; choose another label',
      });
    }
  });

  it('announces a reschedule and an edit made in one PATCH, and refuses a new time for a canceling PATCH', async () => {
    const booked = await book({
      appointment_type_id: soloTypeId,
      start_date: '2030-06-06T09:00:00Z',
      customer_information: who,
    }).expect(201);
    recorder.clear();
    await t
      .http()
      .patch(`/api/v1/appointments/${booked.body.id}`)
      .set(AUTH)
      .send({ start_date: '2030-06-06T11:00:00Z', price_full: 25 })
      .expect(200);
    expect(recorder.events.map((event) => event.name)).toEqual([
      'appointment.rescheduled',
      'appointment.edited',
    ]);
    expect(recorder.events[1].payload.data_before).toEqual({ price_full: 0 });

    recorder.clear();
    const refused = await t
      .http()
      .patch(`/api/v1/appointments/${booked.body.id}`)
      .set(AUTH)
      .send({ status: 'canceled', start_date: '2030-06-06T12:00:00Z' })
      .expect(409);
    expect(refused.body.code).toBe('appointment_canceled');
    const unchanged = await t.http().get(`/api/v1/appointments/${booked.body.id}`).set(AUTH).expect(200);
    expect(unchanged.body).toMatchObject({ status: 'booked', start_date: '2030-06-06T11:00:00.000Z' });
    expect(recorder.events).toEqual([]);
  });

  it('refuses a new time for an abandoned appointment as for a canceled one, and announces nothing after its end', async () => {
    const booked = await book({
      appointment_type_id: soloTypeId,
      start_date: '2030-06-07T09:00:00Z',
      customer_information: who,
    }).expect(201);
    const patch = (body: object) =>
      t.http().patch(`/api/v1/appointments/${booked.body.id}`).set(AUTH).send(body);

    recorder.clear();
    const abandoning = await patch({ status: 'abandoned', start_date: '2030-06-07T10:00:00Z' }).expect(409);
    expect(abandoning.body).toMatchObject({
      code: 'appointment_canceled',
      message: `appointment ${booked.body.id} would be abandoned by this change; its time cannot change`,
    });
    expect(recorder.events).toEqual([]);

    await patch({ status: 'abandoned' }).expect(200);
    expect(recorder.events.map((event) => event.name)).toEqual(['appointment.canceled']);
    recorder.clear();
    for (const body of [
      { start_date: '2030-06-07T10:00:00Z' },
      { start_date: '2030-06-07T10:00:00Z', ignore_availability: true },
      { status: 'booked', start_date: '2030-06-07T10:00:00Z' },
    ]) {
      const refused = await patch(body).expect(409);
      expect(refused.body).toMatchObject({
        code: 'appointment_canceled',
        message: `appointment ${booked.body.id} is abandoned; its time cannot change`,
      });
    }
    const unchanged = await t.http().get(`/api/v1/appointments/${booked.body.id}`).set(AUTH).expect(200);
    expect(unchanged.body).toMatchObject({ status: 'abandoned', start_date: '2030-06-07T09:00:00.000Z' });
    expect(recorder.events).toEqual([]);
  });
});
