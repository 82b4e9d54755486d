import { Injectable } from '@nestjs/common';
import { AppointmentBookedEvent } from '../../appointments/events/appointment-booked.event';
import { AppointmentCanceledEvent } from '../../appointments/events/appointment-canceled.event';
import { AppointmentEditedEvent } from '../../appointments/events/appointment-edited.event';
import { AppointmentRescheduledEvent } from '../../appointments/events/appointment-rescheduled.event';
import type {
  AppointmentEditedPayload,
  AppointmentEventPayload,
  AppointmentRescheduledPayload,
} from '../../appointments/events/appointment-snapshot';
import { StoredEvent } from '../../common/events/domain-event';
import { OnDomainEvent } from '../../common/events/on-domain-event';
import { WebhookDeliveriesService } from '../webhook-deliveries.service';

/** Turns each committed appointment event into deliveries for the webhooks that subscribe to it. */
@Injectable()
export class AppointmentEventsListener {
  constructor(private readonly deliveries: WebhookDeliveriesService) {}

  @OnDomainEvent(AppointmentBookedEvent.eventName)
  onAppointmentBooked(event: StoredEvent<AppointmentEventPayload>): Promise<void> {
    return this.deliveries.enqueueForEvent('appointment_booked', event);
  }

  @OnDomainEvent(AppointmentEditedEvent.eventName)
  onAppointmentEdited(event: StoredEvent<AppointmentEditedPayload>): Promise<void> {
    return this.deliveries.enqueueForEvent('appointment_edited', event);
  }

  @OnDomainEvent(AppointmentRescheduledEvent.eventName)
  onAppointmentRescheduled(event: StoredEvent<AppointmentRescheduledPayload>): Promise<void> {
    return this.deliveries.enqueueForEvent('appointment_rescheduled', event);
  }

  @OnDomainEvent(AppointmentCanceledEvent.eventName)
  onAppointmentCanceled(event: StoredEvent<AppointmentEventPayload>): Promise<void> {
    return this.deliveries.enqueueForEvent('appointment_canceled', event);
  }
}
