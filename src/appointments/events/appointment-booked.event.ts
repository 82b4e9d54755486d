import { AppointmentEvent } from './appointment-event';
import { AppointmentEventPayload } from './appointment-snapshot';

export class AppointmentBookedEvent extends AppointmentEvent<AppointmentEventPayload> {
  static readonly eventName = 'appointment.booked';
  readonly name = AppointmentBookedEvent.eventName;
}
