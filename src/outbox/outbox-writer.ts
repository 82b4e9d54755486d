import { Injectable, OnModuleInit } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import type { DomainEvent, StoredEvent } from '../common/events/domain-event';
import { EventWriter, Transactions } from '../database/transactions';
import { OutboxEventEntity } from './outbox-event.entity';

/** Writes each published event as an outbox row in the publishing transaction: both commit, or neither. */
@Injectable()
export class OutboxWriter implements EventWriter, OnModuleInit {
  constructor(private readonly transactions: Transactions) {}

  onModuleInit(): void {
    this.transactions.useEventWriter(this);
  }

  async write(manager: EntityManager, event: DomainEvent): Promise<StoredEvent> {
    const occurredAt = Date.now();
    const streamKey = event.streamKey;
    const inserted = await manager.insert(OutboxEventEntity, {
      name: event.name,
      payload: JSON.stringify(event.payload),
      occurred_at: occurredAt,
      handled_at: null,
      claimed_until: null,
      attempts: 0,
      last_error: null,
      stream_key: streamKey,
      next_attempt_at: null,
    });
    return {
      id: Number(inserted.identifiers[0].id),
      name: event.name,
      payload: event.payload,
      occurred_at: new Date(occurredAt).toISOString(),
      stream_key: streamKey,
    };
  }
}
