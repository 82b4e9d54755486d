import { Browser, Locator, Page } from 'playwright-core';
import { launchChromium } from '../support/browser';
import {
  bookAppointment,
  createMember,
  createType,
  customer,
  EVERY_DAY_NINE_TO_FIVE,
} from '../support/fixtures';
import { ADMIN_KEY, freshDatabaseUrl, startTestApp, TestApp } from '../support/test-app';

/** The operation block of `method path`, expanded. */
async function operation(page: Page, method: string, path: string): Promise<Locator> {
  const block = page
    .locator(`.opblock-${method}`)
    .filter({ has: page.locator('.opblock-summary-path', { hasText: new RegExp(`^${path}$`) }) });
  await block.locator('.opblock-summary').first().click();
  return block;
}

/** Try it out with the document's own example, Execute, and read the answer shown in the page. */
async function tryItOut(block: Locator): Promise<{ status: number; body: unknown }> {
  await block.locator('button.try-out__btn').click();
  await block.locator('button.execute').click();
  const live = block.locator('.live-responses-table .response').first();
  await live.waitFor({ timeout: 30_000 });
  const status = Number((await live.locator('.response-col_status').innerText()).trim());
  const text = await live.locator('.response-col_description pre').first().innerText();
  return { status, body: JSON.parse(text) };
}

describe('Swagger UI in a browser (e2e)', () => {
  let t: TestApp;
  let browser: Browser;
  let page: Page;
  const appointmentIds: number[] = [];

  beforeAll(async () => {
    t = await startTestApp({ databaseUrl: await freshDatabaseUrl() });
    // Outside the 2030-01 filters the list once pre-filled, and titled like the README's type (slug intro-call),
    // hosted like it by team member 1.
    const host = await createMember(t);
    const type = await createType(t, {
      title: 'Intro call',
      timezone: 'Europe/Berlin',
      availability: EVERY_DAY_NINE_TO_FIVE,
      team_member_ids: [host.id],
    });
    for (const [i, start] of ['2030-03-04T08:00:00.000Z', '2030-03-05T09:30:00.000Z'].entries()) {
      const booked = await bookAppointment(t, type.id, start, { customer_information: customer(i) });
      appointmentIds.push(booked.id);
    }
    // Blackout 1 closes member 1's time in 2031, far from the dates the other examples ask for.
    const blackout = await t
      .http()
      .post('/api/v1/blackouts')
      .set('Authorization', `Bearer ${ADMIN_KEY}`)
      .send({
        start_date: '2031-02-03T00:00:00.000Z',
        end_date: '2031-02-04T00:00:00.000Z',
        reason: 'Training',
        team_member_id: host.id,
      });
    expect(blackout.status).toBe(201);
    // A missing browser fails here: this test never skips.
    browser = await launchChromium();
    page = await browser.newPage();
    page.setDefaultTimeout(30_000);
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('opens /docs and authorizes with the admin key', async () => {
    await page.goto(`${t.url}/docs`);
    await page.locator('.information-container .title').waitFor();
    await page.locator('button.authorize').first().click();
    const dialog = page.locator('.modal-ux');
    await dialog.locator('input').first().fill(ADMIN_KEY);
    await dialog.locator('button.authorize').click();
    await dialog.locator('h6', { hasText: 'Authorized' }).waitFor();
    await dialog.locator('button', { hasText: 'Logout' }).waitFor();
    await dialog.locator('button.btn-done').click();
    await dialog.waitFor({ state: 'detached' });
  }, 120_000);

  it('creates an appointment type with the unchanged example: 201 in the page', async () => {
    const block = await operation(page, 'post', '/api/v1/appointment-types');
    const { status, body } = await tryItOut(block);
    expect(status).toBe(201);
    expect(body).toMatchObject({ title: 'Consultation', slug: 'consultation', status: 'publish' });
  }, 120_000);

  it('lists the appointments that exist with the unchanged example of GET /appointments', async () => {
    const block = await operation(page, 'get', '/api/v1/appointments');
    const { status, body } = await tryItOut(block);
    expect(status).toBe(200);
    const list = body as { data: Array<{ id: number }>; meta: { total: number } };
    expect(list.meta.total).toBe(appointmentIds.length);
    expect(list.data.map((appointment) => appointment.id).sort()).toEqual([...appointmentIds].sort());
  }, 120_000);

  it('asks for the availability of type 1 with the unchanged examples (its id included): 200 in the page', async () => {
    const block = await operation(page, 'get', '/api/v1/appointment-types/\\{id\\}/availability');
    const { status, body } = await tryItOut(block);
    expect(status).toBe(200);
    const answer = body as { appointment_type_id: number; slots: unknown[] };
    expect(answer.appointment_type_id).toBe(1);
    expect(answer.slots.length).toBeGreaterThan(0);
  }, 120_000);

  it('books with the unchanged example of POST /appointments (host 1 of type 1): 201 in the page', async () => {
    const block = await operation(page, 'post', '/api/v1/appointments');
    const { status, body } = await tryItOut(block);
    expect(status).toBe(201);
    expect(body).toMatchObject({ appointment_type_id: 1, status: 'booked', team_member_ids: [1] });
  }, 120_000);

  it('books with the unchanged example of the public booking route (slug intro-call): 201 in the page', async () => {
    const block = await operation(page, 'post', '/api/v1/public/appointment-types/\\{slug\\}/bookings');
    const { status, body } = await tryItOut(block);
    expect(status).toBe(201);
    expect(body).toMatchObject({ status: 'booked', appointment_type: { slug: 'intro-call' } });
  }, 120_000);

  it('reschedules appointment 1 with the unchanged example of PATCH /appointments/{id}: 200 in the page', async () => {
    const block = await operation(page, 'patch', '/api/v1/appointments/\\{id\\}');
    const { status, body } = await tryItOut(block);
    expect(status).toBe(200);
    expect(body).toMatchObject({ id: 1, status: 'booked', start_date: '2030-01-07T09:30:00.000Z' });
  }, 120_000);

  it('changes type 1 with the unchanged example of PATCH /appointment-types/{id}, its hosts and hours kept', async () => {
    const before = (
      await t.http().get('/api/v1/appointment-types/1').set('Authorization', `Bearer ${ADMIN_KEY}`)
    ).body;
    const block = await operation(page, 'patch', '/api/v1/appointment-types/\\{id\\}');
    const { status, body } = await tryItOut(block);
    expect(status).toBe(200);
    expect(body).toMatchObject({
      id: 1,
      team_member_ids: before.team_member_ids,
      availability: before.availability,
      min_booking_notice: before.min_booking_notice,
      max_booking_notice: before.max_booking_notice,
    });
  }, 120_000);

  it('creates a team member with the unchanged example of POST /team-members: 201 in the page', async () => {
    const { status, body } = await tryItOut(await operation(page, 'post', '/api/v1/team-members'));
    expect(status).toBe(201);
    expect(body).toMatchObject({ name: 'Grace Hopper', email: 'grace@example.com' });
  }, 120_000);

  it('changes member 1 with the unchanged example of PATCH /team-members/{id}, her name, email and hours kept', async () => {
    const auth = { Authorization: `Bearer ${ADMIN_KEY}` };
    const before = (await t.http().get('/api/v1/team-members/1').set(auth)).body;
    const { status, body } = await tryItOut(await operation(page, 'patch', '/api/v1/team-members/\\{id\\}'));
    // The create form's example, inherited, was a 409 email_taken after POST's (alone, it renamed member 1).
    expect(status).toBe(200);
    expect(body).toMatchObject({
      id: 1,
      name: before.name,
      email: before.email,
      timezone: before.timezone,
      availability: before.availability,
    });
  }, 120_000);

  it('changes customer 1 with the unchanged example of PATCH /customers/{id}, its email kept', async () => {
    const auth = { Authorization: `Bearer ${ADMIN_KEY}` };
    const before = (await t.http().get('/api/v1/customers/1').set(auth)).body;
    const { status, body } = await tryItOut(await operation(page, 'patch', '/api/v1/customers/\\{id\\}'));
    expect(status).toBe(200);
    expect(body).toMatchObject({ id: 1, email: before.email });
  }, 120_000);

  it('changes blackout 1 with the unchanged example of PATCH /blackouts/{id}, its span and scope kept', async () => {
    const auth = { Authorization: `Bearer ${ADMIN_KEY}` };
    const before = (await t.http().get('/api/v1/blackouts/1').set(auth)).body;
    const { status, body } = await tryItOut(await operation(page, 'patch', '/api/v1/blackouts/\\{id\\}'));
    expect(status).toBe(200);
    expect(body).toMatchObject({
      id: 1,
      start_date: before.start_date,
      end_date: before.end_date,
      appointment_type_id: before.appointment_type_id,
      team_member_id: before.team_member_id,
    });
  }, 120_000);

  it('creates webhook 1 with the unchanged example of POST /webhooks, at a receiver on this machine', async () => {
    const { status, body } = await tryItOut(await operation(page, 'post', '/api/v1/webhooks'));
    expect(status).toBe(201);
    // The README's own receiver: nothing a visitor tries out sends bookings to a host elsewhere.
    expect(body).toMatchObject({ id: 1, url: 'http://127.0.0.1:4001/' });
  }, 120_000);

  it('changes webhook 1 with the unchanged example of PATCH /webhooks/{id}, its URL and triggers kept', async () => {
    const auth = { Authorization: `Bearer ${ADMIN_KEY}` };
    const before = (await t.http().get('/api/v1/webhooks/1').set(auth)).body;
    const { status, body } = await tryItOut(await operation(page, 'patch', '/api/v1/webhooks/\\{id\\}'));
    expect(status).toBe(200);
    expect(body).toMatchObject({ id: 1, url: before.url, triggers: before.triggers, enabled: true });
  }, 120_000);

  it('keeps each tag heading short on a 390 px screen (its description goes under it)', async () => {
    const phone = await browser.newPage({ viewport: { width: 390, height: 844 } });
    try {
      await phone.goto(`${t.url}/docs`);
      const headings = phone.locator('.opblock-tag-section > .opblock-tag');
      await headings.first().waitFor();
      const heights = await headings.evaluateAll((elements) =>
        elements.map((element) => element.getBoundingClientRect().height),
      );
      expect(heights.length).toBeGreaterThan(4);
      // Squeezed beside the heading, the longest description stood a word per line, about 690 px tall.
      expect(Math.max(...heights)).toBeLessThan(260);
      await phone.screenshot({ path: 'test/artifacts/swagger-390-tags.png', fullPage: false });
    } finally {
      await phone.close();
    }
  }, 120_000);
});
