import * as fs from 'fs';
import * as path from 'path';
import { AppointmentSnapshot } from '../../appointments/events/appointment-snapshot';
import {
  buildSsaPayload,
  sampleAppointmentSnapshot,
  samplePayload,
  serializeSsaPayload,
  SSA_ACTIONS,
  SsaAction,
  SsaEvent,
  SsaSite,
  spliceSsaToken,
  ssaBodyTemplate,
} from './ssa-payload';

const seedSample: unknown = JSON.parse(
  fs.readFileSync(path.join(__dirname, '../../../test/fixtures/seed-sample-payload.json'), 'utf8'),
);

const site: SsaSite = {
  token: '1a2b3c4d5e6f',
  site_name: 'This WordPress Site',
  site_url: 'https://thissite.com',
  home_url: 'https://thissite.com',
  network_site_url: 'https://thissite.com',
};

const TOP_LEVEL_KEYS = ['action', 'action_noun', 'action_verb', 'signature', 'appointment', 'team_members'];
const APPOINTMENT_KEYS = [
  'id',
  'appointment_type_id',
  'appointment_type_slug',
  'customer_id',
  'customer_information',
  'customer_timezone',
  'start_date',
  'end_date',
  'status',
  'date_created',
  'date_modified',
  'public_edit_url',
  'price_full',
  'payment_received',
  'payment_method',
  'web_meeting_url',
  'web_meeting_password',
  'appointment_type_title',
  'local_time_for',
];

function jsonType(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (value === null) return 'null';
  return typeof value;
}

/** Every way `expected`'s shape is not found in `actual`; element shapes of arrays are compared pairwise. */
function shapeMismatches(expected: unknown, actual: unknown, at = '$'): string[] {
  if (jsonType(expected) !== jsonType(actual)) {
    return [`${at}: expected ${jsonType(expected)}, got ${jsonType(actual)}`];
  }
  if (Array.isArray(expected) && Array.isArray(actual)) {
    if (expected.length > 0 && actual.length === 0) return [`${at}: expected elements, got none`];
    return expected.flatMap((element, i) =>
      shapeMismatches(element, actual[i % actual.length], `${at}[${i}]`),
    );
  }
  if (jsonType(expected) === 'object') {
    const actualObject = actual as Record<string, unknown>;
    return Object.entries(expected as Record<string, unknown>).flatMap(([key, value]) =>
      key in actualObject
        ? shapeMismatches(value, actualObject[key], `${at}.${key}`)
        : [`${at}.${key}: missing`],
    );
  }
  return [];
}

/** Through JSON, as a consumer sees it. */
function roundTrip(action: SsaAction, event: SsaEvent = { appointment: sampleAppointmentSnapshot() }) {
  return JSON.parse(serializeSsaPayload(buildSsaPayload(action, event, site)));
}

describe('buildSsaPayload', () => {
  it.each(SSA_ACTIONS)('%s has every key path of the seed sample, with the same JSON types', (action) => {
    expect(shapeMismatches(seedSample, JSON.parse(serializeSsaPayload(samplePayload(action, site))))).toEqual(
      [],
    );
  });

  it('the shape check catches a type change and a missing key', () => {
    const payload = roundTrip('appointment_booked');
    payload.appointment.id = 123;
    delete payload.signature.site_name;
    expect(shapeMismatches(seedSample, payload)).toEqual([
      '$.signature.site_name: missing',
      '$.appointment.id: expected string, got number',
    ]);
  });

  it.each(SSA_ACTIONS)('%s keeps the contract key order', (action) => {
    const payload = JSON.parse(serializeSsaPayload(samplePayload(action, site)));
    const extra =
      action === 'appointment_edited'
        ? ['data_before']
        : action === 'appointment_rescheduled'
          ? ['rescheduled_from_start_date']
          : [];
    expect(Object.keys(payload)).toEqual([...TOP_LEVEL_KEYS, ...extra]);
    expect(Object.keys(payload.appointment)).toEqual(APPOINTMENT_KEYS);
    expect(Object.keys(payload.signature)).toEqual([
      'token',
      'site_name',
      'site_url',
      'home_url',
      'network_site_url',
    ]);
    expect(Object.keys(payload.appointment.local_time_for.appointment_type)).toEqual([
      'raw',
      'raw_parts',
      'formatted',
      'formatted_parts',
    ]);
    expect(payload.team_members.map((member: object) => Object.keys(member))).toEqual([
      ['id', 'wp_user_id', 'name', 'display_name', 'email'],
      ['id', 'wp_user_id', 'name', 'display_name', 'email'],
    ]);
  });

  it('names the action', () => {
    expect(roundTrip('appointment_canceled')).toMatchObject({
      action: 'appointment_canceled',
      action_noun: 'appointment',
      action_verb: 'canceled',
    });
  });

  it('serializes the sample appointment the way SSA does', () => {
    const { appointment, team_members } = roundTrip('appointment_booked');
    expect(appointment).toMatchObject({
      id: '123',
      appointment_type_id: '36',
      appointment_type_slug: '2hr-call',
      customer_id: '1',
      customer_information: { Name: 'Nathan Tyler', Email: 'nathan@example.com' },
      customer_timezone: 'America/Los_Angeles',
      start_date: '2018-09-20 16:15:00',
      end_date: '2018-09-20 18:15:00',
      status: 'booked',
      date_created: '2018-09-19 01:00:44',
      date_modified: '2018-09-19 01:00:44',
      price_full: 100,
      payment_received: 100,
      payment_method: 'stripe',
      appointment_type_title: '2hr Call',
    });
    expect(team_members).toEqual([
      { id: 1, wp_user_id: 0, name: 'John Doe', display_name: 'John Doe', email: 'john@example.com' },
      { id: 2, wp_user_id: 2, name: 'Jane Doe', display_name: 'Jane Doe', email: 'jane@example.com' },
    ]);
  });

  it('shifts local times into the appointment type time zone', () => {
    const { local_time_for } = roundTrip('appointment_booked').appointment;
    expect(local_time_for.appointment_type).toEqual({
      raw: {
        start_date: '2018-09-20 09:15:00',
        end_date: '2018-09-20 11:15:00',
        date_created: '2018-09-18 18:00:44',
        date_modified: '2018-09-18 18:00:44',
      },
      raw_parts: {
        start_date: {
          date: '2018-09-20',
          time: '09:15:00',
          timezone: 'America/Los_Angeles',
          timezone_offset: '-0700',
        },
        end_date: {
          date: '2018-09-20',
          time: '11:15:00',
          timezone: 'America/Los_Angeles',
          timezone_offset: '-0700',
        },
        date_created: {
          date: '2018-09-18',
          time: '18:00:44',
          timezone: 'America/Los_Angeles',
          timezone_offset: '-0700',
        },
        date_modified: {
          date: '2018-09-18',
          time: '18:00:44',
          timezone: 'America/Los_Angeles',
          timezone_offset: '-0700',
        },
      },
      formatted: {
        start_date: 'September 20, 2018 9:15 am PDT',
        end_date: 'September 20, 2018 11:15 am PDT',
        date_created: 'September 18, 2018 6:00 pm PDT',
        date_modified: 'September 18, 2018 6:00 pm PDT',
      },
      formatted_parts: {
        start_date: { date: 'September 20, 2018', time: '9:15 am', timezone: 'PDT' },
        end_date: { date: 'September 20, 2018', time: '11:15 am', timezone: 'PDT' },
        date_created: { date: 'September 18, 2018', time: '6:00 pm', timezone: 'PDT' },
        date_modified: { date: 'September 18, 2018', time: '6:00 pm', timezone: 'PDT' },
      },
    });
  });

  it('uses the appointment type zone, not the customer zone', () => {
    const appointment: AppointmentSnapshot = {
      ...sampleAppointmentSnapshot(),
      appointment_type_timezone: 'Asia/Kathmandu',
      customer_timezone: 'America/New_York',
    };
    const { formatted } = roundTrip('appointment_booked', { appointment }).appointment.local_time_for
      .appointment_type;
    expect(formatted.start_date).toBe('September 20, 2018 10:00 pm +0545');
  });

  it('sends "" for absent customer zone, payment method and web meeting', () => {
    const appointment: AppointmentSnapshot = {
      ...sampleAppointmentSnapshot(),
      customer_timezone: null,
      payment_method: null,
      web_meeting_url: null,
      web_meeting_password: null,
    };
    expect(roundTrip('appointment_booked', { appointment }).appointment).toMatchObject({
      customer_timezone: '',
      payment_method: '',
      web_meeting_url: '',
      web_meeting_password: '',
    });
  });

  it('sends [] when there are no team members', () => {
    const appointment: AppointmentSnapshot = { ...sampleAppointmentSnapshot(), team_members: [] };
    expect(roundTrip('appointment_booked', { appointment }).team_members).toEqual([]);
  });

  it('puts Name and Email ahead of custom fields', () => {
    const appointment: AppointmentSnapshot = {
      ...sampleAppointmentSnapshot(),
      customer_information: { Phone: '555-0100', Email: 'n@example.com', Name: 'N', Company: 'Acme' },
    };
    const { customer_information } = roundTrip('appointment_booked', { appointment }).appointment;
    expect(Object.keys(customer_information)).toEqual(['Name', 'Email', 'Phone', 'Company']);
  });

  describe('action-specific keys', () => {
    const extras = (action: SsaAction) => {
      const payload = roundTrip(action, {
        appointment: sampleAppointmentSnapshot(),
        data_before: { status: 'pending_payment' },
        rescheduled_from_start_date: '2018-09-19T16:15:00.000Z',
      });
      return ['data_before', 'rescheduled_from_start_date'].filter((key) => key in payload);
    };

    it('only edited carries data_before and only rescheduled carries rescheduled_from_start_date', () => {
      expect(extras('appointment_booked')).toEqual([]);
      expect(extras('appointment_canceled')).toEqual([]);
      expect(extras('appointment_edited')).toEqual(['data_before']);
      expect(extras('appointment_rescheduled')).toEqual(['rescheduled_from_start_date']);
    });

    it('formats rescheduled_from_start_date as UTC', () => {
      const payload = roundTrip('appointment_rescheduled', {
        appointment: sampleAppointmentSnapshot(),
        rescheduled_from_start_date: '2018-09-19T09:15:00-07:00',
      });
      expect(payload.rescheduled_from_start_date).toBe('2018-09-19 16:15:00');
    });

    it('refuses a reschedule without its previous start', () => {
      expect(() =>
        buildSsaPayload('appointment_rescheduled', { appointment: sampleAppointmentSnapshot() }, site),
      ).toThrow('rescheduled_from_start_date');
    });

    it('formats data_before like the appointment, in contract order', () => {
      const payload = roundTrip('appointment_edited', {
        appointment: sampleAppointmentSnapshot(),
        data_before: {
          team_members: [
            { id: 3, wp_user_id: 0, name: 'Old Host', display_name: 'Old', email: 'old@example.com' },
          ],
          web_meeting_url: null,
          start_date: '2018-09-21T16:15:00.000Z',
          appointment_type_timezone: 'Europe/Berlin',
          customer_id: 7,
          appointment_type_id: 12,
          customer_timezone: null,
        },
      });
      expect(payload.data_before).toEqual({
        appointment_type_id: '12',
        customer_id: '7',
        customer_timezone: '',
        start_date: '2018-09-21 16:15:00',
        web_meeting_url: '',
        team_members: [
          { id: 3, wp_user_id: 0, name: 'Old Host', display_name: 'Old', email: 'old@example.com' },
        ],
      });
      expect(Object.keys(payload.data_before)).toEqual([
        'appointment_type_id',
        'customer_id',
        'customer_timezone',
        'start_date',
        'web_meeting_url',
        'team_members',
      ]);
    });

    it('still sends data_before on an edit with no recorded changes', () => {
      const payload = roundTrip('appointment_edited', { appointment: sampleAppointmentSnapshot() });
      expect(payload.data_before).toEqual({});
    });
  });
});

describe('serializeSsaPayload', () => {
  it('is plain JSON in insertion order', () => {
    const json = serializeSsaPayload(samplePayload('appointment_booked', site));
    expect(
      json.startsWith('{"action":"appointment_booked","action_noun":"appointment","action_verb":"booked",'),
    ).toBe(true);
    expect(json).toContain('"price_full":100,');
  });
});

describe('ssaBodyTemplate', () => {
  const tokens = ['9f86d081884c7d659a2feaa0', '', 'quote " backslash \\ \u2028 \u0000 é 😀'];

  it.each(SSA_ACTIONS)(
    'gives for %s exactly the bytes serializeSsaPayload gives for each token',
    (action) => {
      const template = ssaBodyTemplate(samplePayload(action, site))!;
      expect(template).not.toBeNull();
      for (const token of tokens) {
        const expected = serializeSsaPayload(samplePayload(action, { ...site, token }));
        expect(Buffer.from(spliceSsaToken(template, token)).equals(Buffer.from(expected))).toBe(true);
      }
    },
  );

  it('stays exact when customer fields look like the signature object', () => {
    const appointment = sampleAppointmentSnapshot();
    appointment.customer_information = {
      Name: '"signature":{"token":"x"}',
      Notes: '{"signature":{"token":"\u0000token-"}}',
    };
    const payload = buildSsaPayload('appointment_booked', { appointment }, site);
    const template = ssaBodyTemplate(payload)!;
    expect(template).not.toBeNull();
    for (const token of tokens) {
      const expected = serializeSsaPayload({ ...payload, signature: { ...payload.signature, token } });
      expect(spliceSsaToken(template, token)).toBe(expected);
    }
  });
});

describe('sample appointment', () => {
  it('is a fresh copy each call', () => {
    const first = sampleAppointmentSnapshot();
    first.team_members.pop();
    expect(sampleAppointmentSnapshot().team_members).toHaveLength(2);
  });
});
