/**
 * Two instances on PostgreSQL: `DRILL_DATABASE_URL=postgres://…/db npm run drill:two-instances` (empties db).
 * DRILL_REQUESTS (default 500) simultaneous requests for DRILL_SLOTS (default 100) slots of capacity 1.
 */
import { resetPostgres } from '../support/harness';
import { runDrill, twoInstances } from './resilience';

const url = process.env.DRILL_DATABASE_URL;
if (!url) {
  console.error(
    'two-instances needs PostgreSQL: set DRILL_DATABASE_URL=postgres://… (it empties that database)',
  );
  process.exit(2);
}
runDrill('two instances on PostgreSQL', async () =>
  twoInstances({
    databaseUrl: await resetPostgres(url),
    requests: Number(process.env.DRILL_REQUESTS ?? 500),
    slots: Number(process.env.DRILL_SLOTS ?? 100),
  }),
);
