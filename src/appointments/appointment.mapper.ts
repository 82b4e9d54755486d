import type { AppointmentTypeDto } from '../appointment-types/dto/appointment-type.dto';
import { overridesByDate } from '../common/schedules/schedule.types';
import type { ScheduleRules } from './availability/schedule';
import type { SlotRules } from './availability/slot-engine';
import type { AppointmentEntity } from './appointment.entity';
import type { AppointmentDto } from './dto/appointment.dto';
import type { AppointmentSnapshot, TeamMemberSnapshot } from './events/appointment-snapshot';

export function publicEditUrl(siteUrl: string, token: string): string {
  return `${siteUrl}/appointments/change/${token}`;
}

export function toAppointmentDto(appointment: AppointmentEntity, siteUrl: string): AppointmentDto {
  return {
    id: appointment.id,
    appointment_type_id: appointment.appointment_type_id,
    customer_id: appointment.customer_id,
    customer_information: appointment.customer_information,
    customer_timezone: appointment.customer_timezone,
    start_date: new Date(appointment.start_at).toISOString(),
    end_date: new Date(appointment.end_at).toISOString(),
    status: appointment.status,
    team_member_ids: appointment.team_member_ids,
    price_full: appointment.price_full,
    payment_method: appointment.payment_method,
    payment_received: appointment.payment_received,
    web_meeting_url: appointment.web_meeting_url,
    web_meeting_password: appointment.web_meeting_password,
    public_edit_url: publicEditUrl(siteUrl, appointment.token),
    date_created: new Date(appointment.date_created).toISOString(),
    date_modified: new Date(appointment.date_modified).toISOString(),
  };
}

export function toAppointmentSnapshot(
  appointment: AppointmentEntity,
  type: Pick<AppointmentTypeDto, 'slug' | 'title' | 'timezone'>,
  teamMembers: TeamMemberSnapshot[],
  siteUrl: string,
): AppointmentSnapshot {
  const dto = toAppointmentDto(appointment, siteUrl);
  return {
    id: dto.id,
    appointment_type_id: dto.appointment_type_id,
    appointment_type_slug: type.slug,
    appointment_type_title: type.title,
    appointment_type_timezone: type.timezone,
    customer_id: dto.customer_id,
    customer_information: dto.customer_information,
    customer_timezone: dto.customer_timezone,
    start_date: dto.start_date,
    end_date: dto.end_date,
    status: dto.status,
    date_created: dto.date_created,
    date_modified: dto.date_modified,
    public_edit_url: dto.public_edit_url,
    price_full: dto.price_full,
    payment_method: dto.payment_method,
    payment_received: dto.payment_received,
    web_meeting_url: dto.web_meeting_url,
    web_meeting_password: dto.web_meeting_password,
    team_members: teamMembers,
  };
}

/**
 * The slot rules of a type whose hosts that are active now are `activeHostIds`, with the hosts' own hours
 * and the blackouts loaded for the range asked about (see ScheduleInputs).
 */
export function toSlotRules(
  type: AppointmentTypeDto,
  activeHostIds: number[],
  schedules: ScheduleRules = {},
): SlotRules {
  return {
    typeId: type.id,
    timezone: type.timezone,
    duration: type.duration,
    increment: type.availability_increment,
    bufferBefore: type.buffer_before,
    bufferAfter: type.buffer_after,
    minNotice: type.min_booking_notice,
    maxNotice: type.max_booking_notice,
    maxEventCount: type.max_event_count,
    capacity: type.capacity,
    availability: type.availability,
    dateOverrides: overridesByDate(type.date_overrides),
    ...schedules,
    hostIds: activeHostIds,
    draft: type.status === 'draft',
    hostsInactive: type.team_member_ids.length > 0 && activeHostIds.length === 0,
  };
}
