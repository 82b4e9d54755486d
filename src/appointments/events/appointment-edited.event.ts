import { AppointmentEvent } from './appointment-event';
import { AppointmentEditedPayload } from './appointment-snapshot';

export class AppointmentEditedEvent extends AppointmentEvent<AppointmentEditedPayload> {
  static readonly eventName = 'appointment.edited';
  readonly name = AppointmentEditedEvent.eventName;
}
