import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, LessThan, Or, Repository } from 'typeorm';
import { Transactions } from '../database/transactions';
import { StoredEvent } from '../common/events/domain-event';
import { OutboxEventEntity } from './outbox-event.entity';

/** Reads the rows of a statement without parameters (on a connection of the reader's choosing). */
export type StatementReader = <T>(sql: string) => Promise<T[]>;

export interface OutboxStats {
  /** Committed and not yet handled by every listener. */
  unhandled: number;
  /** Unhandled events whose listeners failed at least once; they are retried with back-off. */
  failing: number;
  /** The id of the oldest failing event, to look for in the logs. */
  oldest_failing_id: number | null;
}

/** The outbox's queries: what is still to be handled, in which order, and what happened to it. */
@Injectable()
export class OutboxRepository {
  constructor(
    @InjectRepository(OutboxEventEntity) private readonly rows: Repository<OutboxEventEntity>,
    private readonly transactions: Transactions,
  ) {}

  /** Whether an earlier event of the stream is still unhandled: then this one must wait for it. */
  async hasEarlierUnhandled(streamKey: string, id: number): Promise<boolean> {
    const rows = await this.transactions.sql(
      'SELECT 1 AS earlier FROM outbox_events WHERE stream_key = $1 AND id < $2 AND handled_at IS NULL LIMIT 1',
      [streamKey, id],
    );
    return rows.length > 0;
  }

  /** The stream's first unhandled event after `afterId` that is not backing off. */
  async nextInStream(streamKey: string, afterId: number, now: number): Promise<StoredEvent | null> {
    const [row] = await this.transactions.sql<EventRow>(
      'SELECT id, name, payload, occurred_at, stream_key, next_attempt_at FROM outbox_events ' +
        'WHERE stream_key = $1 AND id > $2 AND handled_at IS NULL ORDER BY id LIMIT 1',
      [streamKey, afterId],
    );
    if (row === undefined || (row.next_attempt_at !== null && Number(row.next_attempt_at) > now)) return null;
    return toStoredEvent({ ...row, id: Number(row.id), occurred_at: Number(row.occurred_at) });
  }

  /**
   * Unhandled events due for the relay, oldest first: not claimed by a live instance, not backing off, and
   * not waiting behind an earlier unhandled event of their stream (that one's handling brings them along), so
   * a stream stuck on a failing event never fills the batch and hides the events after it.
   */
  async due(occurredBefore: number, now: number, limit: number): Promise<StoredEvent[]> {
    const rows = await this.rows
      .createQueryBuilder('e')
      .where('e.handled_at IS NULL')
      .andWhere('e.occurred_at < :occurredBefore', { occurredBefore })
      .andWhere('(e.claimed_until IS NULL OR e.claimed_until < :now)', { now })
      .andWhere('(e.next_attempt_at IS NULL OR e.next_attempt_at <= :now)', { now })
      .andWhere(
        `(e.stream_key IS NULL OR NOT EXISTS (SELECT 1 FROM outbox_events p
          WHERE p.stream_key = e.stream_key AND p.id < e.id AND p.handled_at IS NULL))`,
      )
      .orderBy('e.id', 'ASC')
      .take(limit)
      .getMany();
    return rows.map(toStoredEvent);
  }

  /** A conditional update, so that of several instances exactly one takes the event. */
  claim(id: number, now: number, until: number): Promise<boolean> {
    return this.transactions.run(async ({ manager }) => {
      const result = await manager.update(
        OutboxEventEntity,
        { id, handled_at: IsNull(), claimed_until: Or(IsNull(), LessThan(now)) },
        { claimed_until: until },
      );
      return (result.affected ?? 0) === 1;
    });
  }

  /**
   * Not durable (see RunOptions): a mark lost to a power loss only has the relay emit the event again to
   * its idempotent listeners, and every booking no longer waits for a second sync to disk behind its own.
   */
  markHandled(ids: number[], now: number): Promise<void> {
    return this.transactions.run(
      async () => {
        const sql =
          'UPDATE outbox_events SET handled_at = $1, claimed_until = NULL, next_attempt_at = NULL ' +
          `WHERE ${this.transactions.inList('id', '$2')}`;
        for (let i = 0; i < ids.length; i += 500)
          await this.transactions.sql(sql, [now, ids.slice(i, i + 500)]);
      },
      { durable: false },
    );
  }

  /** Counts the failure and returns the attempt number it was. */
  recordFailure(id: number, error: string, nextAttemptAt: (attempts: number) => number): Promise<number> {
    return this.transactions.run(async ({ manager }) => {
      await manager.increment(OutboxEventEntity, { id }, 'attempts', 1);
      const row = await manager.findOneByOrFail(OutboxEventEntity, { id });
      await manager.update(
        OutboxEventEntity,
        { id },
        {
          last_error: error.slice(0, 2000),
          claimed_until: null,
          next_attempt_at: nextAttemptAt(row.attempts),
        },
      );
      return row.attempts;
    });
  }

  /**
   * The counts `/health` shows, in one statement, read by `read`: the health probe's own connection, so that
   * a check never waits behind the bookings for a pooled one.
   */
  async stats(read: StatementReader): Promise<OutboxStats> {
    const [row] = await read<StatsRow>(STATS);
    return {
      unhandled: Number(row.unhandled),
      failing: Number(row.failing),
      oldest_failing_id: row.oldest_failing_id === null ? null : Number(row.oldest_failing_id),
    };
  }
}

const STATS = `SELECT count(*) AS unhandled, count(*) FILTER (WHERE attempts > 0) AS failing,
    min(id) FILTER (WHERE attempts > 0) AS oldest_failing_id
  FROM outbox_events WHERE handled_at IS NULL`;

/** The counts as the drivers answer them (bigint as a string on PostgreSQL). */
interface StatsRow {
  unhandled: number | string;
  failing: number | string;
  oldest_failing_id: number | string | null;
}

/** As the drivers return it (bigint as a string on PostgreSQL). */
interface EventRow {
  id: number | string;
  name: string;
  payload: string;
  occurred_at: number | string;
  stream_key: string | null;
  next_attempt_at: number | string | null;
}

function toStoredEvent(
  row: Pick<OutboxEventEntity, 'id' | 'name' | 'payload' | 'occurred_at' | 'stream_key'>,
): StoredEvent {
  return {
    id: row.id,
    name: row.name,
    payload: JSON.parse(row.payload) as object,
    occurred_at: new Date(row.occurred_at).toISOString(),
    stream_key: row.stream_key,
  };
}
