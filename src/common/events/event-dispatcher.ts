import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { Transactions } from '../../database/transactions';
import { StoredEvent } from './domain-event';
import { OutboxEventEntity } from './outbox-event.entity';

/**
 * Emits committed events to their listeners and marks them handled once every listener succeeded.
 * A failure leaves the outbox row unhandled: the relay emits it again, and listeners are idempotent.
 */
@Injectable()
export class EventDispatcher implements OnModuleInit {
  private readonly logger = new Logger(EventDispatcher.name);

  constructor(
    private readonly emitter: EventEmitter2,
    private readonly transactions: Transactions,
  ) {}

  onModuleInit(): void {
    this.transactions.onCommitted((events) => this.dispatchAll(events));
  }

  async dispatchAll(events: StoredEvent[]): Promise<void> {
    for (const event of events) await this.dispatch(event);
  }

  async dispatch(event: StoredEvent): Promise<boolean> {
    try {
      await this.emitter.emitAsync(event.name, event);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.logger.error({
        msg: 'event listener failed; the relay will retry',
        event_id: event.id,
        event: event.name,
        error: message,
      });
      await this.transactions.run(({ manager }) =>
        manager
          .increment(OutboxEventEntity, { id: event.id }, 'attempts', 1)
          .then(() =>
            manager.update(
              OutboxEventEntity,
              { id: event.id },
              { last_error: message.slice(0, 2000), claimed_until: null },
            ),
          ),
      );
      return false;
    }
    await this.transactions.run(({ manager }) =>
      manager.update(OutboxEventEntity, { id: event.id }, { handled_at: Date.now(), claimed_until: null }),
    );
    return true;
  }
}
