import type { DateOverride } from '../../common/schedules/schedule.types';
import type { AppointmentTypeStatus, CustomerField, WeeklyAvailability } from '../appointment-type.types';

/**
 * An appointment type as its events carry it: a stored, replayable snapshot of its own, not the API's DTO
 * (an API change must not silently change events already in the outbox). Times are ISO 8601 UTC.
 */
export interface AppointmentTypeSnapshot {
  id: number;
  title: string;
  slug: string;
  description: string;
  status: AppointmentTypeStatus;
  timezone: string;
  duration: number;
  availability_increment: number;
  buffer_before: number;
  buffer_after: number;
  min_booking_notice: number;
  max_booking_notice: number | null;
  max_event_count: number;
  capacity: number;
  availability: WeeklyAvailability;
  date_overrides: DateOverride[];
  team_member_ids: number[];
  price: number;
  currency: string;
  web_meeting_url: string | null;
  web_meeting_password: string | null;
  customer_fields: CustomerField[];
  date_created: string;
  date_modified: string;
}

export interface AppointmentTypeEventPayload {
  appointment_type: AppointmentTypeSnapshot;
}
