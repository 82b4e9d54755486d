import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { EventEmitterReadinessWatcher } from '@nestjs/event-emitter';
import { AppConfig } from '../config/app-config';
import { EventDispatcher } from './event-dispatcher';
import { OutboxRepository, OutboxStats, StatementReader } from './outbox.repository';

const BATCH = 100;
/** A bound on one pass (100,000 events), so that a shutdown or the next interval is never far away. */
const MAX_BATCHES_PER_PASS = 1000;
/** How long an instance owns an event it is re-emitting; after that another instance may take it. */
const CLAIM_MS = 60_000;

/**
 * Re-emits events that were committed but never marked handled: the process died between commit and
 * emission, or a listener failed (then after its back-off). It starts once the emitter has registered every
 * listener (`EventEmitterReadinessWatcher`; before that an emission would reach nobody), and then runs
 * periodically. Only events older than one relay interval are taken, so that it does not race the normal
 * after-commit emission.
 */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(OutboxRelay.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<number>;
  private stopped = false;
  /** Settles after the start-up pass over the backlog. */
  started: Promise<void> = Promise.resolve();

  constructor(
    private readonly outbox: OutboxRepository,
    private readonly dispatcher: EventDispatcher,
    private readonly readiness: EventEmitterReadinessWatcher,
    private readonly config: AppConfig,
  ) {}

  /**
   * Not awaited here: the emitter registers its listeners in its own bootstrap hook, which Nest may call
   * after this one; waiting for it inside this hook could wait forever.
   */
  onApplicationBootstrap(): void {
    this.started = this.readiness.waitUntilReady().then(async () => {
      if (this.stopped) return;
      await this.relayOnce({ includeRecent: true });
      if (this.stopped) return;
      this.timer = setInterval(() => void this.relayOnce(), this.config.outboxRelayIntervalMs);
      this.timer.unref();
    });
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
  }

  /** The outbox's counts, read by `read` (see `OutboxRepository.stats`). */
  stats(read: StatementReader): Promise<OutboxStats> {
    return this.outbox.stats(read);
  }

  /** Returns how many events were re-emitted and handled. */
  relayOnce(options: { includeRecent?: boolean } = {}): Promise<number> {
    this.running ??= this.relay(options.includeRecent ?? false).finally(() => (this.running = undefined));
    return this.running;
  }

  private async relay(includeRecent: boolean): Promise<number> {
    const now = Date.now();
    const occurredBefore = includeRecent ? now + 1 : now - this.config.outboxRelayIntervalMs;
    let relayed = 0;
    try {
      await this.readiness.waitUntilReady();
      // Batch after batch until the backlog is worked off: an event taken and handled, failed (then backing
      // off) or claimed elsewhere is not due again, so each batch holds new events and the loop ends.
      for (let batch = 0; batch < MAX_BATCHES_PER_PASS && !this.stopped; batch += 1) {
        const due = await this.outbox.due(occurredBefore, now, BATCH);
        let progressed = false;
        for (const event of due) {
          if (!(await this.outbox.claim(event.id, now, now + CLAIM_MS))) continue;
          progressed = true;
          const result = await this.dispatcher.dispatch(event);
          // 'waiting' keeps its claim: its predecessor's handling emits it, claim or not.
          if (result === 'handled') relayed += 1;
        }
        if (due.length < BATCH || !progressed) break;
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
}
