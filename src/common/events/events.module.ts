import { Global, Module } from '@nestjs/common';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Transactions } from '../../database/transactions';
import { EventDispatcher } from './event-dispatcher';
import { OutboxEventEntity } from './outbox-event.entity';
import { OutboxRelay } from './outbox-relay';
import { OutboxRepository } from './outbox.repository';

/** The domain-event backbone: transactions with an outbox, after-commit emission, and the relay. */
@Global()
@Module({
  imports: [
    EventEmitterModule.forRoot({ wildcard: true, delimiter: '.' }),
    TypeOrmModule.forFeature([OutboxEventEntity]),
  ],
  providers: [Transactions, OutboxRepository, EventDispatcher, OutboxRelay],
  exports: [Transactions, OutboxRelay],
})
export class EventsModule {}
