import { DomainEvent } from '../../common/events/domain-event';
import { AppointmentEventPayload } from './appointment-snapshot';

/** An event of one appointment: receivers hear an appointment's events in the order they happened. */
export abstract class AppointmentEvent<
  P extends AppointmentEventPayload = AppointmentEventPayload,
> extends DomainEvent<P> {
  override get streamKey(): string {
    return `appointment:${this.payload.appointment.id}`;
  }
}
