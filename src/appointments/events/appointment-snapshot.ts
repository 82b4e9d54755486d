import type { TeamMemberSnapshot } from '../../team-members/team-member.types';

export type { TeamMemberSnapshot };

export const APPOINTMENT_STATUSES = [
  'booked',
  'pending_payment',
  'pending_form',
  'canceled',
  'abandoned',
] as const;
export type AppointmentStatus = (typeof APPOINTMENT_STATUSES)[number];

/**
 * Everything a consumer of an appointment event needs, frozen at the moment of the event:
 * the appointment, its type's title/slug/time zone, and its hosts. Times are ISO 8601 UTC strings.
 */
export interface AppointmentSnapshot {
  id: number;
  appointment_type_id: number;
  appointment_type_slug: string;
  appointment_type_title: string;
  appointment_type_timezone: string;
  customer_id: number;
  customer_information: Record<string, string | number | boolean>;
  customer_timezone: string | null;
  start_date: string;
  end_date: string;
  status: AppointmentStatus;
  date_created: string;
  date_modified: string;
  public_edit_url: string;
  price_full: number;
  payment_method: string | null;
  payment_received: number;
  web_meeting_url: string | null;
  web_meeting_password: string | null;
  team_members: TeamMemberSnapshot[];
}

/** The fields of an appointment that an edit changed, as they were before it. */
export type AppointmentDataBefore = Partial<Omit<AppointmentSnapshot, 'id'>>;

export interface AppointmentEventPayload {
  appointment: AppointmentSnapshot;
}

export interface AppointmentEditedPayload extends AppointmentEventPayload {
  data_before: AppointmentDataBefore;
}

export interface AppointmentRescheduledPayload extends AppointmentEventPayload {
  /** ISO 8601 UTC start before the move. */
  rescheduled_from_start_date: string;
}
