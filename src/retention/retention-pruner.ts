import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { OutboxRetention } from '../outbox/outbox-retention';
import { DeliveryLogRetention } from '../webhooks/delivery/delivery-log-retention';

export interface PruneResult {
  outboxEvents: number;
  deliveries: number;
}

/**
 * Keeps the outbox and the delivery log from growing without bound: handled outbox events older than
 * OUTBOX_RETENTION_DAYS and finished deliveries older than WEBHOOK_LOG_RETENTION_DAYS are deleted on a timer.
 * Each module prunes its own table, in small batches (see `database/prune-walk.ts`).
 */
@Injectable()
export class RetentionPruner implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(RetentionPruner.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;
  private stopped = false;

  constructor(
    private readonly config: AppConfig,
    private readonly outbox: OutboxRetention,
    private readonly deliveryLog: DeliveryLogRetention,
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
    const stopped = () => this.stopped;
    if (this.config.outboxRetentionMs > 0)
      result.outboxEvents = await this.outbox.pruneHandledBefore(
        now - this.config.outboxRetentionMs,
        stopped,
      );
    if (this.config.webhookLogRetentionMs > 0)
      result.deliveries = await this.deliveryLog.pruneFinishedBefore(
        now - this.config.webhookLogRetentionMs,
        stopped,
      );
    if (result.outboxEvents + result.deliveries > 0) this.logger.log({ msg: 'pruned', ...result });
    return result;
  }
}
