import { outboxRetryAt } from './outbox-backoff';

const policy = { baseMs: 1000, maxMs: 600_000 };
const middle = () => 0.5;

describe('outboxRetryAt', () => {
  it('doubles the wait with each failed attempt', () => {
    expect([1, 2, 3, 4].map((attempts) => outboxRetryAt(0, attempts, policy, middle))).toEqual([
      1000, 2000, 4000, 8000,
    ]);
  });

  it('never waits longer than the cap, however many attempts failed', () => {
    expect(outboxRetryAt(0, 20, policy, middle)).toBe(600_000);
    expect(outboxRetryAt(0, 10_000, policy, middle)).toBe(600_000);
  });

  it('spreads retries by ±20%', () => {
    expect(outboxRetryAt(0, 1, policy, () => 0)).toBe(800);
    expect(outboxRetryAt(0, 1, policy, () => 1)).toBe(1200);
  });

  it('retries at once with a zero base (tests)', () => {
    expect(outboxRetryAt(5, 3, { baseMs: 0, maxMs: 0 }, middle)).toBe(5);
  });
});
