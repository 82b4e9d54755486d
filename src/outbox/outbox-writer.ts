import { Injectable, OnModuleInit } from '@nestjs/common';
import type { DomainEvent, StoredEvent } from '../common/events/domain-event';
import { EventWriter, Transactions } from '../database/transactions';

/** Every event of every write goes through here: a prepared statement, not the ORM's insert. */
const INSERT_EVENT =
  'INSERT INTO outbox_events (name, payload, occurred_at, handled_at, claimed_until, attempts, last_error, ' +
  'stream_key, next_attempt_at) VALUES ($1, $2, $3, NULL, NULL, 0, NULL, $4, NULL) RETURNING id';

/** Writes each published event as an outbox row in the publishing transaction: both commit, or neither. */
@Injectable()
export class OutboxWriter implements EventWriter, OnModuleInit {
  constructor(private readonly transactions: Transactions) {}

  onModuleInit(): void {
    this.transactions.useEventWriter(this);
  }

  async write(event: DomainEvent): Promise<StoredEvent> {
    const occurredAt = Date.now();
    const streamKey = event.streamKey;
    const [row] = await this.transactions.sql<{ id: number | string }>(INSERT_EVENT, [
      event.name,
      JSON.stringify(event.payload),
      occurredAt,
      streamKey,
    ]);
    return {
      id: Number(row.id),
      name: event.name,
      payload: event.payload,
      occurred_at: new Date(occurredAt).toISOString(),
      stream_key: streamKey,
    };
  }
}
