import { HttpModule } from '@nestjs/axios';
import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfig } from '../config/app-config';
import { DeliveriesRepository } from './delivery/deliveries.repository';
import { DeliveryLogRetention } from './delivery/delivery-log-retention';
import { DeliveryNotifications } from './delivery/delivery-notifications';
import { DeliveryPump } from './delivery/delivery-pump';
import { OutcomeWriter } from './delivery/outcome-writer';
import { nodeHttpAdapter } from './delivery/node-http-adapter';
import { createGuardedAgents } from './delivery/url-guard';
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
    HttpModule.registerAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        // Keep-alive sockets to the receivers, and the SSRF check on every address actually connected to.
        ...createGuardedAgents({
          allowPrivate: config.webhookAllowPrivateUrls,
          keepAlive: true,
          maxSockets: config.webhookConcurrency,
        }),
        // Straight to node:http on those agents (see nodeHttpAdapter): axios' own adapter cost more per delivery.
        adapter: nodeHttpAdapter,
        proxy: false,
        maxRedirects: 0,
        timeout: config.webhookTimeoutMs,
        validateStatus: () => true,
        // A stream: the sender reads the first 4 KB of an answer and drops the rest (its size is no failure).
        responseType: 'stream',
        transformResponse: [(data: unknown) => data],
        decompress: true,
      }),
    }),
  ],
  controllers: [WebhooksController, WebhookDeliveriesController],
  providers: [
    WebhooksService,
    WebhookDeliveriesService,
    DeliveriesRepository,
    DeliveryLogRetention,
    WebhooksRepository,
    WebhookSender,
    DeliveryPump,
    OutcomeWriter,
    DeliveryNotifications,
    AppointmentEventsListener,
  ],
  exports: [WebhooksService, DeliveryLogRetention],
})
export class WebhooksModule {}
