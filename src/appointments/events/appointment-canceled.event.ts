import { DomainEvent } from '../../common/events/domain-event';
import { AppointmentEventPayload } from './appointment-snapshot';

export class AppointmentCanceledEvent extends DomainEvent<AppointmentEventPayload> {
  static readonly eventName = 'appointment.canceled';
  readonly name = AppointmentCanceledEvent.eventName;
}
