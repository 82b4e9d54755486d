import { CustomersService } from '../src/customers/customers.service';
import { Transactions } from '../src/database/transactions';
import { expectInvalid } from './support/expect-invalid';
import { AUTH, freshDatabaseUrl, startTestApp, TestApp } from './support/test-app';

const base = '/api/v1/customers';

describe('customers (e2e)', () => {
  let t: TestApp;
  let customers: CustomersService;
  let transactions: Transactions;

  beforeAll(async () => {
    t = await startTestApp({ databaseUrl: await freshDatabaseUrl() });
    customers = t.app.get(CustomersService);
    transactions = t.app.get(Transactions);
  });

  afterAll(async () => {
    await t.close();
  });

  const findOrCreate = (name: string, email: string) =>
    transactions.run(() => customers.findOrCreate({ name, email }));
  const patch = (id: number, body: object) => t.http().patch(`${base}/${id}`).set(AUTH).send(body);

  describe('findOrCreate (for bookings)', () => {
    it('creates a customer with the email as given, and finds it again whatever the case', async () => {
      const created = await findOrCreate(' Grace Hopper ', ' Grace@Example.COM ');
      expect(created).toEqual({
        id: expect.any(Number),
        name: 'Grace Hopper',
        email: 'Grace@Example.COM',
        date_created: expect.any(String),
        date_modified: expect.any(String),
      });
      const again = await findOrCreate('G. Hopper', 'grace@example.com');
      expect(again).toEqual(created);
      const fetched = await t.http().get(`${base}/${created.id}`).set(AUTH).expect(200);
      expect(fetched.body).toEqual(created);
    });

    it('gives every simultaneous booking with one email the same customer', async () => {
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          findOrCreate(`Racer ${i}`, i % 2 === 0 ? 'racer@example.com' : 'RACER@example.com'),
        ),
      );
      expect(new Set(results.map((customer) => customer.id)).size).toBe(1);
      const list = await t.http().get(`${base}?email=racer@example.com`).set(AUTH).expect(200);
      expect(list.body.meta.total).toBe(1);
    });

    it('creates nothing when the caller’s transaction rolls back', async () => {
      await expect(
        transactions.run(async () => {
          await customers.findOrCreate({ name: 'Ghost', email: 'ghost@example.com' });
          throw new Error('booking refused');
        }),
      ).rejects.toThrow('booking refused');
      const list = await t.http().get(`${base}?email=ghost@example.com`).set(AUTH).expect(200);
      expect(list.body.data).toEqual([]);
    });

    it('reads a customer by id, and 404s an unknown one', async () => {
      const created = await findOrCreate('Reader', 'reader@example.com');
      expect(await customers.get(created.id)).toEqual(created);
      await expect(customers.get(created.id + 1000)).rejects.toMatchObject({ code: 'not_found' });
      const gone = await t
        .http()
        .get(`${base}/${created.id + 1000}`)
        .set(AUTH)
        .expect(404);
      expect(gone.body.code).toBe('not_found');
    });
  });

  describe('REST', () => {
    it('lists customers by id, paginates, and filters by exact email case-insensitively', async () => {
      const a = await findOrCreate('Alpha', 'alpha@example.com');
      await findOrCreate('Alphabet', 'alphabet@example.com');
      const all = await t.http().get(base).set(AUTH).expect(200);
      const ids = all.body.data.map((customer: { id: number }) => customer.id);
      expect(ids).toEqual([...ids].sort((x, y) => x - y));
      expect(all.body.meta).toEqual({ total: all.body.data.length, limit: 50, offset: 0 });

      const filtered = await t
        .http()
        .get(`${base}?email=${encodeURIComponent(' ALPHA@example.com')}`)
        .set(AUTH);
      expect(filtered.status).toBe(200);
      expect(filtered.body).toEqual({ data: [a], meta: { total: 1, limit: 50, offset: 0 } });

      const page = await t.http().get(`${base}?limit=1&offset=1`).set(AUTH).expect(200);
      expect(page.body.data).toEqual([all.body.data[1]]);
      expect(page.body.meta).toEqual({ total: all.body.meta.total, limit: 1, offset: 1 });
      expectInvalid(await t.http().get(`${base}?limit=500`).set(AUTH), 'limit');
      expectInvalid(await t.http().get(`${base}?colour=red`).set(AUTH), 'colour');
    });

    it('changes the name and email, and finds the customer by the new email', async () => {
      const created = await findOrCreate('Before', 'before@example.com');
      const patched = await patch(created.id, { name: ' After ', email: ' After@Example.com ' }).expect(200);
      expect(patched.body).toMatchObject({
        id: created.id,
        name: 'After',
        email: 'After@Example.com',
        date_created: created.date_created,
      });
      expect(Date.parse(patched.body.date_modified)).toBeGreaterThanOrEqual(
        Date.parse(created.date_modified),
      );
      expect((await findOrCreate('Someone', 'after@EXAMPLE.com')).id).toBe(created.id);
      expect((await findOrCreate('New', 'before@example.com')).id).not.toBe(created.id);
    });

    it('changes only the case of an email without a clash, and leaves an unchanged customer alone', async () => {
      const created = await findOrCreate('Casey', 'casey@example.com');
      const recased = await patch(created.id, { email: 'Casey@Example.com' }).expect(200);
      expect(recased.body.email).toBe('Casey@Example.com');
      const same = await patch(created.id, { name: 'Casey', email: 'Casey@Example.com' }).expect(200);
      expect(same.body).toEqual(recased.body);
    });

    it('refuses an email of another customer with 409 email_taken, whatever its case', async () => {
      await findOrCreate('Owner', 'owner@example.com');
      const other = await findOrCreate('Other', 'other@example.com');
      expectInvalid(await patch(other.id, { email: 'OWNER@example.com' }), 'email', 'email_taken', 409);
      const unchanged = await t.http().get(`${base}/${other.id}`).set(AUTH).expect(200);
      expect(unchanged.body).toEqual(other);
    });

    it('refuses invalid fields and unknown fields', async () => {
      const created = await findOrCreate('Valid', 'valid@example.com');
      expectInvalid(await patch(created.id, { email: 'not-an-email' }), 'email');
      expectInvalid(await patch(created.id, { email: null }), 'email');
      expectInvalid(await patch(created.id, { name: '  ' }), 'name');
      expectInvalid(await patch(created.id, { name: 'x'.repeat(201) }), 'name');
      const unknown = await patch(created.id, { phone: '123' });
      expectInvalid(unknown, 'phone');
      expect(unknown.body.details).toContainEqual({ field: 'phone', message: 'is not a known field' });
      expectInvalid(await patch(0, { name: 'x' }), 'id');
      await patch(created.id + 1000, { name: 'x' }).expect(404);
    });

    it('has no create or delete route, and requires the admin key', async () => {
      // The paths exist for other methods: 405 with what they take.
      const post = await t
        .http()
        .post(base)
        .set(AUTH)
        .send({ name: 'x', email: 'x@example.com' })
        .expect(405);
      expect(post.headers.allow).toBe('GET, HEAD, OPTIONS');
      const remove = await t.http().delete(`${base}/1`).set(AUTH).expect(405);
      expect(remove.headers.allow).toBe('GET, HEAD, PATCH, OPTIONS');
      const response = await t.http().get(base).expect(401);
      expect(response.body.code).toBe('unauthorized');
    });
  });
});
