import type { AppointmentTypeEntity } from './appointment-type.entity';
import type { AppointmentTypeDto } from './dto/appointment-type.dto';
import type { AppointmentTypeSnapshot } from './events/appointment-type-snapshot';

export function toAppointmentTypeDto(type: AppointmentTypeEntity): AppointmentTypeDto {
  return toAppointmentTypeSnapshot(type);
}

/** The type as its events carry it; today field for field what the API shows, but typed on its own. */
export function toAppointmentTypeSnapshot(type: AppointmentTypeEntity): AppointmentTypeSnapshot {
  return {
    id: type.id,
    title: type.title,
    slug: type.slug,
    description: type.description,
    status: type.status,
    timezone: type.timezone,
    duration: type.duration,
    availability_increment: type.availability_increment,
    buffer_before: type.buffer_before,
    buffer_after: type.buffer_after,
    min_booking_notice: type.min_booking_notice,
    max_booking_notice: type.max_booking_notice,
    max_event_count: type.max_event_count,
    capacity: type.capacity,
    availability: type.availability,
    date_overrides: type.date_overrides ?? [],
    team_member_ids: type.team_member_ids,
    price: type.price,
    currency: type.currency,
    web_meeting_url: type.web_meeting_url,
    web_meeting_password: type.web_meeting_password,
    customer_fields: type.customer_fields,
    date_created: new Date(type.date_created).toISOString(),
    date_modified: new Date(type.date_modified).toISOString(),
  };
}
