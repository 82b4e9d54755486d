import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { AppointmentsService } from '../src/appointments/appointments.service';
import { TOKEN_LOOKUP_FLOOR_MS } from '../src/public/public-booking.service';
import { recordEvents } from './support/events';
import { createMember, createType, EVERY_DAY, EVERY_DAY_NINE_TO_FIVE } from './support/fixtures';
import { killAll, startLoggingService, stopped } from './support/service-process';
import { ADMIN_KEY, AUTH, freshDatabaseUrl, startTestApp, TestApp } from './support/test-app';

/** Monday 2030-01-07 09:00 in Berlin, and other offered starts of the same week. */
const MONDAY_9 = '2030-01-07T08:00:00.000Z';
const MONDAY_10 = '2030-01-07T09:00:00.000Z';
const TUESDAY_11 = '2030-01-08T10:00:00.000Z';

function unfold(ics: string): string {
  return ics.replace(/\r\n[ \t]/g, '');
}

function icsField(ics: string, name: string): string | undefined {
  return new RegExp(`^${name}[:;](.*)$`, 'm').exec(unfold(ics).replace(/\r/g, ''))?.[1];
}

/** The CSRF cookie and the form token of a page, as a browser would hold them. */
function formSecrets(response: request.Response): { cookie: string; csrf: string } {
  const setCookie = ([] as string[]).concat(response.headers['set-cookie'] ?? []);
  const cookie = setCookie.map((line) => line.split(';')[0]).find((pair) => pair.includes('booking_csrf='));
  const csrf = /name="_csrf"\s+value="([^"]+)"/.exec(response.text)?.[1];
  if (!cookie || !csrf) throw new Error('the page set no CSRF cookie or form token');
  return { cookie, csrf };
}

describe('public booking routes and pages (e2e)', () => {
  let t: TestApp;
  let events: ReturnType<typeof recordEvents>;

  const book = (start: string, email = 'nathan@example.com', slug = 'consultation') =>
    t
      .http()
      .post(`/api/v1/public/appointment-types/${slug}/bookings`)
      .send({
        start_date: start,
        customer_information: { Name: 'Nathan Tyler', Email: email, Phone: '+49 30 123456' },
        customer_timezone: 'America/New_York',
      });

  beforeAll(async () => {
    t = await startTestApp({
      databaseUrl: await freshDatabaseUrl(),
      env: { PUBLIC_RATE_LIMIT: '10000', PUBLIC_RATE_LIMIT_WRITES: '10000' },
    });
    events = recordEvents(t, 'appointment.*');
    const host = await createMember(t, {
      name: 'Ann Smith',
      display_name: 'Dr. Ann',
      email: 'ann@clinic.example',
    });
    await createType(t, {
      title: 'Consultation',
      availability_increment: 60,
      timezone: 'Europe/Berlin',
      availability: EVERY_DAY_NINE_TO_FIVE,
      team_member_ids: [host.id],
      web_meeting_url: 'https://meet.example.com/room',
      web_meeting_password: 'sesame',
      customer_fields: [{ label: 'Phone', type: 'phone', required: true }],
    });
    await createType(t, { title: 'Secret plans', status: 'draft', availability: EVERY_DAY_NINE_TO_FIVE });
  });

  afterAll(async () => {
    await t.close();
    killAll();
  });

  it('shows a published type without internal fields', async () => {
    const response = await t.http().get('/api/v1/public/appointment-types/consultation').expect(200);
    expect(response.body).toEqual({
      slug: 'consultation',
      title: 'Consultation',
      description: '',
      timezone: 'Europe/Berlin',
      duration: 30,
      price: 0,
      currency: 'USD',
      customer_fields: [{ label: 'Phone', type: 'phone', required: true, options: [] }],
      booking_url: 'https://booking.example.com/book/consultation',
    });
    expect(response.text).not.toContain('sesame');
    expect(response.text).not.toContain('ann@clinic.example');
  });

  it('gives availability with local_start in the viewer’s time zone', async () => {
    const response = await t
      .http()
      .get('/api/v1/public/appointment-types/consultation/availability')
      .query({ start_date: '2030-01-07', end_date: '2030-01-07', timezone: 'America/New_York' })
      .expect(200);
    expect(response.body.timezone).toBe('America/New_York');
    expect(response.body.slots[0]).toEqual({
      start_date: MONDAY_9,
      end_date: '2030-01-07T08:30:00.000Z',
      local_start: '2030-01-07T03:00:00-05:00',
      seats_remaining: 1,
    });
  });

  it('hides a draft type from the API and the page', async () => {
    const type = await t.http().get('/api/v1/public/appointment-types/secret-plans').expect(404);
    expect(type.body).toMatchObject({ statusCode: 404, code: 'not_found' });
    await t
      .http()
      .get('/api/v1/public/appointment-types/secret-plans/availability')
      .query({ start_date: '2030-01-07', end_date: '2030-01-07' })
      .expect(404);
    const booking = await book(MONDAY_9, 'draft@example.com', 'secret-plans').expect(404);
    expect(booking.body.code).toBe('not_found');
    const page = await t.http().get('/book/secret-plans').expect(404);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.text).not.toContain('Secret plans');
    const list = await t.http().get('/api/v1/appointments').set(AUTH).query({ limit: 200 }).expect(200);
    expect(
      list.body.data.map((a: { customer_information: { Email: string } }) => a.customer_information.Email),
    ).not.toContain('draft@example.com');
  });

  it('books by slug, with availability always enforced and no admin fields accepted', async () => {
    events.clear();
    const offGrid = await book('2030-01-07T08:15:00.000Z', 'grid@example.com').expect(422);
    expect(offGrid.body.code).toBe('slot_not_offered');
    const adminField = await t
      .http()
      .post('/api/v1/public/appointment-types/consultation/bookings')
      .send({
        start_date: '2030-01-07T03:00:00.000Z',
        customer_information: { Name: 'Night Owl', Email: 'owl@example.com', Phone: '+1 555 0100' },
        ignore_availability: true,
      })
      .expect(400);
    expect(adminField.body.code).toBe('validation_failed');

    const booked = await book(MONDAY_9).expect(201);
    expect(booked.body).toMatchObject({
      status: 'booked',
      start_date: MONDAY_9,
      customer_timezone: 'America/New_York',
      appointment_type: { slug: 'consultation', title: 'Consultation', timezone: 'Europe/Berlin' },
      team_members: [{ display_name: 'Dr. Ann' }],
      web_meeting_url: 'https://meet.example.com/room',
      public_edit_url: `https://booking.example.com/appointments/change/${booked.body.token}`,
      calendar_url: `https://booking.example.com/api/v1/public/appointments/${booked.body.token}/calendar.ics`,
    });
    expect(booked.text).not.toContain('ann@clinic.example');
    expect(events.events.map((event) => event.name)).toEqual(['appointment.booked']);

    const taken = await book(MONDAY_9, 'second@example.com').expect(409);
    expect(taken.body.code).toBe('slot_unavailable');
  });

  it('answers a wrong token with 404, taking as long as a right one', async () => {
    const booked = await book(MONDAY_10, 'timing@example.com').expect(201);
    const token: string = booked.body.token;
    const wrong = `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;
    const timed = async (path: string, status: number) => {
      const started = performance.now();
      const response = await t.http().get(path).expect(status);
      return { response, ms: performance.now() - started };
    };
    for (const path of [`/api/v1/public/appointments/${wrong}`, '/api/v1/public/appointments/x']) {
      const { response, ms } = await timed(path, 404);
      expect(response.body).toMatchObject({ statusCode: 404, code: 'not_found' });
      expect(response.body.request_id).toEqual(expect.any(String));
      expect(ms).toBeGreaterThanOrEqual(TOKEN_LOOKUP_FLOOR_MS - 1);
    }
    expect((await timed(`/api/v1/public/appointments/${token}`, 200)).ms).toBeGreaterThanOrEqual(
      TOKEN_LOOKUP_FLOOR_MS - 1,
    );
    await t.http().post(`/api/v1/public/appointments/${wrong}/cancel`).expect(404);
    await t
      .http()
      .post(`/api/v1/public/appointments/${wrong}/reschedule`)
      .send({ start_date: TUESDAY_11 })
      .expect(404);
    await t.http().get(`/api/v1/public/appointments/${wrong}/calendar.ics`).expect(404);
    await t.http().get(`/api/v1/public/appointments/${token.toLowerCase()}`).expect(404);
    const page = await t.http().get(`/appointments/change/${wrong}`).expect(404);
    expect(page.headers['content-type']).toContain('text/html');
  });

  it('reschedules only to an offered slot: 422 for any other start', async () => {
    const booked = await book('2030-01-09T08:00:00.000Z', 'move@example.com').expect(201);
    const token: string = booked.body.token;
    const reschedule = (start: string) =>
      t.http().post(`/api/v1/public/appointments/${token}/reschedule`).send({ start_date: start });
    for (const start of [
      '2030-01-09T08:20:00.000Z',
      '2030-01-09T03:00:00.000Z',
      '2020-01-09T08:00:00.000Z',
    ]) {
      const refused = await reschedule(start).expect(422);
      expect(refused.body.code).toBe('slot_not_offered');
    }
    const taken = await reschedule(MONDAY_9).expect(409);
    expect(taken.body.code).toBe('slot_unavailable');
    events.clear();
    const moved = await reschedule('2030-01-09T09:00:00.000Z').expect(200);
    expect(moved.body).toMatchObject({ status: 'booked', start_date: '2030-01-09T09:00:00.000Z' });
    expect(events.events.map((event) => event.name)).toEqual(['appointment.rescheduled']);
  });

  it('answers each of concurrent changes of one appointment with its own result', async () => {
    for (const [round, day] of ['2030-01-21', '2030-01-22', '2030-01-23'].entries()) {
      const booked = await book(`${day}T08:00:00.000Z`, `race-${round}@example.com`).expect(201);
      const token: string = booked.body.token;
      const moveTo = [`${day}T09:00:00.000Z`, `${day}T10:00:00.000Z`, `${day}T11:00:00.000Z`];
      const path = `/api/v1/public/appointments/${token}`;
      const answers = await Promise.all([
        ...moveTo.map((start) => t.http().post(`${path}/reschedule`).send({ start_date: start })),
        t.http().post(`${path}/cancel`),
      ]);
      const canceled = answers.pop()!;
      const moved = answers;
      expect(canceled.status).toBe(200);
      expect(canceled.body.status).toBe('canceled');
      moved.forEach((answer, index) => {
        // Moved (then shown where this request moved it, booked), or refused: the cancel came first.
        if (answer.status === 200) {
          expect(answer.body).toMatchObject({ status: 'booked', start_date: moveTo[index] });
        } else {
          expect(answer.body.code).toBe('appointment_canceled');
        }
      });
    }
  });

  it('never moves an appointment onto a type that became a draft', async () => {
    const type = await createType(t, { title: 'Soon retired', availability: EVERY_DAY_NINE_TO_FIVE });
    const booked = await t
      .http()
      .post('/api/v1/public/appointment-types/soon-retired/bookings')
      .send({
        start_date: '2030-01-07T09:00:00.000Z',
        customer_information: { Name: 'R', Email: 'r@example.com' },
      })
      .expect(201);
    await t
      .http()
      .patch(`/api/v1/appointment-types/${type.id}`)
      .set(AUTH)
      .send({ status: 'draft' })
      .expect(200);
    const refused = await t
      .http()
      .post(`/api/v1/public/appointments/${booked.body.token}/reschedule`)
      .send({ start_date: '2030-01-07T10:00:00.000Z' })
      .expect(422);
    expect(refused.body.code).toBe('slot_not_offered');
    const page = await t.http().get(`/appointments/change/${booked.body.token}`).expect(200);
    expect(page.text).toContain('cannot be moved online');
    expect(page.text).not.toContain('/reschedule"');
    // A form posted from before the change says why, not that the time was taken.
    const { cookie, csrf } = formSecrets(await t.http().get('/book/consultation').expect(200));
    const posted = await t
      .http()
      .post(`/appointments/change/${booked.body.token}/reschedule`)
      .type('form')
      .set('Cookie', cookie)
      .send({ _csrf: csrf, tz: 'UTC', start_date: '2030-01-07T10:00:00.000Z' });
    expect(posted.status).toBe(422);
    expect(posted.text).toContain('This appointment can no longer be moved online.');
    await t.http().get('/book/soon-retired').expect(404);
    // A cancellation takes no fields: one sent is refused, not dropped unseen.
    const withField = await t
      .http()
      .post(`/api/v1/public/appointments/${booked.body.token}/cancel`)
      .send({ reason: 'changed my mind' })
      .expect(400);
    expect(withField.body).toMatchObject({
      code: 'validation_failed',
      details: [{ field: 'reason', message: 'is not a known field' }],
    });
    await t.http().post(`/api/v1/public/appointments/${booked.body.token}/cancel`).expect(200);
    // Canceled as well: both routes say so first.
    const canceled = await t
      .http()
      .post(`/api/v1/public/appointments/${booked.body.token}/reschedule`)
      .send({ start_date: '2030-01-07T10:00:00.000Z' })
      .expect(409);
    expect(canceled.body.code).toBe('appointment_canceled');
    const options = await t
      .http()
      .get(`/api/v1/public/appointments/${booked.body.token}/availability`)
      .query({ start_date: '2030-01-07', end_date: '2030-01-07' })
      .expect(409);
    expect(options.body.code).toBe('appointment_canceled');
  });

  it('reaches nothing of another appointment by a token', async () => {
    const mine = await book('2030-01-10T08:00:00.000Z', 'mine@example.com').expect(201);
    const theirs = await book('2030-01-10T09:00:00.000Z', 'theirs@example.com').expect(201);
    const view = await t.http().get(`/api/v1/public/appointments/${mine.body.token}`).expect(200);
    expect(view.text).not.toContain('theirs@example.com');
    expect(view.text).not.toContain(theirs.body.token);
    const page = await t.http().get(`/appointments/change/${mine.body.token}`).expect(200);
    expect(page.text).not.toContain('theirs@example.com');
    expect(page.text).not.toContain(theirs.body.token);
    const ics = await t.http().get(`/api/v1/public/appointments/${mine.body.token}/calendar.ics`).expect(200);
    expect(ics.text).not.toContain(theirs.body.token);
    // Paths that try to reach past the token segment find no route or no appointment.
    await t
      .http()
      .get(`/api/v1/public/appointments/${mine.body.token}%2F..%2F${theirs.body.token}`)
      .expect(404);
    await t
      .http()
      .get(`/api/v1/public/appointments/${mine.body.token}/../${theirs.body.token}/cancel`)
      .expect(404);
    await t.http().post(`/api/v1/public/appointments/${mine.body.token}/cancel`).expect(200);
    const still = await t.http().get(`/api/v1/public/appointments/${theirs.body.token}`).expect(200);
    expect(still.body.status).toBe('booked');
  });

  it('serves the calendar file of a rescheduled and of a canceled appointment', async () => {
    const booked = await book('2030-01-11T08:00:00.000Z', 'ics@example.com').expect(201);
    const token: string = booked.body.token;
    const calendar = async () => {
      const response = await t.http().get(`/api/v1/public/appointments/${token}/calendar.ics`).expect(200);
      expect(response.headers['content-type']).toBe('text/calendar; charset=utf-8');
      return response.text;
    };
    const first = await calendar();
    expect(first).toMatch(/^BEGIN:VCALENDAR\r\n/);
    expect(icsField(first, 'STATUS')).toBe('CONFIRMED');
    expect(icsField(first, 'SEQUENCE')).toBe('0');
    expect(icsField(first, 'DTSTART')).toBe('20300111T080000Z');
    const uid = icsField(first, 'UID');
    expect(uid).toMatch(/^[0-9a-f]{32}@booking\.example\.com$/);
    expect(unfold(first)).toContain(booked.body.public_edit_url);

    await t
      .http()
      .post(`/api/v1/public/appointments/${token}/reschedule`)
      .send({ start_date: '2030-01-11T12:00:00.000Z' })
      .expect(200);
    const moved = await calendar();
    expect(icsField(moved, 'UID')).toBe(uid);
    expect(icsField(moved, 'SEQUENCE')).toBe('1');
    expect(icsField(moved, 'DTSTART')).toBe('20300111T120000Z');
    expect(icsField(moved, 'DTEND')).toBe('20300111T123000Z');
    expect(icsField(moved, 'STATUS')).toBe('CONFIRMED');

    await t.http().post(`/api/v1/public/appointments/${token}/cancel`).expect(200);
    const canceled = await calendar();
    expect(icsField(canceled, 'UID')).toBe(uid);
    expect(icsField(canceled, 'STATUS')).toBe('CANCELLED');
    expect(Number(icsField(canceled, 'SEQUENCE'))).toBeGreaterThan(1);
    // A canceled entry no longer offers to change or cancel it.
    expect(unfold(canceled)).not.toContain('Change or cancel');
    expect(unfold(canceled)).toContain(`Canceled. Details: ${booked.body.public_edit_url}`);
    // The confirmation's address, kept by the customer, no longer says it is booked.
    const kept = await t.http().get(`/appointments/change/${token}`).query({ done: 'booked' }).expect(200);
    expect(kept.text).toContain('Canceled appointment');
    expect(kept.text).not.toContain('You are booked');
    expect(kept.text).not.toContain('Change or cancel later at');
    const view = await t.http().get(`/api/v1/public/appointments/${token}`).expect(200);
    expect(view.body.status).toBe('canceled');
    const refused = await t
      .http()
      .post(`/api/v1/public/appointments/${token}/reschedule`)
      .send({ start_date: '2030-01-11T13:00:00.000Z' })
      .expect(409);
    expect(refused.body.code).toBe('appointment_canceled');
  });

  it('opens the change page on the appointment’s own day, and names the type’s zone as the organizer’s time', async () => {
    const booked = await book('2030-01-16T12:00:00.000Z', 'open-on-day@example.com').expect(201);
    const path = `/appointments/change/${booked.body.token}`;
    // 13:00 in Berlin, 07:00 in New York: the same day in both.
    const page = await t.http().get(path).query({ tz: 'America/New_York' }).expect(200);
    expect(page.text).toMatch(/href="[^"]*date=2030-01-16#times"\s+aria-current="date"/);
    // Read as in the US without an Accept-Language: the month first; a day of another year with its year.
    expect(page.text).toContain('Times on Wednesday, January 16, 2030');
    // The two weeks shown are the pager's (counted from today) that hold the appointment's day.
    const from = /name="from" value="([^"]+)"/.exec(page.text)![1];
    // Counted from the visitor's today, not the type's.
    const today = new Date().toLocaleDateString('en-CA', { timeZone: 'America/New_York' });
    const days = (date: string) => Date.parse(`${date}T00:00:00Z`) / 86_400_000;
    expect((days(from) - days(today)) % 14).toBe(0);
    expect(days('2030-01-16') - days(from)).toBeGreaterThanOrEqual(0);
    expect(days('2030-01-16') - days(from)).toBeLessThan(14);
    expect(page.text).toContain('<dt>Organizer’s time</dt>');
    expect(page.text).toContain('Wednesday, January 16, 2030, 1:00 PM (Europe/Berlin)');
    // A day or window the visitor asked for still wins.
    const asked = await t.http().get(path).query({ tz: 'America/New_York', from: today }).expect(200);
    expect(asked.text).toContain(`name="from" value="${today}"`);
    // Another zone (the zone form keeps the window, not the day): still the appointment's day, now 21:00 in Tokyo.
    const tokyo = await t.http().get(path).query({ tz: 'Asia/Tokyo', from }).expect(200);
    expect(tokyo.text).toMatch(/href="[^"]*date=2030-01-16#times"\s+aria-current="date"/);
    // The times are never filled in by the browser from an earlier visit of the page (Back).
    expect(page.text).toMatch(/name="start_date"\s+value="[^"]+"\s+autocomplete="off"/);
  });

  it('opens the change page on today’s fortnight when the appointment’s has no free times', async () => {
    const host = await createMember(t, { name: 'Bo Horizon', email: 'bo@clinic.example' });
    const type = await createType(t, {
      title: 'Short horizon',
      timezone: 'Europe/Berlin',
      availability: EVERY_DAY_NINE_TO_FIVE,
      team_member_ids: [host.id],
      max_booking_notice: 30 * 24 * 60,
    });
    // Booked by an admin past the type's horizon: its own fortnight offers nothing.
    const booked = await t
      .http()
      .post('/api/v1/appointments')
      .set(AUTH)
      .send({
        appointment_type_id: type.id,
        start_date: '2030-01-16T12:00:00.000Z',
        customer_information: { Name: 'Far Away', Email: 'far@example.com' },
        ignore_availability: true,
      })
      .expect(201);
    const token = booked.body.public_edit_url.slice(booked.body.public_edit_url.lastIndexOf('/') + 1);
    const page = await t
      .http()
      .get(`/appointments/change/${token}`)
      .query({ tz: 'Europe/Berlin' })
      .expect(200);
    const today = new Date().toLocaleDateString('en-CA', { timeZone: 'Europe/Berlin' });
    expect(page.text).toContain(`name="from" value="${today}"`);
    expect(page.text).toContain('aria-current="date"');
  });

  it('opens a booking page on the first page of days with free times, and on today’s when none has any', async () => {
    const host = await createMember(t, { name: 'Lea Later', email: 'lea@clinic.example' });
    const later = await createType(t, {
      title: 'Booked ahead',
      timezone: 'UTC',
      availability: EVERY_DAY,
      team_member_ids: [host.id],
      // Nothing before 20 days from now: the first page (14 days) has no free times, the second has.
      min_booking_notice: 20 * 24 * 60,
    });
    const never = await createType(t, { title: 'Never open', timezone: 'UTC', availability: {} });
    const inDays = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);
    const fromOf = (text: string) => /name="from" value="([^"]+)"/.exec(text)?.[1];
    const opened = await t.http().get(`/book/${later.slug}`).query({ tz: 'UTC' }).expect(200);
    expect(fromOf(opened.text)).toBe(inDays(14));
    expect(opened.text).toContain('name="start_date"');
    // A day named whose page has no free times opens as without it: on the first page that has some.
    const today = await t
      .http()
      .get(`/book/${later.slug}`)
      .query({ tz: 'UTC', date: inDays(0) })
      .expect(200);
    expect(fromOf(today.text)).toBe(inDays(14));
    expect(today.text).toContain('name="start_date"');
    // A day named past the type's horizon names no page: its page offered nothing, and led only back.
    const short = await createType(t, {
      title: 'Three days ahead',
      timezone: 'UTC',
      availability: EVERY_DAY,
      team_member_ids: [host.id],
      max_booking_notice: 3 * 24 * 60,
    });
    const beyond = await t
      .http()
      .get(`/book/${short.slug}`)
      .query({ tz: 'UTC', date: inDays(400) })
      .expect(200);
    expect(fromOf(beyond.text)).toBe(inDays(0));
    expect(beyond.text).toContain('name="start_date"');
    expect(beyond.text).not.toContain('No free times between');
    // A page named is the page shown, empty or not.
    const named = await t
      .http()
      .get(`/book/${later.slug}`)
      .query({ tz: 'UTC', from: inDays(0) })
      .expect(200);
    expect(fromOf(named.text)).toBe(inDays(0));
    expect(named.text).toContain('No free times between');
    const empty = await t.http().get(`/book/${never.slug}`).query({ tz: 'UTC' }).expect(200);
    expect(fromOf(empty.text)).toBe(inDays(0));
    expect(empty.text).toContain('No free times between');
  });

  it('leaves an appointment that has begun as it is: no move or cancel by its customer, on the API or the page', async () => {
    const types = await t.http().get('/api/v1/appointment-types').set(AUTH).expect(200);
    const type = { body: types.body.data.find((each: { slug: string }) => each.slug === 'consultation') };
    // Booked by an admin for an hour that began ten minutes ago.
    const start = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 10 * 60_000).toISOString();
    const booked = await t
      .http()
      .post('/api/v1/appointments')
      .set(AUTH)
      .send({
        appointment_type_id: type.body.id,
        start_date: start,
        customer_information: { Name: 'No Show', Email: 'noshow@example.com', Phone: '+49 30 1' },
        ignore_availability: true,
      })
      .expect(201);
    const token = booked.body.public_edit_url.slice(booked.body.public_edit_url.lastIndexOf('/') + 1);
    const api = `/api/v1/public/appointments/${token}`;
    const refusals = [
      await t.http().post(`${api}/cancel`),
      await t.http().post(`${api}/reschedule`).send({ start_date: '2031-01-06T10:00:00.000Z' }),
      await t.http().get(`${api}/availability`).query({ start_date: '2031-01-06', end_date: '2031-01-07' }),
    ];
    for (const refusal of refusals) {
      expect([refusal.status, refusal.body.code]).toEqual([409, 'appointment_started']);
    }
    // The page offers neither, and says why; a cancel or move posted anyway leads back to it.
    const page = await t
      .http()
      .get(`/appointments/change/${token}`)
      .query({ tz: 'Europe/Berlin' })
      .expect(200);
    expect(page.text).toContain('This appointment has begun, so it can no longer be changed online.');
    expect(page.text).not.toContain('Move to this time');
    expect(page.text).not.toContain('Cancel appointment');
    const asked = await t.http().get(`/appointments/change/${token}`).query({ step: 'cancel' }).expect(200);
    expect(asked.text).not.toContain('Yes, cancel it');
    // (A page with a form holds a CSRF token; this one has none.)
    const { cookie, csrf } = formSecrets(await t.http().get('/book/consultation').expect(200));
    for (const [action, fields] of [
      ['cancel', { confirm: 'yes' }],
      ['reschedule', { start_date: '2031-01-06T10:00:00.000Z' }],
    ] as const) {
      const posted = await t
        .http()
        .post(`/appointments/change/${token}/${action}`)
        .set('Cookie', cookie)
        .type('form')
        .send({ _csrf: csrf, tz: 'Europe/Berlin', ...fields });
      expect([action, posted.status, posted.headers.location]).toEqual([
        action,
        303,
        `/appointments/change/${token}?tz=Europe%2FBerlin`,
      ]);
      // The form's address read later (a reload, a bookmark) is the page too.
      expect(
        (await t.http().get(`/appointments/change/${token}/${action}`).expect(303)).headers.location,
      ).toBe(`/appointments/change/${token}`);
    }
    const stored = await t.http().get(`/api/v1/appointments/${booked.body.id}`).set(AUTH).expect(200);
    expect([stored.body.status, stored.body.start_date]).toEqual(['booked', start]);
    // Checked under the appointment's lock, on the row as it is then: a move past the checks made before it (an
    // admin's move into the past committed meanwhile) is refused too.
    const direct = t.app
      .get(AppointmentsService)
      .changeByToken(booked.body.id, token, { start_date: '2031-01-06T10:00:00.000Z' });
    await expect(direct).rejects.toMatchObject({ code: 'appointment_started' });
    // Nor is one that holds no seat changed by its customer: abandoned stays abandoned.
    await t
      .http()
      .patch(`/api/v1/appointments/${booked.body.id}`)
      .set(AUTH)
      .send({ status: 'abandoned' })
      .expect(200);
    const abandoned = await t.http().post(`${api}/cancel`);
    expect([abandoned.status, abandoned.body.code]).toEqual([409, 'appointment_started']);
    // The admin API still may.
    await t.http().post(`/api/v1/appointments/${booked.body.id}/cancel`).set(AUTH).expect(200);
    // And canceling a canceled appointment changes nothing, begun or not.
    expect((await t.http().post(`${api}/cancel`).expect(200)).body.status).toBe('canceled');
  });

  it('says of an appointment that is over that it has ended, not that it has begun', async () => {
    const types = await t.http().get('/api/v1/appointment-types').set(AUTH).expect(200);
    const type = types.body.data.find((each: { slug: string }) => each.slug === 'consultation');
    // Booked by an admin for an hour that ended an hour ago.
    const start = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 2 * 3600_000).toISOString();
    const booked = await t
      .http()
      .post('/api/v1/appointments')
      .set(AUTH)
      .send({
        appointment_type_id: type.id,
        start_date: start,
        customer_information: { Name: 'Long Gone', Email: 'gone@example.com', Phone: '+49 30 2' },
        ignore_availability: true,
      })
      .expect(201);
    const token = booked.body.public_edit_url.slice(booked.body.public_edit_url.lastIndexOf('/') + 1);
    const page = await t.http().get(`/appointments/change/${token}`).expect(200);
    expect(page.text).toContain('This appointment has ended, so it can no longer be changed online.');
    expect(page.text).not.toContain('Move to this time');
  });

  it('shows a page of fewer days for a 1-minute grid round the clock, on the booking and the change page', async () => {
    await createType(t, {
      title: 'Minute',
      duration: 5,
      availability_increment: 1,
      timezone: 'Europe/Berlin',
      availability: EVERY_DAY,
    });
    const page = await t.http().get('/book/minute').query({ tz: 'Europe/Berlin' }).expect(200);
    const today = new Date().toLocaleDateString('en-CA', { timeZone: 'Europe/Berlin' });
    const inDays = (n: number) =>
      new Date(Date.parse(`${today}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
    // Six days a page in the type's own zone (10,000 candidate starts at most in one answer; a page's days reach
    // more of the type's dates only in a zone of other midnights): the next page starts six days on.
    expect(page.text).toContain(`from=${inDays(6)}"`);
    expect(page.text).toMatch(/name="start_date"/);
    // Ten minutes on (where the day has them), not the first offered: that one may pass while the booking is on its way (a 422 seen in CI).
    const starts = [...page.text.matchAll(/name="start_date"\s+value="([^"]+)"/g)];
    const start = starts[Math.min(10, starts.length - 1)][1];
    const booked = await t
      .http()
      .post('/api/v1/public/appointment-types/minute/bookings')
      .send({ start_date: start, customer_information: { Name: 'Min Ute', Email: 'minute@example.com' } })
      .expect(201);
    await t
      .http()
      .get(`/appointments/change/${booked.body.token}`)
      .query({ tz: 'Europe/Berlin' })
      .expect(200);
    // A window asked for in the year 9999 is no window: the page starts today.
    const far = await t
      .http()
      .get('/book/minute')
      .query({ tz: 'Europe/Berlin', from: '9999-12-20' })
      .expect(200);
    expect(far.text).toContain(`name="from" value="${today}"`);
  });

  it('keeps each of the visitor’s days whole on one page of days, in another zone than the type’s', async () => {
    await createType(t, {
      title: 'Midnight',
      duration: 30,
      timezone: 'Europe/Berlin',
      availability: {
        monday: [{ start: '22:00', end: '24:00' }],
        tuesday: [{ start: '00:00', end: '02:00' }],
      },
    });
    // Monday 22:00 to Tuesday 02:00 in Berlin is Tuesday 06:00 to 10:00 in Tokyo: one day there, all of it on the
    // page of the visitor's days that holds it (Tuesdays 2029-12-25 and 2030-01-01, then 2030-01-08).
    const tuesday = ['6:00', '6:30', '7:00', '7:30', '8:00', '8:30', '9:00', '9:30'].map(
      (time) => `${time} AM`,
    );
    const page = (query: Record<string, string>) =>
      t
        .http()
        .get('/book/midnight')
        .query({ tz: 'Asia/Tokyo', ...query })
        .expect(200);
    const chips = (text: string) =>
      [...text.matchAll(/href="[^"]*date=([\d-]+)#times"/g)].map(([, date]) => date);
    const times = (text: string) =>
      [...text.matchAll(/autocomplete="off"[^>]*\/><span\s*>([^<]+)/g)].map(([, label]) => label.trim());
    const first = await page({ from: '2029-12-25', date: '2029-12-25' });
    expect(chips(first.text)).toEqual(['2029-12-25', '2030-01-01']);
    // Days of another year than today's say which, across New Year too.
    expect(first.text).toMatch(/>Tue<small>Dec 25, 2029<\/small>/);
    expect(first.text).toMatch(/>Tue<small>Jan 1, 2030<\/small>/);
    expect(times(first.text)).toEqual(tuesday);
    const second = await page({ from: '2030-01-08', date: '2030-01-08' });
    expect(chips(second.text)).toEqual(['2030-01-08', '2030-01-15']);
    expect(times(second.text)).toEqual(tuesday);
    // A day named without its page of days: the page that holds it (counted from today), that day chosen.
    const named = await page({ date: '2030-01-08' });
    expect(named.text).toMatch(/href="[^"]*date=2030-01-08#times"\s+aria-current="date"/);
    expect(times(named.text)).toEqual(tuesday);
  });

  it('starts the pages of days on the visitor’s today, not the type’s', async () => {
    // 25 hours apart: whenever it is, the two zones' dates differ.
    const ahead = await createType(t, {
      title: 'Kiritimati',
      timezone: 'Pacific/Kiritimati',
      availability: EVERY_DAY,
    });
    const behind = await createType(t, {
      title: 'Pago Pago',
      timezone: 'Pacific/Pago_Pago',
      availability: EVERY_DAY,
    });
    for (const [type, zone] of [
      [ahead, 'Pacific/Pago_Pago'],
      [behind, 'Pacific/Kiritimati'],
    ] as const) {
      const opened = await t.http().get(`/book/${type.slug}`).query({ tz: zone }).expect(200);
      const today = new Date().toLocaleDateString('en-CA', { timeZone: zone });
      expect(opened.text).toContain(`name="from" value="${today}"`);
    }
  });

  it('writes a type’s price as the visitor’s browser language does, and a long duration in hours', async () => {
    await createType(t, {
      title: 'Priced',
      duration: 90,
      price: 49.5,
      currency: 'EUR',
      availability: EVERY_DAY,
    });
    await createType(t, {
      title: 'Yen',
      duration: 120,
      price: 1234567.89,
      currency: 'JPY',
      availability: EVERY_DAY,
    });
    const heading = async (slug: string, language?: string) => {
      const page = t.http().get(`/book/${slug}`);
      const text = (await (language === undefined ? page : page.set('Accept-Language', language)).expect(200))
        .text;
      return /<p class="muted">([^<]*)<\/p>/.exec(text)![1].replace(/\u00a0/g, ' ');
    };
    expect(await heading('priced', 'de-DE,de;q=0.9')).toBe('1 hour 30 minutes · 49,50 €');
    expect(await heading('priced', 'en-US')).toBe('1 hour 30 minutes · €49.50');
    // Without the header: as in the US. The yen's cents are kept, not rounded away.
    expect(await heading('yen')).toBe('2 hours · ¥1,234,567.89');
    // In the Latin digits of the rest of the page, and without right-to-left marks.
    expect(await heading('priced', 'en-US-u-nu-arab')).toBe('1 hour 30 minutes · €49.50');
    expect(await heading('priced', 'ar-SA')).toBe('1 hour 30 minutes · 49.50 €');
    // A currency of three minor digits shows them.
    await createType(t, {
      title: 'Dinar',
      duration: 30,
      price: 80,
      currency: 'KWD',
      availability: EVERY_DAY,
    });
    expect(await heading('dinar', 'en-US')).toBe('30 minutes · KWD 80.000');
  });

  it('tells apart the times the clock shows twice as it goes back, on the booking page', async () => {
    await createType(t, {
      title: 'Night owls',
      duration: 30,
      timezone: 'America/New_York',
      availability: { sunday: [{ start: '00:00', end: '03:00' }] },
    });
    // 2 November 2031: 1:00 to 2:00 EDT, then 1:00 to 2:00 EST.
    const page = await t
      .http()
      .get('/book/night-owls')
      .query({ tz: 'America/New_York', from: '2031-11-02', date: '2031-11-02' })
      .expect(200);
    const times = [
      ...page.text.matchAll(/value="([^"]+)"\s+autocomplete="off"[^>]*\/><span\s*>([^<]+)/g),
    ].map(([, start, label]) => [start, label.trim()]);
    expect(times).toEqual([
      ['2031-11-02T04:00:00.000Z', '12:00 AM'],
      ['2031-11-02T04:30:00.000Z', '12:30 AM'],
      ['2031-11-02T05:00:00.000Z', '1:00 AM EDT'],
      ['2031-11-02T05:30:00.000Z', '1:30 AM EDT'],
      ['2031-11-02T06:00:00.000Z', '1:00 AM EST'],
      ['2031-11-02T06:30:00.000Z', '1:30 AM EST'],
      ['2031-11-02T07:00:00.000Z', '2:00 AM'],
      ['2031-11-02T07:30:00.000Z', '2:30 AM'],
    ]);
  });

  it('shows a zone reported as the offset +00:00 in UTC, and says when ?tz= names no zone and which one is shown', async () => {
    const selected = (text: string) => /<option value="([^"]+)"\s+selected>/.exec(text)?.[1];
    // Chromium on a clock set to GMT reports +00:00, which the page's script sent back: the type's zone was shown.
    const zero = await t.http().get('/book/consultation').query({ tz: '+00:00' }).expect(200);
    expect(selected(zero.text)).toBe('UTC');
    expect(zero.text).toContain('Times are shown in UTC.');
    expect(zero.text).not.toContain('was not recognized');
    const unknown = await t.http().get('/book/consultation').query({ tz: 'Not/AZone' }).expect(200);
    expect(selected(unknown.text)).toBe('Europe/Berlin');
    expect(unknown.text).toMatch(
      /The time zone “Not\/AZone” was not recognized: times are shown in Europe\/Berlin\.\s+Pick yours\s+below\./,
    );
    const markup = await t.http().get('/book/consultation').query({ tz: '<b>x' }).expect(200);
    expect(markup.text).toContain('The time zone in the link was not recognized');
    expect(markup.text).not.toContain('&lt;b&gt;x');
    const words = await t
      .http()
      .get('/book/consultation')
      .query({ tz: 'Call 555-0100 to confirm' })
      .expect(200);
    expect(words.text).toContain('The time zone in the link was not recognized');
    expect(words.text).not.toContain('555-0100');
    // The change page too, in the customer's zone.
    const booked = await book('2030-01-17T12:00:00.000Z', 'unknown-zone@example.com').expect(201);
    const change = await t
      .http()
      .get(`/appointments/change/${booked.body.token}`)
      .query({ tz: 'Not/AZone' })
      .expect(200);
    expect(selected(change.text)).toBe('America/New_York');
    expect(change.text).toContain(
      'The time zone “Not/AZone” was not recognized: times are shown in America/New York.',
    );
  });

  it('leads a page link with a slash added at its end to the page, and answers a page address no page has as a page', async () => {
    const slashed = await t.http().get('/book/consultation/').query({ tz: 'Europe/Berlin' }).expect(308);
    expect(slashed.headers.location).toBe('/book/consultation?tz=Europe%2FBerlin');
    expect((await t.http().get('/appointments/change/abc//').expect(308)).headers.location).toBe(
      '/appointments/change/abc',
    );
    // Never to another host: `//host` is one to a browser.
    await t.http().get('//book/consultation/').expect(404);
    const none = await t.http().get('/book/').expect(404);
    expect(none.type).toBe('text/html');
    expect(none.text).toContain('This page does not exist, or the link is no longer valid.');
    await t.http().post('/book/consultation/').type('form').send({}).expect(404);
    // Refused by the router (a broken escape, a parameter too long), or no page at all: a page too.
    for (const [path, status, words] of [
      ['/book/x%zz', 400, 'That address or form could not be read.'],
      [`/book/${'a'.repeat(600)}`, 414, 'That address is too long.'],
      ['/book', 404, 'This page does not exist'],
      ['/appointments/change', 404, 'This page does not exist'],
    ] as const) {
      const refused = await t.http().get(path);
      expect([path, refused.status, refused.type]).toEqual([path, status, 'text/html']);
      // In words for people: neither the router's nor the address echoed; and no way to the service's home page
      // (written for whoever runs it), nor back to a page the address does not name.
      expect(refused.text).toContain(words);
      expect(refused.text).not.toMatch(/<a href=/);
      expect(refused.text).not.toContain('aaaaaaaaaa');
    }
  });

  it('answers the service’s own address with a page pointing to the booking pages and the API docs', async () => {
    const home = await t.http().get('/').expect(200);
    expect(home.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(home.headers['content-security-policy']).toContain("default-src 'none'");
    expect(home.text).toContain('<a href="/docs">');
    expect(home.text).toContain('/book/');
    // No list of the types: a published type's page is shared by its link.
    expect(home.text).not.toContain('consultation');
  });

  it('serves pages with a strict CSP that forbids framing', async () => {
    const page = await t.http().get('/book/consultation').expect(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    const csp: string = page.headers['content-security-policy'];
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(page.headers['x-frame-options']).toBe('DENY');
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    expect(page.text).toContain('<label for="field-0">Name</label>');
  });

  it('refuses a booking page form post without the CSRF token, and books with it', async () => {
    const page = await t.http().get('/book/consultation').query({ tz: 'Europe/Berlin' }).expect(200);
    const { cookie, csrf } = formSecrets(page);
    const start = /name="start_date"\s+value="([^"]+)"/.exec(page.text)?.[1];
    expect(start).toBeDefined();
    const form = {
      tz: 'Europe/Berlin',
      start_date: start!,
      'field:Name': 'Form Poster',
      'field:Email': 'form@example.com',
      'field:Phone': '+49 30 999999',
    };
    const post = (fields: Record<string, string>, withCookie: boolean) => {
      const req = t.http().post('/book/consultation').type('form').send(fields);
      return withCookie ? req.set('Cookie', cookie) : req;
    };
    events.clear();
    const missing = await post(form, true).expect(403);
    expect(missing.headers['content-type']).toContain('text/html');
    // The way on is back to the booking page, not the service's home page.
    expect(missing.text).toContain('<a href="/book/consultation">Back to the booking page</a>');
    expect(missing.text).not.toContain('href="/"');
    await post({ ...form, _csrf: csrf }, false).expect(403);
    await post({ ...form, _csrf: `${csrf.slice(0, -2)}xx` }, true).expect(403);
    expect(events.events).toEqual([]);

    const booked = await post({ ...form, _csrf: csrf }, true).expect(303);
    expect(booked.headers.location).toMatch(
      /^\/appointments\/change\/[A-Za-z0-9_-]+\?done=booked&tz=Europe%2FBerlin$/,
    );
    const confirmation = await t.http().get(booked.headers.location).expect(200);
    expect(confirmation.text).toContain('Booking confirmed');
    expect(confirmation.text).toContain('calendar.ics');
    // A change page's form refused the same way leads back to that appointment's page.
    const changePath = booked.headers.location.split('?')[0];
    const stale = await t
      .http()
      .post(`${changePath}/cancel`)
      .type('form')
      .send({ confirm: 'yes' })
      .expect(403);
    expect(stale.text).toContain(`<a href="${changePath}">Back to your appointment</a>`);
    expect(stale.text).not.toContain('href="/"');
    // Never back to a page there is not: a form posted to a type or an appointment that does not exist.
    for (const path of ['/book/nope', '/appointments/change/AAAAbogus/cancel']) {
      const nowhere = await t.http().post(path).type('form').send({ x: '1' });
      expect([path, nowhere.status]).toEqual([path, 404]);
      expect(nowhere.text).not.toMatch(/<a href=/);
    }
  });

  it('shows a refused form again at the days and the time it was posted from, past the first window', async () => {
    const later = new Date(Date.now() + 21 * 86_400_000).toISOString().slice(0, 10);
    const page = await t
      .http()
      .get('/book/consultation')
      .query({ tz: 'Europe/Berlin', from: later })
      .expect(200);
    const { cookie, csrf } = formSecrets(page);
    expect(page.text).toContain(`name="from" value="${later}"`);
    const start = /name="start_date"\s+value="([^"]+)"/.exec(page.text)?.[1];
    expect(start!.slice(0, 10) >= later).toBe(true);
    const form = {
      _csrf: csrf,
      tz: 'Europe/Berlin',
      from: later,
      start_date: start!,
      'field:Email': 'late@example.com',
    };
    // No name: refused, and shown again with the same window of days and the time still chosen.
    const refused = await t.http().post('/book/consultation').type('form').set('Cookie', cookie).send(form);
    expect(refused.status).toBe(400);
    expect(refused.text).toContain(`name="from" value="${later}"`);
    expect(refused.text).toMatch(new RegExp(`name="start_date"\\s+value="${start}"[^>]*checked`));
  });

  it('answers a NUL in a page form as the page, naming the field, never as the API’s JSON', async () => {
    const page = await t.http().get('/book/consultation').query({ tz: 'Europe/Berlin' }).expect(200);
    const { cookie, csrf } = formSecrets(page);
    // Ten minutes on (where the day has them), not the first offered: that one may pass while the booking is on its way (a 422 seen in CI).
    const starts = [...page.text.matchAll(/name="start_date"\s+value="([^"]+)"/g)];
    const start = starts[Math.min(10, starts.length - 1)][1];
    // The content type as any client may spell it.
    const refused = await t
      .http()
      .post('/book/consultation')
      .set('Content-Type', 'Application/X-WWW-Form-Urlencoded')
      .set('Cookie', cookie)
      .send(
        `_csrf=${encodeURIComponent(csrf)}&tz=Europe%2FBerlin&start_date=${encodeURIComponent(start)}` +
          '&field%3AName=Pa%00ge&field%3AEmail=nul%40example.com&field%3APhone=%2B49%2030%201',
      );
    expect(refused.status).toBe(400);
    expect(refused.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(refused.text).toMatch(/id="field-0-error">Must not contain a NUL character\./);
    expect(refused.text).toContain('value="Page"');
    const booked = await book('2030-01-24T10:00:00.000Z', 'nul-move@example.com').expect(201);
    const moved = await t
      .http()
      .post(`/appointments/change/${booked.body.token}/reschedule`)
      .type('form')
      .set('Cookie', cookie)
      .send(`_csrf=${encodeURIComponent(csrf)}&tz=Europe%2FBerlin&start_date=2030%00`);
    expect(moved.status).toBe(400);
    expect(moved.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(moved.text).toContain('Please pick a time.');
    // A tampered submission key: the page's words, not the API's Idempotency-Key message.
    const tampered = await t.http().post('/book/consultation').type('form').set('Cookie', cookie).send({
      _csrf: csrf,
      _submission: 'not a key',
      tz: 'Europe/Berlin',
      start_date: start,
      'field:Name': 'Tam Pered',
      'field:Email': 'tampered@example.com',
      'field:Phone': '1',
    });
    expect(tampered.status).toBe(400);
    expect(tampered.text).toContain('This form could not be read. Please reload the page and try again.');
    expect(tampered.text).not.toContain('Idempotency-Key');
    // Bytes that are not UTF-8 (a browser sends UTF-8 for these pages) are refused, not booked garbled.
    const latin1 = Buffer.concat([
      Buffer.from(
        `_csrf=${encodeURIComponent(csrf)}&tz=Europe%2FBerlin&start_date=${encodeURIComponent(start)}&field%3AName=Jos`,
      ),
      Buffer.from([0xe9]),
      Buffer.from('&field%3AEmail=jose%40example.com&field%3APhone=1'),
    ]);
    const garbled = await t
      .http()
      .post('/book/consultation')
      .set('Cookie', cookie)
      .set('Content-Type', 'application/x-www-form-urlencoded')
      .serialize((body: Buffer) => body as unknown as string)
      .send(latin1);
    // Answered as a page, as every refusal of a page's form: the browser shows it (it was JSON before its route).
    expect([garbled.status, garbled.type]).toEqual([400, 'text/html']);
    expect(garbled.text).toContain('The form is not valid UTF-8');
    // So are the same bytes escaped (%E9): the parser kept them as the text "%E9", and it was booked so.
    const escaped = (name: string) =>
      t
        .http()
        .post('/book/consultation')
        .set('Cookie', cookie)
        .set('Content-Type', 'application/x-www-form-urlencoded')
        .send(
          `_csrf=${encodeURIComponent(csrf)}&tz=Europe%2FBerlin&start_date=${encodeURIComponent(start)}` +
            `&field%3AName=${name}&field%3AEmail=jose%40example.com&field%3APhone=%2B49%2030%20123456`,
        );
    const latin1Escape = await escaped('Jos%E9');
    expect([latin1Escape.status, latin1Escape.type]).toEqual([400, 'text/html']);
    expect(latin1Escape.text).toContain('The form is not valid UTF-8');
    // A bare % beside valid escapes: the parser kept the whole value escaped (booked as `caf%C3%A9%zz`).
    const bare = await escaped('caf%C3%A9%zz');
    expect([bare.status, bare.type]).toEqual([400, 'text/html']);
    expect(bare.text).toContain('The form holds a % that is not followed by two hex digits');
    const proto = await escaped('Jo&__proto__=1');
    expect([proto.status, proto.type]).toEqual([400, 'text/html']);
    expect(proto.text).toContain('The form has a field named __proto__');
    const huge = await escaped('x'.repeat(300_000));
    expect([huge.status, huge.type]).toEqual([413, 'text/html']);
    expect(huge.text).toContain('That form was too large.');
    // "%E9" typed as text is sent as %25E9, and books as typed.
    const typed = await escaped('Jos%25E9');
    expect(typed.status).toBe(303);
    const confirmation = await t.http().get(typed.headers.location).expect(200);
    expect(confirmation.text).toMatch(/<dd class="answer">Jos%E9<\/dd>/);
    // A form is for the pages: the API takes JSON.
    const form = await t
      .http()
      .post('/api/v1/public/appointment-types/consultation/bookings')
      .type('form')
      .send({ start_date: start });
    expect([form.status, form.body.code]).toEqual([415, 'unsupported_media_type']);
    // The API still answers a NUL with its JSON error.
    const api = await t
      .http()
      .post('/api/v1/public/appointment-types/consultation/bookings')
      .send({ start_date: start, customer_information: { Name: 'Pa\u0000ge', Email: 'a@example.com' } });
    expect(api.status).toBe(400);
    expect(api.body.details).toEqual([
      { field: 'customer_information.Name', message: 'must not contain a NUL character' },
    ]);
  });

  it('books a ticked box as true and an unticked one as false, and names any other value beside its box', async () => {
    await createType(t, {
      title: 'Terms',
      timezone: 'Europe/Berlin',
      availability: EVERY_DAY_NINE_TO_FIVE,
      customer_fields: [
        { label: 'Newsletter', type: 'checkbox', required: false },
        { label: 'Notes', type: 'textarea', required: false },
      ],
    });
    const page = await t.http().get('/book/terms').query({ tz: 'Europe/Berlin' }).expect(200);
    const { cookie, csrf } = formSecrets(page);
    const starts = [...page.text.matchAll(/name="start_date"\s+value="([^"]+)"/g)].map((m) => m[1]);
    const post = (start: string, email: string, newsletter?: string) =>
      t
        .http()
        .post('/book/terms')
        .type('form')
        .set('Cookie', cookie)
        .send({
          _csrf: csrf,
          tz: 'Europe/Berlin',
          start_date: start,
          'field:Name': 'Box Ticker',
          'field:Email': email,
          ...(newsletter === undefined ? {} : { 'field:Newsletter': newsletter }),
          // As a browser sends a textarea's line breaks.
          'field:Notes': 'line one\r\nline two',
        });
    const maybe = await post(starts[0], 'maybe@example.com', 'maybe');
    expect(maybe.status).toBe(400);
    expect(maybe.text).toMatch(/id="field-2-error">Must be true or false\./);
    // A box sent twice (no browser does): named beside it, not booked as unticked.
    const twice = await t
      .http()
      .post('/book/terms')
      .type('form')
      .set('Cookie', cookie)
      .send(
        `_csrf=${encodeURIComponent(csrf)}&tz=Europe%2FBerlin&start_date=${encodeURIComponent(starts[0])}` +
          '&field%3AName=Twice&field%3AEmail=twice%40example.com&field%3ANewsletter=true&field%3ANewsletter=true',
      );
    expect(twice.status).toBe(400);
    expect(twice.text).toMatch(/id="field-2-error">Was sent more than once\./);
    const answers = async (response: request.Response) => {
      expect(response.status).toBe(303);
      const token = /change\/([^?]+)/.exec(response.headers.location)![1];
      const found = await t.http().get(`/api/v1/public/appointments/${token}`).expect(200);
      return found.body.customer_information as Record<string, unknown>;
    };
    const ticked = await answers(await post(starts[0], 'ticked@example.com', 'true'));
    expect(ticked).toMatchObject({ Newsletter: true, Notes: 'line one\nline two' });
    expect((await answers(await post(starts[1], 'unticked@example.com'))).Newsletter).toBe(false);
  });

  it('names every problem of a booking form at once: no time picked, and a missing name', async () => {
    const page = await t.http().get('/book/consultation').query({ tz: 'Europe/Berlin' }).expect(200);
    const { cookie, csrf } = formSecrets(page);
    const refused = await t
      .http()
      .post('/book/consultation')
      .type('form')
      .set('Cookie', cookie)
      .send({ _csrf: csrf, tz: 'Europe/Berlin', 'field:Email': 'not an email' });
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('Please pick a time.');
    expect(refused.text).toContain('Please check the highlighted fields.');
    expect(refused.text).toContain('Is required.');
    expect(refused.text).toContain('Must be an email address.');
  });

  it('offers a move to the times its own appointment overlaps, marks its own time, and says so when it is picked again', async () => {
    // An hour on a half-hour grid, one seat: 09:00 taken by the appointment itself.
    await createType(t, {
      title: 'Long talk',
      duration: 60,
      availability_increment: 30,
      timezone: 'Europe/Berlin',
      availability: EVERY_DAY_NINE_TO_FIVE,
      customer_fields: [{ label: 'Phone', type: 'phone', required: true }],
    });
    const nine = '2030-01-09T08:00:00.000Z';
    const half = '2030-01-09T08:30:00.000Z';
    const booked = await book(nine, 'long-talk@example.com', 'long-talk').expect(201);
    // Others see neither time: the seat is taken.
    const offered = await t
      .http()
      .get('/api/v1/public/appointment-types/long-talk/availability')
      .query({ start_date: '2030-01-09', end_date: '2030-01-09' })
      .expect(200);
    const starts = offered.body.slots.map((slot: { start_date: string }) => slot.start_date);
    expect(starts).not.toContain(nine);
    expect(starts).not.toContain(half);
    // The customer's own appointment may move to both: a move does not compete with itself.
    const movable = await t
      .http()
      .get(`/api/v1/public/appointments/${booked.body.token}/availability`)
      .query({ start_date: '2030-01-09', end_date: '2030-01-09', timezone: 'America/New_York' })
      .expect(200);
    expect(movable.headers['cache-control']).toBe('no-store');
    expect(movable.body.timezone).toBe('America/New_York');
    expect(movable.body.slots.slice(0, 2)).toEqual([
      {
        start_date: nine,
        end_date: '2030-01-09T09:00:00.000Z',
        local_start: '2030-01-09T03:00:00-05:00',
        seats_remaining: 1,
      },
      {
        start_date: half,
        end_date: '2030-01-09T09:30:00.000Z',
        local_start: '2030-01-09T03:30:00-05:00',
        seats_remaining: 1,
      },
    ]);
    // So does its page.
    const path = `/appointments/change/${booked.body.token}`;
    const page = await t.http().get(path).query({ tz: 'Europe/Berlin' }).expect(200);
    expect(page.text).toMatch(
      new RegExp(`value="${nine}"[^>]*/><span\\s*>9:00 AM <small>\\(current\\)</small>`),
    );
    // On the clock and with the dates of the browser's region: 24 hours and the day first for en-GB.
    const british = await t
      .http()
      .get(path)
      .query({ tz: 'Europe/Berlin' })
      .set('Accept-Language', 'en-GB,en;q=0.9')
      .expect(200);
    expect(british.text).toMatch(
      new RegExp(`value="${nine}"[^>]*/><span\\s*>09:00 <small>\\(current\\)</small>`),
    );
    expect(british.text).toContain('<dd>Wednesday, 9 January 2030, 09:00 (Europe/Berlin)</dd>');
    expect(page.text).toContain('<dd>Wednesday, January 9, 2030, 9:00 AM (Europe/Berlin)</dd>');
    expect(british.text).toContain('Times on Wednesday, 9 January 2030');
    expect(british.text).toMatch(/Wed<small>9 Jan 2030<\/small>/);
    expect(page.text).toMatch(/Wed<small>Jan 9, 2030<\/small>/);
    expect(page.text).toContain(`value="${half}"`);
    // What the customer answered, to check it: the name, email and the type's own fields.
    for (const [label, answer] of [
      ['Name', 'Nathan Tyler'],
      ['Email', 'long-talk@example.com'],
      ['Phone', '+49 30 123456'],
    ])
      expect(page.text).toMatch(
        new RegExp(`<dt>${label}</dt>\\s*<dd class="answer">${answer.replace('+', '\\+')}</dd>`),
      );
    expect(page.text.match(/\(current\)/g)).toHaveLength(1);
    const { cookie, csrf } = formSecrets(page);
    const move = (start: string) =>
      t
        .http()
        .post(`${path}/reschedule`)
        .type('form')
        .set('Cookie', cookie)
        .send({ _csrf: csrf, tz: 'Europe/Berlin', start_date: start });
    events.clear();
    // Its own time again: nothing to move, and the page says so.
    const same = await move(nine).expect(303);
    expect(same.headers.location).toBe(`${path}?done=unchanged&tz=Europe%2FBerlin`);
    const told = await t.http().get(same.headers.location).expect(200);
    expect(told.text).toContain('That is already your appointment’s time: nothing was changed.');
    expect(told.text).not.toContain('has been moved');
    // Half an hour later, overlapping its old time: moved.
    const later = await move(half).expect(303);
    expect(later.headers.location).toBe(`${path}?done=rescheduled&tz=Europe%2FBerlin`);
    const moved = await t.http().get(`/api/v1/public/appointments/${booked.body.token}`).expect(200);
    expect(moved.body.start_date).toBe(half);
    expect(events.events.map((event) => event.name)).toEqual(['appointment.rescheduled']);
  });

  it('offers a move exactly where it is placed when its hosts are not the type’s: kept where they are free, not where they are busy', async () => {
    const ann = await createMember(t, { name: 'Ann Keeper', email: 'ann.keeper@example.com' });
    const bob = await createMember(t, { name: 'Bob Newhost', email: 'bob.newhost@example.com' });
    const hours = {
      timezone: 'Europe/Berlin',
      availability: EVERY_DAY_NINE_TO_FIVE,
      availability_increment: 60,
    };
    const bookOn = (slug: string, start: string, email: string) =>
      t
        .http()
        .post(`/api/v1/public/appointment-types/${slug}/bookings`)
        .send({ start_date: start, customer_information: { Name: 'Host Case', Email: email } })
        .expect(201);
    const options = async (token: string, date: string) => {
      const response = await t
        .http()
        .get(`/api/v1/public/appointments/${token}/availability`)
        .query({ start_date: date, end_date: date })
        .expect(200);
      return (response.body.slots as Array<{ start_date: string }>).map((slot) => slot.start_date);
    };
    const move = (token: string, start: string) =>
      t.http().post(`/api/v1/public/appointments/${token}/reschedule`).send({ start_date: start });

    // The type's host changed after the booking: Bob is busy at 10:00, Ann (the appointment's own) is not,
    // and the move keeps her there.
    const swapped = await createType(t, { title: 'Swapped host', ...hours, team_member_ids: [ann.id] });
    const kept = await bookOn('swapped-host', '2030-01-14T08:00:00.000Z', 'kept@example.com');
    await t
      .http()
      .patch(`/api/v1/appointment-types/${swapped.id}`)
      .set(AUTH)
      .send({ team_member_ids: [bob.id] })
      .expect(200);
    await bookOn('swapped-host', '2030-01-14T09:00:00.000Z', 'bob-busy@example.com');
    expect(await options(kept.body.token, '2030-01-14')).toContain('2030-01-14T09:00:00.000Z');
    const moved = await move(kept.body.token, '2030-01-14T09:00:00.000Z').expect(200);
    expect(moved.body.team_members).toEqual([expect.objectContaining({ display_name: 'Ann Keeper' })]);

    // A type without hosts, an appointment an admin gave Ann: not where Ann is busy with another type.
    const desk = await createType(t, { title: 'Open desk', ...hours });
    await createType(t, { title: 'Ann only', ...hours, team_member_ids: [ann.id] });
    await bookOn('ann-only', '2030-01-15T09:00:00.000Z', 'ann-busy@example.com');
    const named = await t
      .http()
      .post('/api/v1/appointments')
      .set(AUTH)
      .send({
        appointment_type_id: desk.id,
        start_date: '2030-01-15T08:00:00.000Z',
        team_member_ids: [ann.id],
        customer_information: { Name: 'Named Host', Email: 'named@example.com' },
      })
      .expect(201);
    const token = (named.body.public_edit_url as string).split('/').pop()!;
    const offered = await options(token, '2030-01-15');
    expect(offered).toContain('2030-01-15T10:00:00.000Z');
    expect(offered).not.toContain('2030-01-15T09:00:00.000Z');
    const refused = await move(token, '2030-01-15T09:00:00.000Z').expect(409);
    expect(refused.body.code).toBe('slot_unavailable');
    await move(token, '2030-01-15T10:00:00.000Z').expect(200);
  });

  it('moves only an appointment that holds its seat: a canceled or abandoned one is refused at any time, its own included', async () => {
    const move = (token: string, start: string) =>
      t.http().post(`/api/v1/public/appointments/${token}/reschedule`).send({ start_date: start });
    const options = (token: string) =>
      t
        .http()
        .get(`/api/v1/public/appointments/${token}/availability`)
        .query({ start_date: '2030-01-11', end_date: '2030-01-11' });
    // Abandoned (an admin's change): it holds no seat, and its customer may not move it anywhere, not even onto
    // a time another customer holds.
    const taken = await book('2030-01-11T09:00:00.000Z', 'holder@example.com').expect(201);
    const abandoned = await book('2030-01-11T10:00:00.000Z', 'abandoned@example.com').expect(201);
    const listed = await t
      .http()
      .get('/api/v1/appointments')
      .set(AUTH)
      .query({ start_after: '2030-01-11T10:00:00.000Z', start_before: '2030-01-11T10:00:01.000Z' })
      .expect(200);
    const { id } = (listed.body.data as Array<{ id: number; public_edit_url: string }>).find((appointment) =>
      appointment.public_edit_url.endsWith(`/${abandoned.body.token}`),
    )!;
    await t.http().patch(`/api/v1/appointments/${id}`).set(AUTH).send({ status: 'abandoned' }).expect(200);
    for (const start of [
      '2030-01-11T09:00:00.000Z',
      '2030-01-11T11:00:00.000Z',
      '2030-01-11T10:00:00.000Z',
    ]) {
      const refused = await move(abandoned.body.token, start);
      expect([start, refused.status, refused.body.code, refused.body.message]).toEqual([
        start,
        409,
        'appointment_canceled',
        'this appointment is abandoned; its time cannot change',
      ]);
    }
    expect((await options(abandoned.body.token)).status).toBe(409);
    const page = await t
      .http()
      .get(`/appointments/change/${abandoned.body.token}`)
      .query({ tz: 'UTC' })
      .expect(200);
    expect(page.text).toContain('Booking not completed');
    expect(page.text).toContain('This booking was not completed.');
    expect(page.text).not.toContain('/reschedule"');
    // Canceled: its own time too (it was 200, and the page said nothing).
    await t.http().post(`/api/v1/public/appointments/${taken.body.token}/cancel`).expect(200);
    const own = await move(taken.body.token, '2030-01-11T09:00:00.000Z');
    expect([own.status, own.body.code]).toEqual([409, 'appointment_canceled']);
    const { cookie, csrf } = formSecrets(await t.http().get('/book/consultation').expect(200));
    const posted = await t
      .http()
      .post(`/appointments/change/${taken.body.token}/reschedule`)
      .type('form')
      .set('Cookie', cookie)
      .send({ _csrf: csrf, tz: 'UTC', start_date: '2030-01-11T09:00:00.000Z' });
    expect(posted.status).toBe(409);
    expect(posted.text).toContain('This appointment is canceled.');
  });

  it('answers the times an appointment may move to only for a live link: 404 unknown, 409 canceled, 400 for a bad range', async () => {
    const unknown = await t
      .http()
      .get('/api/v1/public/appointments/no-such-token/availability')
      .query({ start_date: '2030-01-10', end_date: '2030-01-10' })
      .expect(404);
    expect(unknown.body.code).toBe('not_found');
    const booked = await book('2030-01-10T10:00:00.000Z', 'move-options@example.com').expect(201);
    const path = `/api/v1/public/appointments/${booked.body.token}/availability`;
    const bad = await t
      .http()
      .get(path)
      .query({ start_date: '2030-01-10', end_date: '2030-01-09' })
      .expect(400);
    expect(bad.body.details).toEqual([{ field: 'end_date', message: 'must not be before start_date' }]);
    await t.http().post(`/api/v1/public/appointments/${booked.body.token}/cancel`).expect(200);
    const canceled = await t
      .http()
      .get(path)
      .query({ start_date: '2030-01-10', end_date: '2030-01-10' })
      .expect(409);
    expect(canceled.body.code).toBe('appointment_canceled');
  });

  it('shows the change page again at the days it was posted from when no time was picked', async () => {
    const later = new Date(Date.now() + 21 * 86_400_000).toISOString().slice(0, 10);
    const booked = await book(TUESDAY_11, 'move-later@example.com').expect(201);
    const path = `/appointments/change/${booked.body.token}`;
    const page = await t.http().get(path).query({ tz: 'Europe/Berlin', from: later }).expect(200);
    const { cookie, csrf } = formSecrets(page);
    expect(page.text).toContain(`name="from" value="${later}"`);
    const refused = await t
      .http()
      .post(`${path}/reschedule`)
      .type('form')
      .set('Cookie', cookie)
      .send({ _csrf: csrf, tz: 'Europe/Berlin', from: later });
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('Please pick a time.');
    expect(refused.text).toContain(`name="from" value="${later}"`);
  });

  it('books once when the same rendered form is posted twice at once (a double click)', async () => {
    const page = await t.http().get('/book/consultation').query({ tz: 'Europe/Berlin' }).expect(200);
    const { cookie, csrf } = formSecrets(page);
    const starts = [...page.text.matchAll(/name="start_date"\s+value="([^"]+)"/g)].map((m) => m[1]);
    const submission = /name="_submission" value="([^"]+)"/.exec(page.text)?.[1];
    expect(submission).toBeDefined();
    const form = {
      tz: 'Europe/Berlin',
      start_date: starts[starts.length - 1],
      'field:Name': 'Double Click',
      'field:Email': 'double@example.com',
      'field:Phone': '+49 30 111111',
      _csrf: csrf,
      _submission: submission!,
    };
    events.clear();
    const [first, second] = await Promise.all(
      [1, 2].map(() => t.http().post('/book/consultation').type('form').set('Cookie', cookie).send(form)),
    );
    expect([first.status, second.status]).toEqual([303, 303]);
    expect(second.headers.location).toBe(first.headers.location);
    expect(events.events.filter((event) => event.name === 'appointment.booked')).toHaveLength(1);
    // The same form sent again with another time (Back, then another pick): said in the page's words.
    const other = await t
      .http()
      .post('/book/consultation')
      .type('form')
      .set('Cookie', cookie)
      .send({ ...form, start_date: starts[starts.length - 2] });
    expect(other.status).toBe(422);
    expect(other.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(other.text).toContain('This form was already sent with other answers, and that booking stands.');
    expect(other.text).not.toContain('Idempotency-Key');
    expect(other.text).toContain('value="Double Click"');
    expect(events.events.filter((event) => event.name === 'appointment.booked')).toHaveLength(1);
  });
});

describe('public rate limits (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({
      databaseUrl: `sqlite:${join(mkdtempSync(join(tmpdir(), 'booking-e2e-')), 'limits.sqlite')}`,
      env: {
        PUBLIC_RATE_LIMIT: '3',
        PUBLIC_RATE_LIMIT_WRITES: '1',
        PUBLIC_RATE_LIMIT_WINDOW_SECONDS: '60',
        PUBLIC_FRAME_ANCESTORS: 'https://www.example.com',
      },
    });
  });

  afterAll(() => t.close());

  it('answers 429 with Retry-After and the usual error body after the configured limit', async () => {
    for (let i = 0; i < 3; i += 1) await t.http().get('/api/v1/public/appointment-types/none').expect(404);
    const limited = await t.http().get('/book/none').expect(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(limited.headers['content-type']).toContain('text/html');
    // Answered before the page is looked up: no way back to a page that may not exist (no type is named none).
    expect(limited.text).not.toMatch(/<a href=/);
    // Framing is allowed to the configured origins only.
    expect(limited.headers['content-security-policy']).toContain('frame-ancestors https://www.example.com');
    expect(limited.headers['x-frame-options']).toBeUndefined();
    const api = await t.http().get('/api/v1/public/appointments/whatever').expect(429);
    expect(api.body).toEqual({
      statusCode: 429,
      error: 'Too Many Requests',
      code: 'rate_limited',
      message: expect.stringContaining('Too many requests'),
      request_id: expect.any(String),
    });
    // The admin API is not limited.
    await t.http().get('/api/v1/appointment-types').set(AUTH).expect(200);
  });
});

describe('public routes keep tokens out of the logs (e2e)', () => {
  afterAll(killAll);

  it('logs the change page and the public API with the token replaced', async () => {
    const server = await startLoggingService(ADMIN_KEY);
    const http = () => request(server.url);
    await createType(http, { title: 'Logged', availability: EVERY_DAY_NINE_TO_FIVE });
    const booked = await http()
      .post('/api/v1/public/appointment-types/logged/bookings')
      .send({
        start_date: '2030-01-07T09:00:00.000Z',
        customer_information: { Name: 'L', Email: 'l@example.com' },
      })
      .expect(201);
    const token: string = booked.body.token;
    await http().get(`/appointments/change/${token}`).expect(200);
    await http().get(`/api/v1/public/appointments/${token}/calendar.ics`).expect(200);
    await http().get(`/api/v1/public/appointments/${token}x`).expect(404);
    await http()
      .get(`/api/v1/public/appointments/${token}/availability`)
      .query({ start_date: '2030-01-07', end_date: '2030-01-07' })
      .expect(200);
    // Refused by the router before any hook (a broken escape, an over-long parameter): logged all the same.
    await http().get(`/appointments/change/${token}%zz`).expect(400);
    await http()
      .get(`/api/v1/public/appointments/${token}${'x'.repeat(1000)}`)
      .expect(414);
    server.child.kill('SIGTERM');
    await stopped(server);
    expect(server.stdout()).toContain('/appointments/change/[token]');
    expect(server.stdout()).toContain('/api/v1/public/appointments/[token]/calendar.ics');
    expect(server.stdout()).toContain('/api/v1/public/appointments/[token]/availability');
    const refused = server
      .stdout()
      .split('\n')
      .filter((line) => line.includes('"msg":"request refused"'))
      .map((line) => JSON.parse(line) as { req: { url: string }; res: { statusCode: number }; code: string });
    expect(refused.map(({ res, code }) => [res.statusCode, code])).toEqual([
      [400, 'invalid_url'],
      [414, 'uri_too_long'],
    ]);
    expect(server.stdout()).not.toContain(token);
  }, 240_000);
});
