import { DomainEvent } from '../../common/events/domain-event';
import type { AppointmentTypeEventPayload } from './appointment-type-snapshot';

export class AppointmentTypeUpdatedEvent extends DomainEvent<AppointmentTypeEventPayload> {
  static readonly eventName = 'appointment_type.updated';
  readonly name = AppointmentTypeUpdatedEvent.eventName;
}
