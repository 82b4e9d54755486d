/**
 * When a failed event is tried again: exponential from `baseMs`, capped at `maxMs`, with ±20% jitter so that
 * events that failed together (a database outage) do not all come back in the same instant.
 */
export function outboxRetryAt(
  now: number,
  attempts: number,
  policy: { baseMs: number; maxMs: number },
  random: () => number = Math.random,
): number {
  const exponential = policy.baseMs * 2 ** Math.min(Math.max(attempts - 1, 0), 30);
  const delay = Math.min(exponential, policy.maxMs);
  return now + Math.round(delay * (0.8 + 0.4 * random()));
}
