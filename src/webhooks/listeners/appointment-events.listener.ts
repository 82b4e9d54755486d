import { Injectable } from '@nestjs/common';
import { AppointmentBookedEvent } from '../../appointments/events/appointment-booked.event';
import { AppointmentCanceledEvent } from '../../appointments/events/appointment-canceled.event';
import { AppointmentEditedEvent } from '../../appointments/events/appointment-edited.event';
import { AppointmentRescheduledEvent } from '../../appointments/events/appointment-rescheduled.event';
import { Committed, OnDomainEvent } from '../../common/events/on-domain-event';
import { WebhookDeliveriesService } from '../webhook-deliveries.service';

/** Turns each committed appointment event into deliveries for the webhooks that subscribe to it. */
@Injectable()
export class AppointmentEventsListener {
  constructor(private readonly deliveries: WebhookDeliveriesService) {}

  @OnDomainEvent(AppointmentBookedEvent)
  onAppointmentBooked(event: Committed<AppointmentBookedEvent>): Promise<void> {
    return this.deliveries.enqueueForEvent('appointment_booked', event);
  }

  @OnDomainEvent(AppointmentEditedEvent)
  onAppointmentEdited(event: Committed<AppointmentEditedEvent>): Promise<void> {
    return this.deliveries.enqueueForEvent('appointment_edited', event);
  }

  @OnDomainEvent(AppointmentRescheduledEvent)
  onAppointmentRescheduled(event: Committed<AppointmentRescheduledEvent>): Promise<void> {
    return this.deliveries.enqueueForEvent('appointment_rescheduled', event);
  }

  @OnDomainEvent(AppointmentCanceledEvent)
  onAppointmentCanceled(event: Committed<AppointmentCanceledEvent>): Promise<void> {
    return this.deliveries.enqueueForEvent('appointment_canceled', event);
  }
}
