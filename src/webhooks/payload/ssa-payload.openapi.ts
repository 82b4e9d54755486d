import type { PathItemObject, SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import type { AppointmentSnapshot } from '../../appointments/events/appointment-snapshot';
import { buildSsaPayload, SSA_ACTIONS, SsaAction, SsaEvent, SsaSite } from './ssa-payload';

/*
 * The webhook bodies as OpenAPI 3.1 `webhooks`, so Swagger UI and generated clients know what receivers get.
 * The examples are built by the same `buildSsaPayload` that builds real deliveries, so they cannot drift from it.
 */

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const string = (description?: string, example?: string): SchemaObject => ({
  type: 'string',
  ...(description && { description }),
  ...(example !== undefined && { example }),
});
const utc = (description: string) =>
  string(`${description}, UTC, "YYYY-MM-DD HH:mm:ss"`, '2030-01-07 08:00:00');

const LOCAL_FIELDS = ['start_date', 'end_date', 'date_created', 'date_modified'];
const perLocalField = (schema: SchemaObject): SchemaObject => ({
  type: 'object',
  required: LOCAL_FIELDS,
  properties: Object.fromEntries(LOCAL_FIELDS.map((field) => [field, schema])),
});

const APPOINTMENT_PROPERTIES: Record<string, SchemaObject> = {
  id: string('Appointment id (a string, as SSA sends it)', '12'),
  appointment_type_id: string('Appointment type id (a string)', '3'),
  appointment_type_slug: string(undefined, 'intro-call'),
  customer_id: string('Customer id (a string)', '5'),
  customer_information: {
    type: 'object',
    description: 'Name and Email first, then the custom fields by their labels',
    required: ['Name', 'Email'],
    additionalProperties: { type: ['string', 'number', 'boolean'] },
  },
  customer_timezone: string('IANA time zone of the customer; "" if unknown', 'Europe/Berlin'),
  start_date: utc('Start'),
  end_date: utc('End'),
  status: { type: 'string', enum: ['booked', 'pending_payment', 'pending_form', 'canceled', 'abandoned'] },
  date_created: utc('Created'),
  date_modified: utc('Last changed'),
  public_edit_url: string(
    'The customer page to see, reschedule or cancel: <SITE_URL>/appointments/change/<token>',
  ),
  price_full: { type: 'number', example: 0 },
  payment_received: { type: 'number', example: 0 },
  payment_method: string('"" if none', ''),
  web_meeting_url: string('"" if none', ''),
  web_meeting_password: string('"" if none', ''),
  appointment_type_title: string(undefined, 'Intro call'),
};

const SCHEMAS: Record<string, SchemaObject> = {
  WebhookSignature: {
    type: 'object',
    description: "Who sent it. Receivers written for SSA compare `token` with the webhook's token.",
    required: ['token', 'site_name', 'site_url', 'home_url', 'network_site_url'],
    properties: {
      token: string("The webhook's token (24 hex characters)", '9f86d081884c7d659a2feaa0'),
      site_name: string('SITE_NAME', 'Booking'),
      site_url: string('SITE_URL', 'http://localhost:3000'),
      home_url: string('SITE_URL', 'http://localhost:3000'),
      network_site_url: string('NETWORK_SITE_URL, else SITE_URL', 'http://localhost:3000'),
    },
  },
  WebhookTeamMember: {
    type: 'object',
    required: ['id', 'wp_user_id', 'name', 'display_name', 'email'],
    properties: {
      id: { type: 'integer' },
      wp_user_id: { type: 'integer', description: '0 if none' },
      name: { type: 'string' },
      display_name: { type: 'string' },
      email: { type: 'string' },
    },
  },
  WebhookLocalTimes: {
    type: 'object',
    description: "start_date, end_date, date_created and date_modified in the appointment type's time zone",
    required: ['raw', 'raw_parts', 'formatted', 'formatted_parts'],
    properties: {
      raw: perLocalField(string('"YYYY-MM-DD HH:mm:ss"', '2030-01-07 09:00:00')),
      raw_parts: perLocalField({
        type: 'object',
        required: ['date', 'time', 'timezone', 'timezone_offset'],
        properties: {
          date: string(undefined, '2030-01-07'),
          time: string(undefined, '09:00:00'),
          timezone: string('IANA', 'Europe/Berlin'),
          timezone_offset: string(undefined, '+0100'),
        },
      }),
      formatted: perLocalField(string("PHP's 'F j, Y g:i a T'", 'January 7, 2030 9:00 am CET')),
      formatted_parts: perLocalField({
        type: 'object',
        required: ['date', 'time', 'timezone'],
        properties: {
          date: string(undefined, 'January 7, 2030'),
          time: string(undefined, '9:00 am'),
          timezone: string('Abbreviation, or a numeric offset such as +04', 'CET'),
        },
      }),
    },
  },
  WebhookAppointment: {
    type: 'object',
    required: [...Object.keys(APPOINTMENT_PROPERTIES), 'local_time_for'],
    properties: {
      ...APPOINTMENT_PROPERTIES,
      local_time_for: {
        type: 'object',
        required: ['appointment_type'],
        properties: { appointment_type: ref('WebhookLocalTimes') },
      },
    },
  },
  WebhookDataBefore: {
    type: 'object',
    description: 'The appointment fields this edit changed, as they were before it (hosts as team_members)',
    properties: {
      ...Object.fromEntries(Object.entries(APPOINTMENT_PROPERTIES).filter(([key]) => key !== 'id')),
      team_members: { type: 'array', items: ref('WebhookTeamMember') },
    },
  },
};

const ACTION_DESCRIPTIONS: Record<SsaAction, string> = {
  appointment_booked: 'An appointment was booked (created as booked, or moved into booked).',
  appointment_edited:
    'Customer information, hosts, type, price, payment or meeting link changed; `data_before` holds the old values.',
  appointment_rescheduled:
    'A booked appointment moved to another start; `rescheduled_from_start_date` holds the old one.',
  appointment_canceled:
    'An appointment once announced as booked ended canceled or abandoned (its `status` says which).',
};

function payloadSchema(action: SsaAction): SchemaObject {
  const required = ['action', 'action_noun', 'action_verb', 'signature', 'appointment', 'team_members'];
  const properties: Record<string, SchemaObject | { $ref: string }> = {
    action: { type: 'string', enum: [action] },
    action_noun: { type: 'string', enum: ['appointment'] },
    action_verb: { type: 'string', enum: [action.replace('appointment_', '')] },
    signature: ref('WebhookSignature'),
    appointment: ref('WebhookAppointment'),
    team_members: { type: 'array', items: ref('WebhookTeamMember'), description: 'The hosts; [] when none' },
  };
  if (action === 'appointment_edited') {
    required.push('data_before');
    properties.data_before = ref('WebhookDataBefore');
  }
  if (action === 'appointment_rescheduled') {
    required.push('rescheduled_from_start_date');
    properties.rescheduled_from_start_date = utc('The start before the move');
  }
  return { type: 'object', description: ACTION_DESCRIPTIONS[action], required, properties };
}

const schemaName = (action: SsaAction) =>
  `${action
    .split('_')
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join('')}Webhook`;

const EXAMPLE_SITE: SsaSite = {
  token: '9f86d081884c7d659a2feaa0',
  site_name: 'Booking',
  site_url: 'http://localhost:3000',
  home_url: 'http://localhost:3000',
  network_site_url: 'http://localhost:3000',
};

const EXAMPLE_APPOINTMENT: AppointmentSnapshot = {
  id: 12,
  appointment_type_id: 3,
  appointment_type_slug: 'intro-call',
  appointment_type_title: 'Intro call',
  appointment_type_timezone: 'Europe/Berlin',
  customer_id: 5,
  customer_information: { Name: 'Nathan Tyler', Email: 'nathan@example.com', Phone: '+49 30 123456' },
  customer_timezone: 'Europe/Berlin',
  start_date: '2030-01-07T08:00:00.000Z',
  end_date: '2030-01-07T08:30:00.000Z',
  status: 'booked',
  date_created: '2029-12-20T10:15:00.000Z',
  date_modified: '2029-12-20T10:15:00.000Z',
  public_edit_url: 'http://localhost:3000/appointments/change/Jb2m4X8kR1qN7vT0sYwZ3a',
  price_full: 0,
  payment_method: null,
  payment_received: 0,
  web_meeting_url: 'https://meet.example.com/intro',
  web_meeting_password: null,
  team_members: [
    { id: 1, wp_user_id: 0, name: 'Ada Lovelace', display_name: 'Ada', email: 'ada@example.com' },
  ],
};

function exampleEvent(action: SsaAction): SsaEvent {
  const modified = { ...EXAMPLE_APPOINTMENT, date_modified: '2029-12-21T09:00:00.000Z' };
  switch (action) {
    case 'appointment_booked':
      return { appointment: EXAMPLE_APPOINTMENT };
    case 'appointment_edited':
      return {
        appointment: modified,
        data_before: {
          customer_information: { Name: 'Nathan Tyler', Email: 'nathan@example.com', Phone: '+49 30 654321' },
          date_modified: EXAMPLE_APPOINTMENT.date_modified,
        },
      };
    case 'appointment_rescheduled':
      return {
        appointment: {
          ...modified,
          start_date: '2030-01-08T09:00:00.000Z',
          end_date: '2030-01-08T09:30:00.000Z',
        },
        rescheduled_from_start_date: EXAMPLE_APPOINTMENT.start_date,
      };
    case 'appointment_canceled':
      return { appointment: { ...modified, status: 'canceled' } };
  }
}

/** A real body for `action`, as a delivery to the example site would carry it. */
export function exampleWebhookPayload(action: SsaAction): unknown {
  return buildSsaPayload(action, exampleEvent(action), EXAMPLE_SITE);
}

const HEADER_DESCRIPTIONS: Record<string, [string, string]> = {
  'webhook-id': ['The delivery id, the same on every retry: dedupe on it', 'msg_42'],
  'webhook-timestamp': ["This attempt's time, seconds since the epoch", '1893916800'],
  'webhook-signature': [
    '`v1,<base64 HMAC-SHA256>` over `id.timestamp.body` with the webhook secret (two, space-separated, for 24 h after a rotation)',
    'v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=',
  ],
};

function webhookOperation(action: SsaAction): PathItemObject {
  return {
    post: {
      operationId: `webhook_${action}`,
      tags: ['webhook payloads'],
      summary: action,
      description:
        `${ACTION_DESCRIPTIONS[action]}\n\nPOSTed to every enabled webhook whose triggers include \`${action}\`, ` +
        'signed per Standard Webhooks: verify the raw body with `new Webhook(secret).verify(body, headers)` ' +
        '(package `standardwebhooks`), or compare `signature.token` as SSA receivers do.',
      security: [],
      parameters: Object.entries(HEADER_DESCRIPTIONS).map(([name, [description, example]]) => ({
        name,
        in: 'header' as const,
        required: true,
        description,
        schema: { type: 'string' },
        example,
      })),
      requestBody: {
        required: true,
        content: {
          'application/json': {
            schema: ref(schemaName(action)),
            example: exampleWebhookPayload(action),
          },
        },
      },
      responses: {
        '2XX': { description: 'Delivered' },
        '410': { description: 'Gone: the webhook is disabled at once' },
        default: {
          description:
            'Anything else (redirects included) is retried: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h',
        },
      },
    },
  };
}

/** `components.schemas` and `webhooks` entries for the four payloads. */
export function webhookPayloadsOpenApi(): {
  schemas: Record<string, SchemaObject>;
  webhooks: Record<string, PathItemObject>;
} {
  return {
    schemas: {
      ...SCHEMAS,
      ...Object.fromEntries(SSA_ACTIONS.map((action) => [schemaName(action), payloadSchema(action)])),
    },
    webhooks: Object.fromEntries(SSA_ACTIONS.map((action) => [action, webhookOperation(action)])),
  };
}
