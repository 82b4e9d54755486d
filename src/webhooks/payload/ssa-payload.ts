import { randomUUID } from 'node:crypto';
import {
  AppointmentDataBefore,
  AppointmentSnapshot,
  TeamMemberSnapshot,
} from '../../appointments/events/appointment-snapshot';
import { formatUtc, localTimeParts } from '../../common/time/local-time';
import { toTeamMemberSnapshot } from '../../team-members/team-member.types';

/*
 * The body Simply Schedule Appointments (SSA) posts to its webhooks, reproduced so existing SSA consumers keep
 * working. Key insertion order is part of the contract: some consumers map fields by position.
 */

export type SsaAction =
  'appointment_booked' | 'appointment_edited' | 'appointment_rescheduled' | 'appointment_canceled';

export const SSA_ACTIONS: readonly SsaAction[] = [
  'appointment_booked',
  'appointment_edited',
  'appointment_rescheduled',
  'appointment_canceled',
];

const ACTION_VERBS = {
  appointment_booked: 'booked',
  appointment_edited: 'edited',
  appointment_rescheduled: 'rescheduled',
  appointment_canceled: 'canceled',
} as const satisfies Record<SsaAction, string>;

export type SsaActionVerb = (typeof ACTION_VERBS)[SsaAction];

export interface SsaSite {
  token: string;
  site_name: string;
  site_url: string;
  home_url: string;
  network_site_url: string;
}

export interface SsaTeamMember {
  id: number;
  wp_user_id: number;
  name: string;
  display_name: string;
  email: string;
}

type LocalTimeField = 'start_date' | 'end_date' | 'date_created' | 'date_modified';

export interface SsaRawParts {
  date: string;
  time: string;
  timezone: string;
  timezone_offset: string;
}

export interface SsaFormattedParts {
  date: string;
  time: string;
  timezone: string;
}

export interface SsaLocalTimes {
  raw: Record<LocalTimeField, string>;
  raw_parts: Record<LocalTimeField, SsaRawParts>;
  formatted: Record<LocalTimeField, string>;
  formatted_parts: Record<LocalTimeField, SsaFormattedParts>;
}

/** The appointment fields that also appear, as they were, in `data_before`. */
export interface SsaAppointmentFields {
  id: string;
  appointment_type_id: string;
  appointment_type_slug: string;
  customer_id: string;
  customer_information: Record<string, string | number | boolean>;
  customer_timezone: string;
  start_date: string;
  end_date: string;
  status: string;
  date_created: string;
  date_modified: string;
  public_edit_url: string;
  price_full: number;
  payment_received: number;
  payment_method: string;
  web_meeting_url: string;
  web_meeting_password: string;
  appointment_type_title: string;
}

export interface SsaAppointment extends SsaAppointmentFields {
  local_time_for: { appointment_type: SsaLocalTimes };
}

export type SsaDataBefore = Partial<Omit<SsaAppointmentFields, 'id'>> & { team_members?: SsaTeamMember[] };

export interface SsaPayload {
  action: SsaAction;
  action_noun: 'appointment';
  action_verb: SsaActionVerb;
  signature: SsaSite;
  appointment: SsaAppointment;
  team_members: SsaTeamMember[];
  /** Only on `appointment_edited`. */
  data_before?: SsaDataBefore;
  /** Only on `appointment_rescheduled`. */
  rescheduled_from_start_date?: string;
}

export interface SsaEvent {
  appointment: AppointmentSnapshot;
  data_before?: AppointmentDataBefore;
  /** ISO 8601 UTC. */
  rescheduled_from_start_date?: string;
}

const emptyIfNull = (value: string | null): string => value ?? '';
const same = <T>(value: T): T => value;

// SSA reads Name and Email positionally before the custom fields, so they lead whatever order the form had.
function orderCustomerInformation(
  info: Record<string, string | number | boolean>,
): Record<string, string | number | boolean> {
  const { Name, Email, ...custom } = info;
  return {
    ...(Name !== undefined && { Name }),
    ...(Email !== undefined && { Email }),
    ...custom,
  };
}

/*
 * One converter per SSA appointment field, written in contract order: this table is the single source of both
 * the appointment's key order and data_before's, and of how each value is shaped (SSA sends ids as strings
 * because they come straight from MySQL rows, and "" rather than null for absent text).
 */
const FIELD_CONVERTERS: {
  [K in keyof SsaAppointmentFields]: (value: AppointmentSnapshot[K]) => SsaAppointmentFields[K];
} = {
  id: String,
  appointment_type_id: String,
  appointment_type_slug: same,
  customer_id: String,
  customer_information: orderCustomerInformation,
  customer_timezone: emptyIfNull,
  start_date: formatUtc,
  end_date: formatUtc,
  status: same,
  date_created: formatUtc,
  date_modified: formatUtc,
  public_edit_url: same,
  price_full: same,
  payment_received: same,
  payment_method: emptyIfNull,
  web_meeting_url: emptyIfNull,
  web_meeting_password: emptyIfNull,
  appointment_type_title: same,
};

const APPOINTMENT_FIELDS = Object.keys(FIELD_CONVERTERS) as (keyof SsaAppointmentFields)[];

function convertField<K extends keyof SsaAppointmentFields>(
  key: K,
  value: AppointmentSnapshot[K],
): SsaAppointmentFields[K] {
  return FIELD_CONVERTERS[key](value);
}

/** The payload's `team_members` entries are host snapshots, field for field and in the same key order. */
const toSsaTeamMember: (member: TeamMemberSnapshot) => SsaTeamMember = toTeamMemberSnapshot;

function mapLocalTimeFields<T>(build: (field: LocalTimeField) => T): Record<LocalTimeField, T> {
  return {
    start_date: build('start_date'),
    end_date: build('end_date'),
    date_created: build('date_created'),
    date_modified: build('date_modified'),
  };
}

function buildLocalTimes(appointment: AppointmentSnapshot, timezone: string): SsaLocalTimes {
  const parts = mapLocalTimeFields((field) => localTimeParts(appointment[field], timezone));
  return {
    raw: mapLocalTimeFields((field) => parts[field].raw),
    raw_parts: mapLocalTimeFields((field) => ({
      date: parts[field].date,
      time: parts[field].time,
      timezone: parts[field].timezone,
      timezone_offset: parts[field].timezone_offset,
    })),
    formatted: mapLocalTimeFields((field) => parts[field].formatted),
    formatted_parts: mapLocalTimeFields((field) => ({
      date: parts[field].formatted_date,
      time: parts[field].formatted_time,
      timezone: parts[field].abbreviation,
    })),
  };
}

function buildAppointment(appointment: AppointmentSnapshot): SsaAppointment {
  const fields: Partial<Record<keyof SsaAppointmentFields, unknown>> = {};
  for (const key of APPOINTMENT_FIELDS) {
    fields[key] = convertField(key, appointment[key]);
  }
  return {
    ...(fields as SsaAppointmentFields),
    local_time_for: { appointment_type: buildLocalTimes(appointment, appointment.appointment_type_timezone) },
  };
}

/*
 * Only fields that exist on the SSA appointment object are reported; snapshot-only fields such as
 * appointment_type_timezone have no place to go in SSA's shape.
 */
function buildDataBefore(before: AppointmentDataBefore): SsaDataBefore {
  const fields: Partial<Record<keyof SsaAppointmentFields, unknown>> = {};
  for (const key of APPOINTMENT_FIELDS) {
    if (key === 'id') continue;
    const value = before[key];
    if (value !== undefined) {
      fields[key] = convertField(key, value);
    }
  }
  return {
    ...(fields as SsaDataBefore),
    ...(before.team_members !== undefined && { team_members: before.team_members.map(toSsaTeamMember) }),
  };
}

export function buildSsaPayload(action: SsaAction, event: SsaEvent, site: SsaSite): SsaPayload {
  const payload: SsaPayload = {
    action,
    action_noun: 'appointment',
    action_verb: ACTION_VERBS[action],
    signature: {
      token: site.token,
      site_name: site.site_name,
      site_url: site.site_url,
      home_url: site.home_url,
      network_site_url: site.network_site_url,
    },
    appointment: buildAppointment(event.appointment),
    team_members: event.appointment.team_members.map(toSsaTeamMember),
  };
  if (action === 'appointment_edited') {
    // An edit with no recorded changes still carries the key, so consumers can rely on its presence.
    payload.data_before = buildDataBefore(event.data_before ?? {});
  }
  if (action === 'appointment_rescheduled') {
    if (event.rescheduled_from_start_date === undefined) {
      throw new Error('appointment_rescheduled needs rescheduled_from_start_date');
    }
    payload.rescheduled_from_start_date = formatUtc(event.rescheduled_from_start_date);
  }
  return payload;
}

export function serializeSsaPayload(payload: SsaPayload): string {
  return JSON.stringify(payload);
}

/**
 * The body of one event for many webhooks, which differ only in `signature.token`: `head` + the token as a
 * JSON string + `tail`. Byte for byte what `serializeSsaPayload` gives for the payload with that token
 * (JSON.stringify is compositional; tests compare). Null should the token's place not be found exactly once.
 */
export interface SsaBodyTemplate {
  head: string;
  tail: string;
}

export function ssaBodyTemplate(payload: SsaPayload): SsaBodyTemplate | null {
  const placeholder = `\u0000token-${randomUUID()}`;
  const text = serializeSsaPayload({ ...payload, signature: { ...payload.signature, token: placeholder } });
  const marker = `"signature":{"token":${JSON.stringify(placeholder)}`;
  const at = text.indexOf(marker);
  if (at < 0 || text.indexOf(marker, at + 1) >= 0) return null;
  return { head: text.slice(0, at) + '"signature":{"token":', tail: text.slice(at + marker.length) };
}

/** The body of a template for one token. */
export function spliceSsaToken(template: SsaBodyTemplate, token: string): string {
  return template.head + JSON.stringify(token) + template.tail;
}

/** The appointment from SSA's documented sample payload, for "send test webhook". A fresh copy per call. */
export function sampleAppointmentSnapshot(): AppointmentSnapshot {
  return {
    id: 123,
    appointment_type_id: 36,
    appointment_type_slug: '2hr-call',
    appointment_type_title: '2hr Call',
    appointment_type_timezone: 'America/Los_Angeles',
    customer_id: 1,
    customer_information: { Name: 'Nathan Tyler', Email: 'nathan@example.com' },
    customer_timezone: 'America/Los_Angeles',
    start_date: '2018-09-20T16:15:00.000Z',
    end_date: '2018-09-20T18:15:00.000Z',
    status: 'booked',
    date_created: '2018-09-19T01:00:44.000Z',
    date_modified: '2018-09-19T01:00:44.000Z',
    public_edit_url: 'http://yoursite.com/appointments/change/e7b9a0a37d18e86ef11b2da12345678900',
    price_full: 100,
    payment_method: 'stripe',
    payment_received: 100,
    web_meeting_url: 'https://your-web-meeting-url.com/url/j.php?MTID=m89e2d3199fc229a01732c0964bf48c03',
    web_meeting_password: 'your-meeting-password',
    team_members: [
      { id: 1, wp_user_id: 0, name: 'John Doe', display_name: 'John Doe', email: 'john@example.com' },
      { id: 2, wp_user_id: 2, name: 'Jane Doe', display_name: 'Jane Doe', email: 'jane@example.com' },
    ],
  };
}

/** A sample event for any action, with the extras edited/rescheduled bodies require. */
export function sampleSsaEvent(action: SsaAction): SsaEvent {
  const appointment = sampleAppointmentSnapshot();
  switch (action) {
    case 'appointment_edited':
      return {
        appointment: { ...appointment, date_modified: '2018-09-19T02:10:00.000Z' },
        data_before: {
          customer_information: { Name: 'Nathan Tyler', Email: 'nathan.tyler@example.com' },
          date_modified: appointment.date_modified,
        },
      };
    case 'appointment_rescheduled':
      return { appointment, rescheduled_from_start_date: '2018-09-19T16:15:00.000Z' };
    case 'appointment_canceled':
      return { appointment: { ...appointment, status: 'canceled' } };
    case 'appointment_booked':
      return { appointment };
  }
}

/** The full body a "send test webhook" posts for `action`. */
export function samplePayload(action: SsaAction, site: SsaSite): SsaPayload {
  return buildSsaPayload(action, sampleSsaEvent(action), site);
}
