/**
 * What the e2e suites and the bench/ scripts set up again and again: an appointment type, a team member, a
 * webhook, a booking, the weekly schedules they are offered on, waiting for an after-commit effect, and a
 * fresh database. Plain module: nothing here needs jest, so a bench script can import it as well as a suite.
 * The create helpers throw an Error carrying the response body when the service does not answer 201.
 */
import request from 'supertest';
import { WEEKDAYS } from '../../src/common/schedules/schedule.types';
import { AUTH } from './admin';
import type { TestApp } from './test-app';

export { eventually } from './eventually';
export { freshDatabaseUrl } from './database';
export { WEEKDAYS };

/** Where the helpers send their requests: a running test app, or a supertest factory (e.g. `() => request(url)`). */
export type Client = TestApp | (() => ReturnType<typeof request>);

export interface TimeWindow {
  start: string;
  end: string;
}
export type WeeklyAvailability = Record<string, TimeWindow[]>;

/** One day's windows, the whole day. */
export const ALL_DAY: readonly TimeWindow[] = Object.freeze([
  Object.freeze({ start: '00:00', end: '24:00' }),
]);
/** One day's windows, office hours. */
export const NINE_TO_FIVE: readonly TimeWindow[] = Object.freeze([
  Object.freeze({ start: '09:00', end: '17:00' }),
]);

/** The same windows on every day of the week. */
export function everyDay(windows: readonly TimeWindow[]): WeeklyAvailability {
  return Object.freeze(Object.fromEntries(WEEKDAYS.map((day) => [day, windows]))) as WeeklyAvailability;
}

/** Open all day, every day: any start on the increment grid is offered (hosts and bookings aside). */
export const EVERY_DAY = everyDay(ALL_DAY);
/** 09:00–17:00 every day, in the type's time zone. */
export const EVERY_DAY_NINE_TO_FIVE = everyDay(NINE_TO_FIVE);

/** A resource as the API returned it on create. */
export type Created = { id: number } & Record<string, any>;

let counter = 0;
/** A number unique in this process, for titles, names and e-mail addresses. */
export function nextNumber(): number {
  counter += 1;
  return counter;
}

function http(client: Client): ReturnType<typeof request> {
  return typeof client === 'function' ? client() : client.http();
}

/** POSTs `body` to `path` as the admin and returns the response body; throws unless the answer is 201. */
export async function createAt(client: Client, path: string, body: object): Promise<Created> {
  const response = await http(client).post(path).set(AUTH).send(body);
  if (response.status !== 201) {
    throw new Error(`POST ${path} answered ${response.status}, not 201: ${JSON.stringify(response.body)}`);
  }
  return response.body as Created;
}

/**
 * An appointment type: "Type <n>", 30 minutes, UTC, open all day every day, unless `body` says otherwise
 * (its fields replace the defaults; team members, capacity, status… are added as given).
 */
export function createType(client: Client, body: object = {}): Promise<Created> {
  return createAt(client, '/api/v1/appointment-types', {
    title: `Type ${nextNumber()}`,
    duration: 30,
    timezone: 'UTC',
    availability: EVERY_DAY,
    ...body,
  });
}

/** A team member "Member <n>" <member<n>@example.com>, unless `body` says otherwise. */
export function createMember(client: Client, body: object = {}): Promise<Created> {
  const n = nextNumber();
  return createAt(client, '/api/v1/team-members', {
    name: `Member ${n}`,
    email: `member${n}@example.com`,
    ...body,
  });
}

/** A webhook as created: its `secret` and `token` are in the answer, and only in this one. */
export interface CreatedWebhook extends Created {
  secret: string;
  token: string;
}

/** A webhook on `url` (all triggers, all types), unless `body` says otherwise. */
export async function createWebhook(
  client: Client,
  body: { url: string } & Record<string, unknown>,
): Promise<CreatedWebhook> {
  return (await createAt(client, '/api/v1/webhooks', body)) as CreatedWebhook;
}

/** A customer's answers to the booking form: "Customer <n>" <customer<n>@example.com>. */
export function customer(n = nextNumber()): { Name: string; Email: string } {
  return { Name: `Customer ${n}`, Email: `customer${n}@example.com` };
}

/** Books `startDate` (an ISO instant) of type `typeId` for a new customer, unless `body` says otherwise. */
export function bookAppointment(
  client: Client,
  typeId: number,
  startDate: string,
  body: object = {},
): Promise<Created> {
  return createAt(client, '/api/v1/appointments', {
    appointment_type_id: typeId,
    start_date: startDate,
    customer_information: customer(),
    ...body,
  });
}
