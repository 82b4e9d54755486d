import { Module } from '@nestjs/common';
import { RetentionPruner } from './retention-pruner';

/** Bounded growth: old handled outbox events and finished webhook deliveries are deleted on a timer. */
@Module({ providers: [RetentionPruner] })
export class RetentionModule {}
