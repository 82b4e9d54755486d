import type { StoredEvent } from '../src/common/events/domain-event';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { Transactions } from '../src/database/transactions';
import { TeamMembersService } from '../src/team-members/team-members.service';
import { eventually } from './support/eventually';
import { expectInvalid } from './support/expect-invalid';
import { AUTH, freshDatabaseUrl, startTestApp, TestApp } from './support/test-app';

const base = '/api/v1/team-members';
const typesBase = '/api/v1/appointment-types';

/** What team-member events carry: their own snapshot, not the API's representation. */
function memberSnapshot(member: Record<string, unknown>): Record<string, unknown> {
  const { id, wp_user_id, name, display_name, email, status } = member;
  return { id, wp_user_id, name, display_name, email, status };
}

describe('team members (e2e)', () => {
  let t: TestApp;
  let events: StoredEvent[] = [];

  beforeAll(async () => {
    t = await startTestApp({ databaseUrl: await freshDatabaseUrl() });
    // Recorded at commit, before the response; their emission to listeners follows it.
    t.app.get(Transactions).onCommitted((committed) => {
      for (const event of committed) {
        if (event.name.startsWith('team_member.') || event.name.startsWith('appointment_type.'))
          events.push(event);
      }
    });
  });

  afterAll(async () => {
    await t.close();
  });

  beforeEach(() => {
    events = [];
  });

  const create = (body: object) => t.http().post(base).set(AUTH).send(body);
  const patch = (id: number, body: object) => t.http().patch(`${base}/${id}`).set(AUTH).send(body);
  let counter = 0;
  const uniqueEmail = () => `member${(counter += 1)}@example.com`;
  const named = (name: string) => events.filter((event) => event.name === name);

  it('creates a member with defaults, reads it back and lists it, announcing team_member.created', async () => {
    const created = await create({ name: '  Ada Lovelace ', email: '  Ada@Example.COM ' }).expect(201);
    expect(created.body).toEqual({
      id: expect.any(Number),
      name: 'Ada Lovelace',
      display_name: 'Ada Lovelace',
      email: 'ada@example.com',
      wp_user_id: 0,
      status: 'active',
      timezone: 'UTC',
      availability: null,
      date_overrides: [],
      date_created: expect.any(String),
      date_modified: expect.any(String),
    });
    expect(new Date(created.body.date_created).toISOString()).toBe(created.body.date_created);

    expect(named('team_member.created')).toEqual([
      {
        id: expect.any(Number),
        name: 'team_member.created',
        payload: { team_member: memberSnapshot(created.body) },
        occurred_at: expect.any(String),
        stream_key: null,
      },
    ]);

    const fetched = await t.http().get(`${base}/${created.body.id}`).set(AUTH).expect(200);
    expect(fetched.body).toEqual(created.body);
    const list = await t.http().get(base).set(AUTH).expect(200);
    expect(list.body.meta).toEqual({ total: 1, limit: 50, offset: 0 });
    expect(list.body.data).toEqual([created.body]);
  });

  it('stores every field given', async () => {
    const body = {
      name: 'Grace Hopper',
      display_name: 'Grace',
      email: 'grace@example.com',
      wp_user_id: 42,
      status: 'inactive',
    };
    const created = await create(body).expect(201);
    expect(created.body).toMatchObject(body);
  });

  it('refuses a taken email with 409 email_taken, whatever its case, on create and update', async () => {
    await create({ name: 'First', email: 'taken@example.com' }).expect(201);
    const clash = await create({ name: 'Second', email: 'TAKEN@example.com ' });
    expectInvalid(clash, 'email', 'email_taken', 409);
    expect(clash.body).toMatchObject({ statusCode: 409, error: 'Conflict' });

    const other = await create({ name: 'Other', email: uniqueEmail() }).expect(201);
    events = [];
    expectInvalid(await patch(other.body.id, { email: 'Taken@Example.com' }), 'email', 'email_taken', 409);
    expect(events).toEqual([]);
  });

  it('lets exactly one of several simultaneous creates with one email through', async () => {
    const responses = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        create({ name: `Racer ${i}`, email: i % 2 === 0 ? 'race@example.com' : 'RACE@example.com' }),
      ),
    );
    const statuses = responses.map((response) => response.status).sort();
    expect(statuses).toEqual([201, 409, 409, 409, 409, 409]);
    for (const response of responses.filter((r) => r.status === 409))
      expect(response.body.code).toBe('email_taken');
    expect(named('team_member.created')).toHaveLength(1);
  });

  it('updates only the given fields and announces team_member.updated', async () => {
    const created = await create({ name: 'Patch Me', email: uniqueEmail() }).expect(201);
    events = [];
    const patched = await patch(created.body.id, {
      display_name: 'Patchy',
      email: ' Patched@Example.com',
      wp_user_id: 7,
      status: 'inactive',
    }).expect(200);
    expect(patched.body).toMatchObject({
      id: created.body.id,
      name: 'Patch Me',
      display_name: 'Patchy',
      email: 'patched@example.com',
      wp_user_id: 7,
      status: 'inactive',
      date_created: created.body.date_created,
    });
    expect(Date.parse(patched.body.date_modified)).toBeGreaterThanOrEqual(
      Date.parse(created.body.date_modified),
    );
    expect(events.map((event) => event.name)).toEqual(['team_member.updated']);
    expect(events[0].payload).toEqual({ team_member: memberSnapshot(patched.body) });
    const fetched = await t.http().get(`${base}/${created.body.id}`).set(AUTH).expect(200);
    expect(fetched.body).toEqual(patched.body);
  });

  it('announces nothing for a PATCH that changes nothing, and keeps date_modified', async () => {
    const created = await create({ name: 'Same', email: 'same@example.com', wp_user_id: 3 }).expect(201);
    events = [];
    const patched = await patch(created.body.id, {
      name: ' Same ',
      email: 'SAME@example.com',
      wp_user_id: 3,
      status: 'active',
    }).expect(200);
    expect(patched.body).toEqual(created.body);
    await patch(created.body.id, {}).expect(200);
    expect(events).toEqual([]);
  });

  it('deletes a member, announcing team_member.deleted with the member as it was', async () => {
    const created = await create({ name: 'Leaving', email: uniqueEmail() }).expect(201);
    events = [];
    await t.http().delete(`${base}/${created.body.id}`).set(AUTH).expect(204);
    expect(named('team_member.deleted').map((event) => event.payload)).toEqual([
      { team_member: memberSnapshot(created.body) },
    ]);
    const gone = await t.http().get(`${base}/${created.body.id}`).set(AUTH).expect(404);
    expect(gone.body.code).toBe('not_found');
    await t.http().delete(`${base}/${created.body.id}`).set(AUTH).expect(404);
    await patch(created.body.id, { name: 'Ghost' }).expect(404);
    expect(named('team_member.deleted')).toHaveLength(1);
    await create({ name: 'Reuse', email: created.body.email }).expect(201);
  });

  it('paginates and refuses non-numeric ids', async () => {
    const page = await t.http().get(`${base}?limit=1&offset=1`).set(AUTH).expect(200);
    expect(page.body.data).toHaveLength(1);
    expect(page.body.meta).toMatchObject({ limit: 1, offset: 1 });
    expect(page.body.meta.total).toBeGreaterThan(1);
    const bad = await t.http().get(`${base}/abc`).set(AUTH).expect(400);
    expect(bad.body.details[0].field).toBe('id');
  });

  it('requires the admin key', async () => {
    const response = await t.http().get(base).expect(401);
    expect(response.body.code).toBe('unauthorized');
  });

  describe('validation', () => {
    it('requires a name of 1 to 200 characters and an email address', async () => {
      expectInvalid(await create({ email: uniqueEmail() }), 'name');
      expectInvalid(await create({ name: '   ', email: uniqueEmail() }), 'name');
      expectInvalid(await create({ name: 'x'.repeat(201), email: uniqueEmail() }), 'name');
      expectInvalid(await create({ name: 'No Email' }), 'email');
      expectInvalid(await create({ name: 'Bad Email', email: 'not-an-email' }), 'email');
      expectInvalid(await create({ name: 'Bad Email', email: 42 }), 'email');
      expectInvalid(await create({ name: 'x', display_name: '', email: uniqueEmail() }), 'display_name');
    });

    it('refuses a negative or fractional wp_user_id', async () => {
      expectInvalid(await create({ name: 'x', email: uniqueEmail(), wp_user_id: -1 }), 'wp_user_id');
      expectInvalid(await create({ name: 'x', email: uniqueEmail(), wp_user_id: 1.5 }), 'wp_user_id');
      expectInvalid(await create({ name: 'x', email: uniqueEmail(), wp_user_id: '3' }), 'wp_user_id');
    });

    it('refuses an unknown status and unknown fields', async () => {
      expectInvalid(await create({ name: 'x', email: uniqueEmail(), status: 'gone' }), 'status');
      const unknown = await create({ name: 'x', email: uniqueEmail(), role: 'admin' });
      expectInvalid(unknown, 'role');
      expect(unknown.body.details).toContainEqual({ field: 'role', message: 'is not a known field' });
    });

    it('refuses invalid or null fields on update and changes nothing', async () => {
      const created = await create({ name: 'Keep', email: uniqueEmail() }).expect(201);
      events = [];
      expectInvalid(await patch(created.body.id, { name: null, status: 'inactive' }), 'name');
      expectInvalid(await patch(created.body.id, { wp_user_id: -5 }), 'wp_user_id');
      expectInvalid(await patch(created.body.id, { email: 'nope' }), 'email');
      expectInvalid(await patch(created.body.id, { id: 99 }), 'id');
      const after = await t.http().get(`${base}/${created.body.id}`).set(AUTH).expect(200);
      expect(after.body).toEqual(created.body);
      expect(events).toEqual([]);
    });
  });

  describe('as hosts of appointment types', () => {
    it('refuses unknown team_member_ids with 400 unknown_team_member naming the field', async () => {
      const host = await create({ name: 'Host', email: uniqueEmail() }).expect(201);
      const missing = host.body.id + 1000;
      const response = await t
        .http()
        .post(typesBase)
        .set(AUTH)
        .send({ title: 'Hosted', duration: 30, team_member_ids: [host.body.id, missing, missing + 1] });
      expectInvalid(response, 'team_member_ids', 'unknown_team_member');
      expect(response.body.message).toContain(`unknown team member id(s): ${missing}, ${missing + 1}`);

      const type = await t
        .http()
        .post(typesBase)
        .set(AUTH)
        .send({ title: 'Hosted', duration: 30, team_member_ids: [host.body.id] })
        .expect(201);
      expect(type.body.team_member_ids).toEqual([host.body.id]);
      const patched = await t
        .http()
        .patch(`${typesBase}/${type.body.id}`)
        .set(AUTH)
        .send({ team_member_ids: [missing] });
      expectInvalid(patched, 'team_member_ids', 'unknown_team_member');
      const unchanged = await t.http().get(`${typesBase}/${type.body.id}`).set(AUTH).expect(200);
      expect(unchanged.body.team_member_ids).toEqual([host.body.id]);
    });

    it('removes a deleted member from every type that it hosts, announcing each change once; a type losing its last host goes off sale', async () => {
      const leaving = await create({ name: 'Leaving Host', email: uniqueEmail() }).expect(201);
      const staying = await create({ name: 'Staying Host', email: uniqueEmail() }).expect(201);
      const createType = (title: string, team_member_ids: number[]) =>
        t.http().post(typesBase).set(AUTH).send({ title, duration: 30, team_member_ids }).expect(201);
      const both = await createType('Both', [staying.body.id, leaving.body.id]);
      const solo = await createType('Solo', [leaving.body.id]);
      const other = await createType('Other', [staying.body.id]);
      events = [];

      await t.http().delete(`${base}/${leaving.body.id}`).set(AUTH).expect(204);

      const read = async (id: number) =>
        (await t.http().get(`${typesBase}/${id}`).set(AUTH).expect(200)).body;
      // The types module applies the deletion when it hears of it, just after the response.
      await eventually(async () =>
        expect((await read(both.body.id)).team_member_ids).toEqual([staying.body.id]),
      );
      // Its last host gone, a type is taken off sale: not a host-less type open at all its hours.
      await eventually(async () =>
        expect((await read(solo.body.id)) as object).toMatchObject({ team_member_ids: [], status: 'draft' }),
      );
      expect((await read(both.body.id)).status).toBe('publish');
      expect(await read(other.body.id)).toEqual(other.body);
      const updated = named('appointment_type.updated').map(
        (event) =>
          (event.payload as { appointment_type: { id: number; team_member_ids: number[] } }).appointment_type,
      );
      expect(updated.map((type) => [type.id, type.team_member_ids])).toEqual([
        [both.body.id, [staying.body.id]],
        [solo.body.id, []],
      ]);
      await t
        .http()
        .get(`/api/v1/public/appointment-types/${(await read(solo.body.id)).slug}`)
        .expect(404);

      // A replay of the event (the relay after a crash) finds nothing left to change.
      const deleted = named('team_member.deleted')[0];
      events = [];
      await t.app.get(EventEmitter2).emitAsync(deleted.name, deleted);
      expect(named('appointment_type.updated')).toEqual([]);
    });
  });

  describe('service face for other modules', () => {
    it('gives snapshots ordered by id, active ids, and refuses unknown ids', async () => {
      const b = await create({
        name: 'Bea',
        display_name: 'B',
        email: 'bea@example.com',
        wp_user_id: 5,
      }).expect(201);
      const a = await create({ name: 'Abe', email: 'abe@example.com', status: 'inactive' }).expect(201);
      const service = t.app.get(TeamMembersService);
      const missing = a.body.id + 500;
      await t.app.get(Transactions).run(async () => {
        expect(await service.snapshots([a.body.id, missing, b.body.id, a.body.id])).toEqual([
          { id: b.body.id, wp_user_id: 5, name: 'Bea', display_name: 'B', email: 'bea@example.com' },
          { id: a.body.id, wp_user_id: 0, name: 'Abe', display_name: 'Abe', email: 'abe@example.com' },
        ]);
        expect(await service.snapshots([])).toEqual([]);
        expect(await service.activeIds([a.body.id, b.body.id, missing])).toEqual([b.body.id]);
        await service.assertExist([b.body.id, a.body.id], 'hosts');
        await expect(service.assertExist([b.body.id, missing], 'hosts')).rejects.toMatchObject({
          code: 'unknown_team_member',
          details: [{ field: 'hosts', message: `unknown team member id(s): ${missing}` }],
        });
      });
    });
  });
});
