import type { AttemptMode, DeliveryDecision } from './retry-policy';

/** What a batch of recorded attempts does to one webhook's health. */
export type WebhookHealthChange =
  | { webhookId: number; change: 'recovered' }
  | { webhookId: number; change: 'failing'; since: number }
  /** `failingBefore`: the disable holds only if the streak still started by then (re-checked on write). */
  | { webhookId: number; change: 'disable'; reason: string; failingBefore?: number };

/** One recorded attempt, as far as the health of its webhook is concerned. */
export interface HealthAttempt {
  /** The webhook as it was read before the attempt. */
  target: { id: number; failing_since: number | null };
  mode: AttemptMode;
  decision: Pick<DeliveryDecision, 'status' | 'gone'>;
}

interface WebhookSummary {
  target: HealthAttempt['target'];
  /** Whether any attempt in the batch was a scheduled one (only those count towards the failure streak). */
  scheduled: boolean;
  /** Whether any scheduled attempt succeeded. */
  success: boolean;
  /** Whether any attempt, scheduled or manual, was answered 410 Gone. */
  gone: boolean;
}

/**
 * Per webhook in a batch of attempts: a 410 disables it whoever sent the attempt; among scheduled attempts a
 * success clears its failure streak, and a failure starts the streak or, once the streak is `disableAfterMs`
 * old, disables it. Manual attempts (test sends, redeliveries of finished deliveries) leave the streak alone.
 */
export function decideHealth(
  attempts: readonly HealthAttempt[],
  now: number,
  disableAfterMs: number,
): WebhookHealthChange[] {
  const changes: WebhookHealthChange[] = [];
  for (const summary of summarise(attempts)) {
    const change = healthChange(summary, now, disableAfterMs);
    if (change) changes.push(change);
  }
  return changes;
}

function summarise(attempts: readonly HealthAttempt[]): WebhookSummary[] {
  const byWebhook = new Map<number, WebhookSummary>();
  for (const { target, mode, decision } of attempts) {
    const summary = byWebhook.get(target.id) ?? { target, scheduled: false, success: false, gone: false };
    summary.gone ||= decision.gone;
    if (mode === 'scheduled') {
      summary.scheduled = true;
      summary.success ||= decision.status === 'delivered';
    }
    byWebhook.set(target.id, summary);
  }
  return [...byWebhook.values()];
}

function healthChange(
  { target, scheduled, success, gone }: WebhookSummary,
  now: number,
  disableAfterMs: number,
): WebhookHealthChange | null {
  const webhookId = target.id;
  if (gone) return { webhookId, change: 'disable', reason: 'the receiver answered 410 Gone' };
  if (!scheduled) return null;
  if (success) return target.failing_since === null ? null : { webhookId, change: 'recovered' };
  if (target.failing_since === null) return { webhookId, change: 'failing', since: now };
  if (now - target.failing_since < disableAfterMs) return null;
  return {
    webhookId,
    change: 'disable',
    reason: `no successful delivery since ${new Date(target.failing_since).toISOString()}`,
    failingBefore: now - disableAfterMs,
  };
}
