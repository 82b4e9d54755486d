import { HttpService } from '@nestjs/axios';
import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppointmentTypesModule } from '../appointment-types/appointment-types.module';
import { AppConfig } from '../config/app-config';
import { DeliveriesRepository } from './delivery/deliveries.repository';
import { DeliveryLogRetention } from './delivery/delivery-log-retention';
import { DeliveryNotifications } from './delivery/delivery-notifications';
import { DeliveryPump } from './delivery/delivery-pump';
import { OutcomeWriter } from './delivery/outcome-writer';
import { webhookHttpService } from './delivery/webhook-http';
import { WebhookSender } from './delivery/webhook-sender';
import { AppointmentEventsListener } from './listeners/appointment-events.listener';
import { WebhookDeliveriesController } from './webhook-deliveries.controller';
import { WebhookDeliveriesService } from './webhook-deliveries.service';
import { WebhookDeliveryAttemptEntity } from './webhook-delivery-attempt.entity';
import { WebhookDeliveryEntity } from './webhook-delivery.entity';
import { WebhookEntity } from './webhook.entity';
import { WebhookEventBodyEntity } from './webhook-event-body.entity';
import { WebhooksController } from './webhooks.controller';
import { WebhooksRepository } from './webhooks.repository';
import { WebhooksService } from './webhooks.service';

@Module({
  imports: [
    TypeOrmModule.forFeature([
      WebhookEntity,
      WebhookDeliveryEntity,
      WebhookDeliveryAttemptEntity,
      WebhookEventBodyEntity,
    ]),
    AppointmentTypesModule,
  ],
  controllers: [WebhooksController, WebhookDeliveriesController],
  providers: [
    WebhooksService,
    WebhookDeliveriesService,
    DeliveriesRepository,
    DeliveryLogRetention,
    WebhooksRepository,
    WebhookSender,
    { provide: HttpService, inject: [AppConfig], useFactory: webhookHttpService },
    DeliveryPump,
    OutcomeWriter,
    DeliveryNotifications,
    AppointmentEventsListener,
  ],
  exports: [WebhooksService, DeliveryLogRetention],
})
export class WebhooksModule {}
