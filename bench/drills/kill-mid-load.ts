/**
 * kill -9 mid-load: `npm run drill:kill` (SQLite; DRILL_DATABASE_URL=postgres://… for PostgreSQL, which it
 * empties). DRILL_KILL_AFTER_MS (default 5000) of booking load at 16 connections, then SIGKILL and a restart.
 */
import { resetPostgres } from '../support/harness';
import { killMidLoad, runDrill } from './resilience';

runDrill('kill -9 mid-load', async () =>
  killMidLoad({
    databaseUrl: process.env.DRILL_DATABASE_URL
      ? await resetPostgres(process.env.DRILL_DATABASE_URL)
      : undefined,
    killAfterMs: Number(process.env.DRILL_KILL_AFTER_MS ?? 5000),
  }),
);
