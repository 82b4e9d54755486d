import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, LessThan, Or, Repository } from 'typeorm';
import { AppConfig } from '../../config/app-config';
import { Transactions } from '../../database/transactions';
import { StoredEvent } from './domain-event';
import { EventDispatcher } from './event-dispatcher';
import { OutboxEventEntity } from './outbox-event.entity';

const BATCH = 100;
/** How long an instance owns an event it is re-emitting; after that another instance may take it. */
const CLAIM_MS = 60_000;

/**
 * Re-emits events that were committed but never marked handled: the process died between commit and
 * emission, or a listener failed. Runs at start-up and then periodically. Only events older than one
 * relay interval are taken, so that it does not race the normal after-commit emission.
 */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(OutboxRelay.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<number>;

  constructor(
    @InjectRepository(OutboxEventEntity) private readonly outbox: Repository<OutboxEventEntity>,
    private readonly transactions: Transactions,
    private readonly dispatcher: EventDispatcher,
    private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.relayOnce({ includeRecent: true });
    this.timer = setInterval(() => void this.relayOnce(), this.config.outboxRelayIntervalMs);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** Returns how many events were re-emitted. */
  relayOnce(options: { includeRecent?: boolean } = {}): Promise<number> {
    this.running ??= this.relay(options.includeRecent ?? false).finally(() => (this.running = undefined));
    return this.running;
  }

  private async relay(includeRecent: boolean): Promise<number> {
    const now = Date.now();
    const olderThan = includeRecent ? now + 1 : now - this.config.outboxRelayIntervalMs;
    let relayed = 0;
    try {
      const candidates = await this.outbox.find({
        where: {
          handled_at: IsNull(),
          occurred_at: LessThan(olderThan),
          claimed_until: Or(IsNull(), LessThan(now)),
        },
        order: { id: 'ASC' },
        take: BATCH,
      });
      for (const candidate of candidates) {
        if (!(await this.claim(candidate.id, now))) continue;
        const event: StoredEvent = {
          id: candidate.id,
          name: candidate.name,
          payload: JSON.parse(candidate.payload) as object,
          occurred_at: new Date(candidate.occurred_at).toISOString(),
        };
        if (await this.dispatcher.dispatch(event)) relayed += 1;
      }
    } catch (error) {
      this.logger.error({
        msg: 'outbox relay failed',
        error: error instanceof Error ? error.message : String(error),
      });
    }
    if (relayed > 0) this.logger.log({ msg: 'relayed unhandled events', count: relayed });
    return relayed;
  }

  /** A conditional update, so that of several instances exactly one takes the event. */
  private claim(id: number, now: number): Promise<boolean> {
    return this.transactions.run(async ({ manager }) => {
      const result = await manager.update(
        OutboxEventEntity,
        { id, handled_at: IsNull(), claimed_until: Or(IsNull(), LessThan(now)) },
        { claimed_until: now + CLAIM_MS },
      );
      return (result.affected ?? 0) === 1;
    });
  }
}
