import { recordEvents } from './support/events';
import { expectInvalid } from './support/expect-invalid';
import { Receiver } from './support/receiver';
import { createMember, createType, createWebhook, freshDatabaseUrl } from './support/fixtures';
import { AUTH, startTestApp, TestApp } from './support/test-app';

const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'];
const EVERY_DAY = [...WEEKDAYS, 'saturday', 'sunday'];
const hours = (days: string[], start: string, end: string) =>
  Object.fromEntries(days.map((day) => [day, [{ start, end }]]));

describe('schedules: date overrides, hosts’ own hours, blackouts (e2e)', () => {
  let t: TestApp;
  let receiver: Receiver;
  let recorder: ReturnType<typeof recordEvents>;
  let emails = 0;

  const http = () => t.http();
  const post = (path: string, body: object) => http().post(path).set(AUTH).send(body);
  const patch = (path: string, body: object) => http().patch(path).set(AUTH).send(body);
  const member = (body: object = {}) => createMember(t, { name: 'Host', ...body });
  const type = (body: object) => createType(t, { duration: 60, ...body });
  const blackout = async (body: object) => (await post('/api/v1/blackouts', body).expect(201)).body;
  const book = (body: object) =>
    post('/api/v1/appointments', {
      customer_information: { Name: 'Nathan Tyler', Email: `customer${(emails += 1)}@example.com` },
      ...body,
    });
  const slots = async (typeId: number, from: string, to: string, timezone?: string) => {
    const query = `start_date=${from}&end_date=${to}${timezone ? `&timezone=${timezone}` : ''}`;
    const response = await http()
      .get(`/api/v1/appointment-types/${typeId}/availability?${query}`)
      .set(AUTH)
      .expect(200);
    return response.body.slots as { start_date: string; local_start: string; seats_remaining: number }[];
  };
  const allAppointments = async () =>
    (await http().get('/api/v1/appointments?limit=200').set(AUTH).expect(200)).body.data;

  beforeAll(async () => {
    receiver = await Receiver.start();
    t = await startTestApp({ databaseUrl: await freshDatabaseUrl() });
    recorder = recordEvents(t, 'appointment.*');
    await createWebhook(t, { title: 'CRM', url: receiver.url('/crm') });
  });

  afterAll(async () => {
    await t.close();
    await receiver.close();
  });

  it('a site blackout over a week empties availability and refuses bookings and reschedules into it', async () => {
    const clinic = await type({
      title: 'Clinic',
      timezone: 'Europe/Berlin',
      availability: hours(WEEKDAYS, '09:00', '17:00'),
    });
    const before = await book({
      appointment_type_id: clinic.id,
      start_date: '2030-02-01T09:00:00+01:00',
    }).expect(201);
    expect(await slots(clinic.id, '2030-02-04', '2030-02-10')).toHaveLength(40);

    const week = await blackout({
      start_date: '2030-02-04T00:00:00+01:00',
      end_date: '2030-02-11T00:00:00+01:00',
      reason: 'Closed for renovation',
    });
    expect(week).toMatchObject({
      start_date: '2030-02-03T23:00:00.000Z',
      end_date: '2030-02-10T23:00:00.000Z',
      reason: 'Closed for renovation',
      appointment_type_id: null,
      team_member_id: null,
    });
    expect(await slots(clinic.id, '2030-02-04', '2030-02-10')).toEqual([]);
    // The days around it are untouched.
    expect(await slots(clinic.id, '2030-02-01', '2030-02-01')).toHaveLength(7);
    expect(await slots(clinic.id, '2030-02-11', '2030-02-11')).toHaveLength(8);

    const refused = await book({
      appointment_type_id: clinic.id,
      start_date: '2030-02-05T10:00:00+01:00',
    }).expect(422);
    expect(refused.body.code).toBe('slot_not_offered');
    const moved = await patch(`/api/v1/appointments/${before.body.id}`, {
      start_date: '2030-02-06T10:00:00+01:00',
    }).expect(422);
    expect(moved.body.code).toBe('slot_not_offered');
    // An admin import still may.
    await book({
      appointment_type_id: clinic.id,
      start_date: '2030-02-05T10:00:00+01:00',
      ignore_availability: true,
    }).expect(201);

    await http().delete(`/api/v1/blackouts/${week.id}`).set(AUTH).expect(204);
    expect(await slots(clinic.id, '2030-02-04', '2030-02-04')).toHaveLength(8);
  });

  it('a member blackout moves "any available" bookings to the other host', async () => {
    const ann = await member({ name: 'Ann' });
    const bob = await member({ name: 'Bob' });
    const desk = await type({
      title: 'Desk',
      timezone: 'UTC',
      duration: 30,
      availability: hours(WEEKDAYS, '09:00', '17:00'),
      team_member_ids: [ann.id, bob.id],
    });
    // Without the blackout the tie goes to the lower id (Ann).
    const control = await book({ appointment_type_id: desk.id, start_date: '2030-03-05T10:00:00Z' }).expect(
      201,
    );
    expect(control.body.team_member_ids).toEqual([ann.id]);

    await blackout({
      start_date: '2030-03-04T00:00:00Z',
      end_date: '2030-03-05T00:00:00Z',
      team_member_id: ann.id,
    });
    const [ten] = (await slots(desk.id, '2030-03-04', '2030-03-04')).filter(
      (s) => s.start_date === '2030-03-04T10:00:00.000Z',
    );
    expect(ten.seats_remaining).toBe(1);

    const first = await book({ appointment_type_id: desk.id, start_date: '2030-03-04T10:00:00Z' }).expect(
      201,
    );
    expect(first.body.team_member_ids).toEqual([bob.id]);
    // Bob is taken and Ann is away: the slot exists but nobody is free.
    const second = await book({ appointment_type_id: desk.id, start_date: '2030-03-04T10:00:00Z' }).expect(
      409,
    );
    expect(second.body.code).toBe('slot_unavailable');
    // Asking for Ann herself: the type offers the time, but she is away, i.e. busy (409, as if booked).
    const withAnn = await book({
      appointment_type_id: desk.id,
      start_date: '2030-03-04T11:00:00Z',
      team_member_ids: [ann.id],
    }).expect(409);
    expect(withAnn.body.code).toBe('slot_unavailable');
  });

  it('a date override opens a Saturday and another closes a Monday', async () => {
    const shop = await type({
      title: 'Shop',
      timezone: 'Europe/Berlin',
      availability: hours(WEEKDAYS, '09:00', '17:00'),
    });
    expect(await slots(shop.id, '2030-01-12', '2030-01-12')).toEqual([]);
    const refusedBefore = await book({
      appointment_type_id: shop.id,
      start_date: '2030-01-12T10:00:00+01:00',
    }).expect(422);
    expect(refusedBefore.body.code).toBe('slot_not_offered');

    const patched = await patch(`/api/v1/appointment-types/${shop.id}`, {
      date_overrides: [
        { date: '2030-01-14', windows: [] },
        { date: '2030-01-12', windows: [{ start: '10:00', end: '12:00' }] },
      ],
    }).expect(200);
    expect(patched.body.date_overrides).toEqual([
      { date: '2030-01-12', windows: [{ start: '10:00', end: '12:00' }] },
      { date: '2030-01-14', windows: [] },
    ]);
    const fetched = await http().get(`/api/v1/appointment-types/${shop.id}`).set(AUTH).expect(200);
    expect(fetched.body.date_overrides).toEqual(patched.body.date_overrides);

    const weekend = await slots(shop.id, '2030-01-12', '2030-01-14');
    expect(weekend.map((slot) => slot.local_start)).toEqual([
      '2030-01-12T10:00:00+01:00',
      '2030-01-12T11:00:00+01:00',
    ]);
    await book({ appointment_type_id: shop.id, start_date: '2030-01-12T10:00:00+01:00' }).expect(201);
    const sunday = await book({
      appointment_type_id: shop.id,
      start_date: '2030-01-13T10:00:00+01:00',
    }).expect(422);
    expect(sunday.body.code).toBe('slot_not_offered');
    const closedMonday = await book({
      appointment_type_id: shop.id,
      start_date: '2030-01-14T10:00:00+01:00',
    }).expect(422);
    expect(closedMonday.body.code).toBe('slot_not_offered');
    // The Tuesday after keeps its weekly hours.
    expect(await slots(shop.id, '2030-01-15', '2030-01-15')).toHaveLength(8);

    const created = await type({
      title: 'Shop 2',
      date_overrides: [{ date: '2030-01-12', windows: [{ start: '09:00', end: '24:00' }] }],
    });
    expect(created.date_overrides).toEqual([
      { date: '2030-01-12', windows: [{ start: '09:00', end: '24:00' }] },
    ]);
  });

  it('a host working 09:00–12:00 in Asia/Kolkata on a Europe/Berlin type is offered only in the overlap', async () => {
    const kiran = await member({
      name: 'Kiran',
      timezone: 'Asia/Kolkata',
      availability: hours(EVERY_DAY, '09:00', '12:00'),
    });
    expect(kiran).toMatchObject({
      timezone: 'Asia/Kolkata',
      availability: hours(EVERY_DAY, '09:00', '12:00'),
      date_overrides: [],
    });
    const early = await type({
      title: 'Early',
      duration: 30,
      timezone: 'Europe/Berlin',
      availability: hours(WEEKDAYS, '06:00', '10:00'),
      team_member_ids: [kiran.id],
    });
    // Kolkata 09:00–12:00 is Berlin 04:30–07:30 in January: the overlap with 06:00–10:00 is 06:00–07:30.
    const monday = await slots(early.id, '2030-01-07', '2030-01-07');
    expect(monday.map((slot) => slot.local_start)).toEqual([
      '2030-01-07T06:00:00+01:00',
      '2030-01-07T06:30:00+01:00',
      '2030-01-07T07:00:00+01:00',
    ]);
    const outside = await book({
      appointment_type_id: early.id,
      start_date: '2030-01-07T07:30:00+01:00',
    }).expect(422);
    expect(outside.body.code).toBe('slot_not_offered');
    const inside = await book({
      appointment_type_id: early.id,
      start_date: '2030-01-07T07:00:00+01:00',
    }).expect(201);
    expect(inside.body.team_member_ids).toEqual([kiran.id]);

    // A day off by override; back to following the type once the hours are cleared.
    await patch(`/api/v1/team-members/${kiran.id}`, {
      date_overrides: [{ date: '2030-01-08', windows: [] }],
    }).expect(200);
    expect(await slots(early.id, '2030-01-08', '2030-01-08')).toEqual([]);
    const cleared = await patch(`/api/v1/team-members/${kiran.id}`, {
      availability: null,
      date_overrides: [],
    }).expect(200);
    expect(cleared.body).toMatchObject({ availability: null, date_overrides: [] });
    expect(await slots(early.id, '2030-01-08', '2030-01-08')).toHaveLength(8);
  });

  it('lists appointments stranded by a new blackout with ?conflicts=true, and never moves or cancels them', async () => {
    const host = await member({ name: 'Hana', timezone: 'UTC' });
    const lab = await type({
      title: 'Lab',
      timezone: 'UTC',
      availability: hours(WEEKDAYS, '09:00', '17:00'),
      team_member_ids: [host.id],
    });
    const stranded = await book({ appointment_type_id: lab.id, start_date: '2030-04-01T10:00:00Z' }).expect(
      201,
    );
    const fits = await book({ appointment_type_id: lab.id, start_date: '2030-04-01T14:00:00Z' }).expect(201);
    const byHours = await book({ appointment_type_id: lab.id, start_date: '2030-04-02T15:00:00Z' }).expect(
      201,
    );
    const conflicts = (query = '') =>
      http()
        .get(`/api/v1/appointments?conflicts=true&appointment_type_id=${lab.id}${query}`)
        .set(AUTH)
        .expect(200);
    expect((await conflicts()).body).toEqual({ data: [], meta: { total: 0, limit: 50, offset: 0 } });

    await blackout({
      start_date: '2030-04-01T09:00:00Z',
      end_date: '2030-04-01T12:00:00Z',
      appointment_type_id: lab.id,
    });
    await patch(`/api/v1/team-members/${host.id}`, {
      availability: hours(WEEKDAYS, '08:00', '15:00'),
    }).expect(200);

    const listed = (await conflicts()).body;
    expect(listed.meta).toEqual({ total: 2, limit: 50, offset: 0 });
    expect(listed.data.map((a: any) => [a.id, a.schedule_conflict])).toEqual([
      [stranded.body.id, 'blackout'],
      [byHours.body.id, 'outside_host_hours'],
    ]);
    expect(listed.data[0]).toMatchObject({ ...stranded.body, date_modified: expect.any(String) });
    const second = (await conflicts('&limit=1&offset=1')).body;
    expect(second.meta).toEqual({ total: 2, limit: 1, offset: 1 });
    expect(second.data.map((a: any) => a.id)).toEqual([byHours.body.id]);

    // Kept as they were: booked, same time, same host.
    for (const appointment of [stranded, fits, byHours]) {
      const now = await http().get(`/api/v1/appointments/${appointment.body.id}`).set(AUTH).expect(200);
      expect(now.body).toEqual(appointment.body);
    }
    // The plain list has no conflict field; a canceled one is not a conflict.
    const plain = await http()
      .get(`/api/v1/appointments?appointment_type_id=${lab.id}`)
      .set(AUTH)
      .expect(200);
    expect(plain.body.data[0]).not.toHaveProperty('schedule_conflict');
    await http().post(`/api/v1/appointments/${stranded.body.id}/cancel`).set(AUTH).send({}).expect(200);
    expect((await conflicts()).body.data.map((a: any) => a.id)).toEqual([byHours.body.id]);

    const invalid = await http().get('/api/v1/appointments?conflicts=maybe').set(AUTH);
    expectInvalid(invalid, 'conflicts');
  });

  it('schedule edits announce nothing to webhooks and change no appointment', async () => {
    const host = await member({ name: 'Quiet' });
    const quiet = await type({
      title: 'Quiet',
      timezone: 'UTC',
      availability: hours(WEEKDAYS, '09:00', '17:00'),
      team_member_ids: [host.id],
    });
    await book({ appointment_type_id: quiet.id, start_date: '2030-05-06T10:00:00Z' }).expect(201);
    // Every appointment event so far has reached the receiver (one webhook, all triggers).
    const announced = recorder.events.length;
    await receiver.waitFor('/crm', (requests) => requests.length >= announced);
    const appointmentsBefore = await allAppointments();
    const received = receiver.received('/crm').length;
    recorder.clear();

    await patch(`/api/v1/appointment-types/${quiet.id}`, {
      date_overrides: [{ date: '2030-05-06', windows: [] }],
    }).expect(200);
    await patch(`/api/v1/team-members/${host.id}`, {
      timezone: 'Asia/Tokyo',
      availability: hours(['friday'], '09:00', '10:00'),
    }).expect(200);
    const site = await blackout({
      start_date: '2030-05-01T00:00:00Z',
      end_date: '2030-05-31T00:00:00Z',
      reason: 'May',
    });
    await patch(`/api/v1/blackouts/${site.id}`, {
      reason: 'All of May',
      end_date: '2030-06-01T00:00:00Z',
    }).expect(200);
    const memberBlackout = await blackout({
      start_date: '2030-05-06T00:00:00Z',
      end_date: '2030-05-07T00:00:00Z',
      team_member_id: host.id,
    });
    await http().delete(`/api/v1/blackouts/${memberBlackout.id}`).set(AUTH).expect(204);

    expect(recorder.events).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(receiver.received('/crm')).toHaveLength(received);
    expect(await allAppointments()).toEqual(appointmentsBefore);
    await http().delete(`/api/v1/blackouts/${site.id}`).set(AUTH).expect(204);
  });

  it('manages blackouts: list, get, patch, delete, and a deleted member takes its blackouts along', async () => {
    const gone = await member({ name: 'Gone' });
    const kinds = await type({ title: 'Kinds' });
    const a = await blackout({
      start_date: '2031-01-02T00:00:00Z',
      end_date: '2031-01-03T00:00:00Z',
      appointment_type_id: kinds.id,
    });
    const b = await blackout({
      start_date: '2031-01-01T00:00:00Z',
      end_date: '2031-01-02T00:00:00Z',
      team_member_id: gone.id,
    });
    const list = await http().get('/api/v1/blackouts').set(AUTH).expect(200);
    const ids = list.body.data.map((row: any) => row.id);
    expect(ids.indexOf(b.id)).toBeLessThan(ids.indexOf(a.id));
    expect((await http().get(`/api/v1/blackouts/${a.id}`).set(AUTH).expect(200)).body).toEqual(a);

    // Changing scope: a type blackout becomes a site one.
    const widened = await patch(`/api/v1/blackouts/${a.id}`, { appointment_type_id: null }).expect(200);
    expect(widened.body).toMatchObject({ appointment_type_id: null, team_member_id: null });
    await http().delete(`/api/v1/blackouts/${a.id}`).set(AUTH).expect(204);
    await http().get(`/api/v1/blackouts/${a.id}`).set(AUTH).expect(404);

    await http().delete(`/api/v1/team-members/${gone.id}`).set(AUTH).expect(204);
    await http().get(`/api/v1/blackouts/${b.id}`).set(AUTH).expect(404);
    await http().get('/api/v1/blackouts').expect(401);
  });

  describe('validation', () => {
    const expect400 = async (request: Promise<any>, field: string, code = 'validation_failed') =>
      expectInvalid(await request, field, code);

    it('refuses overlapping, reversed and malformed windows and duplicate override dates', async () => {
      await expect400(
        post('/api/v1/appointment-types', {
          title: 'Bad',
          duration: 30,
          date_overrides: [
            {
              date: '2030-01-12',
              windows: [
                { start: '09:00', end: '12:00' },
                { start: '11:00', end: '13:00' },
              ],
            },
          ],
        }),
        'date_overrides[0].windows',
      );
      await expect400(
        post('/api/v1/appointment-types', {
          title: 'Bad',
          duration: 30,
          date_overrides: [
            { date: '2030-01-12', windows: [] },
            { date: '2030-01-12', windows: [{ start: '09:00', end: '10:00' }] },
          ],
        }),
        'date_overrides',
      );
      await expect400(
        post('/api/v1/appointment-types', {
          title: 'Bad',
          duration: 30,
          date_overrides: [{ date: '2030-02-30', windows: [] }],
        }),
        'date_overrides[0].date',
      );
      await expect400(
        post('/api/v1/appointment-types', {
          title: 'Bad',
          duration: 30,
          date_overrides: [{ date: '2030-01-12', windows: [{ start: '12:00', end: '09:00' }] }],
        }),
        'date_overrides[0].windows[0].end',
      );
      await expect400(
        post('/api/v1/appointment-types', {
          title: 'Bad',
          duration: 30,
          date_overrides: [{ date: '2030-01-12', windows: [{ start: '9:00', end: '24:30' }] }],
        }),
        'date_overrides[0].windows[0].start',
      );
      const shop = await type({ title: 'Valid' });
      await expect400(
        patch(`/api/v1/appointment-types/${shop.id}`, { date_overrides: null }),
        'date_overrides',
      );
      await expect400(
        patch(`/api/v1/appointment-types/${shop.id}`, { date_overrides: [{ date: '2030-01-12' }] }),
        'date_overrides[0].windows',
      );
    });

    it('refuses a bad zone, overlapping hours and overrides without hours on a team member', async () => {
      await expect400(
        post('/api/v1/team-members', { name: 'X', email: 'x1@example.com', timezone: 'Mars/Olympus' }),
        'timezone',
      );
      await expect400(
        post('/api/v1/team-members', { name: 'X', email: 'x2@example.com', timezone: '+05:30' }),
        'timezone',
      );
      await expect400(
        post('/api/v1/team-members', {
          name: 'X',
          email: 'x3@example.com',
          availability: {
            monday: [
              { start: '09:00', end: '12:00' },
              { start: '10:00', end: '11:00' },
            ],
          },
        }),
        'availability.monday',
      );
      await expect400(
        post('/api/v1/team-members', {
          name: 'X',
          email: 'x4@example.com',
          availability: hours(['monday'], '09:00', '12:00'),
          date_overrides: [
            { date: '2030-01-07', windows: [] },
            { date: '2030-01-07', windows: [] },
          ],
        }),
        'date_overrides',
      );
      await expect400(
        post('/api/v1/team-members', {
          name: 'X',
          email: 'x5@example.com',
          date_overrides: [{ date: '2030-01-07', windows: [] }],
        }),
        'date_overrides',
      );
      const x = await member();
      await expect400(patch(`/api/v1/team-members/${x.id}`, { timezone: null }), 'timezone');
      await expect400(
        patch(`/api/v1/team-members/${x.id}`, { availability: { funday: [] } }),
        'availability.funday',
      );
    });

    it('refuses reversed, over-long, doubly scoped and dangling blackouts', async () => {
      const m = await member();
      const k = await type({ title: 'Scoped' });
      const span = { start_date: '2030-06-01T00:00:00Z', end_date: '2030-06-02T00:00:00Z' };
      await expect400(post('/api/v1/blackouts', { ...span, end_date: span.start_date }), 'end_date');
      await expect400(post('/api/v1/blackouts', { ...span, end_date: '2030-05-31T00:00:00Z' }), 'end_date');
      await expect400(post('/api/v1/blackouts', { ...span, end_date: '2031-06-02T00:00:01Z' }), 'end_date');
      await post('/api/v1/blackouts', { ...span, end_date: '2031-06-02T00:00:00Z' }).expect(201);
      await expect400(post('/api/v1/blackouts', { ...span, start_date: 'tomorrow' }), 'start_date');
      await expect400(
        post('/api/v1/blackouts', { ...span, appointment_type_id: k.id, team_member_id: m.id }),
        'team_member_id',
      );
      await expect400(
        post('/api/v1/blackouts', { ...span, appointment_type_id: 999999 }),
        'appointment_type_id',
      );
      await expect400(
        post('/api/v1/blackouts', { ...span, team_member_id: 999999 }),
        'team_member_id',
        'unknown_team_member',
      );
      await expect400(post('/api/v1/blackouts', { ...span, team_member_id: 0 }), 'team_member_id');
      await expect400(post('/api/v1/blackouts', { ...span, reason: 'x'.repeat(501) }), 'reason');
      await expect400(post('/api/v1/blackouts', { ...span, extra: 1 }), 'extra');

      const scoped = await blackout({ ...span, appointment_type_id: k.id });
      await expect400(patch(`/api/v1/blackouts/${scoped.id}`, { team_member_id: m.id }), 'team_member_id');
      await expect400(
        patch(`/api/v1/blackouts/${scoped.id}`, { end_date: '2030-05-01T00:00:00Z' }),
        'end_date',
      );
      await expect400(patch(`/api/v1/blackouts/${scoped.id}`, { start_date: null }), 'start_date');
      // Refused PATCHes left it as it was.
      expect((await http().get(`/api/v1/blackouts/${scoped.id}`).set(AUTH).expect(200)).body).toEqual(scoped);
      await http().patch('/api/v1/blackouts/999999').set(AUTH).send({ reason: 'x' }).expect(404);
    });
  });

  describe('concurrent writes', () => {
    const span = { start_date: '2031-01-01T00:00:00Z', end_date: '2031-01-10T00:00:00Z' };

    it('a blackout racing the delete of its type or member is a 400, never a 500', async () => {
      const statuses = new Set<number>();
      for (let round = 0; round < 15; round++) {
        const doomed = await type({ title: `Doomed ${round}` });
        const leaving = await member();
        const answers = await Promise.all([
          post('/api/v1/blackouts', { ...span, appointment_type_id: doomed.id }),
          http().delete(`/api/v1/appointment-types/${doomed.id}`).set(AUTH),
          post('/api/v1/blackouts', { ...span, team_member_id: leaving.id }),
          http().delete(`/api/v1/team-members/${leaving.id}`).set(AUTH),
        ]);
        for (const answer of [answers[0], answers[2]]) {
          statuses.add(answer.status);
          expect([201, 400]).toContain(answer.status);
        }
        expect(answers[1].status).toBe(204);
        expect(answers[3].status).toBe(204);
      }
      // Whoever won, no blackout names a type or member that is gone (deletes cascade to blackouts).
      const all = (await http().get('/api/v1/blackouts?limit=200').set(AUTH).expect(200)).body.data;
      for (const row of all) {
        if (row.appointment_type_id !== null) {
          await http().get(`/api/v1/appointment-types/${row.appointment_type_id}`).set(AUTH).expect(200);
        }
        if (row.team_member_id !== null) {
          await http().get(`/api/v1/team-members/${row.team_member_id}`).set(AUTH).expect(200);
        }
      }
      expect(statuses.size).toBeGreaterThan(0);
    });

    it('two PATCHes of one blackout, each valid alone, never store an invalid blackout', async () => {
      const m = await member();
      const k = await type({ title: 'Patched twice' });
      for (let round = 0; round < 15; round++) {
        const target = await blackout(span);
        const [later, earlier, typed, membered] = await Promise.all([
          patch(`/api/v1/blackouts/${target.id}`, { start_date: '2031-01-08T00:00:00Z' }),
          patch(`/api/v1/blackouts/${target.id}`, { end_date: '2031-01-05T00:00:00Z' }),
          patch(`/api/v1/blackouts/${target.id}`, { appointment_type_id: k.id }),
          patch(`/api/v1/blackouts/${target.id}`, { team_member_id: m.id }),
        ]);
        // Exactly one of each conflicting pair can succeed; the other sees the first one's result.
        expect([later.status, earlier.status].sort()).toEqual([200, 400]);
        expect([typed.status, membered.status].sort()).toEqual([200, 400]);
        const stored = (await http().get(`/api/v1/blackouts/${target.id}`).set(AUTH).expect(200)).body;
        expect(Date.parse(stored.start_date)).toBeLessThan(Date.parse(stored.end_date));
        expect(stored.appointment_type_id === null || stored.team_member_id === null).toBe(true);
      }
    });
  });
});
