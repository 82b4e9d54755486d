import type { AppointmentStatus } from './events/appointment-snapshot';

/**
 * What a change of status announces (DESIGN, "Which action fires"): a move into booked announces `booked`;
 * an appointment once announced as booked that ends canceled announces `canceled`, whatever status it passed
 * through, so that a receiver hears the end of what it heard begin; any other change of status announces
 * nothing. `unchanged`: the status stays, and edits and reschedules decide.
 */
export type StatusAnnouncement = 'booked' | 'canceled' | 'nothing' | 'unchanged';

export function statusAnnouncement(
  before: AppointmentStatus,
  after: AppointmentStatus,
  announcedBooked: boolean,
): StatusAnnouncement {
  if (before === after) return 'unchanged';
  if (after === 'booked') return 'booked';
  if (after === 'canceled' && (announcedBooked || before === 'booked')) return 'canceled';
  return 'nothing';
}
