import type { AppointmentEntity } from './appointment.entity';
import { AppointmentBookedEvent } from './events/appointment-booked.event';
import { AppointmentCanceledEvent } from './events/appointment-canceled.event';
import { AppointmentEditedEvent } from './events/appointment-edited.event';
import type { AppointmentEvent } from './events/appointment-event';
import { AppointmentRescheduledEvent } from './events/appointment-rescheduled.event';
import type { AppointmentDataBefore, AppointmentSnapshot } from './events/appointment-snapshot';
import { statusAnnouncement } from './status-announcement';

/** The fields a PATCH copies as given. */
export const COPIED_FIELDS = [
  'customer_timezone',
  'price_full',
  'payment_method',
  'payment_received',
  'web_meeting_url',
  'web_meeting_password',
] as const;

/** The fields whose change is an edit (as opposed to a reschedule or a status change). */
export const EDITABLE_FIELDS = ['customer_id', 'customer_information', ...COPIED_FIELDS] as const;

export type EditableField = (typeof EDITABLE_FIELDS)[number];

/** One side of a change: the appointment as stored, and as its events describe it (hosts included). */
export interface AppointmentVersion {
  stored: AppointmentEntity;
  snapshot: AppointmentSnapshot;
}

/** What a change of an appointment changed, field group by field group. */
export interface AppointmentDiff {
  edited: EditableField[];
  hosts: boolean;
  time: boolean;
  status: boolean;
}

export function diffAppointment(before: AppointmentEntity, after: AppointmentEntity): AppointmentDiff {
  return {
    edited: EDITABLE_FIELDS.filter((field) => JSON.stringify(after[field]) !== JSON.stringify(before[field])),
    hosts: !sameIds(before.team_member_ids, after.team_member_ids),
    time: before.start_at !== after.start_at,
    status: before.status !== after.status,
  };
}

export function changesAnything(diff: AppointmentDiff): boolean {
  return diff.edited.length > 0 || diff.hosts || diff.time || diff.status;
}

/**
 * The events a change announces (DESIGN, "Which action fires"). `before` null: the appointment is new.
 * A move into booked announces `booked`; one once announced as booked that ends canceled or abandoned announces
 * `canceled`; other status changes announce nothing. With the status unchanged, a booked appointment's new
 * start is `rescheduled`, and any other change (a pending appointment's start included) is `edited`, with
 * the changed fields as they were. A change that changes nothing announces nothing.
 */
export function classifyChange(
  before: AppointmentVersion | null,
  after: AppointmentVersion,
): AppointmentEvent[] {
  const appointment = after.snapshot;
  if (before === null) {
    return after.stored.status === 'booked' ? [new AppointmentBookedEvent({ appointment })] : [];
  }
  const announcement = statusAnnouncement(
    before.stored.status,
    after.stored.status,
    before.stored.announced_booked,
  );
  if (announcement === 'booked') return [new AppointmentBookedEvent({ appointment })];
  if (announcement === 'canceled') return [new AppointmentCanceledEvent({ appointment })];
  if (announcement === 'nothing') return [];
  const diff = diffAppointment(before.stored, after.stored);
  const events: AppointmentEvent[] = [];
  const rescheduled = after.stored.status === 'booked' && diff.time;
  if (rescheduled) {
    const from = new Date(before.stored.start_at).toISOString();
    events.push(new AppointmentRescheduledEvent({ appointment, rescheduled_from_start_date: from }));
  }
  // Other fields changed in the same change are announced too, without the time a reschedule covers.
  const edit = { ...diff, time: diff.time && !rescheduled };
  if (edit.edited.length > 0 || edit.hosts || edit.time) {
    events.push(new AppointmentEditedEvent({ appointment, data_before: dataBefore(before, edit) }));
  }
  return events;
}

function dataBefore(before: AppointmentVersion, diff: AppointmentDiff): AppointmentDataBefore {
  const data: AppointmentDataBefore = {};
  for (const field of diff.edited) Object.assign(data, { [field]: before.stored[field] });
  if (diff.time) {
    data.start_date = new Date(before.stored.start_at).toISOString();
    data.end_date = new Date(before.stored.end_at).toISOString();
  }
  if (diff.hosts) data.team_members = before.snapshot.team_members;
  return data;
}

export function sameIds(a: number[], b: number[]): boolean {
  const x = [...a].sort((p, q) => p - q);
  const y = [...b].sort((p, q) => p - q);
  return x.length === y.length && x.every((id, i) => id === y[i]);
}
