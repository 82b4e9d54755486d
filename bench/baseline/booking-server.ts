/**
 * The baseline of the booking benchmark: the least a booking server can do for the same request, with no
 * framework and no ORM. `node:http` + `better-sqlite3` (WAL, synchronous = FULL, as the service by default), or
 * `pg` with a transaction-scoped advisory lock per type, as the service on PostgreSQL.
 *
 * Per request, as the service: parse the JSON body, validate it, a bounded overlap check against the type's
 * capacity, insert the appointment and its outbox row in one transaction, answer 201 with JSON.
 *
 *   BASELINE_DATABASE_URL=sqlite:/tmp/x.sqlite PORT=0 node --require ts-node/register/transpile-only bench/baseline/booking-server.ts
 *
 * It prints `listening <port>` once it serves.
 */
import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'pg';

const URL_ = process.env.BASELINE_DATABASE_URL ?? 'sqlite::memory:';
const SLOT_MS = 15 * 60_000;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

interface Type {
  id: number;
  duration_ms: number;
  capacity: number;
}

interface Booking {
  typeId: number;
  startAt: number;
  name: string;
  email: string;
  information: Record<string, string>;
}

type Store = {
  type(id: number): Promise<Type | undefined>;
  /** Inserts the appointment and its outbox row when a seat is free; undefined when full. */
  book(type: Type, booking: Booking): Promise<Record<string, unknown> | undefined>;
};

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS appointment_types (id INTEGER PRIMARY KEY, duration_ms BIGINT NOT NULL, capacity INTEGER NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS appointments (id SERIAL_ID, appointment_type_id INTEGER NOT NULL, customer_information TEXT NOT NULL,
     start_at BIGINT NOT NULL, end_at BIGINT NOT NULL, status VARCHAR(16) NOT NULL, token VARCHAR(64) NOT NULL, date_created BIGINT NOT NULL)`,
  `CREATE INDEX IF NOT EXISTS idx_baseline_appointments ON appointments (appointment_type_id, start_at)`,
  `CREATE TABLE IF NOT EXISTS outbox_events (id SERIAL_ID, name VARCHAR(100) NOT NULL, payload TEXT NOT NULL,
     occurred_at BIGINT NOT NULL, handled_at BIGINT)`,
];
const OVERLAP =
  "SELECT COUNT(*) AS n FROM appointments WHERE appointment_type_id = $1 AND status = 'booked' " +
  'AND start_at < $2 AND start_at > $3 AND end_at > $4';
const INSERT_APPOINTMENT =
  'INSERT INTO appointments (appointment_type_id, customer_information, start_at, end_at, status, token, date_created) ' +
  "VALUES ($1, $2, $3, $4, 'booked', $5, $6) RETURNING id";
const INSERT_OUTBOX = 'INSERT INTO outbox_events (name, payload, occurred_at) VALUES ($1, $2, $3)';

function snapshot(id: number, type: Type, booking: Booking, token: string, now: number) {
  return {
    id,
    appointment_type_id: type.id,
    status: 'booked',
    start_date: new Date(booking.startAt).toISOString(),
    end_date: new Date(booking.startAt + type.duration_ms).toISOString(),
    customer_information: booking.information,
    token,
    date_created: new Date(now).toISOString(),
  };
}

function sqliteStore(path: string): Store {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  for (const sql of SCHEMA) db.exec(sql.replace('SERIAL_ID', 'INTEGER PRIMARY KEY'));
  db.prepare('INSERT OR IGNORE INTO appointment_types (id, duration_ms, capacity) VALUES (1, ?, 1)').run(
    SLOT_MS,
  );
  const sqlite = (sql: string) => sql.replace(/\$\d+/g, '?');
  const typeById = db.prepare('SELECT id, duration_ms, capacity FROM appointment_types WHERE id = ?');
  const overlap = db.prepare(sqlite(OVERLAP)).pluck();
  const insertAppointment = db.prepare(sqlite(INSERT_APPOINTMENT)).pluck();
  const insertOutbox = db.prepare(sqlite(INSERT_OUTBOX));
  const book = db.transaction((type: Type, booking: Booking) => {
    const endAt = booking.startAt + type.duration_ms;
    const taken = overlap.get(type.id, endAt, booking.startAt - type.duration_ms, booking.startAt) as number;
    if (taken >= type.capacity) return undefined;
    const now = Date.now();
    const token = randomBytes(16).toString('base64url');
    const information = JSON.stringify(booking.information);
    const id = Number(insertAppointment.get(type.id, information, booking.startAt, endAt, token, now));
    const appointment = snapshot(id, type, booking, token, now);
    insertOutbox.run('appointment.booked', JSON.stringify({ appointment }), now);
    return appointment;
  });
  return {
    type: (id) => Promise.resolve(typeById.get(id) as Type | undefined),
    // BEGIN IMMEDIATE: the write lock is taken before the overlap check, as the service does.
    book: (type, booking) => Promise.resolve(book.immediate(type, booking)),
  };
}

async function postgresStore(url: string): Promise<Store> {
  const pool = new Pool({ connectionString: url, max: 20 });
  for (const sql of SCHEMA) await pool.query(sql.replace('SERIAL_ID', 'SERIAL PRIMARY KEY'));
  await pool.query(
    'INSERT INTO appointment_types (id, duration_ms, capacity) VALUES (1, $1, 1) ON CONFLICT DO NOTHING',
    [SLOT_MS],
  );
  return {
    type: async (id) => {
      const result = await pool.query<Type>({
        name: 'type',
        text: 'SELECT id, duration_ms::int AS duration_ms, capacity FROM appointment_types WHERE id = $1',
        values: [id],
      });
      return result.rows[0];
    },
    book: async (type, booking) => {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        await client.query({
          name: 'lock',
          text: 'SELECT pg_advisory_xact_lock(hashtext($1))',
          values: [`type:${type.id}`],
        });
        const endAt = booking.startAt + type.duration_ms;
        const taken = await client.query<{ n: string }>({
          name: 'overlap',
          text: OVERLAP,
          values: [type.id, endAt, booking.startAt - type.duration_ms, booking.startAt],
        });
        if (Number(taken.rows[0].n) >= type.capacity) {
          await client.query('ROLLBACK');
          return undefined;
        }
        const now = Date.now();
        const token = randomBytes(16).toString('base64url');
        const inserted = await client.query<{ id: number }>({
          name: 'insert-appointment',
          text: INSERT_APPOINTMENT,
          values: [type.id, JSON.stringify(booking.information), booking.startAt, endAt, token, now],
        });
        const appointment = snapshot(inserted.rows[0].id, type, booking, token, now);
        await client.query({
          name: 'insert-outbox',
          text: INSERT_OUTBOX,
          values: ['appointment.booked', JSON.stringify({ appointment }), now],
        });
        await client.query('COMMIT');
        return appointment;
      } catch (error) {
        await client.query('ROLLBACK');
        throw error;
      } finally {
        client.release();
      }
    },
  };
}

/** The same rules the service's DTO applies to these fields; a message per refused field. */
function validate(body: unknown): Booking | string {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return 'body must be an object';
  const {
    appointment_type_id: typeId,
    start_date: start,
    customer_information: info,
  } = body as Record<string, unknown>;
  if (typeof typeId !== 'number' || !Number.isSafeInteger(typeId) || typeId < 1)
    return 'appointment_type_id must be a positive integer';
  if (
    typeof start !== 'string' ||
    !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(start)
  )
    return 'start_date must be an ISO 8601 date-time';
  const startAt = Date.parse(start);
  if (Number.isNaN(startAt) || startAt % SLOT_MS !== 0) return 'start_date is not a start the type offers';
  if (typeof info !== 'object' || info === null || Array.isArray(info))
    return 'customer_information must be an object';
  const information: Record<string, string> = {};
  for (const [key, value] of Object.entries(info)) {
    if (typeof value !== 'string' || value.length > 1000)
      return `customer_information.${key} must be a string`;
    information[key] = value;
  }
  const name = information.Name ?? '';
  const email = information.Email ?? '';
  if (name.trim() === '' || name.length > 200) return 'customer_information.Name is required';
  if (!EMAIL.test(email)) return 'customer_information.Email must be an email address';
  return { typeId, startAt, name, email, information };
}

function answer(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

async function handle(store: Store, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  if (req.method === 'GET' && req.url === '/health') return answer(res, 200, { status: 'ok' });
  if (req.method !== 'POST' || req.url !== '/api/v1/appointments')
    return answer(res, 404, { code: 'not_found' });
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  let body: unknown;
  try {
    body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    return answer(res, 400, { code: 'invalid_json' });
  }
  const booking = validate(body);
  if (typeof booking === 'string') return answer(res, 400, { code: 'validation_failed', message: booking });
  const type = await store.type(booking.typeId);
  if (type === undefined) return answer(res, 404, { code: 'appointment_type_not_found' });
  const appointment = await store.book(type, booking);
  if (appointment === undefined) return answer(res, 409, { code: 'slot_unavailable' });
  answer(res, 201, appointment);
}

async function main(): Promise<void> {
  const store = URL_.startsWith('sqlite:')
    ? sqliteStore(URL_.slice('sqlite:'.length))
    : await postgresStore(URL_);
  const server = http.createServer((req, res) => {
    handle(store, req, res).catch((error: unknown) => answer(res, 500, { message: String(error) }));
  });
  server.keepAliveTimeout = 30_000;
  server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
    process.stdout.write(`listening ${(server.address() as AddressInfo).port}\n`);
  });
}

void main();
