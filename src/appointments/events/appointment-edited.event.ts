import { DomainEvent } from '../../common/events/domain-event';
import { AppointmentEditedPayload } from './appointment-snapshot';

export class AppointmentEditedEvent extends DomainEvent<AppointmentEditedPayload> {
  static readonly eventName = 'appointment.edited';
  readonly name = AppointmentEditedEvent.eventName;
}
