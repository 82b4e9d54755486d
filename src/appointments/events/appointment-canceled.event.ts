import { AppointmentEvent } from './appointment-event';
import { AppointmentEventPayload } from './appointment-snapshot';

export class AppointmentCanceledEvent extends AppointmentEvent<AppointmentEventPayload> {
  static readonly eventName = 'appointment.canceled';
  readonly name = AppointmentCanceledEvent.eventName;
}
