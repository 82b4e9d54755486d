import { DomainEvent } from '../../common/events/domain-event';
import type { AppointmentTypeEventPayload } from './appointment-type-snapshot';

export class AppointmentTypeDeletedEvent extends DomainEvent<AppointmentTypeEventPayload> {
  static readonly eventName = 'appointment_type.deleted';
  readonly name = AppointmentTypeDeletedEvent.eventName;
}
