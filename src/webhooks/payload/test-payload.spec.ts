import { SSA_ACTIONS, SsaSite } from './ssa-payload';
import { testPayload } from './test-payload';

const site: SsaSite = {
  token: 'a1b2c3d4e5f6a7b8c9d0e1f2',
  site_name: 'Praxis Müller',
  site_url: 'https://termine.example.org',
  home_url: 'https://termine.example.org',
  network_site_url: 'https://example.org',
};
const now = new Date('2026-11-28T17:42:10.500Z');

describe('testPayload', () => {
  it("carries this site's signature block and an edit URL on this site", () => {
    const payload = testPayload('appointment_booked', site, { timezone: 'Europe/Berlin', now });

    expect(payload.signature).toEqual(site);
    expect(payload.appointment.public_edit_url).toBe(
      'https://termine.example.org/appointments/change/webhook-test',
    );
    expect(JSON.stringify(payload)).not.toMatch(/yoursite|2018/);
  });

  it('is an appointment of now: created now, starting at the next full hour, in the given zone', () => {
    const { appointment } = testPayload('appointment_booked', site, { timezone: 'Europe/Berlin', now });

    expect(appointment).toMatchObject({
      id: '0',
      appointment_type_slug: 'webhook-test',
      date_created: '2026-11-28 17:42:10',
      start_date: '2026-11-28 18:00:00',
      end_date: '2026-11-28 18:30:00',
      status: 'booked',
    });
    expect(appointment.local_time_for.appointment_type.formatted.start_date).toBe(
      'November 28, 2026 7:00 pm CET',
    );
    expect(appointment.appointment_type_title).toMatch(/not a real appointment/);
  });

  it('builds every action with the fields that action requires', () => {
    for (const action of SSA_ACTIONS) {
      const payload = testPayload(action, site, { timezone: 'UTC', now });
      expect(payload.action).toBe(action);
    }
    expect(testPayload('appointment_edited', site, { timezone: 'UTC', now }).data_before).toBeDefined();
    expect(
      testPayload('appointment_rescheduled', site, { timezone: 'UTC', now }).rescheduled_from_start_date,
    ).toBe('2026-11-27 18:00:00');
    expect(testPayload('appointment_canceled', site, { timezone: 'UTC', now }).appointment.status).toBe(
      'canceled',
    );
  });
});
