import ical, { ICalCalendarMethod, ICalEventStatus } from 'ical-generator';
import { createHash } from 'node:crypto';
import type { TokenAppointment } from '../appointments/appointments.service';

/**
 * The appointment as an RFC 5545 calendar file. The UID is derived from the token (one-way), so it stays
 * the same through every reschedule and says nothing about how many appointments exist; SEQUENCE is the
 * appointment's revision, so calendar apps replace the old entry instead of adding a second one.
 */
export function calendarFile(
  { appointment, sequence }: TokenAppointment,
  token: string,
  site: { name: string; url: string },
): string {
  const canceled = appointment.status === 'canceled';
  const calendar = ical({
    name: site.name,
    prodId: { company: site.name, product: 'booking', language: 'EN' },
    method: ICalCalendarMethod.PUBLISH,
  });
  const hosts = appointment.team_members.map((member) => member.display_name).join(', ');
  const description = [
    hosts === '' ? undefined : `With ${hosts}`,
    appointment.web_meeting_url ? `Join: ${appointment.web_meeting_url}` : undefined,
    appointment.web_meeting_password ? `Password: ${appointment.web_meeting_password}` : undefined,
    canceled
      ? `Canceled. Details: ${appointment.public_edit_url}`
      : `Change or cancel: ${appointment.public_edit_url}`,
  ].filter((line): line is string => line !== undefined);
  calendar.createEvent({
    id: `${createHash('sha256').update(`appointment:${token}`).digest('hex').slice(0, 32)}@${new URL(site.url).host}`,
    sequence,
    start: new Date(appointment.start_date),
    end: new Date(appointment.end_date),
    stamp: new Date(appointment.date_modified),
    created: new Date(appointment.date_created),
    lastModified: new Date(appointment.date_modified),
    summary: canceled
      ? `Canceled: ${appointment.appointment_type_title}`
      : appointment.appointment_type_title,
    description: description.join('\n'),
    location: appointment.web_meeting_url ?? null,
    url: appointment.public_edit_url,
    status: canceled ? ICalEventStatus.CANCELLED : ICalEventStatus.CONFIRMED,
  });
  return calendar.toString();
}
