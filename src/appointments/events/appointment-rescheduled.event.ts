import { DomainEvent } from '../../common/events/domain-event';
import { AppointmentRescheduledPayload } from './appointment-snapshot';

export class AppointmentRescheduledEvent extends DomainEvent<AppointmentRescheduledPayload> {
  static readonly eventName = 'appointment.rescheduled';
  readonly name = AppointmentRescheduledEvent.eventName;
}
