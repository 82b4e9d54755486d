import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { Transactions } from '../../database/transactions';
import { StoredEvent } from './domain-event';
import { In } from 'typeorm';
import { OutboxEventEntity } from './outbox-event.entity';

/**
 * Emits committed events to their listeners and marks them handled once every listener succeeded.
 * A failure leaves the outbox row unhandled: the relay emits it again, and listeners are idempotent.
 */
@Injectable()
export class EventDispatcher implements OnModuleInit {
  private readonly logger = new Logger(EventDispatcher.name);
  private handledBatch: number[] = [];
  private handledWritten?: Promise<void>;

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
    await this.markHandled(event.id);
    return true;
  }

  /**
   * Events handled in the same turn of the event loop are marked in one transaction: under load this
   * takes a write per event off the (on SQLite, single) writer. Each caller still waits for its own mark.
   */
  private markHandled(id: number): Promise<void> {
    this.handledBatch.push(id);
    this.handledWritten ??= new Promise((resolve) => setImmediate(resolve)).then(() => {
      const ids = this.handledBatch;
      this.handledBatch = [];
      this.handledWritten = undefined;
      return this.transactions.run(async ({ manager }) => {
        for (let i = 0; i < ids.length; i += 500) {
          await manager.update(
            OutboxEventEntity,
            { id: In(ids.slice(i, i + 500)) },
            { handled_at: Date.now(), claimed_until: null },
          );
        }
      });
    });
    return this.handledWritten;
  }
}
