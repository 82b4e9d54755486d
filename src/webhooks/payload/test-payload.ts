import type { AppointmentSnapshot } from '../../appointments/events/appointment-snapshot';
import { buildSsaPayload, SsaAction, SsaEvent, SsaPayload, SsaSite } from './ssa-payload';

/*
 * The body of "send test webhook": this site's own signature block around an appointment of now that no one can
 * mistake for a real one (id 0, slug `webhook-test`, an example.com customer), so a receiver can check its
 * wiring — URLs, names, time zone, signature — without a booking and without a 2018 sample from somewhere else.
 */

export const TEST_APPOINTMENT_SLUG = 'webhook-test';
const HOUR_MS = 60 * 60 * 1000;
const DURATION_MS = 30 * 60 * 1000;

export interface TestPayloadOptions {
  /** Time zone of the synthetic appointment type (the site's DEFAULT_TIMEZONE). */
  timezone: string;
  now?: Date;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** A booked appointment starting at the next full hour, created now. */
export function testAppointmentSnapshot(site: SsaSite, options: TestPayloadOptions): AppointmentSnapshot {
  const now = Math.floor((options.now ?? new Date()).getTime() / 1000) * 1000;
  const start = Math.ceil(now / HOUR_MS) * HOUR_MS;
  return {
    id: 0,
    appointment_type_id: 0,
    appointment_type_slug: TEST_APPOINTMENT_SLUG,
    appointment_type_title: 'Webhook test (not a real appointment)',
    appointment_type_timezone: options.timezone,
    customer_id: 0,
    customer_information: { Name: 'Test Customer', Email: 'test.customer@example.com' },
    customer_timezone: options.timezone,
    start_date: iso(start),
    end_date: iso(start + DURATION_MS),
    status: 'booked',
    date_created: iso(now),
    date_modified: iso(now),
    public_edit_url: `${site.site_url}/appointments/change/${TEST_APPOINTMENT_SLUG}`,
    price_full: 0,
    payment_method: null,
    payment_received: 0,
    web_meeting_url: null,
    web_meeting_password: null,
    team_members: [],
  };
}

function testEvent(action: SsaAction, appointment: AppointmentSnapshot): SsaEvent {
  switch (action) {
    case 'appointment_booked':
      return { appointment };
    case 'appointment_edited':
      return {
        appointment,
        data_before: { customer_information: { Name: 'Test Customer', Email: 'old.address@example.com' } },
      };
    case 'appointment_rescheduled':
      return {
        appointment,
        rescheduled_from_start_date: iso(Date.parse(appointment.start_date) - 24 * HOUR_MS),
      };
    case 'appointment_canceled':
      return { appointment: { ...appointment, status: 'canceled' } };
  }
}

/** The full body `POST /api/v1/webhooks/:id/test` sends for `action`. */
export function testPayload(action: SsaAction, site: SsaSite, options: TestPayloadOptions): SsaPayload {
  return buildSsaPayload(action, testEvent(action, testAppointmentSnapshot(site, options)), site);
}
