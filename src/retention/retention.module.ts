import { Module } from '@nestjs/common';
import { WebhooksModule } from '../webhooks/webhooks.module';
import { RetentionPruner } from './retention-pruner';

/** Bounded growth: old handled outbox events and finished webhook deliveries are deleted on a timer. */
@Module({ imports: [WebhooksModule], providers: [RetentionPruner] })
export class RetentionModule {}
