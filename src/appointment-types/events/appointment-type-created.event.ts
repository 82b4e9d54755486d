import { DomainEvent } from '../../common/events/domain-event';
import type { AppointmentTypeEventPayload } from './appointment-type-snapshot';

export class AppointmentTypeCreatedEvent extends DomainEvent<AppointmentTypeEventPayload> {
  static readonly eventName = 'appointment_type.created';
  readonly name = AppointmentTypeCreatedEvent.eventName;
}
