import { DomainEvent } from '../../common/events/domain-event';
import { AppointmentEventPayload } from './appointment-snapshot';

export class AppointmentBookedEvent extends DomainEvent<AppointmentEventPayload> {
  static readonly eventName = 'appointment.booked';
  readonly name = AppointmentBookedEvent.eventName;
}
