import { killMidLoad, receiverOutage, twoInstances } from '../bench/drills/resilience';
import { freshDatabaseUrl, onPostgres } from './support/test-app';

/*
 * Short runs of the resilience drills in bench/drills (npm run drill:kill, drill:outage, drill:two-instances),
 * against the service in its own processes. Each drill lists what did not hold; the summary says what it did.
 */
describe('resilience drills, short (e2e)', () => {
  it('loses no booking and no delivery when the service is killed with SIGKILL mid-load', async () => {
    const result = await killMidLoad({
      databaseUrl: await freshDatabaseUrl(),
      killAfterMs: 1500,
      connections: 8,
    });
    expect(result.failures).toEqual([]);
    expect(result.summary).toMatch(/, 0 lost$/);
  }, 300_000);

  it('delivers every booking made while the receiver refused connections, once it is back', async () => {
    const result = await receiverOutage({
      databaseUrl: await freshDatabaseUrl(),
      bookings: 20,
      outageMs: 3000,
    });
    expect(result.failures).toEqual([]);
    expect(result.summary).toMatch(/^20 bookings/);
  }, 300_000);

  (onPostgres ? it : it.skip)(
    'books each slot once and delivers each booking once across two instances',
    async () => {
      const result = await twoInstances({ databaseUrl: await freshDatabaseUrl(), requests: 100, slots: 20 });
      expect(result.failures).toEqual([]);
      expect(result.summary).toContain('20 booked');
    },
    300_000,
  );
});
