import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { Transactions } from '../database/transactions';

/** Rows deleted per transaction: the SQLite writer is held for one small DELETE at a time. */
export const PRUNE_BATCH = 500;

export interface PruneResult {
  outboxEvents: number;
  deliveries: number;
}

interface Table {
  name: string;
  /** Rows of this table that may go once `timeColumn` is older than the cutoff. */
  deletable: string;
  /**
   * Grows with the id (creation time), so the walk stops at the first batch that reaches the cutoff. A row whose
   * time is out of order (clocks of two instances) waits for a later pass, once the rows before it are old too.
   */
  timeColumn: string;
}

/** Handled events only: an unhandled one is still owed to its listeners, however old. */
const OUTBOX: Table = {
  name: 'outbox_events',
  deletable: 'handled_at IS NOT NULL AND handled_at < $cutoff',
  timeColumn: 'occurred_at',
};

/** Finished deliveries only (their attempts go with them, ON DELETE CASCADE): a pending one is still owed. */
const DELIVERIES: Table = {
  name: 'webhook_deliveries',
  deletable: "status <> 'pending' AND date_created < $cutoff",
  timeColumn: 'date_created',
};

/** An event's shared webhook body, once no delivery of the event is left (they refer to it). */
const EVENT_BODIES: Table = {
  name: 'webhook_event_bodies',
  deletable:
    'date_created < $cutoff AND NOT EXISTS ' +
    '(SELECT 1 FROM webhook_deliveries d WHERE d.event_id = webhook_event_bodies.event_id)',
  timeColumn: 'date_created',
};

/**
 * Keeps the outbox and the delivery log from growing without bound: handled outbox events older than
 * OUTBOX_RETENTION_DAYS and finished deliveries older than WEBHOOK_LOG_RETENTION_DAYS are deleted on a timer.
 *
 * Each batch is found by a read walking the primary key (no extra index, no scan of the whole table under the
 * writer) and deleted in its own short transaction that checks the condition again, so a row that changed in
 * between stays; the event loop gets a turn between batches, so bookings never queue behind a long delete.
 */
@Injectable()
export class RetentionPruner implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(RetentionPruner.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;
  private stopped = false;

  constructor(
    private readonly config: AppConfig,
    private readonly transactions: Transactions,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.outboxRetentionMs === 0 && this.config.webhookLogRetentionMs === 0) return;
    this.timer = setInterval(() => {
      if (this.running !== undefined) return;
      this.running = this.prune()
        .catch((error: unknown) => this.logger.error({ msg: 'pruning failed', error: String(error) }))
        .finally(() => (this.running = undefined));
    }, this.config.retentionIntervalMs);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
  }

  /** One pass over both tables; returns how many rows went. */
  async prune(now = Date.now()): Promise<PruneResult> {
    const result: PruneResult = { outboxEvents: 0, deliveries: 0 };
    if (this.config.outboxRetentionMs > 0)
      result.outboxEvents = await this.pruneTable(OUTBOX, now - this.config.outboxRetentionMs);
    if (this.config.webhookLogRetentionMs > 0) {
      result.deliveries = await this.pruneTable(DELIVERIES, now - this.config.webhookLogRetentionMs);
      await this.pruneTable(EVENT_BODIES, now - this.config.webhookLogRetentionMs);
    }
    if (result.outboxEvents + result.deliveries > 0) this.logger.log({ msg: 'pruned', ...result });
    return result;
  }

  private async pruneTable(table: Table, cutoff: number): Promise<number> {
    // Only integers of our own making are spliced into the SQL (the cutoff, ids read from the table).
    const expired = table.deletable.replace('$cutoff', String(Math.trunc(cutoff)));
    let deleted = 0;
    let after = 0;
    while (!this.stopped) {
      const rows: Array<{ id: number | string; expired: number | string; recent: number | string }> =
        await this.dataSource.query(
          `SELECT id, CASE WHEN ${expired} THEN 1 ELSE 0 END AS expired, ` +
            `CASE WHEN ${table.timeColumn} >= ${Math.trunc(cutoff)} THEN 1 ELSE 0 END AS recent ` +
            `FROM ${table.name} WHERE id > ${after} ORDER BY id LIMIT ${PRUNE_BATCH}`,
        );
      if (rows.length === 0) break;
      after = Number(rows[rows.length - 1].id);
      const ids = rows.filter((row) => Number(row.expired) === 1).map((row) => Number(row.id));
      if (ids.length > 0) {
        deleted += await this.transactions.run(async (tx) => {
          // The structured result: the only form that says how many rows went on both drivers.
          const result = await tx.manager.queryRunner!.query(
            `DELETE FROM ${table.name} WHERE id IN (${ids.join(',')}) AND ${expired}`,
            [],
            true,
          );
          return (result as { affected?: number }).affected ?? 0;
        });
      }
      if (rows.length < PRUNE_BATCH || rows.some((row) => Number(row.recent) === 1)) break;
      await yieldToEventLoop();
    }
    return deleted;
  }
}
