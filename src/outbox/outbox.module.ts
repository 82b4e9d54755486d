import { Global, Module } from '@nestjs/common';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { TypeOrmModule } from '@nestjs/typeorm';
import { EventDispatcher } from './event-dispatcher';
import { OutboxEventEntity } from './outbox-event.entity';
import { OutboxRelay } from './outbox-relay';
import { OutboxRetention } from './outbox-retention';
import { OutboxWriter } from './outbox-writer';
import { OutboxRepository } from './outbox.repository';

/**
 * The domain-event backbone on top of `Transactions`: the outbox rows that published events are written to,
 * their emission after commit, and the relay that re-emits what was never handled.
 */
@Global()
@Module({
  imports: [
    EventEmitterModule.forRoot({ wildcard: true, delimiter: '.' }),
    TypeOrmModule.forFeature([OutboxEventEntity]),
  ],
  providers: [OutboxWriter, OutboxRepository, EventDispatcher, OutboxRelay, OutboxRetention],
  exports: [OutboxRelay, OutboxRetention],
})
export class OutboxModule {}
