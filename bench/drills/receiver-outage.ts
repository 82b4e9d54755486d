/**
 * Receiver outage: `npm run drill:outage`. DRILL_BOOKINGS (default 200) bookings while the receiver's port
 * refuses connections for DRILL_OUTAGE_MS (default 20000), then it comes back: 0 lost.
 */
import { resetPostgres } from '../support/harness';
import { receiverOutage, runDrill } from './resilience';

runDrill('receiver outage', async () =>
  receiverOutage({
    databaseUrl: process.env.DRILL_DATABASE_URL
      ? await resetPostgres(process.env.DRILL_DATABASE_URL)
      : undefined,
    bookings: Number(process.env.DRILL_BOOKINGS ?? 200),
    outageMs: Number(process.env.DRILL_OUTAGE_MS ?? 20_000),
  }),
);
