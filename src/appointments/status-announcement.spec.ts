import { APPOINTMENT_STATUSES, AppointmentStatus } from './events/appointment-snapshot';
import { statusAnnouncement, StatusAnnouncement } from './status-announcement';

describe('statusAnnouncement', () => {
  const table: [AppointmentStatus, AppointmentStatus, boolean, StatusAnnouncement][] = [
    ['pending_payment', 'booked', false, 'booked'],
    ['pending_form', 'booked', true, 'booked'],
    ['canceled', 'booked', true, 'booked'],
    ['booked', 'canceled', true, 'canceled'],
    ['pending_payment', 'canceled', true, 'canceled'],
    ['pending_form', 'canceled', true, 'canceled'],
    ['abandoned', 'canceled', true, 'canceled'],
    ['pending_payment', 'canceled', false, 'nothing'],
    ['pending_form', 'canceled', false, 'nothing'],
    ['booked', 'pending_payment', true, 'nothing'],
    ['booked', 'pending_form', true, 'nothing'],
    ['booked', 'abandoned', true, 'canceled'],
    ['booked', 'abandoned', false, 'canceled'],
    ['pending_payment', 'abandoned', true, 'canceled'],
    ['pending_payment', 'abandoned', false, 'nothing'],
    ['canceled', 'abandoned', false, 'nothing'],
    ['abandoned', 'canceled', false, 'nothing'],
    ['pending_payment', 'pending_form', false, 'nothing'],
    ['canceled', 'pending_payment', true, 'nothing'],
  ];

  it.each(table)('%s → %s (announced as booked: %s) announces %s', (before, after, announced, expected) => {
    expect(statusAnnouncement(before, after, announced)).toBe(expected);
  });

  it('leaves every unchanged status to edits and reschedules', () => {
    for (const status of APPOINTMENT_STATUSES) {
      expect(statusAnnouncement(status, status, true)).toBe('unchanged');
      expect(statusAnnouncement(status, status, false)).toBe('unchanged');
    }
  });
});
