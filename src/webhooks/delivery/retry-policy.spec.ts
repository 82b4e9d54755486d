import { AttemptResult, decide, parseRetryAfter, RETRY_AFTER_MAX_MS, retryDelayMs } from './retry-policy';

const NOW = Date.parse('2030-01-07T12:00:00.000Z');
const SCHEDULE = [5, 300, 1800];

function result(status_code: number | null, retry_after: string | null = null): AttemptResult {
  return { started_at: NOW, duration_ms: 10, status_code, error: null, response_body: null, retry_after };
}

function scheduled(status: number | null, attempt = 1, retryAfter: string | null = null) {
  return decide({
    mode: 'scheduled',
    previousStatus: 'pending',
    attempt,
    result: result(status, retryAfter),
    now: NOW,
    schedule: SCHEDULE,
    random: () => 0.5,
  });
}

describe('retryDelayMs', () => {
  it('waits the scheduled seconds with at most 20% jitter either way', () => {
    expect(retryDelayMs(SCHEDULE, 2, () => 0.5)).toBe(300_000);
    expect(retryDelayMs(SCHEDULE, 2, () => 0)).toBe(240_000);
    expect(retryDelayMs(SCHEDULE, 2, () => 1)).toBe(360_000);
    expect(retryDelayMs([0.2], 1, () => 0.5)).toBe(200);
  });

  it('has nothing after the last entry: attempts are the schedule length plus one', () => {
    expect(retryDelayMs(SCHEDULE, 4)).toBeNull();
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates', () => {
    expect(parseRetryAfter('120', NOW)).toBe(120_000);
    expect(parseRetryAfter(new Date(NOW + 90_000).toUTCString(), NOW)).toBe(90_000);
    expect(parseRetryAfter(new Date(NOW - 90_000).toUTCString(), NOW)).toBe(0);
  });

  it('ignores what it cannot read', () => {
    expect(parseRetryAfter(null, NOW)).toBeNull();
    expect(parseRetryAfter('soon', NOW)).toBeNull();
  });
});

describe('decide', () => {
  it('marks any 2xx delivered', () => {
    expect(scheduled(204)).toEqual({
      status: 'delivered',
      next_attempt_at: null,
      delivered_at: NOW,
      gone: false,
    });
  });

  it('retries a failure on the schedule and gives up after the last attempt', () => {
    expect(scheduled(500, 1)).toMatchObject({ status: 'pending', next_attempt_at: NOW + 5000 });
    expect(scheduled(302, 3)).toMatchObject({ status: 'pending', next_attempt_at: NOW + 1_800_000 });
    expect(scheduled(null, 4)).toMatchObject({ status: 'failed', next_attempt_at: null });
  });

  it('gives up at once on 410 Gone and says so', () => {
    expect(scheduled(410, 1)).toEqual({
      status: 'failed',
      next_attempt_at: null,
      delivered_at: null,
      gone: true,
    });
  });

  it('honours a longer Retry-After on 429 and 503, capped at an hour, never shorter than the schedule', () => {
    expect(scheduled(429, 1, '60')).toMatchObject({ next_attempt_at: NOW + 60_000 });
    expect(scheduled(503, 1, '86400')).toMatchObject({ next_attempt_at: NOW + RETRY_AFTER_MAX_MS });
    expect(scheduled(503, 2, '1')).toMatchObject({ next_attempt_at: NOW + 300_000 });
    expect(scheduled(500, 1, '60')).toMatchObject({ next_attempt_at: NOW + 5000 });
  });

  it('tries a manual redelivery once and keeps an earlier success', () => {
    const manual = (previousStatus: 'delivered' | 'failed', status: number) =>
      decide({
        mode: 'manual',
        previousStatus,
        attempt: 9,
        result: result(status),
        now: NOW,
        schedule: SCHEDULE,
      });
    expect(manual('failed', 500)).toMatchObject({ status: 'failed', next_attempt_at: null });
    expect(manual('delivered', 500)).toMatchObject({ status: 'delivered', next_attempt_at: null });
    expect(manual('failed', 200)).toMatchObject({ status: 'delivered', delivered_at: NOW });
    expect(manual('failed', 410)).toMatchObject({ status: 'failed', gone: true });
  });
});
