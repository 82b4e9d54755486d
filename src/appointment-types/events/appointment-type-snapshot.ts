import type { AppointmentTypeDto } from '../dto/appointment-type.dto';

/** Appointment type events carry the type as the API shows it. */
export interface AppointmentTypeEventPayload {
  appointment_type: AppointmentTypeDto;
}
