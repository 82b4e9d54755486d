import { AUTH, freshDatabaseUrl, startTestApp, TestApp } from './support/test-app';

const base = '/api/v1/appointment-types';

describe('appointment types (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ databaseUrl: await freshDatabaseUrl() });
  });

  afterAll(async () => {
    await t.close();
  });

  const create = (body: object) => t.http().post(base).set(AUTH).send(body);

  async function expectInvalid(body: object, field: string, code = 'validation_failed', status = 400) {
    const response = await create(body);
    expect(response.status).toBe(status);
    expect(response.body.code).toBe(code);
    expect(response.body.details.map((d: { field: string }) => d.field)).toContain(field);
    return response;
  }

  it('creates a type with defaults, reads it back and lists it', async () => {
    const created = await create({ title: 'Intro Call', duration: 30, timezone: 'Europe/Berlin' }).expect(
      201,
    );
    expect(created.body).toMatchObject({
      title: 'Intro Call',
      slug: 'intro-call',
      status: 'publish',
      timezone: 'Europe/Berlin',
      duration: 30,
      availability_increment: 30,
      capacity: 1,
      buffer_before: 0,
      max_event_count: 0,
      team_member_ids: [],
      customer_fields: [],
      price: 0,
      currency: 'USD',
    });
    expect(created.body.availability.monday).toEqual([{ start: '09:00', end: '17:00' }]);
    expect(created.body.availability.saturday).toBeUndefined();
    expect(new Date(created.body.date_created).toISOString()).toBe(created.body.date_created);

    const fetched = await t.http().get(`${base}/${created.body.id}`).set(AUTH).expect(200);
    expect(fetched.body).toEqual(created.body);

    const list = await t.http().get(base).set(AUTH).expect(200);
    expect(list.body.meta).toEqual({ total: 1, limit: 50, offset: 0 });
    expect(list.body.data[0]).toEqual(created.body);
  });

  it('stores every field given', async () => {
    const body = {
      title: 'Consultation',
      slug: 'consult',
      description: 'Deep dive',
      status: 'draft',
      timezone: 'America/New_York',
      duration: 60,
      availability_increment: 15,
      buffer_before: 10,
      buffer_after: 5,
      min_booking_notice: 120,
      max_booking_notice: 43200,
      max_event_count: 4,
      capacity: 3,
      availability: {
        monday: [
          { start: '09:00', end: '12:00' },
          { start: '13:00', end: '17:00' },
        ],
        sunday: [{ start: '00:00', end: '24:00' }],
      },
      price: 49.5,
      currency: 'EUR',
      web_meeting_url: 'https://meet.example.com/abc',
      web_meeting_password: 'pw',
      customer_fields: [
        { label: 'Phone', type: 'phone', required: true },
        { label: 'Topic', type: 'select', options: ['A', 'B'] },
      ],
    };
    const created = await create(body).expect(201);
    expect(created.body).toMatchObject({
      ...body,
      customer_fields: [
        { label: 'Phone', type: 'phone', required: true, options: [] },
        { label: 'Topic', type: 'select', required: false, options: ['A', 'B'] },
      ],
    });
  });

  it('generates a free slug from the title and refuses a taken one with 409 slug_taken', async () => {
    const first = await create({ title: 'Café Meeting!', duration: 30 }).expect(201);
    expect(first.body.slug).toBe('cafe-meeting');
    const second = await create({ title: 'Café Meeting!', duration: 30 }).expect(201);
    expect(second.body.slug).toBe('cafe-meeting-2');
    const clash = await create({ title: 'Other', slug: 'cafe-meeting', duration: 30 }).expect(409);
    expect(clash.body).toMatchObject({ code: 'slug_taken', statusCode: 409, error: 'Conflict' });
    const patchClash = await t
      .http()
      .patch(`${base}/${second.body.id}`)
      .set(AUTH)
      .send({ slug: 'cafe-meeting' });
    expect(patchClash.status).toBe(409);
    expect(patchClash.body.code).toBe('slug_taken');
  });

  it('updates only the given fields, and deletes', async () => {
    const created = await create({ title: 'Patch me', duration: 30 }).expect(201);
    const patched = await t
      .http()
      .patch(`${base}/${created.body.id}`)
      .set(AUTH)
      .send({
        duration: 45,
        availability: { friday: [{ start: '10:00', end: '11:00' }] },
        max_booking_notice: null,
      })
      .expect(200);
    expect(patched.body).toMatchObject({
      title: 'Patch me',
      duration: 45,
      availability: { friday: [{ start: '10:00', end: '11:00' }] },
    });
    expect(patched.body.availability.monday).toBeUndefined();
    expect(Date.parse(patched.body.date_modified)).toBeGreaterThanOrEqual(
      Date.parse(created.body.date_modified),
    );

    await t.http().delete(`${base}/${created.body.id}`).set(AUTH).expect(204);
    const gone = await t.http().get(`${base}/${created.body.id}`).set(AUTH).expect(404);
    expect(gone.body.code).toBe('not_found');
    await t.http().delete(`${base}/${created.body.id}`).set(AUTH).expect(404);
  });

  it('paginates with limit and offset, and refuses a limit over 200', async () => {
    const page = await t.http().get(`${base}?limit=1&offset=1`).set(AUTH).expect(200);
    expect(page.body.data).toHaveLength(1);
    expect(page.body.meta.limit).toBe(1);
    expect(page.body.meta.offset).toBe(1);
    expect(page.body.meta.total).toBeGreaterThan(1);
    const tooMany = await t.http().get(`${base}?limit=201`).set(AUTH).expect(400);
    expect(tooMany.body.details[0].field).toBe('limit');
    // Each refusal says what the field takes (a negative limit was told it must not be greater than 200).
    const refusals: [string, string, string][] = [
      ['limit=-1', 'limit', 'must be an integer from 1 to 200'],
      ['limit=abc', 'limit', 'must be an integer from 1 to 200'],
      ['limit=1&limit=2', 'limit', 'must be an integer from 1 to 200'],
      ['limit=', 'limit', 'must be an integer from 1 to 200'],
      ['offset=-1', 'offset', 'must be an integer from 0 to 9007199254740991'],
      ['offset=1.5', 'offset', 'must be an integer from 0 to 9007199254740991'],
    ];
    for (const [query, field, message] of refusals) {
      const refused = await t.http().get(`${base}?${query}`).set(AUTH).expect(400);
      expect(refused.body.details).toEqual([{ field, message }]);
    }
  });

  it('keeps time zones as the tz database spells them, whatever case they were sent in', async () => {
    const type = await t
      .http()
      .post(base)
      .set(AUTH)
      .send({ title: 'Zoned', duration: 30, timezone: 'europe/berlin' });
    expect(type.status).toBe(201);
    expect(type.body.timezone).toBe('Europe/Berlin');
    const patched = await t
      .http()
      .patch(`${base}/${type.body.id}`)
      .set(AUTH)
      .send({ timezone: 'AMERICA/NEW_YORK' });
    expect(patched.body.timezone).toBe('America/New_York');
    const member = await t
      .http()
      .post('/api/v1/team-members')
      .set(AUTH)
      .send({ name: 'Zoned', email: `zoned-${Date.now()}@example.com`, timezone: 'utc' })
      .expect(201);
    expect(member.body.timezone).toBe('UTC');
  });

  it('answers 404 for a PATCH of a type that does not exist, whatever hosts it names', async () => {
    const response = await t
      .http()
      .patch(`${base}/999999`)
      .set(AUTH)
      .send({ team_member_ids: [888888] });
    expect([response.status, response.body.code]).toEqual([404, 'not_found']);
  });

  it('answers 400 for a non-numeric id', async () => {
    const response = await t.http().get(`${base}/abc`).set(AUTH).expect(400);
    expect(response.body).toMatchObject({ code: 'validation_failed', details: [{ field: 'id' }] });
  });

  describe('validation', () => {
    const valid = { title: 'Valid', duration: 30 };

    it('requires a title and a duration', async () => {
      await expectInvalid({ duration: 30 }, 'title');
      await expectInvalid({ title: 'x' }, 'duration');
    });

    it('refuses a title or a field label of white space alone, on create and update, as empty', async () => {
      const created = await create({ title: 'Blank me', duration: 30 }).expect(201);
      for (const blank of [' ', '\t', '\n', '\u00a0', '\u3000', '\ufeff', ' \u2003 ']) {
        await expectInvalid({ ...valid, title: blank }, 'title');
        const patched = await t.http().patch(`${base}/${created.body.id}`).set(AUTH).send({ title: blank });
        expect([patched.status, patched.body.code]).toEqual([400, 'validation_failed']);
        expect(patched.body.details).toEqual([
          { field: 'title', message: 'must be text of 1 to 200 characters' },
        ]);
        await expectInvalid(
          { ...valid, customer_fields: [{ label: blank, type: 'text' }] },
          'customer_fields[0].label',
        );
      }
      const after = await t.http().get(`${base}/${created.body.id}`).set(AUTH).expect(200);
      expect(after.body).toEqual(created.body);
      // Its limits hold for what is kept: 200 characters between spaces fit.
      const long = await create({ ...valid, title: ` ${'x'.repeat(200)} ` }).expect(201);
      expect(long.body.title).toBe('x'.repeat(200));
    });

    it('refuses a time zone that is not IANA', async () => {
      await expectInvalid({ ...valid, timezone: 'Mars/Olympus' }, 'timezone');
      await expectInvalid({ ...valid, timezone: '+02:00' }, 'timezone');
      await expectInvalid({ ...valid, timezone: 'CEST' }, 'timezone');
    });

    it('keeps duration within 5 to 1440 minutes', async () => {
      await expectInvalid({ ...valid, duration: 4 }, 'duration');
      await expectInvalid({ ...valid, duration: 1441 }, 'duration');
      await expectInvalid({ ...valid, duration: 30.5 }, 'duration');
      await create({ ...valid, duration: 5 }).expect(201);
      await create({ ...valid, duration: 1440 }).expect(201);
    });

    it('needs an increment of at least 1 and a capacity of at least 1', async () => {
      await expectInvalid({ ...valid, availability_increment: 0 }, 'availability_increment');
      await expectInvalid({ ...valid, capacity: 0 }, 'capacity');
    });

    it('refuses negative buffers, notices, caps and prices', async () => {
      for (const field of [
        'buffer_before',
        'buffer_after',
        'min_booking_notice',
        'max_booking_notice',
        'max_event_count',
        'price',
      ]) {
        await expectInvalid({ ...valid, [field]: -1 }, field);
      }
    });

    it('refuses windows that are not HH:mm, end before start, or overlap within a day', async () => {
      await expectInvalid(
        { ...valid, availability: { monday: [{ start: '9:00', end: '17:00' }] } },
        'availability.monday[0].start',
      );
      await expectInvalid(
        { ...valid, availability: { monday: [{ start: '09:00', end: '25:00' }] } },
        'availability.monday[0].end',
      );
      await expectInvalid(
        { ...valid, availability: { monday: [{ start: '17:00', end: '09:00' }] } },
        'availability.monday[0].end',
      );
      await expectInvalid(
        { ...valid, availability: { monday: [{ start: '09:00', end: '09:00' }] } },
        'availability.monday[0].end',
      );
      const overlap = await expectInvalid(
        {
          ...valid,
          availability: {
            tuesday: [
              { start: '13:00', end: '17:00' },
              { start: '09:00', end: '13:30' },
            ],
          },
        },
        'availability.tuesday',
      );
      expect(overlap.body.message).toContain('overlap');
      await expectInvalid({ ...valid, availability: { funday: [] } }, 'availability.funday');
      await create({
        ...valid,
        availability: {
          monday: [
            { start: '09:00', end: '12:00' },
            { start: '12:00', end: '13:00' },
          ],
        },
      }).expect(201);
    });

    it('refuses duplicate or built-in customer field labels and bad field types', async () => {
      await expectInvalid(
        {
          ...valid,
          customer_fields: [
            { label: 'Phone', type: 'phone' },
            { label: 'phone', type: 'text' },
          ],
        },
        'customer_fields',
      );
      await expectInvalid(
        { ...valid, customer_fields: [{ label: 'Email', type: 'email' }] },
        'customer_fields[0].label',
      );
      await expectInvalid(
        { ...valid, customer_fields: [{ label: 'X', type: 'colour' }] },
        'customer_fields[0].type',
      );
      await expectInvalid(
        { ...valid, customer_fields: [{ label: 'X', type: 'select' }] },
        'customer_fields[0].options',
      );
    });

    it('refuses a select option of white space alone, or one that is another once trimmed', async () => {
      const select = (options: string[]) => ({
        ...valid,
        customer_fields: [{ label: 'Topic', type: 'select', options }],
      });
      const blank = await expectInvalid(select([' ', '  ', 'a']), 'customer_fields[0].options');
      expect(blank.body.details).toEqual([
        { field: 'customer_fields[0].options', message: 'item 0 must not be blank' },
      ]);
      for (const options of [
        [' a', 'a'],
        ['a', 'b', 'a'],
        ['a', 'a\u00a0'],
      ]) {
        const repeated = await expectInvalid(select(options), 'customer_fields[0].options');
        expect(repeated.body.details[0].message).toMatch(/^item \d is the same as item \d once trimmed$/);
      }
      const created = await create(select(['a', 'A', 'a b'])).expect(201);
      const patched = await t
        .http()
        .patch(`${base}/${created.body.id}`)
        .set(AUTH)
        .send({ customer_fields: [{ label: 'Topic', type: 'select', options: ['a', '\u3000'] }] });
      expect([patched.status, patched.body.details]).toEqual([
        400,
        [{ field: 'customer_fields[0].options', message: 'item 1 must not be blank' }],
      ]);
    });

    it('takes a currency only as an ISO 4217 code', async () => {
      for (const currency of ['ABC', 'usd', 'US', 'USDX', 'XYZ']) {
        const refused = await expectInvalid({ ...valid, currency }, 'currency');
        expect(refused.body.details).toEqual([
          { field: 'currency', message: 'must be an ISO 4217 code such as USD' },
        ]);
      }
      for (const currency of ['USD', 'EUR', 'JPY', 'KWD', 'CHF']) {
        const created = await create({ ...valid, currency }).expect(201);
        expect(created.body.currency).toBe(currency);
      }
      const created = await create(valid).expect(201);
      const patched = await t.http().patch(`${base}/${created.body.id}`).set(AUTH).send({ currency: 'ABC' });
      expect([patched.status, patched.body.details]).toEqual([
        400,
        [{ field: 'currency', message: 'must be an ISO 4217 code such as USD' }],
      ]);
    });

    it('refuses bad slugs, statuses and unknown fields', async () => {
      await expectInvalid({ ...valid, slug: 'Not A Slug' }, 'slug');
      await expectInvalid({ ...valid, status: 'archived' }, 'status');
      const unknown = await expectInvalid({ ...valid, colour: 'red' }, 'colour');
      expect(unknown.body.details).toContainEqual({ field: 'colour', message: 'is not a known field' });
    });

    it('refuses null for a field that cannot be empty on update, and changes nothing', async () => {
      const created = await create({ title: 'Keep me', duration: 30 }).expect(201);
      const response = await t
        .http()
        .patch(`${base}/${created.body.id}`)
        .set(AUTH)
        .send({ title: null, duration: 60 });
      expect(response.status).toBe(400);
      expect(response.body.details[0].field).toBe('title');
      const after = await t.http().get(`${base}/${created.body.id}`).set(AUTH).expect(200);
      expect(after.body).toEqual(created.body);
    });

    it('reports every invalid field at once', async () => {
      const response = await create({ title: '', duration: 2, timezone: 'Nowhere' }).expect(400);
      const fields = response.body.details.map((d: { field: string }) => d.field);
      expect(fields).toEqual(expect.arrayContaining(['title', 'duration', 'timezone']));
    });
  });
});
