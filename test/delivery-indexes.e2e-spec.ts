import { DataSource } from 'typeorm';
import { createWebhook, freshDatabaseUrl } from './support/fixtures';
import { tableIndexes } from './support/database';
import { AUTH, onPostgres, startTestApp, TestApp } from './support/test-app';

/**
 * The delivery queue's indexes follow the fan-out (migration 1764190000031): an event's deliveries are written
 * together, one per webhook, so only one index may be led by the webhook (each such index takes a fan-out into
 * as many pages as there are webhooks), and the queries that used the others still find an index.
 */
describe('webhook delivery indexes (e2e)', () => {
  let t: TestApp;
  let db: DataSource;

  beforeAll(async () => {
    t = await startTestApp({ databaseUrl: await freshDatabaseUrl(), env: { WEBHOOK_WORKER: 'false' } });
    db = t.app.get(DataSource);
  });
  afterAll(() => t.close());

  const indexes = () => tableIndexes(db, 'webhook_deliveries');

  it('leads one index only with the webhook; the fan-out lands at the end of the others', async () => {
    expect(await indexes()).toEqual({
      idx_webhook_deliveries_due: ['status', 'next_attempt_at'],
      uq_webhook_deliveries_event: ['event_id', 'webhook_id'],
      idx_webhook_deliveries_order: ['appointment_id', 'webhook_id', 'event_id'],
      idx_webhook_deliveries_webhook: ['webhook_id', 'id'],
    });
  });

  (onPostgres ? it.skip : it)(
    'plans the log, the claim and the replay check on those indexes (SQLite)',
    async () => {
      const plan = async (sql: string) =>
        (await db.query<{ detail: string }[]>(`EXPLAIN QUERY PLAN ${sql}`))
          .map((row) => row.detail)
          .join('\n');
      const log = await plan(
        'SELECT id FROM webhook_deliveries WHERE webhook_id = 1 ORDER BY id DESC LIMIT 20',
      );
      expect(log).toContain('idx_webhook_deliveries_webhook');
      expect(log).not.toContain('TEMP B-TREE');
      expect(
        await plan(`SELECT 1 FROM webhook_deliveries e WHERE e.webhook_id = 1 AND e.appointment_id = 2
        AND e.status = 'pending' AND e.event_id < 3`),
      ).toContain('idx_webhook_deliveries_order');
      expect(await plan('SELECT 1 FROM webhook_deliveries WHERE event_id = 3 AND webhook_id = 1')).toContain(
        'uq_webhook_deliveries_event',
      );
    },
  );

  it("still lists a webhook's deliveries newest first, and refuses a second delivery of an event", async () => {
    const hook = (n: number) => createWebhook(t, { url: `http://127.0.0.1:9/hook/${n}` });
    const hooks = [await hook(1), await hook(2)];
    const insert = (webhookId: number, eventId: number) =>
      db.query(
        `INSERT INTO webhook_deliveries (webhook_id, event_id, action, appointment_id, status, attempt_count,
           payload, date_created) VALUES (${[1, 2, 3, 4].map((n) => (onPostgres ? `$${n}` : '?')).join(', ')},
           'pending', 0, '{}', 0)`,
        [webhookId, eventId, 'appointment_booked', eventId],
      );
    for (let event = 1; event <= 3; event++) for (const hook of hooks) await insert(hook.id, event);
    await expect(insert(hooks[0].id, 2)).rejects.toThrow(/unique|UNIQUE/);
    const listed = await t.http().get(`/api/v1/webhooks/${hooks[1].id}/deliveries`).set(AUTH).expect(200);
    const stored: { id: number }[] = await db.query(
      `SELECT id FROM webhook_deliveries WHERE webhook_id = ${hooks[1].id} ORDER BY id DESC`,
    );
    expect(listed.body.meta.total).toBe(3);
    expect(listed.body.data.map((d: { id: number }) => d.id)).toEqual(stored.map((row) => Number(row.id)));
  });
});
