import type { DeliveryStatus } from '../webhook.types';

/** A receiver's `Retry-After` may push a retry later than the schedule, but never beyond this. */
export const RETRY_AFTER_MAX_MS = 60 * 60 * 1000;
const JITTER = 0.2;

/** What one HTTP attempt came to. */
export interface AttemptResult {
  started_at: number;
  duration_ms: number;
  /** Null when no response arrived (network error, timeout, refused URL). */
  status_code: number | null;
  error: string | null;
  response_body: string | null;
  retry_after: string | null;
}

/**
 * `scheduled`: the worker's attempt (or a manual one of a pending delivery), which follows the retry
 * schedule and counts towards the webhook's health. `manual`: a redelivery of a finished delivery or a test
 * send, which is tried once and leaves the webhook's health alone.
 */
export type AttemptMode = 'scheduled' | 'manual';

export interface DeliveryDecision {
  status: DeliveryStatus;
  next_attempt_at: number | null;
  /** Set on success. */
  delivered_at: number | null;
  /** The receiver asked to be left alone for good (410 Gone). */
  gone: boolean;
}

export const isSuccess = (statusCode: number | null): boolean =>
  statusCode !== null && statusCode >= 200 && statusCode < 300;

/** `Retry-After` as seconds or an HTTP date, in ms from `now`; null when absent or unreadable. */
export function parseRetryAfter(header: string | null, now: number): number | null {
  if (header === null) return null;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

/** The wait after failed attempt `attempt` (1-based), or null when the schedule is used up. */
export function retryDelayMs(
  schedule: readonly number[],
  attempt: number,
  random: () => number = Math.random,
): number | null {
  const seconds = schedule[attempt - 1];
  if (seconds === undefined) return null;
  return Math.round(seconds * 1000 * (1 - JITTER + 2 * JITTER * random()));
}

/**
 * What happens to a delivery after an attempt. `attempt` is this attempt's number (1-based).
 * On 429 and 503 a `Retry-After` is honoured when it asks for more than the schedule, up to an hour.
 */
export function decide(input: {
  mode: AttemptMode;
  previousStatus: DeliveryStatus;
  attempt: number;
  result: AttemptResult;
  now: number;
  schedule: readonly number[];
  random?: () => number;
}): DeliveryDecision {
  const { result, now } = input;
  if (isSuccess(result.status_code)) {
    return { status: 'delivered', next_attempt_at: null, delivered_at: now, gone: false };
  }
  // 410 Gone disables the webhook at once, whoever asked for the attempt.
  const gone = result.status_code === 410;
  if (input.mode === 'manual') {
    // A failed redelivery does not undo an earlier success.
    const status = input.previousStatus === 'delivered' ? 'delivered' : 'failed';
    return { status, next_attempt_at: null, delivered_at: null, gone };
  }
  if (gone) return { status: 'failed', next_attempt_at: null, delivered_at: null, gone };
  const scheduled = retryDelayMs(input.schedule, input.attempt, input.random);
  if (scheduled === null) return { status: 'failed', next_attempt_at: null, delivered_at: null, gone: false };
  let delay = scheduled;
  if (result.status_code === 429 || result.status_code === 503) {
    const asked = parseRetryAfter(result.retry_after, now);
    if (asked !== null) delay = Math.max(scheduled, Math.min(asked, RETRY_AFTER_MAX_MS));
  }
  return { status: 'pending', next_attempt_at: now + delay, delivered_at: null, gone: false };
}
