import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, IsNull, LessThan, MoreThan, Or, Repository } from 'typeorm';
import { Transactions } from '../database/transactions';
import { StoredEvent } from '../common/events/domain-event';
import { OutboxEventEntity } from './outbox-event.entity';

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
  hasEarlierUnhandled(streamKey: string, id: number): Promise<boolean> {
    return this.rows.exists({ where: { stream_key: streamKey, id: LessThan(id), handled_at: IsNull() } });
  }

  /** The stream's first unhandled event after `afterId` that is not backing off. */
  async nextInStream(streamKey: string, afterId: number, now: number): Promise<StoredEvent | null> {
    const row = await this.rows.findOne({
      where: { stream_key: streamKey, id: MoreThan(afterId), handled_at: IsNull() },
      order: { id: 'ASC' },
    });
    if (row === null || (row.next_attempt_at !== null && row.next_attempt_at > now)) return null;
    return toStoredEvent(row);
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

  markHandled(ids: number[], now: number): Promise<void> {
    return this.transactions.run(async ({ manager }) => {
      for (let i = 0; i < ids.length; i += 500) {
        await manager.update(
          OutboxEventEntity,
          { id: In(ids.slice(i, i + 500)) },
          { handled_at: now, claimed_until: null, next_attempt_at: null },
        );
      }
    });
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

  async stats(): Promise<OutboxStats> {
    const [unhandled, failing, oldest] = await Promise.all([
      this.rows.countBy({ handled_at: IsNull() }),
      this.rows.countBy({ handled_at: IsNull(), attempts: MoreThan(0) }),
      this.rows.findOne({
        select: { id: true },
        where: { handled_at: IsNull(), attempts: MoreThan(0) },
        order: { id: 'ASC' },
      }),
    ]);
    return { unhandled, failing, oldest_failing_id: oldest?.id ?? null };
  }
}

function toStoredEvent(row: OutboxEventEntity): StoredEvent {
  return {
    id: row.id,
    name: row.name,
    payload: JSON.parse(row.payload) as object,
    occurred_at: new Date(row.occurred_at).toISOString(),
    stream_key: row.stream_key,
  };
}
