import { Injectable, OnModuleInit } from '@nestjs/common';
import type { DomainEvent, StoredEvent } from '../common/events/domain-event';
import { EventWriter, Transactions } from '../database/transactions';

/**
 * Every event of every write goes through here: a prepared statement, not the ORM's insert. It also answers
 * whether an earlier event of the stream was still unhandled, which spares the dispatcher that query.
 */
const INSERT_EVENT =
  'INSERT INTO outbox_events (name, payload, occurred_at, handled_at, claimed_until, attempts, last_error, ' +
  'stream_key, next_attempt_at) VALUES ($1, $2, $3, NULL, NULL, 0, NULL, $4, NULL) RETURNING id, ' +
  'EXISTS (SELECT 1 FROM outbox_events p WHERE p.stream_key = $4 AND p.id < outbox_events.id ' +
  'AND p.handled_at IS NULL) AS behind';

/** Writes each published event as an outbox row in the publishing transaction: both commit, or neither. */
@Injectable()
export class OutboxWriter implements EventWriter, OnModuleInit {
  /** The events written here that had no unhandled predecessor in their stream (see leadsItsStream). */
  private readonly leading = new WeakSet<StoredEvent>();

  constructor(private readonly transactions: Transactions) {}

  onModuleInit(): void {
    this.transactions.useEventWriter(this);
  }

  async write(event: DomainEvent): Promise<StoredEvent> {
    const occurredAt = Date.now();
    const streamKey = event.streamKey;
    const [row] = await this.transactions.sql<{ id: number | string; behind: boolean | number }>(
      INSERT_EVENT,
      [event.name, JSON.stringify(event.payload), occurredAt, streamKey],
    );
    const stored: StoredEvent = {
      id: Number(row.id),
      name: event.name,
      payload: event.payload,
      occurred_at: new Date(occurredAt).toISOString(),
      stream_key: streamKey,
    };
    if (streamKey !== null && !row.behind) this.leading.add(stored);
    return stored;
  }

  /**
   * Whether every earlier event of this event's stream was handled when it was written: then they still are
   * (a handled event stays handled), and it need not wait for any. The writes of one stream take turns (an
   * appointment's under its lock, the first one before anyone knows the appointment), so no earlier event of
   * the stream was still uncommitted then. Only events written by this process, as it wrote them.
   */
  leadsItsStream(event: StoredEvent): boolean {
    return this.leading.has(event);
  }
}
