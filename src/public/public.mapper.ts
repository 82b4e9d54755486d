import type { AppointmentTypeDto } from '../appointment-types/dto/appointment-type.dto';
import type { TokenAppointment } from '../appointments/appointments.service';
import type { PublicAppointmentDto, PublicAppointmentTypeDto } from './dto/public.dto';

export function bookingUrl(siteUrl: string, slug: string): string {
  return `${siteUrl}/book/${encodeURIComponent(slug)}`;
}

export function calendarUrl(siteUrl: string, token: string): string {
  return `${siteUrl}/api/v1/public/appointments/${token}/calendar.ics`;
}

export function toPublicAppointmentType(type: AppointmentTypeDto, siteUrl: string): PublicAppointmentTypeDto {
  return {
    slug: type.slug,
    title: type.title,
    description: type.description,
    timezone: type.timezone,
    duration: type.duration,
    price: type.price,
    currency: type.currency,
    customer_fields: type.customer_fields.map((field) => ({
      label: field.label,
      type: field.type,
      required: field.required,
      options: field.options,
    })),
    booking_url: bookingUrl(siteUrl, type.slug),
  };
}

export function toPublicAppointment(
  { appointment }: TokenAppointment,
  token: string,
  siteUrl: string,
): PublicAppointmentDto {
  return {
    token,
    status: appointment.status,
    start_date: appointment.start_date,
    end_date: appointment.end_date,
    customer_timezone: appointment.customer_timezone,
    customer_information: appointment.customer_information,
    appointment_type: {
      slug: appointment.appointment_type_slug,
      title: appointment.appointment_type_title,
      timezone: appointment.appointment_type_timezone,
    },
    team_members: appointment.team_members.map((member) => ({ display_name: member.display_name })),
    web_meeting_url: appointment.web_meeting_url,
    web_meeting_password: appointment.web_meeting_password,
    public_edit_url: appointment.public_edit_url,
    calendar_url: calendarUrl(siteUrl, token),
    date_created: appointment.date_created,
    date_modified: appointment.date_modified,
  };
}
