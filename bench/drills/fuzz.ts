/**
 * Fuzz drill: boots the real application on a fresh database, seeds a small valid world, reads the OpenAPI
 * document from /docs-json and walks every operation in it with generated malformed requests (wrong types,
 * nulls, huge and deeply nested values, impossible dates, bad zones, hostile unicode, id aliases, broken
 * JSON, wrong content types, unknown fields, oversize arrays, missing or wrong keys).
 *
 *   npm run drill:fuzz                                   (SQLite, FUZZ_REQUESTS=5000, a random seed)
 *   FUZZ_SEED=1234 FUZZ_REQUESTS=20000 npm run drill:fuzz
 *   TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/x npm run drill:fuzz   (empties that database)
 *
 * The promises it holds the service to, each failure naming the exact request:
 * - no 5xx, no dropped connection, no hang;
 * - every 4xx is the one error body: a snake_case string `code` (never `internal_error`), `statusCode`,
 *   `message` and a short plain `request_id` (the same as the `x-request-id` header);
 * - a request the document itself (or the field's meaning: a date, a zone, an email, an id) says is wrong
 *   is refused, not answered 2xx;
 * - a refused POST/PUT/PATCH/DELETE changed no row: every table is read before and after it (columns that
 *   background workers write, like delivery attempts, are left out) and a difference is listed;
 * - the event loop stays responsive: a /health probe runs beside the drill all the time and must answer
 *   within 1 s (a slow probe counts when the process's event loop was blocked for over half of that, so a
 *   busy machine is not blamed on the service); /health is 200 at the end.
 * The same seed walks the same requests; a failure prints the seed and the request's number.
 */
import * as http from 'node:http';
import { performance } from 'node:perf_hooks';
import { DataSource } from 'typeorm';
import { isPostgres } from '../../src/database/dialect';
import { EVERY_DAY } from '../../test/support/fixtures';
import { Receiver } from '../../test/support/receiver';
import { ADMIN_KEY, freshDatabaseUrl, startTestApp, TestApp } from '../../test/support/test-app';
import {
  badIds,
  BROKEN_JSON,
  CONTENT_TYPES,
  deepValue,
  effectiveType,
  fieldKind,
  Malformed,
  malformedFor,
  Operation,
  operationsOf,
  ParamSpec,
  RawJson,
  Rng,
  Schema,
  toJsonText,
  UNICODE,
  violation,
} from './fuzz-cases';

export interface FuzzOptions {
  requests: number;
  seed: number;
  /** Progress and report lines; silent when absent. */
  log?: (line: string) => void;
  /** Largest generated string / array / nesting depth (the short run keeps them smaller). */
  maxStringBytes?: number;
  maxArrayItems?: number;
  maxDepth?: number;
}

export type FailureKind =
  | 'server_error'
  | 'no_answer'
  | 'error_body'
  | 'request_id'
  | 'accepted'
  | 'wrote_on_refusal'
  | 'poisoned'
  | 'stall'
  | 'seed_repair'
  | 'final_health';

export interface Failure {
  kind: FailureKind;
  request?: Planned;
  status?: number;
  code?: string;
  detail: string;
  response?: string;
}

export interface FuzzResult {
  seed: number;
  sent: number;
  failures: Failure[];
  /** One line per distinct failure class: kind, operation, what was sent, what came back. */
  classes: string[];
  report: string;
}

/** One generated request, with everything needed to name it in a report. */
/** The server-rendered customer pages (`/book/…`, `/appointments/change/…`), as opposed to the JSON API. */
function isPage(path: string): boolean {
  return /^\/(book|appointments\/change)\//.test(path);
}

export interface Planned {
  index: number;
  op: string;
  category: string;
  /** What was changed against a valid request: "body.availability.monday[0] = array nested 5000 deep". */
  what: string;
  /** The grouping key part of `what`: the target without the concrete value. */
  target: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
  /** Why the request must be refused (a 2xx is a failure), when that is certain. */
  mustRefuse?: string;
}

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  ms: number;
  error?: string;
}

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const WITH_BODY = new Set(['POST', 'PUT', 'PATCH']);
const REQUEST_TIMEOUT_MS = 30_000;
const STALL_MS = 1000;
const PLAIN_REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;
/** Booked slots start here and step by 15 minutes: every valid booking of the drill takes a free one. */
const FIRST_SLOT = Date.UTC(2031, 0, 6, 0, 0);

// ---------------------------------------------------------------------------------------------------------
// HTTP

class Client {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 4 });

  constructor(readonly base: URL) {}

  send(method: string, path: string, headers: Record<string, string>, body?: Buffer): Promise<Answer> {
    const started = performance.now();
    return new Promise((resolve) => {
      let settled = false;
      const done = (answer: Omit<Answer, 'ms'>) => {
        if (settled) return;
        settled = true;
        resolve({ ...answer, ms: performance.now() - started });
      };
      const request = http.request(
        {
          host: this.base.hostname,
          port: this.base.port,
          method,
          path,
          agent: this.agent,
          headers: body ? { ...headers, 'content-length': String(body.length) } : headers,
          timeout: REQUEST_TIMEOUT_MS,
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () =>
            done({
              status: response.statusCode ?? 0,
              headers: response.headers,
              text: Buffer.concat(chunks).toString('utf8'),
            }),
          );
          response.on('error', (error) => done({ status: 0, headers: {}, text: '', error: error.message }));
        },
      );
      request.on('timeout', () => {
        request.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms`));
      });
      request.on('error', (error) => done({ status: 0, headers: {}, text: '', error: error.message }));
      request.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

// ---------------------------------------------------------------------------------------------------------
// Rows: what a refused request must leave alone

/**
 * Columns that background work (the outbox relay, the delivery worker) writes at any time; a refused
 * request is judged on everything else. For these tables only the listed columns are compared.
 */
const COMPARED_COLUMNS: Record<string, string[]> = {
  outbox_events: ['id', 'name', 'occurred_at'],
  webhook_deliveries: ['id', 'webhook_id', 'event_id', 'action', 'appointment_id', 'date_created'],
};
const IGNORED_COLUMNS: Record<string, string[]> = { webhooks: ['failing_since'] };
const IGNORED_TABLES = new Set(['migrations', 'typeorm_metadata', 'webhook_delivery_attempts']);

type Snapshot = Map<string, Map<string, string>>;

class Rows {
  private tables?: string[];

  constructor(private readonly dataSource: DataSource) {}

  private async tableNames(): Promise<string[]> {
    if (this.tables) return this.tables;
    const rows: { name: string }[] = isPostgres(this.dataSource.options)
      ? await this.dataSource.query(
          `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`,
        )
      : await this.dataSource.query(
          `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`,
        );
    this.tables = rows.map((r) => r.name).filter((name) => !IGNORED_TABLES.has(name));
    return this.tables;
  }

  async take(): Promise<Snapshot> {
    const snapshot: Snapshot = new Map();
    for (const table of await this.tableNames()) {
      const columns = COMPARED_COLUMNS[table]?.map((column) => `"${column}"`).join(', ') ?? '*';
      const rows: Record<string, unknown>[] = await this.dataSource.query(
        `SELECT ${columns} FROM "${table}"`,
      );
      const byKey = new Map<string, string>();
      for (const row of rows) {
        const keep = COMPARED_COLUMNS[table];
        const drop = IGNORED_COLUMNS[table] ?? [];
        const compared = Object.keys(row)
          .filter((column) => (keep ? keep.includes(column) : !drop.includes(column)))
          .sort()
          .map((column) => [column, cell(row[column])]);
        const text = JSON.stringify(compared);
        byKey.set('id' in row ? String(row.id) : text, text);
      }
      snapshot.set(table, byKey);
    }
    return snapshot;
  }

  /** "appointment_types: +7; team_members: ~1 (email, date_modified)", or '' when nothing changed. */
  static diff(before: Snapshot, after: Snapshot): string {
    const parts: string[] = [];
    for (const [table, rows] of after) {
      const old = before.get(table) ?? new Map<string, string>();
      const changes: string[] = [];
      for (const [key, text] of rows) {
        const was = old.get(key);
        if (was === undefined) changes.push(`+${key}`);
        else if (was !== text) changes.push(`~${key} (${changedColumns(was, text).join(', ')})`);
      }
      for (const key of old.keys()) if (!rows.has(key)) changes.push(`-${key}`);
      if (changes.length > 0) parts.push(`${table}: ${changes.slice(0, 5).join(' ')}`);
    }
    return parts.join('; ');
  }
}

/** A cell as text: drivers answer numbers, strings, Dates or Buffers for the same column on different databases. */
function cell(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return `${value}`;
  return JSON.stringify(value) ?? null;
}

function changedColumns(was: string, now: string): string[] {
  const a = new Map(JSON.parse(was) as [string, unknown][]);
  const b = new Map(JSON.parse(now) as [string, unknown][]);
  return [...b.keys()].filter((column) => a.get(column) !== b.get(column));
}

// ---------------------------------------------------------------------------------------------------------
// The seeded world

interface World {
  memberId: number;
  typeId: number;
  typeSlug: string;
  appointmentId: number;
  appointmentToken: string;
  customerId: number;
  customerEmail: string;
  webhookId: number;
  deliveryId: number;
}

class Fuzzer {
  private readonly rng: Rng;
  private readonly failures: Failure[] = [];
  private world!: World;
  private operations: Operation[] = [];
  private nextSlot = 0;
  private unique = 0;
  private dirty = false;
  private lastAccepted?: Planned;
  private readonly windows: { index: number; start: number; end?: number; planned: Planned }[] = [];
  private readonly maxString: number;
  private readonly maxArray: number;
  private readonly maxDepth: number;
  private readonly statusCounts = new Map<number, number>();
  private readonly ownWork: { start: number; end?: number }[] = [];
  private ownMs = 0;
  private seconds = 0;

  constructor(
    private readonly t: TestApp,
    private readonly client: Client,
    private readonly receiver: Receiver,
    private readonly rows: Rows,
    private readonly options: FuzzOptions,
  ) {
    this.rng = new Rng(options.seed);
    this.maxString = options.maxStringBytes ?? 900_000;
    this.maxArray = options.maxArrayItems ?? 100_000;
    this.maxDepth = options.maxDepth ?? 100_000;
  }

  private log(line: string): void {
    this.options.log?.(line);
  }

  // --- admin calls the drill itself makes (seeding and repair) -------------------------------------------

  private async api(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
    const headers: Record<string, string> = { authorization: `Bearer ${ADMIN_KEY}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const answer = await this.client.send(
      method,
      path,
      headers,
      body === undefined ? undefined : Buffer.from(JSON.stringify(body)),
    );
    let json: any;
    try {
      json = JSON.parse(answer.text);
    } catch {
      json = answer.text;
    }
    return { status: answer.status, json };
  }

  private async must(method: string, path: string, body?: unknown): Promise<any> {
    const response = await this.api(method, path, body);
    if (response.status >= 300)
      throw new Error(`${method} ${path} answered ${response.status}: ${JSON.stringify(response.json)}`);
    return response.json;
  }

  private slot(): string {
    return new Date(FIRST_SLOT + this.nextSlot++ * 15 * 60_000).toISOString();
  }

  private typeBody(memberId: number) {
    return {
      title: 'Fuzz type',
      slug: 'fuzz-type',
      status: 'publish',
      timezone: 'UTC',
      duration: 15,
      availability_increment: 15,
      buffer_before: 0,
      buffer_after: 0,
      min_booking_notice: 0,
      max_booking_notice: null,
      max_event_count: 0,
      capacity: 1,
      availability: EVERY_DAY,
      team_member_ids: [memberId],
      price: 0,
      customer_fields: [],
    };
  }

  private memberBody() {
    return { name: 'Fuzz Host', display_name: 'Fuzz Host', email: 'fuzz-host@example.com', status: 'active' };
  }

  private webhookBody() {
    return {
      title: 'Fuzz receiver',
      url: this.receiver.url('/hook'),
      enabled: true,
      appointment_type_ids: [],
    };
  }

  private async book(typeId: number): Promise<void> {
    const appointment = await this.must('POST', '/api/v1/appointments', {
      appointment_type_id: typeId,
      start_date: this.slot(),
      customer_information: { Name: 'Fuzz Customer', Email: 'fuzz-customer@example.com' },
    });
    this.world.appointmentId = appointment.id;
    this.world.customerId = appointment.customer_id;
    this.world.appointmentToken = String(appointment.public_edit_url).split('/').pop()!;
  }

  async seed(): Promise<void> {
    const member = await this.must('POST', '/api/v1/team-members', this.memberBody());
    const type = await this.must('POST', '/api/v1/appointment-types', this.typeBody(member.id));
    const before = await this.rows.take();
    const webhook = await this.must('POST', '/api/v1/webhooks', this.webhookBody());
    // The no-write check is only as good as the snapshots: they must see a new row.
    const seen = Rows.diff(before, await this.rows.take());
    if (!seen.includes('webhooks: +'))
      throw new Error(`row snapshots missed a new webhook (saw: ${seen || 'nothing'})`);
    this.world = {
      memberId: member.id,
      typeId: type.id,
      typeSlug: type.slug,
      appointmentId: 0,
      appointmentToken: '',
      customerId: 0,
      customerEmail: 'fuzz-customer@example.com',
      webhookId: webhook.id,
      deliveryId: 0,
    };
    await this.book(type.id);
    const attempt = await this.must('POST', `/api/v1/webhooks/${webhook.id}/test`, {});
    this.world.deliveryId = attempt.delivery_id;
    this.log(`seeded: ${JSON.stringify(this.world)}`);
  }

  /** After an accepted change, brings the seeded rows back to a usable state (recreating what was deleted). */
  private async repair(): Promise<void> {
    const w = this.world;
    const after = this.lastAccepted;
    const note = (what: string, status: number, json: unknown) =>
      this.fail({
        kind: 'seed_repair',
        request: after,
        status,
        detail: `after request #${after?.index} was accepted, ${what} answered ${status}`,
        response: JSON.stringify(json).slice(0, 300),
      });
    try {
      let r = await this.api('PATCH', `/api/v1/team-members/${w.memberId}`, this.memberBody());
      if (r.status === 404 || r.status === 409) {
        const created = await this.api('POST', '/api/v1/team-members', {
          ...this.memberBody(),
          email: `fuzz-host-${++this.unique}@example.com`,
        });
        if (created.status !== 201) note('re-creating the team member', created.status, created.json);
        else w.memberId = created.json.id;
      } else if (r.status !== 200) note('restoring the team member', r.status, r.json);

      r = await this.api('PATCH', `/api/v1/appointment-types/${w.typeId}`, this.typeBody(w.memberId));
      if (r.status === 404 || r.status === 409) {
        const created = await this.api('POST', '/api/v1/appointment-types', {
          ...this.typeBody(w.memberId),
          slug: `fuzz-type-${++this.unique}`,
        });
        if (created.status !== 201) note('re-creating the appointment type', created.status, created.json);
        else {
          w.typeId = created.json.id;
          w.typeSlug = created.json.slug;
        }
      } else if (r.status !== 200) note('restoring the appointment type', r.status, r.json);
      else w.typeSlug = r.json.slug;

      r = await this.api('GET', `/api/v1/appointments/${w.appointmentId}`);
      if (r.status !== 200 || !['booked', 'pending_payment', 'pending_form'].includes(r.json.status)) {
        await this.book(w.typeId).catch((error: Error) => note(`booking again (${error.message})`, 0, ''));
      }

      r = await this.api('PATCH', `/api/v1/webhooks/${w.webhookId}`, this.webhookBody());
      if (r.status === 404) {
        const created = await this.api('POST', '/api/v1/webhooks', this.webhookBody());
        if (created.status !== 201) note('re-creating the webhook', created.status, created.json);
        else w.webhookId = created.json.id;
      } else if (r.status !== 200) note('restoring the webhook', r.status, r.json);

      r = await this.api('GET', `/api/v1/webhook-deliveries/${w.deliveryId}`);
      if (r.status === 404) {
        const attempt = await this.api('POST', `/api/v1/webhooks/${w.webhookId}/test`, {});
        if (attempt.status === 200) w.deliveryId = attempt.json.delivery_id;
      }
    } catch (error) {
      note(`repair (${(error as Error).message})`, 0, '');
    }
  }

  /** Waits (up to 2 s) until the outbox relay handled every event, so late fan-out is not blamed on a refusal. */
  private async settle(): Promise<void> {
    const deadline = Date.now() + 2000;
    while (Date.now() < deadline) {
      try {
        const [row] = await this.t.app
          .get(DataSource)
          .query(`SELECT COUNT(*) AS n FROM outbox_events WHERE handled_at IS NULL`);
        if (Number(row.n) === 0) return;
      } catch {
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Runs the drill's own work, remembered so that the /health probe does not blame a request for it. */
  private async own<T>(work: () => Promise<T>): Promise<T> {
    const interval: { start: number; end?: number } = { start: performance.now() };
    this.ownWork.push(interval);
    if (this.ownWork.length > 50) this.ownWork.shift();
    try {
      return await work();
    } finally {
      interval.end = performance.now();
      this.ownMs += interval.end - interval.start;
    }
  }

  // --- valid values -----------------------------------------------------------------------------------------

  /** A value the service should accept for field `name`, from what the drill knows or the document says. */
  private validValue(name: string, schema: Schema | undefined, op: Operation): unknown {
    const n = ++this.unique;
    const w = this.world;
    switch (name) {
      case 'title':
        return `Fuzz ${n}`;
      case 'slug':
        return `fuzz-${n}`;
      case 'email':
        return op.template.includes('customers') ? `fuzz-customer-${n}@example.com` : `fuzz-${n}@example.com`;
      case 'name':
      case 'display_name':
        return `Fuzz ${n}`;
      case 'url':
        return this.receiver.url('/hook');
      case 'timezone':
        return 'UTC';
      case 'customer_timezone':
        return 'Europe/Berlin';
      case 'duration':
      case 'availability_increment':
        return 15;
      case 'capacity':
        return 1;
      case 'availability':
        return structuredClone(EVERY_DAY);
      case 'team_member_ids':
        return [w.memberId];
      case 'appointment_type_ids':
        return [w.typeId];
      case 'appointment_type_id':
        return w.typeId;
      case 'customer_id':
        return w.customerId;
      case 'team_member_id':
        return w.memberId;
      case 'customer_information':
        return { Name: 'Fuzz Customer', Email: w.customerEmail };
      case 'start_date':
        return this.slot();
      case 'ignore_availability':
        return false;
      case 'customer_fields':
        return [{ label: `Phone ${n}`, type: 'phone', required: false }];
      case 'web_meeting_url':
        return 'https://meet.example.com/fuzz';
      case 'currency':
        return 'USD';
    }
    if (!schema) return 'x';
    if (schema.enum && effectiveType(schema) === 'array') return schema.enum;
    if (schema.items?.enum) return [...schema.items.enum];
    if (schema.enum) return schema.enum[0];
    if (schema.example !== undefined) return structuredClone(schema.example);
    if (schema.default !== undefined) return structuredClone(schema.default);
    switch (effectiveType(schema)) {
      case 'number':
        return schema.minimum ?? 1;
      case 'boolean':
        return true;
      case 'array':
        return [];
      case 'object':
        return schema.properties
          ? Object.fromEntries(
              Object.entries(schema.properties).map(([key, inner]) => [key, this.validValue(key, inner, op)]),
            )
          : {};
      case undefined:
      default:
        return 'x';
    }
  }

  /** A request body the service should accept: required fields, plus some (or all) optional ones. */
  private validBody(op: Operation, all = false): Record<string, unknown> {
    const body: Record<string, unknown> = {};
    const schema = op.body;
    if (!schema?.properties) return body;
    for (const [name, inner] of Object.entries(schema.properties)) {
      // An appointment PATCH that moves or re-statuses it is a different request; those fields come only when chosen.
      if (op.method === 'PATCH' && ['status', 'start_date', 'ignore_availability'].includes(name) && !all)
        continue;
      if (schema.required?.includes(name) || all || this.rng.chance(0.3)) {
        body[name] = this.validValue(name, inner, op);
      }
    }
    return body;
  }

  private pathValue(op: Operation, param: ParamSpec): string {
    const w = this.world;
    if (param.name === 'slug') return w.typeSlug;
    if (param.name === 'token') return w.appointmentToken;
    const before = op.template.split(`{${param.name}}`)[0];
    const resource = before.split('/').filter(Boolean).pop() ?? '';
    const ids: Record<string, number> = {
      'appointment-types': w.typeId,
      'team-members': w.memberId,
      customers: w.customerId,
      appointments: w.appointmentId,
      webhooks: w.webhookId,
      'webhook-deliveries': w.deliveryId,
    };
    return String(ids[resource] ?? 1);
  }

  private queryValue(param: ParamSpec): string {
    const w = this.world;
    switch (param.name) {
      case 'limit':
        return '10';
      case 'offset':
        return '0';
      case 'start_date':
        return '2031-01-06';
      case 'end_date':
        return '2031-01-12';
      case 'timezone':
        return 'Europe/Berlin';
      case 'appointment_type_id':
        return String(w.typeId);
      case 'team_member_id':
        return String(w.memberId);
      case 'customer_id':
        return String(w.customerId);
      case 'email':
        return w.customerEmail;
      case 'start_after':
        return '2030-01-01T00:00:00Z';
      case 'start_before':
        return '2040-01-01T00:00:00Z';
    }
    if (param.schema.enum) return String(param.schema.enum[0]);
    if (param.schema.example !== undefined) return cell(param.schema.example) ?? 'x';
    return effectiveType(param.schema) === 'number' ? '1' : 'x';
  }

  // --- generation -------------------------------------------------------------------------------------------

  private plan(op: Operation, index: number): Planned {
    const rng = this.rng;
    const hasBody = Boolean(op.body?.properties) && WITH_BODY.has(op.method);
    const idParams = op.params.filter((p) => p.in === 'path');
    const queryParams = op.params.filter((p) => p.in === 'query');
    const category = rng.weighted({
      field: hasBody ? 30 : 0,
      unknown_field: hasBody ? 6 : 0,
      deep_json: WITH_BODY.has(op.method) ? 5 : 0,
      nested_array: hasBody ? 6 : 0,
      oversize_array: hasBody ? 4 : 0,
      raw_json: WITH_BODY.has(op.method) ? 8 : 1,
      content_type: WITH_BODY.has(op.method) ? 5 : 0,
      path_id: idParams.length > 0 ? 14 : 0,
      query: queryParams.length > 0 ? 14 : 0,
      bad_url: 3,
      auth: op.admin ? 6 : 0,
      header: 2,
      valid: 3,
    });

    const pathParams: Record<string, string> = {};
    for (const param of idParams) pathParams[param.name] = this.pathValue(op, param);
    const query: [string, string][] = [];
    for (const param of queryParams) {
      if (param.required || rng.chance(0.3)) query.push([param.name, pct(this.queryValue(param))]);
    }
    const headers: Record<string, string> = {};
    let withKey = !(op.admin && rng.chance(0.08));
    let body: Buffer | undefined;
    let what = 'a valid request';
    let target = 'valid';
    let mustRefuse: string | undefined;
    let pathSuffix = '';

    const jsonBody = (value: unknown) => {
      headers['content-type'] = 'application/json';
      body = Buffer.from(toJsonText(value), 'utf8');
    };
    if (WITH_BODY.has(op.method) && op.body) jsonBody(this.validBody(op));

    switch (category) {
      case 'field': {
        const valid = this.validBody(op);
        const names = Object.keys(op.body!.properties!);
        const name = rng.pick(names);
        if (valid[name] === undefined) valid[name] = this.validValue(name, op.body!.properties![name], op);
        const location = rng.chance(0.3) ? innerPath(valid, name, rng) : [name];
        const leaf = location.filter((part) => typeof part === 'string').pop() as string;
        const kind = fieldKind(leaf, schemaAt(op.body, location));
        const value: Malformed = malformedFor(kind, rng, {
          port: this.receiverPort(),
          maxBytes: this.maxString,
        });
        setAt(valid, location, value.value);
        jsonBody(valid);
        target = `body.${pathText(location, true)}`;
        what = `body.${pathText(location)} = ${value.label}`;
        mustRefuse = value.wrong ?? violation(op.body, valid) ?? undefined;
        break;
      }
      case 'unknown_field': {
        const valid = this.validBody(op, rng.chance(0.5));
        const containers = objectPaths(valid, op.body!);
        const location = rng.pick(containers);
        const key = rng.pick([
          'bogus',
          'id',
          'date_created',
          'Title',
          '__proto__',
          'constructor',
          'team_member_id',
        ]);
        const container = location.length === 0 ? valid : (getAt(valid, location) as Record<string, unknown>);
        Object.defineProperty(container, key, {
          value: 'x',
          enumerable: true,
          writable: true,
          configurable: true,
        });
        jsonBody(valid);
        target = `body${location.length ? '.' + pathText(location, true) : ''}.<unknown>`;
        what = `body${location.length ? '.' + pathText(location) : ''}.${key} added`;
        mustRefuse = violation(op.body, valid) ?? undefined;
        break;
      }
      case 'deep_json': {
        const deep = deepValue(rng, this.maxDepth);
        if (!op.body?.properties || rng.chance(0.4)) {
          jsonBody(deep.value);
          target = 'body (whole)';
          what = `body = ${deep.label}`;
        } else {
          const valid = this.validBody(op);
          const name = rng.pick(Object.keys(op.body.properties));
          valid[name] = deep.value;
          jsonBody(valid);
          target = `body.${name}`;
          what = `body.${name} = ${deep.label}`;
        }
        // A route that reads no body may ignore one, however deep.
        if (op.body) mustRefuse = deep.wrong;
        break;
      }
      case 'nested_array': {
        const valid = this.validBody(op, true);
        const arrays = containerPaths(valid).filter((p) => p.length > 0);
        if (arrays.length === 0) break;
        const location = rng.pick(arrays);
        const current = getAt(valid, location);
        const variant = rng.int(3);
        const replacement =
          variant === 0
            ? Array.isArray(current)
              ? current.map((item) => [item])
              : [current]
            : variant === 1
              ? [[]]
              : [current];
        setAt(valid, location, replacement);
        jsonBody(valid);
        target = `body.${pathText(location, true)}`;
        what = `body.${pathText(location)} = ${['each item wrapped in an array', '[[]]', 'wrapped in an array'][variant]}`;
        mustRefuse = violation(op.body, valid) ?? undefined;
        break;
      }
      case 'oversize_array': {
        const valid = this.validBody(op, true);
        const arrays = containerPaths(valid).filter((p) => p.length > 0 && Array.isArray(getAt(valid, p)));
        if (arrays.length === 0) break;
        const location = rng.pick(arrays);
        const current = getAt(valid, location) as unknown[];
        const size = rng.pick([1000, 10_000, 100_000].filter((s) => s <= this.maxArray));
        const sample = current[0] ?? 1;
        const distinct = typeof sample === 'number' && rng.chance(0.5);
        setAt(
          valid,
          location,
          Array.from({ length: size }, (_, i) => (distinct ? i + 1 : structuredClone(sample))),
        );
        jsonBody(valid);
        target = `body.${pathText(location, true)}`;
        what = `body.${pathText(location)} = ${size} ${distinct ? 'distinct' : 'copies of one'} item(s)`;
        mustRefuse = violation(op.body, valid) ?? undefined;
        break;
      }
      case 'raw_json': {
        const broken = rng.pick(BROKEN_JSON);
        headers['content-type'] = 'application/json';
        body = Buffer.isBuffer(broken.body) ? broken.body : Buffer.from(broken.body, 'utf8');
        target = 'raw body';
        what = `raw JSON body: ${broken.label}`;
        let parsed: unknown;
        let parses = true;
        const text = body.toString('utf8').replace(/^\ufeff/, '');
        try {
          // White space at most is no body, which a route takes as an empty one (see jsonParser in app.factory.ts).
          parsed = /^[ \t\n\r]*$/.test(text) ? {} : JSON.parse(text);
        } catch {
          parses = false;
        }
        if (WITH_BODY.has(op.method)) {
          mustRefuse = !parses ? 'not JSON' : op.body ? (violation(op.body, parsed) ?? undefined) : undefined;
        }
        break;
      }
      case 'content_type': {
        const type = rng.pick(CONTENT_TYPES);
        if (type.value === undefined) delete headers['content-type'];
        else headers['content-type'] = type.value;
        body ??= Buffer.from('{}');
        target = 'content-type';
        what = `content-type: ${type.label}`;
        if (op.body && !type.acceptable) mustRefuse = `a JSON body sent as ${type.label}`;
        break;
      }
      case 'path_id': {
        const param = rng.pick(idParams);
        const valid = Number(pathParams[param.name]);
        const numeric = effectiveType(param.schema) === 'number' && Number.isInteger(valid);
        const bad = numeric
          ? rng.pick(badIds(valid))
          : rng.pick([
              { label: 'emoji', text: '%F0%9F%98%80' },
              { label: 'bad escape %zz', text: '%zz' },
              { label: '5000 chars', text: 'a'.repeat(5000) },
              { label: 'encoded NUL', text: '%00' },
              { label: 'encoded traversal', text: '..%2F..%2Fetc%2Fpasswd' },
              { label: 'lone surrogate (CESU)', text: '%ED%A0%80' },
            ]);
        pathParams[param.name] = bad.text;
        target = `path {${param.name}}`;
        what = `path {${param.name}} = ${bad.text.length > 40 ? bad.label : bad.text} (${bad.label})`;
        if (numeric) mustRefuse = `{${param.name}} "${bad.label}" is not a canonical positive integer id`;
        break;
      }
      case 'query': {
        const variant = rng.weighted({ value: 8, unknown: 1, repeated: 1, missing: 1 });
        const param = rng.pick(queryParams);
        const rest = query.filter(([name]) => name !== param.name);
        target = `query ${param.name}`;
        if (variant === 'unknown') {
          const key = rng.pick(['bogus', 'sort', 'limit[]', 'Limit']);
          query.push([pct(key), '1']);
          target = 'query <unknown>';
          what = `query ${key}=1 added`;
          mustRefuse = `unknown query parameter ${key}`;
        } else if (variant === 'repeated') {
          query.splice(
            0,
            query.length,
            ...rest,
            [param.name, pct(this.queryValue(param))],
            [param.name, pct(this.queryValue(param))],
          );
          what = `query ${param.name} given twice`;
          mustRefuse = `${param.name} given twice is not one value`;
        } else if (variant === 'missing' && param.required) {
          query.splice(0, query.length, ...rest);
          what = `query ${param.name} missing`;
          mustRefuse = `required ${param.name} missing`;
        } else {
          const bad = this.badQueryValue(param);
          query.splice(0, query.length, ...rest, [param.name, pct(bad.text)]);
          what = `query ${param.name}=${bad.text.length > 40 ? bad.label : bad.text} (${bad.label})`;
          mustRefuse = bad.wrong;
        }
        break;
      }
      case 'bad_url': {
        const bad = rng.pick([
          { label: 'trailing bare percent', suffix: '/%' },
          { label: 'trailing bad escape', suffix: '/%zz' },
          { label: 'encoded dot-dot', suffix: '/%2e%2e/%2e%2e/etc/passwd' },
          { label: 'double slash', suffix: '//' },
          { label: 'query bad escape', suffix: '?%zz=%zz' },
          { label: 'query truncated UTF-8', suffix: '?x=%E0%A4%A' },
          { label: 'matrix parameter', suffix: ';jsessionid=1' },
        ]);
        pathSuffix = bad.suffix;
        target = 'url';
        what = `url + "${bad.suffix}" (${bad.label})`;
        break;
      }
      case 'auth': {
        const auth = rng.pick<{ label: string; value?: string }>([
          { label: 'no Authorization' },
          { label: 'wrong key', value: 'Bearer not-the-key' },
          { label: 'key plus one char', value: `Bearer ${ADMIN_KEY}x` },
          { label: 'key minus one char', value: `Bearer ${ADMIN_KEY.slice(0, -1)}` },
          { label: 'Basic scheme', value: `Basic ${Buffer.from(`admin:${ADMIN_KEY}`).toString('base64')}` },
          { label: 'bare key', value: ADMIN_KEY },
          { label: 'empty Bearer', value: 'Bearer ' },
          { label: '10 KB key', value: `Bearer ${'k'.repeat(10_000)}` },
        ]);
        withKey = false;
        if (auth.value !== undefined) headers.authorization = auth.value;
        target = 'authorization';
        what = auth.label;
        break;
      }
      case 'header': {
        const id = rng.pick([
          { label: '15 KB x-request-id', value: 'a'.repeat(15_000) },
          { label: 'x-request-id with spaces', value: 'a b c' },
          { label: 'x-request-id with markup', value: '<script>alert(1)</script>' },
          { label: 'x-request-id with quotes', value: '"; DROP TABLE x; --' },
          { label: 'plain x-request-id', value: 'fuzz-request-1' },
        ]);
        headers['x-request-id'] = id.value;
        target = 'x-request-id';
        what = id.label;
        break;
      }
      case 'valid':
        break;
    }

    if (withKey && op.admin && headers.authorization === undefined)
      headers.authorization = `Bearer ${ADMIN_KEY}`;
    if (op.admin && headers.authorization !== `Bearer ${ADMIN_KEY}`) {
      mustRefuse ??= 'an admin route without the admin key';
      if (category !== 'auth') what += ' [no key]';
    }
    let path = op.template.replace(/\{(\w+)\}/g, (_m, name: string) => pathParams[name] ?? '1') + pathSuffix;
    if (query.length > 0)
      path += (path.includes('?') ? '&' : '?') + query.map(([k, v]) => `${k}=${v}`).join('&');
    return {
      index,
      op: op.label,
      category,
      what,
      target,
      method: op.method,
      path,
      headers,
      body,
      mustRefuse,
    };
  }

  private badQueryValue(param: ParamSpec): { label: string; text: string; wrong?: string } {
    const rng = this.rng;
    const kind = fieldKind(param.name, param.schema);
    if (effectiveType(param.schema) === 'number') {
      const text = rng.pick([
        '1e22',
        '9999999999999999999999',
        '9007199254740993',
        '-1',
        '0',
        '201',
        '1.5',
        '0x10',
        '1e0',
        'abc',
        'NaN',
        'Infinity',
        '-0',
        ' 7',
        '\u0000',
        '',
      ]);
      const n = Number(text);
      const { minimum, maximum } = param.schema;
      let wrong: string | undefined;
      if (text.trim() === '' && text !== '') wrong = undefined;
      else if (text !== '' && (Number.isNaN(n) || !Number.isFinite(n))) wrong = 'not a number';
      else if (text !== '' && minimum !== undefined && n < minimum) wrong = `below minimum ${minimum}`;
      else if (text !== '' && maximum !== undefined && n > maximum) wrong = `above maximum ${maximum}`;
      // Paging must be exact; a filter by an id beyond any row may just match nothing.
      else if (n > Number.MAX_SAFE_INTEGER && minimum !== undefined) wrong = 'beyond safe integers';
      return { label: `number ${JSON.stringify(text)}`, text, wrong };
    }
    if (param.schema.enum) {
      const text = rng.pick([
        'bogus',
        String(param.schema.enum[0]).toUpperCase(),
        ' ',
        `${String(param.schema.enum[0])},x`,
      ]);
      return { label: `enum ${JSON.stringify(text)}`, text, wrong: 'not one of the enum' };
    }
    if (kind === 'instant' || kind === 'date' || kind === 'zone' || kind === 'email' || rng.chance(0.3)) {
      const value = malformedFor(kind, rng, { port: this.receiverPort(), maxBytes: 6000 });
      const text = typeof value.value === 'string' ? value.value : toJsonText(value.value);
      // A filter (an email to look up) may simply match nothing; a date or a zone that does not exist is wrong.
      const judged = typeof value.value === 'string' && kind !== 'email' && text.length <= 6000;
      return { label: value.label, text: text.slice(0, 6000), wrong: judged ? value.wrong : undefined };
    }
    const value = rng.pick(UNICODE);
    return { label: value.label, text: String(value.value) };
  }

  private receiverPort(): number {
    return Number(new URL(this.receiver.base).port);
  }

  // --- checking ---------------------------------------------------------------------------------------------

  private fail(failure: Failure): void {
    this.failures.push(failure);
    const r = failure.request;
    this.log(
      `FAIL ${failure.kind}: ${r ? `#${r.index} ${r.method} ${clip(r.path, 120)} — ${r.what}` : ''} → ${failure.status ?? ''} ${failure.detail}`,
    );
  }

  private check(planned: Planned, answer: Answer): void {
    this.statusCounts.set(answer.status, (this.statusCounts.get(answer.status) ?? 0) + 1);
    if (answer.error) {
      this.fail({ kind: 'no_answer', request: planned, detail: answer.error });
      return;
    }
    let json: any;
    try {
      json = JSON.parse(answer.text);
    } catch {
      json = undefined;
    }
    const code = typeof json?.code === 'string' ? json.code : undefined;
    const excerpt = clip(answer.text, 300);
    if (answer.status >= 500) {
      this.fail({
        kind: 'server_error',
        request: planned,
        status: answer.status,
        code,
        detail: `${answer.status}`,
        response: excerpt,
      });
    } else if (
      answer.status >= 400 &&
      isPage(planned.path) &&
      String(answer.headers['content-type'] ?? '').includes('text/html')
    ) {
      // The customer pages answer a person with an HTML page; what the framework refuses before a page
      // handler runs (a broken URL, a body that is not a form) gets the API's one JSON error body instead.
    } else if (answer.status >= 400 && planned.method !== 'HEAD') {
      const problems: string[] = [];
      if (!json || typeof json !== 'object') problems.push('body is not JSON');
      else {
        if (typeof json.code !== 'string') problems.push('no string code');
        else if (!/^[a-z][a-z0-9_]*$/.test(json.code))
          problems.push(`code ${JSON.stringify(json.code)} is not snake_case`);
        else if (json.code === 'internal_error') problems.push('a 4xx labelled internal_error');
        if (typeof json.request_id !== 'string' || json.request_id === '') problems.push('no request_id');
        if (json.statusCode !== answer.status)
          problems.push(`statusCode ${json.statusCode} ≠ ${answer.status}`);
        if (typeof json.message !== 'string') problems.push('no message');
        problems.push(...detailProblems(json.details));
      }
      if (!String(answer.headers['content-type'] ?? '').includes('application/json'))
        problems.push('content-type is not JSON');
      if (problems.length > 0)
        this.fail({
          kind: 'error_body',
          request: planned,
          status: answer.status,
          code,
          detail: problems.join(', '),
          response: excerpt,
        });
    }
    const headerId = answer.headers['x-request-id'];
    const idProblems: string[] = [];
    if (typeof headerId !== 'string') idProblems.push('no x-request-id header');
    else if (!PLAIN_REQUEST_ID.test(headerId))
      idProblems.push(`x-request-id echoed as given (${headerId.length} chars, not plain)`);
    if (answer.status >= 400 && json && typeof json.request_id === 'string' && json.request_id !== headerId)
      idProblems.push('body request_id ≠ x-request-id header');
    if (idProblems.length > 0)
      this.fail({
        kind: 'request_id',
        request: planned,
        status: answer.status,
        code,
        detail: idProblems.join(', '),
      });
    if (planned.mustRefuse && answer.status < 400) {
      this.fail({
        kind: 'accepted',
        request: planned,
        status: answer.status,
        detail: `answered ${answer.status} though ${planned.mustRefuse}`,
        response: excerpt,
      });
    }
  }

  // --- the walk -------------------------------------------------------------------------------------------

  async run(): Promise<void> {
    const doc = await this.must('GET', '/docs-json');
    this.operations = operationsOf(doc);
    this.log(`OpenAPI: ${this.operations.length} operations`);
    const outside: Operation = {
      method: 'GET',
      template: '/api/v1/nowhere',
      label: '(outside the document)',
      params: [],
      bodyRequired: false,
      admin: false,
    };
    const monitor = this.monitor();
    const started = performance.now();
    let order: Operation[] = [];
    for (let index = 1; index <= this.options.requests; index++) {
      if (order.length === 0) order = shuffle([...this.operations, outside], this.rng);
      const op = order.pop()!;
      if (this.dirty) {
        this.dirty = false;
        await this.own(() => this.repair());
      }
      const planned = op === outside ? this.planOutside(index) : this.plan(op, index);
      const mutating = MUTATING.has(planned.method);
      const before = mutating ? await this.own(() => this.rows.take()) : undefined;
      const window: { index: number; start: number; end?: number; planned: Planned } = {
        index,
        start: performance.now(),
        planned,
      };
      this.windows.push(window);
      if (this.windows.length > 20) this.windows.shift();
      const answer = await this.client.send(planned.method, planned.path, planned.headers, planned.body);
      window.end = performance.now();
      this.check(planned, answer);
      if (before && (answer.status >= 400 || answer.error)) {
        const changed = Rows.diff(before, await this.own(() => this.rows.take()));
        if (changed) {
          this.fail({
            kind: 'wrote_on_refusal',
            request: planned,
            status: answer.status,
            detail: `rows changed: ${changed}`,
          });
        }
      } else if (mutating && answer.status < 400) {
        this.lastAccepted = planned;
        // Creations leave the seeds alone; a change through an id (PATCH, DELETE, cancel) may have hit one.
        const template = planned.op.split(' ')[1];
        if (template.includes('{') && !/^\/api\/v1\/(customers|webhook-deliveries)\//.test(template))
          this.dirty = true;
        await this.own(() => this.settle());
        await this.own(() => this.readBack(planned, answer));
      }
      if (index % 500 === 0) {
        const seconds = (performance.now() - started) / 1000;
        this.log(
          `${index} requests, ${this.failures.length} failures, ${(index / seconds).toFixed(0)} req/s`,
        );
      }
    }
    await monitor.stop();
    this.seconds = (performance.now() - started) / 1000;
    const health = await this.client.send('GET', '/health', {});
    if (health.status !== 200) {
      this.fail({
        kind: 'final_health',
        status: health.status,
        detail: `GET /health answered ${health.status}`,
        response: clip(health.text, 300),
      });
    }
  }

  /**
   * After an accepted change, reads the changed resource back (and a type's availability): a value that was
   * stored but breaks every later read is found here and blamed on the request that stored it.
   */
  private async readBack(planned: Planned, answer: Answer): Promise<void> {
    let id: unknown;
    try {
      id = (JSON.parse(answer.text) as { id?: unknown }).id;
    } catch {
      return;
    }
    if (typeof id !== 'number' || planned.method === 'DELETE') return;
    const collection = planned.op.split(' ')[1].replace(/\/\{[^}]+\}.*$/, '');
    const reads = [`${collection}/${id}`];
    if (collection.endsWith('/appointment-types'))
      reads.push(`${collection}/${id}/availability?start_date=2031-01-06&end_date=2031-01-08`);
    if (collection.endsWith('/appointments')) reads.push(`${collection}?limit=20`);
    for (const path of reads) {
      const read = await this.client.send('GET', path, { authorization: `Bearer ${ADMIN_KEY}` });
      if (read.status >= 500 || read.error) {
        this.fail({
          kind: 'poisoned',
          request: planned,
          status: read.status,
          detail: `accepted with ${answer.status}, then GET ${path} answered ${read.status || read.error}`,
          response: clip(read.text, 300),
        });
      }
    }
    // What a fuzzed POST created goes again (when the document has a DELETE for it): every webhook left
    // behind would receive every later booking, and the drill would measure its own fan-out.
    const created = planned.op === `POST ${collection}`;
    if (
      created &&
      this.operations.some((op) => op.method === 'DELETE' && op.template.startsWith(`${collection}/{`))
    ) {
      await this.client.send('DELETE', `${collection}/${id}`, { authorization: `Bearer ${ADMIN_KEY}` });
    }
  }

  private planOutside(index: number): Planned {
    const rng = this.rng;
    const choice = rng.pick<{ method: string; path: string; what: string; body?: string }>([
      { method: 'GET', path: '/docs/%2e%2e/%2e%2e/etc/passwd', what: 'static path traversal' },
      { method: 'GET', path: '/docs/..%2f..%2fpackage.json', what: 'static encoded traversal' },
      { method: 'GET', path: '/api/v1/%', what: 'bare percent' },
      { method: 'GET', path: '/api/v1/appointments/%E0%A4%A', what: 'truncated UTF-8 escape' },
      { method: 'GET', path: '/api/v1/%zz', what: 'bad escape' },
      { method: 'GET', path: '/api/v2/appointments', what: 'unknown version' },
      { method: 'PUT', path: '/api/v1/webhooks/1', what: 'method not routed' },
      { method: 'OPTIONS', path: '/api/v1/appointments', what: 'OPTIONS' },
      { method: 'HEAD', path: '/health', what: 'HEAD' },
      { method: 'POST', path: '/api/v1/nowhere', what: 'POST broken JSON to no route', body: '{' },
      { method: 'GET', path: `/api/v1/${'a'.repeat(8000)}`, what: '8 KB path' },
      {
        method: 'GET',
        path: '/api/v1/appointments?limit=1&' + 'x=1&'.repeat(2000),
        what: '2000 query params',
      },
    ]);
    const headers: Record<string, string> = { authorization: `Bearer ${ADMIN_KEY}` };
    if (choice.body !== undefined) headers['content-type'] = 'application/json';
    return {
      index,
      op: '(outside the document)',
      category: 'outside',
      what: choice.what,
      target: choice.what,
      method: choice.method,
      path: choice.path,
      headers,
      body: choice.body === undefined ? undefined : Buffer.from(choice.body),
    };
  }

  /** Probes /health every 200 ms beside the walk; a probe slower than STALL_MS names the requests then in flight. */
  private monitor(): { stop(): Promise<void> } {
    let running = true;
    const probe = new Client(this.client.base);
    // The service runs in this process: a timer that fires late measures how long its event loop was blocked.
    // A slow probe while the loop kept turning is a slow machine or database, not a stalled service.
    let lastTick = performance.now();
    let maxLag = 0;
    const ticker = setInterval(() => {
      const now = performance.now();
      maxLag = Math.max(maxLag, now - lastTick - 20);
      lastTick = now;
    }, 20);
    const loop = (async () => {
      while (running) {
        const start = performance.now();
        maxLag = 0;
        const answer = await probe.send('GET', '/health', {});
        const end = performance.now();
        // The drill's own work (reading every table, restoring the seeds) runs in this process too: a probe
        // that overlapped it measures the drill, not the service.
        const overlaps = (w: { start: number; end?: number }) => w.start < end && (w.end ?? end) > start;
        const stalled = answer.ms > STALL_MS && maxLag > STALL_MS / 2;
        if ((stalled || answer.status !== 200) && !this.ownWork.some(overlaps)) {
          const during = this.windows.filter(overlaps);
          const overlap = (w: { start: number; end?: number }) =>
            Math.min(end, w.end ?? end) - Math.max(start, w.start);
          const culprit = [...during].sort((a, b) => overlap(b) - overlap(a))[0]?.planned;
          this.fail({
            kind: 'stall',
            request: culprit,
            status: answer.status,
            detail: `GET /health took ${answer.ms.toFixed(0)} ms (status ${answer.status}, event loop blocked ${maxLag.toFixed(0)} ms) while ${
              during.map((w) => `#${w.index}`).join(', ') || 'the drill itself'
            } ran`,
          });
        }
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    })();
    return {
      stop: async () => {
        running = false;
        await loop;
        clearInterval(ticker);
        probe.close();
      },
    };
  }

  result(): FuzzResult {
    const groups = new Map<string, Failure[]>();
    for (const failure of this.failures) {
      const key = classKey(failure);
      groups.set(key, [...(groups.get(key) ?? []), failure]);
    }
    const classes: string[] = [];
    const lines: string[] = [];
    for (const [key, failures] of [...groups].sort(([a], [b]) => a.localeCompare(b))) {
      const ops = [...new Set(failures.map((f) => f.request?.op).filter((op) => op !== undefined))];
      const variants = [...new Set(failures.map((f) => f.request?.what ?? f.detail))];
      classes.push(`${key} (${failures.length}×)`);
      const first = failures[0];
      lines.push(`● ${key} — ${failures.length}×`);
      if (!key.includes(first.detail)) lines.push(`    ${clip(first.detail, 300)}`);
      if (ops.length > 1 || !key.includes(ops[0] ?? '')) lines.push(`    operations: ${ops.join(', ')}`);
      if (first.request) lines.push(`    e.g. ${describe(first.request)}`);
      if (first.response) lines.push(`    answer: ${first.response}`);
      if (variants.length > 1)
        lines.push(
          `    variants: ${variants
            .slice(0, 8)
            .map((v) => clip(v, 80))
            .join(' | ')}${variants.length > 8 ? ' …' : ''}`,
        );
    }
    const statuses = [...this.statusCounts]
      .sort(([a], [b]) => a - b)
      .map(([s, n]) => `${s}:${n}`)
      .join(' ');
    const report = [
      `fuzz drill: seed ${this.options.seed}, ${this.options.requests} requests over ${this.operations.length} operations in ${this.seconds.toFixed(1)} s (${(this.ownMs / 1000).toFixed(1)} s of it reading rows and restoring seeds); statuses ${statuses}`,
      this.failures.length === 0
        ? 'no failures'
        : `${this.failures.length} failures in ${groups.size} classes (kind | where | what was sent | status code):`,
      ...lines,
    ].join('\n');
    return { seed: this.options.seed, sent: this.options.requests, failures: this.failures, classes, report };
  }
}

/** `details` lists each field at fault once, with a message that does not repeat the field's name. */
function detailProblems(details: unknown): string[] {
  if (details === undefined) return [];
  if (!Array.isArray(details)) return ['details is not an array'];
  const problems: string[] = [];
  const seen = new Map<string, number>();
  for (const detail of details as { field?: unknown; message?: unknown }[]) {
    if (typeof detail?.field !== 'string' || typeof detail.message !== 'string') {
      problems.push('a detail without a string field and message');
      continue;
    }
    seen.set(detail.field, (seen.get(detail.field) ?? 0) + 1);
    const name =
      detail.field
        .split(/[.[\]]/)
        .filter(Boolean)
        .pop() ?? detail.field;
    if (detail.message.startsWith(`${name} `) || detail.message.startsWith(`${name}:`))
      problems.push('a detail message repeats its field name');
  }
  for (const [_field, count] of seen) if (count > 1) problems.push(`details list a field ${count} times`);
  return [...new Set(problems)];
}

/** Categories whose failures share one cause whatever the operation: reported once, with the operations listed. */
const ACROSS_OPERATIONS = new Set([
  'path_id',
  'auth',
  'content_type',
  'raw_json',
  'deep_json',
  'header',
  'bad_url',
  'query',
]);
/** Categories whose failures share one cause whatever the concrete target inside the body. */
const ANY_TARGET = new Set(['path_id', 'auth', 'deep_json', 'header', 'bad_url', 'content_type']);

function classKey(failure: Failure): string {
  const r = failure.request;
  const status = `${failure.status ?? ''}${failure.code ? ' ' + failure.code : ''}`;
  if (failure.kind === 'error_body' || failure.kind === 'request_id')
    return `${failure.kind} | ${status} | ${failure.detail.replace(/\(\d+ chars/, '(N chars').replace(/a field \d+ times/g, 'a field N times')}`;
  if (!r) return `${failure.kind} | ${failure.detail}`;
  // A 5xx is a handler's bug: kept per operation (but deep JSON fails before any handler, and list queries share one DTO).
  const across =
    failure.kind === 'server_error' || failure.kind === 'stall'
      ? r.category === 'deep_json' || r.category === 'query'
      : ACROSS_OPERATIONS.has(r.category);
  const where = across ? '*' : r.op;
  let target = r.target.replace(/\b(monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b/g, '<day>');
  if (r.category === 'nested_array' || r.category === 'oversize_array')
    target = target.replace(/^(body\.[a-z_]+).*$/, '$1');
  let what = ANY_TARGET.has(r.category) ? r.category : `${r.category} ${target}`;
  // A 5xx whatever the headers, URL tail or body: the handler fails on every request that reaches it.
  if (
    failure.kind === 'server_error' &&
    ['valid', 'header', 'bad_url', 'raw_json', 'content_type'].includes(r.category)
  )
    what = 'any request that reaches the handler';
  // A 2xx is one failure whatever its exact status; other kinds keep the status and code.
  return failure.kind === 'accepted'
    ? `accepted | ${where} | ${what}`
    : `${failure.kind} | ${where} | ${what} | ${status}`;
}

// ---------------------------------------------------------------------------------------------------------
// Helpers

type PathPart = string | number;

function getAt(value: unknown, path: PathPart[]): unknown {
  return path.reduce<unknown>((current, part) => (current as any)?.[part], value);
}

function setAt(root: Record<string, unknown>, path: PathPart[], value: unknown): void {
  const parent = getAt(root, path.slice(0, -1)) as any;
  parent[path[path.length - 1]] = value;
}

/** A random path from top-level field `name` down into its value. */
function innerPath(body: Record<string, unknown>, name: string, rng: Rng): PathPart[] {
  const path: PathPart[] = [name];
  let current = body[name];
  while (
    current !== null &&
    typeof current === 'object' &&
    !(current instanceof RawJson) &&
    rng.chance(0.8)
  ) {
    const keys: PathPart[] = Array.isArray(current) ? current.map((_, i) => i) : Object.keys(current);
    if (keys.length === 0) break;
    const key = rng.pick(keys);
    path.push(key);
    current = (current as any)[key];
  }
  return path;
}

/** Every path to an object or array inside `value` (the root included, as []). */
function containerPaths(value: unknown, path: PathPart[] = []): PathPart[][] {
  if (value === null || typeof value !== 'object' || value instanceof RawJson) return [];
  const inner = Array.isArray(value)
    ? value.flatMap((item, i) => containerPaths(item, [...path, i]))
    : Object.entries(value).flatMap(([key, item]) => containerPaths(item, [...path, key]));
  return [path, ...inner];
}

/** Paths to the objects inside `body` whose schema lists its fields (where an unknown key is wrong). */
function objectPaths(body: Record<string, unknown>, schema: Schema): PathPart[][] {
  return containerPaths(body).filter((path) => {
    const value = getAt(body, path);
    return !Array.isArray(value) && Boolean(schemaAt(schema, path)?.properties);
  });
}

function schemaAt(schema: Schema | undefined, path: PathPart[]): Schema | undefined {
  let current = schema;
  for (const part of path) {
    if (!current) return undefined;
    current = typeof part === 'number' ? current.items : current.properties?.[part];
  }
  return current;
}

function pathText(path: PathPart[], generic = false): string {
  return path
    .map((part, i) => (typeof part === 'number' ? `[${generic ? '' : part}]` : i === 0 ? part : `.${part}`))
    .join('');
}

/** Percent-encodes a query value; lone surrogates (which encodeURIComponent refuses) as their UTF-8 bytes. */
function pct(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    return [...Buffer.from(text, 'utf8')]
      .map((b) => `%${b.toString(16).padStart(2, '0').toUpperCase()}`)
      .join('');
  }
}

function clip(text: string, length: number): string {
  const oneLine = text.replace(/[\r\n]+/g, '⏎');
  return oneLine.length > length ? `${oneLine.slice(0, length)}… (${text.length} chars)` : oneLine;
}

function describe(r: Planned): string {
  const headers = Object.entries(r.headers)
    .filter(([name]) => name !== 'authorization' || !r.headers[name].endsWith(ADMIN_KEY))
    .map(([name, value]) => `${name}: ${clip(value, 60)}`);
  const key = r.headers.authorization === `Bearer ${ADMIN_KEY}` ? 'admin key' : 'no valid key';
  const body = r.body ? ` body ${clip(r.body.toString('utf8'), 240)}` : '';
  return `#${r.index} ${r.method} ${clip(r.path, 160)} (${r.what}; ${key}${headers.length ? '; ' + headers.join('; ') : ''})${body}`;
}

function shuffle<T>(items: T[], rng: Rng): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

/** Boots the app on a fresh database, seeds it, walks the document and reports. */
export async function runFuzz(options: FuzzOptions): Promise<FuzzResult> {
  const receiver = await Receiver.start();
  const t = await startTestApp({
    databaseUrl: await freshDatabaseUrl(),
    env: { WEBHOOK_RETRY_SCHEDULE: '1,1', WEBHOOK_TIMEOUT_MS: '1000' },
  });
  const client = new Client(new URL(t.url));
  try {
    const fuzzer = new Fuzzer(t, client, receiver, new Rows(t.app.get(DataSource)), options);
    await fuzzer.seed();
    await fuzzer.run();
    return fuzzer.result();
  } finally {
    client.close();
    await t.close();
    await receiver.close();
  }
}

/** An explicit FUZZ_SEED, or a fresh one to print. */
export function fuzzSeed(fallback = Math.floor(Math.random() * 2 ** 31)): number {
  const given = process.env.FUZZ_SEED;
  if (given === undefined || given === '') return fallback;
  const seed = Number(given);
  if (!Number.isInteger(seed)) throw new Error(`FUZZ_SEED must be an integer, got ${given}`);
  return seed;
}

async function main(): Promise<void> {
  const seed = fuzzSeed();
  const requests = Number(process.env.FUZZ_REQUESTS ?? 5000);
  console.log(`fuzz drill: seed ${seed} (FUZZ_SEED=${seed} repeats this walk), ${requests} requests`);
  const result = await runFuzz({ requests, seed, log: (line) => console.log(line) });
  console.log(`\n${result.report}`);
  process.exitCode = result.failures.length > 0 ? 1 : 0;
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 2;
  });
}
