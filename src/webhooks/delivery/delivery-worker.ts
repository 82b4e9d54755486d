import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import {
  ClaimedDelivery,
  DeliveriesRepository,
  DeliveryOutcome,
  DeliveryTarget,
  WebhookHealthChange,
} from './deliveries.repository';
import { AttemptMode, AttemptResult, decide, isSuccess } from './retry-policy';
import { WebhookSender } from './webhook-sender';

/** Beyond the request timeout, how long a claim stays ours (writing the outcome, a slow database). */
const LEASE_MARGIN_MS = 15_000;
const WAKE_SLACK_MS = 5;
/** How long kicks and outcomes wait for company, so that one claim or one write serves several deliveries. */
const COALESCE_MS = 2;
const FLUSH_BATCH = 100;
/** How long shutdown waits for attempts in flight beyond their own timeout before handing them back. */
const SHUTDOWN_GRACE_MS = 2_000;

interface PendingOutcome {
  outcome: DeliveryOutcome;
  mode: AttemptMode;
  target: DeliveryTarget;
  done: () => void;
  failed: (error: unknown) => void;
}

/**
 * Sends deliveries: claims due ones in batches, posts them with bounded parallelism, and writes outcomes
 * in batches (whatever finished while the previous write ran goes into the next one). New deliveries are
 * sent as soon as the fan-out kicks it (on PostgreSQL also a fan-out on another instance, through
 * `DeliveryNotifications`); a poll picks up retries that fall due, leases of dead instances and anything a
 * lost notification left behind.
 */
@Injectable()
export class DeliveryWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(DeliveryWorker.name);
  private readonly leaseMs: number;
  private started = false;
  private stopping = false;
  private pollTimer?: NodeJS.Timeout;
  private wakeTimer?: NodeJS.Timeout;
  private wakeAt = Infinity;
  private pumpTimer?: NodeJS.Timeout;
  private pumping?: Promise<void>;
  private pumpAgain = false;
  private readonly inFlight = new Map<number, { delivery: ClaimedDelivery; done: Promise<void> }>();
  private queued: PendingOutcome[] = [];
  private flushTimer?: NodeJS.Timeout;
  private writing?: Promise<void>;

  constructor(
    private readonly repository: DeliveriesRepository,
    private readonly sender: WebhookSender,
    private readonly config: AppConfig,
  ) {
    this.leaseMs = config.webhookTimeoutMs + LEASE_MARGIN_MS;
  }

  onApplicationBootstrap(): void {
    if (!this.config.webhookWorker) return;
    this.started = true;
    this.pollTimer = setInterval(() => this.kick(), this.config.webhookPollIntervalMs);
    this.pollTimer.unref();
    this.kick();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    clearInterval(this.pollTimer);
    clearTimeout(this.wakeTimer);
    clearTimeout(this.pumpTimer);
    await this.pumping;
    const deadline = this.config.webhookTimeoutMs + SHUTDOWN_GRACE_MS;
    const settled = Promise.all([...this.inFlight.values()].map((entry) => entry.done));
    await Promise.race([settled, new Promise((resolve) => setTimeout(resolve, deadline).unref())]);
    while (this.writing || this.queued.length > 0) await this.flush();
    const unfinished = [...this.inFlight.values()].map((entry) => entry.delivery);
    await this.repository.release(unfinished).catch((error: unknown) => this.logFailure('release', error));
  }

  /** When a lease taken now runs out: after the request timeout and a margin for writing the outcome. */
  leaseUntil(now: number): number {
    return now + this.leaseMs;
  }

  /** Looks for due deliveries now (after a fan-out, a finished attempt, or on the poll). */
  kick(): void {
    if (!this.started || this.stopping || this.pumpTimer) return;
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    // Kicks that come together (a burst of fan-outs, a batch of outcomes) share one claim.
    this.pumpTimer = setTimeout(() => {
      this.pumpTimer = undefined;
      this.pumping = this.pump()
        .catch((error: unknown) => this.logFailure('claim', error))
        .finally(() => {
          this.pumping = undefined;
          if (this.pumpAgain) {
            this.pumpAgain = false;
            this.kick();
          }
        });
    }, COALESCE_MS);
  }

  /**
   * One attempt of a delivery the caller has leased (test sends, manual redelivery), recorded like the
   * worker's own; resolves once the outcome is stored.
   */
  async attempt(
    delivery: ClaimedDelivery,
    target: DeliveryTarget,
    mode: AttemptMode,
  ): Promise<AttemptResult> {
    const result = await this.sender.send(target, { id: delivery.id, payload: delivery.payload });
    await this.enqueue(delivery, target, result, mode);
    return result;
  }

  private async pump(): Promise<void> {
    while (!this.stopping) {
      const free = this.config.webhookConcurrency - this.inFlight.size;
      if (free <= 0) return;
      const now = Date.now();
      const claimed = await this.repository.claimDue(now, this.leaseUntil(now), free);
      if (claimed.length === 0) return;
      const targets = await this.repository.loadTargets(
        claimed.map((delivery) => delivery.webhook_id),
        now,
      );
      const orphans: ClaimedDelivery[] = [];
      for (const delivery of claimed) {
        const target = targets.get(delivery.webhook_id);
        // Disabled or deleted between the claim and now: the delivery waits for the webhook to be enabled.
        // An attempt asked for by hand goes out anyway, as a test send on this instance would.
        if (!target || (!target.enabled && !delivery.manual)) orphans.push(delivery);
        else this.start(delivery, target);
      }
      await this.repository.release(orphans);
      if (claimed.length < free) return;
    }
  }

  private start(delivery: ClaimedDelivery, target: DeliveryTarget): void {
    const done = this.attempt(delivery, target, delivery.manual ? 'manual' : 'scheduled')
      .then(() => undefined)
      .catch((error: unknown) => this.logFailure('record', error))
      .finally(() => this.inFlight.delete(delivery.id));
    this.inFlight.set(delivery.id, { delivery, done });
  }

  private enqueue(
    delivery: ClaimedDelivery,
    target: DeliveryTarget,
    result: AttemptResult,
    mode: AttemptMode,
  ): Promise<void> {
    const now = Date.now();
    const decision = decide({
      mode,
      // A delivery queued again by hand is pending now; a failed manual attempt must not undo its success.
      previousStatus: delivery.delivered_at !== null ? 'delivered' : delivery.status,
      attempt: delivery.attempt_count + 1,
      result,
      now,
      schedule: this.config.webhookRetrySchedule,
    });
    const lastError =
      result.error ?? (isSuccess(result.status_code) ? null : describeStatus(result.status_code));
    return new Promise<void>((done, failed) => {
      this.queued.push({
        outcome: { delivery, result, decision, last_error: lastError },
        mode,
        target,
        done,
        failed,
      });
      this.scheduleFlush(mode === 'manual');
    });
  }

  /**
   * Outcomes are written together: a few milliseconds' worth in one transaction (at once when the batch
   * is full or someone waits on it in a request), and while a write runs the next batch gathers.
   */
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
    this.writing = this.repository
      .record(
        batch.map((entry) => entry.outcome),
        this.healthChanges(batch),
      )
      .then(
        () => batch.forEach((entry) => entry.done()),
        (error: unknown) => batch.forEach((entry) => entry.failed(error)),
      )
      .finally(() => {
        this.writing = undefined;
        for (const { outcome } of batch) {
          if (outcome.decision.next_attempt_at !== null) this.wakeUpAt(outcome.decision.next_attempt_at);
        }
        if (this.queued.length > 0) this.scheduleFlush(false);
        // A finished delivery frees a slot and may unblock the next event of the same appointment.
        this.kick();
      });
    return this.writing;
  }

  /** Per webhook in the batch: a success clears its failure streak; a failure starts or extends it. */
  private healthChanges(batch: PendingOutcome[]): WebhookHealthChange[] {
    const now = Date.now();
    const byWebhook = new Map<
      number,
      { target: DeliveryTarget; scheduled: boolean; success: boolean; gone: boolean }
    >();
    for (const { outcome, mode, target } of batch) {
      const entry = byWebhook.get(target.id) ?? { target, scheduled: false, success: false, gone: false };
      // A 410 disables whatever sent the attempt; only scheduled attempts count towards the failure streak.
      entry.gone ||= outcome.decision.gone;
      if (mode === 'scheduled') {
        entry.scheduled = true;
        entry.success ||= outcome.decision.status === 'delivered';
      }
      byWebhook.set(target.id, entry);
    }
    const changes: WebhookHealthChange[] = [];
    for (const { target, scheduled, success, gone } of byWebhook.values()) {
      if (!gone && !scheduled) continue;
      const webhookId = target.id;
      if (gone) {
        changes.push({ webhookId, change: 'disable', reason: 'the receiver answered 410 Gone' });
      } else if (success) {
        if (target.failing_since !== null) changes.push({ webhookId, change: 'recovered' });
      } else if (target.failing_since === null) {
        changes.push({ webhookId, change: 'failing', since: now });
      } else if (now - target.failing_since >= this.config.webhookDisableAfterMs) {
        changes.push({
          webhookId,
          change: 'disable',
          reason: `no successful delivery since ${new Date(target.failing_since).toISOString()}`,
          failingBefore: now - this.config.webhookDisableAfterMs,
        });
      }
    }
    return changes;
  }

  /** Retries due before the next poll are claimed on time rather than up to a poll interval late. */
  private wakeUpAt(at: number): void {
    if (!this.started || this.stopping || at >= this.wakeAt) return;
    if (at - Date.now() >= this.config.webhookPollIntervalMs) return;
    clearTimeout(this.wakeTimer);
    this.wakeAt = at;
    this.wakeTimer = setTimeout(
      () => {
        this.wakeAt = Infinity;
        this.kick();
      },
      // Timers may fire a millisecond before Date.now() reaches `at`; the claim compares against Date.now().
      Math.max(0, at - Date.now()) + WAKE_SLACK_MS,
    );
    this.wakeTimer.unref();
  }

  private logFailure(step: string, error: unknown): void {
    this.logger.error({
      msg: `webhook delivery ${step} failed`,
      error: error instanceof Error ? error.message : String(error),
    });
  }
}

function describeStatus(status: number | null): string | null {
  if (status === null) return null;
  if (status >= 300 && status < 400) return `HTTP ${status}: redirects are not followed`;
  return `HTTP ${status}`;
}
