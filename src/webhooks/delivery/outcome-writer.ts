import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import {
  ClaimedDelivery,
  DeliveriesRepository,
  DeliveryOutcome,
  DeliveryTarget,
} from './deliveries.repository';
import { decideHealth } from './health-policy';
import { AttemptMode, AttemptResult, decide, isSuccess } from './retry-policy';

/** How long an outcome waits for company, so that one write serves several deliveries. */
const COALESCE_MS = 2;
const FLUSH_BATCH = 100;

interface PendingOutcome {
  outcome: DeliveryOutcome;
  mode: AttemptMode;
  target: DeliveryTarget;
  done: () => void;
  failed: (error: unknown) => void;
}

export type OutcomesWritten = (outcomes: readonly DeliveryOutcome[]) => void;

/**
 * Records what attempts came to: each delivery's next state by the retry policy (`decide`), the attempt
 * itself, and its webhook's health by the health policy (`decideHealth`). Outcomes are written together: a
 * few milliseconds' worth in one transaction (at once when the batch is full or someone waits on it in a
 * request), and while a write runs the next batch gathers.
 */
@Injectable()
export class OutcomeWriter {
  private readonly logger = new Logger(OutcomeWriter.name);
  private queued: PendingOutcome[] = [];
  private flushTimer?: NodeJS.Timeout;
  private writing?: Promise<void>;
  private readonly listeners: OutcomesWritten[] = [];

  constructor(
    private readonly repository: DeliveriesRepository,
    private readonly config: AppConfig,
  ) {}

  /** Calls `listener` after every write, whether it succeeded or not. */
  onWritten(listener: OutcomesWritten): void {
    this.listeners.push(listener);
  }

  /** Records one attempt of a leased delivery; resolves once it is stored. */
  record(
    delivery: ClaimedDelivery,
    target: DeliveryTarget,
    result: AttemptResult,
    mode: AttemptMode,
  ): Promise<void> {
    const outcome = this.outcomeOf(delivery, result, mode);
    return new Promise<void>((done, failed) => {
      this.queued.push({ outcome, mode, target, done, failed });
      this.scheduleFlush(mode === 'manual');
    });
  }

  /** Writes everything recorded so far, including what is recorded while this runs. */
  async drain(): Promise<void> {
    while (this.writing || this.queued.length > 0) await this.flush();
  }

  private outcomeOf(delivery: ClaimedDelivery, result: AttemptResult, mode: AttemptMode): DeliveryOutcome {
    const decision = decide({
      mode,
      // A delivery queued again by hand is pending now; a failed manual attempt must not undo its success.
      previousStatus: delivery.delivered_at !== null ? 'delivered' : delivery.status,
      attempt: delivery.attempt_count + 1,
      result,
      now: Date.now(),
      schedule: this.config.webhookRetrySchedule,
    });
    // An answer's status says what went wrong, or right (an answer whose body did not decode says so in its
    // attempt only); without one, the error does.
    const lastError = isSuccess(result.status_code)
      ? null
      : result.status_code !== null
        ? describeStatus(result.status_code)
        : result.error;
    return { delivery, result, decision, last_error: lastError };
  }

  private scheduleFlush(now: boolean): void {
    if (now || this.queued.length >= FLUSH_BATCH) {
      void this.flush();
    } else if (!this.flushTimer && !this.writing) {
      this.flushTimer = setTimeout(() => void this.flush(), COALESCE_MS);
    }
  }

  private flush(): Promise<void> {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (this.writing) return this.writing;
    if (this.queued.length === 0) return Promise.resolve();
    const batch = this.queued;
    this.queued = [];
    const outcomes = batch.map((entry) => entry.outcome);
    const health = decideHealth(
      batch.map(({ outcome, mode, target }) => ({ target, mode, decision: outcome.decision })),
      Date.now(),
      this.config.webhookDisableAfterMs,
    );
    this.writing = this.repository
      .record(outcomes, health)
      .then(
        (disabled) => {
          // The one outcome an operator must hear of without reading the delivery log.
          for (const { id, reason } of disabled)
            this.logger.warn({ msg: 'webhook disabled', webhook_id: id, reason });
          batch.forEach((entry) => entry.done());
        },
        (error: unknown) => batch.forEach((entry) => entry.failed(error)),
      )
      .finally(() => {
        this.writing = undefined;
        if (this.queued.length > 0) this.scheduleFlush(false);
        for (const listener of this.listeners) listener(outcomes);
      });
    return this.writing;
  }
}

function describeStatus(status: number | null): string | null {
  if (status === null) return null;
  if (status >= 300 && status < 400) return `HTTP ${status}: redirects are not followed`;
  return `HTTP ${status}`;
}
