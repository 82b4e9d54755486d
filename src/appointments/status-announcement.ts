import type { AppointmentStatus } from './events/appointment-snapshot';

/**
 * What a change of status announces (DESIGN, "Which action fires"): a move into booked announces `booked`;
 * an appointment once announced as booked that ends, canceled or abandoned, announces `canceled` (its payload's
 * status says which end), whatever status it passed through, so that a receiver hears the end of what it heard
 * begin; any other change of status announces nothing. `announcedBooked` is cleared once the end is announced,
 * so a later move between the ends, or back through a pending status to an end, does not announce it twice.
 * `unchanged`: the status stays, and edits and reschedules decide.
 */
export type StatusAnnouncement = 'booked' | 'canceled' | 'nothing' | 'unchanged';

const ENDS: readonly AppointmentStatus[] = ['canceled', 'abandoned'];

export function statusAnnouncement(
  before: AppointmentStatus,
  after: AppointmentStatus,
  announcedBooked: boolean,
): StatusAnnouncement {
  if (before === after) return 'unchanged';
  if (after === 'booked') return 'booked';
  if (ENDS.includes(after) && (announcedBooked || before === 'booked')) return 'canceled';
  return 'nothing';
}
