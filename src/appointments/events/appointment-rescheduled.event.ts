import { AppointmentEvent } from './appointment-event';
import { AppointmentRescheduledPayload } from './appointment-snapshot';

export class AppointmentRescheduledEvent extends AppointmentEvent<AppointmentRescheduledPayload> {
  static readonly eventName = 'appointment.rescheduled';
  readonly name = AppointmentRescheduledEvent.eventName;
}
