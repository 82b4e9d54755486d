import { DataSource } from 'typeorm';
import { RetentionPruner } from '../src/retention/retention-pruner';
import { eventually } from './support/eventually';
import { AUTH, freshDatabaseUrl, startTestApp, TestApp } from './support/test-app';

const DAY = 24 * 3600 * 1000;
const OLD_HANDLED = 1_234; // more than two batches of 500
const OLD_DELIVERED = 777;

/** Rows inserted straight into the tables, as months of use would leave them. */
async function insert(
  dataSource: DataSource,
  table: string,
  columns: string[],
  rows: Array<Array<string | number | boolean | null>>,
) {
  for (let i = 0; i < rows.length; i += 200) {
    const values = rows
      .slice(i, i + 200)
      .map(
        (row) =>
          `(${row.map((v) => (v === null ? 'NULL' : typeof v === 'string' ? `'${v}'` : String(v))).join(', ')})`,
      )
      .join(', ');
    await dataSource.query(`INSERT INTO ${table} (${columns.join(', ')}) VALUES ${values}`);
  }
}

async function ids(dataSource: DataSource, table: string): Promise<number[]> {
  const rows: Array<{ id: number | string }> = await dataSource.query(`SELECT id FROM ${table} ORDER BY id`);
  return rows.map((row) => Number(row.id));
}

describe('retention of the outbox and the delivery log (e2e)', () => {
  let app: TestApp;
  let dataSource: DataSource;
  const now = Date.now();

  beforeAll(async () => {
    app = await startTestApp({
      databaseUrl: await freshDatabaseUrl(),
      env: {
        // Nothing else touches the rows: no worker sends the pending delivery, no relay handles the event.
        WEBHOOK_WORKER: 'false',
        OUTBOX_RELAY_INTERVAL_MS: '3600000',
        OUTBOX_RETENTION_DAYS: '3',
        WEBHOOK_LOG_RETENTION_DAYS: '30',
        RETENTION_INTERVAL_MS: '1000',
      },
    });
    dataSource = app.app.get(DataSource);
  });

  afterAll(() => app.close());

  it('deletes old handled events and old finished deliveries on its timer, and keeps everything else', async () => {
    const webhook = await app
      .http()
      .post('/api/v1/webhooks')
      .set(AUTH)
      .send({ url: 'http://127.0.0.1:9/hook' })
      .expect(201);

    const outboxColumns = ['name', 'payload', 'occurred_at', 'handled_at', 'attempts', 'next_attempt_at'];
    const event = (occurred: number, handled: number | null) => [
      'retention.test',
      '{}',
      occurred,
      handled,
      0,
      now + 365 * DAY,
    ];
    const oldHandled = Array.from({ length: OLD_HANDLED }, () => event(now - 10 * DAY, now - 10 * DAY));
    await insert(dataSource, 'outbox_events', outboxColumns, oldHandled);
    await insert(dataSource, 'outbox_events', outboxColumns, [
      event(now - 10 * DAY, null), // old, never handled: still owed to its listeners
      event(now - 4 * DAY, now - 1 * DAY), // handled recently
      event(now - 1 * DAY, now - 1 * DAY), // recent
    ]);
    const keptEvents = (await ids(dataSource, 'outbox_events')).slice(-3);

    const deliveryColumns = [
      'webhook_id',
      'action',
      'status',
      'attempt_count',
      'manual',
      'next_attempt_at',
      'payload',
      'date_created',
      'delivered_at',
    ];
    const delivery = (status: string, created: number) => [
      webhook.body.id,
      'booked',
      status,
      1,
      false,
      status === 'pending' ? now + 365 * DAY : null,
      '{}',
      created,
      status === 'delivered' ? created : null,
    ];
    const oldDelivered = Array.from({ length: OLD_DELIVERED }, () => delivery('delivered', now - 40 * DAY));
    await insert(dataSource, 'webhook_deliveries', deliveryColumns, [
      ...oldDelivered,
      delivery('failed', now - 40 * DAY),
    ]);
    await insert(dataSource, 'webhook_deliveries', deliveryColumns, [
      delivery('pending', now - 40 * DAY), // old but still owed
      delivery('delivered', now - 10 * DAY), // within the log window
    ]);
    const keptDeliveries = (await ids(dataSource, 'webhook_deliveries')).slice(-2);
    // An attempt for every delivery, in one statement: the timer (every second) may have deleted old ones
    // already, and an attempt inserted for a delivery gone would break its foreign key.
    await dataSource.query(
      `INSERT INTO webhook_delivery_attempts (delivery_id, attempt_number, started_at, duration_ms, status_code)
       SELECT id, 1, ${now - 40 * DAY}, 5, 200 FROM webhook_deliveries`,
    );

    await eventually(async () => {
      expect(await ids(dataSource, 'outbox_events')).toEqual(keptEvents);
      expect(await ids(dataSource, 'webhook_deliveries')).toEqual(keptDeliveries);
    }, 30_000);
    const attempts: Array<{ delivery_id: number | string }> = await dataSource.query(
      'SELECT delivery_id FROM webhook_delivery_attempts ORDER BY delivery_id',
    );
    expect(attempts.map((row) => Number(row.delivery_id))).toEqual(keptDeliveries);

    // Another pass finds nothing more to delete.
    expect(await app.app.get(RetentionPruner).prune()).toEqual({ outboxEvents: 0, deliveries: 0 });
  });

  it('counts exactly what it deleted over several batches', async () => {
    // Handled two days ago: within the 3-day window for the timer; a pass run 40 days on deletes them, and what
    // the first test kept except the unhandled event and the pending delivery.
    const rows = Array.from(
      { length: 600 },
      () => `('retention.count', '{}', ${now - 2 * DAY}, ${now - 2 * DAY}, 0)`,
    );
    for (let i = 0; i < rows.length; i += 200)
      await dataSource.query(
        `INSERT INTO outbox_events (name, payload, occurred_at, handled_at, attempts) VALUES ${rows.slice(i, i + 200).join(', ')}`,
      );
    expect(await app.app.get(RetentionPruner).prune(now + 40 * DAY)).toEqual({
      outboxEvents: 602,
      deliveries: 1,
    });
  });

  it('leaves the booking path working while it runs: a booking still commits and is announced', async () => {
    const type = await app
      .http()
      .post('/api/v1/appointment-types')
      .set(AUTH)
      .send({
        title: 'Kept',
        duration: 30,
        timezone: 'UTC',
        availability: { monday: [{ start: '00:00', end: '24:00' }] },
      })
      .expect(201);
    await app
      .http()
      .post('/api/v1/appointments')
      .set(AUTH)
      .send({
        appointment_type_id: type.body.id,
        start_date: '2030-01-07T08:00:00.000Z',
        customer_information: { Name: 'Ada', Email: 'ada@example.com' },
      })
      .expect(201);
    await app.app.get(RetentionPruner).prune();
    const booked: Array<{ n: number | string }> = await dataSource.query(
      "SELECT COUNT(*) AS n FROM outbox_events WHERE name = 'appointment.booked'",
    );
    expect(Number(booked[0].n)).toBe(1);
  });

  it("deletes an event's shared webhook body once no delivery of the event is left, and not before", async () => {
    const webhook = await app
      .http()
      .post('/api/v1/webhooks')
      .set(AUTH)
      .send({ url: 'http://127.0.0.1:9/bodies' })
      .expect(201);
    const body = (eventId: number, created: number) => [eventId, '{"signature":{"token":', '}', created];
    await insert(
      dataSource,
      'webhook_event_bodies',
      ['event_id', 'head', 'tail', 'date_created'],
      [body(900_001, now - 40 * DAY), body(900_002, now - 40 * DAY), body(900_003, now - DAY)],
    );
    await insert(
      dataSource,
      'webhook_deliveries',
      [
        'webhook_id',
        'event_id',
        'action',
        'status',
        'attempt_count',
        'next_attempt_at',
        'payload',
        'shared_body',
        'date_created',
      ],
      [
        [
          webhook.body.id,
          900_002,
          'appointment_booked',
          'pending',
          0,
          now + 365 * DAY,
          '',
          true,
          now - 40 * DAY,
        ],
      ],
    );
    const left = async () => {
      const rows: Array<{ event_id: number | string }> = await dataSource.query(
        'SELECT event_id FROM webhook_event_bodies WHERE event_id >= 900001 ORDER BY event_id',
      );
      return rows.map((row) => Number(row.event_id));
    };
    await app.app.get(RetentionPruner).prune(now);
    // The first had no delivery left; the second's delivery is still owed; the third is within the window.
    expect(await left()).toEqual([900_002, 900_003]);
  });
});
