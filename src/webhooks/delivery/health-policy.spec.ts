import { decideHealth, HealthAttempt, WebhookHealthChange } from './health-policy';
import type { AttemptMode } from './retry-policy';

const NOW = Date.parse('2030-01-07T12:00:00.000Z');
const DAY = 24 * 60 * 60 * 1000;
const DISABLE_AFTER = 5 * DAY;

type Outcome = 'delivered' | 'retry' | 'failed' | 'gone';

function attempt(
  webhookId: number,
  failingSince: number | null,
  mode: AttemptMode,
  outcome: Outcome,
): HealthAttempt {
  const status = outcome === 'delivered' ? 'delivered' : outcome === 'retry' ? 'pending' : 'failed';
  return {
    target: { id: webhookId, failing_since: failingSince },
    mode,
    decision: { status, gone: outcome === 'gone' },
  };
}

describe('decideHealth', () => {
  const since = NOW - DAY;
  const longAgo = NOW - DISABLE_AFTER;
  const NONE: WebhookHealthChange[] = [];
  const RECOVERED: WebhookHealthChange[] = [{ webhookId: 1, change: 'recovered' }];
  const FAILING_NOW: WebhookHealthChange[] = [{ webhookId: 1, change: 'failing', since: NOW }];
  const GONE: WebhookHealthChange[] = [
    { webhookId: 1, change: 'disable', reason: 'the receiver answered 410 Gone' },
  ];
  const STREAK_TOO_LONG: WebhookHealthChange[] = [
    {
      webhookId: 1,
      change: 'disable',
      reason: `no successful delivery since ${new Date(longAgo).toISOString()}`,
      failingBefore: NOW - DISABLE_AFTER,
    },
  ];

  // prettier-ignore
  it.each<[string, number | null, AttemptMode, Outcome, WebhookHealthChange[]]>([
    // what must hold                                       failing since  mode         outcome      change
    ['a healthy webhook that delivers stays as it is',       null,         'scheduled', 'delivered', NONE],
    ['a failing webhook that delivers recovers',             since,        'scheduled', 'delivered', RECOVERED],
    ['a first failure starts the streak now',                null,         'scheduled', 'retry',     FAILING_NOW],
    ['a failure within the window only extends the streak',  since,        'scheduled', 'failed',    NONE],
    ['a failure once the streak is old enough disables',     longAgo,      'scheduled', 'retry',     STREAK_TOO_LONG],
    ['410 Gone on a scheduled attempt disables',             null,         'scheduled', 'gone',      GONE],
    ['410 Gone on a manual attempt disables too',            null,         'manual',    'gone',      GONE],
    ['a manual failure leaves the streak alone',             null,         'manual',    'failed',    NONE],
    ['a manual failure does not disable an old streak',      longAgo,      'manual',    'failed',    NONE],
    ['a manual success does not clear the streak',           since,        'manual',    'delivered', NONE],
  ])('%s', (_name, failingSince, mode, outcome, expected) => {
    expect(decideHealth([attempt(1, failingSince, mode, outcome)], NOW, DISABLE_AFTER)).toEqual(expected);
  });

  it('counts one success in a batch as recovery, whatever failed beside it', () => {
    const batch = [attempt(1, since, 'scheduled', 'retry'), attempt(1, since, 'scheduled', 'delivered')];
    expect(decideHealth(batch, NOW, DISABLE_AFTER)).toEqual([{ webhookId: 1, change: 'recovered' }]);
  });

  it('lets a 410 win over a success in the same batch', () => {
    const batch = [attempt(1, since, 'scheduled', 'delivered'), attempt(1, since, 'manual', 'gone')];
    expect(decideHealth(batch, NOW, DISABLE_AFTER)).toEqual([
      { webhookId: 1, change: 'disable', reason: 'the receiver answered 410 Gone' },
    ]);
  });

  it('gives one change per webhook, in the order the webhooks first appear', () => {
    const batch = [
      attempt(2, null, 'scheduled', 'retry'),
      attempt(1, since, 'scheduled', 'delivered'),
      attempt(2, null, 'scheduled', 'retry'),
      attempt(3, null, 'manual', 'failed'),
    ];
    expect(decideHealth(batch, NOW, DISABLE_AFTER)).toEqual([
      { webhookId: 2, change: 'failing', since: NOW },
      { webhookId: 1, change: 'recovered' },
    ]);
  });

  it('disables exactly when the streak reaches the configured age', () => {
    const justYoung = [attempt(1, NOW - DISABLE_AFTER + 1, 'scheduled', 'retry')];
    expect(decideHealth(justYoung, NOW, DISABLE_AFTER)).toEqual([]);
    const exactly = [attempt(1, NOW - DISABLE_AFTER, 'scheduled', 'retry')];
    expect(decideHealth(exactly, NOW, DISABLE_AFTER)).toMatchObject([{ change: 'disable' }]);
  });
});
