import { BeforeApplicationShutdown, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { EventEmitter2, EventEmitterReadinessWatcher } from '@nestjs/event-emitter';
import { AppConfig } from '../config/app-config';
import { Transactions } from '../database/transactions';
import { StoredEvent } from '../common/events/domain-event';
import { declaredListenerCount } from '../common/events/on-domain-event';
import { outboxRetryAt } from './outbox-backoff';
import { OutboxRepository } from './outbox.repository';
import { OutboxWriter } from './outbox-writer';

export type DispatchResult = 'handled' | 'waiting' | 'failed';

/**
 * Emits committed events to their listeners and marks them handled once every listener ran. Emission never
 * runs inside the request that committed the event: it is scheduled after the commit, and waits until the
 * emitter has registered its listeners. A failure leaves the outbox row unhandled with a back-off; the relay
 * emits it again, and listeners are idempotent. Events of one stream go out strictly in id order.
 */
@Injectable()
export class EventDispatcher implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger(EventDispatcher.name);
  private handledBatch: number[] = [];
  private handledWritten?: Promise<void>;
  /** The mark being written: the next one waits for it, and takes every event handled meanwhile. */
  private marking: Promise<void> = Promise.resolve();
  /** Events this instance is emitting now, so that a stream's successor is not emitted twice in parallel. */
  private readonly inFlight = new Set<number>();
  private readonly scheduled = new Set<Promise<void>>();
  /** Shutting down: events committed from now on are left to the relay of the next start. */
  private stopping = false;

  constructor(
    private readonly emitter: EventEmitter2,
    private readonly readiness: EventEmitterReadinessWatcher,
    private readonly transactions: Transactions,
    private readonly outbox: OutboxRepository,
    private readonly writer: OutboxWriter,
    private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.transactions.onCommitted((events) => this.schedule(events));
  }

  /**
   * Lets the emissions of commits made before the shutdown began finish before the database closes, those of
   * commits still being synced included (SQLite announces a commit's events once its sync is done). Commits
   * after that (the HTTP server still serves while shutdown hooks run) leave theirs in the outbox for the relay
   * of the next start: chasing them kept a loaded service from ever stopping.
   */
  async beforeApplicationShutdown(): Promise<void> {
    await this.transactions.settled();
    this.stopping = true;
    while (this.scheduled.size > 0) await Promise.allSettled([...this.scheduled]);
  }

  /** After a commit: emit on a later turn of the event loop, so that the response never waits for it. */
  schedule(events: StoredEvent[]): void {
    if (this.stopping) return;
    const work = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.readiness.waitUntilReady())
      .then(() => this.dispatchAll(events))
      .catch((error: unknown) =>
        this.logger.error({
          msg: 'emitting committed events failed; the outbox relay will retry',
          event_ids: events.map((event) => event.id),
          error: describe(error),
        }),
      )
      .finally(() => this.scheduled.delete(work));
    this.scheduled.add(work);
  }

  /** One transaction's events. Of a stream only the first is emitted here: its successors follow it. */
  async dispatchAll(events: StoredEvent[]): Promise<void> {
    const streams = new Set<string>();
    for (const event of events) {
      if (event.stream_key !== null) {
        if (streams.has(event.stream_key)) continue;
        streams.add(event.stream_key);
      }
      await this.dispatch(event);
    }
  }

  async dispatch(event: StoredEvent): Promise<DispatchResult> {
    if (this.inFlight.has(event.id)) return 'waiting';
    this.inFlight.add(event.id);
    let result: DispatchResult;
    try {
      result = await this.emit(event);
    } finally {
      this.inFlight.delete(event.id);
    }
    if (result === 'handled' && event.stream_key !== null) await this.dispatchSuccessor(event);
    return result;
  }

  private async emit(event: StoredEvent): Promise<DispatchResult> {
    if (
      event.stream_key !== null &&
      !this.writer.leadsItsStream(event) &&
      (await this.outbox.hasEarlierUnhandled(event.stream_key, event.id))
    ) {
      // Its predecessor's handling emits it next (or the relay does, once the predecessor succeeded).
      return 'waiting';
    }
    const declared = declaredListenerCount(event.name);
    const registered = this.emitter.listeners(event.name).length;
    if (registered < declared) {
      await this.fail(event, `${registered} of the ${declared} listeners of ${event.name} are registered`);
      return 'failed';
    }
    try {
      await this.emitter.emitAsync(event.name, event);
    } catch (error) {
      await this.fail(event, describe(error));
      return 'failed';
    }
    await this.markHandled(event.id);
    return 'handled';
  }

  /** The next event of the same stream may have waited for this one: emit it now rather than at the next relay. */
  private async dispatchSuccessor(event: StoredEvent): Promise<void> {
    const next = await this.outbox.nextInStream(event.stream_key!, event.id, Date.now());
    if (next !== null) await this.dispatch(next);
  }

  private async fail(event: StoredEvent, message: string): Promise<void> {
    const now = Date.now();
    let retryAt = now;
    const attempt = await this.outbox.recordFailure(event.id, message, (attempts) => {
      retryAt = outboxRetryAt(now, attempts, {
        baseMs: this.config.outboxRetryBaseMs,
        maxMs: this.config.outboxRetryMaxMs,
      });
      return retryAt;
    });
    this.logger.error({
      msg: 'event not handled; the outbox relay will retry',
      event_id: event.id,
      event: event.name,
      attempt,
      retry_at: new Date(retryAt).toISOString(),
      error: message,
    });
  }

  /**
   * Events handled while a mark is being written, or in the same turn of the event loop, are marked together
   * in one transaction, one mark at a time: under load this takes a write per event off the (on SQLite,
   * single) writer, and statements per event off PostgreSQL. Each caller still waits for its own mark.
   */
  private markHandled(id: number): Promise<void> {
    this.handledBatch.push(id);
    if (this.handledWritten === undefined) {
      const written = this.marking
        .then(() => new Promise((resolve) => setImmediate(resolve)))
        .then(() => {
          const ids = this.handledBatch;
          this.handledBatch = [];
          this.handledWritten = undefined;
          return this.outbox.markHandled(ids, Date.now());
        });
      this.handledWritten = written;
      // Its callers see its failure; the next mark goes ahead regardless.
      this.marking = written.catch(() => undefined);
    }
    return this.handledWritten;
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
