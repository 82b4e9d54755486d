import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { type DateOverride, normalizeDateOverrides } from './schedule.types';

/**
 * Windows in the overrides of a body beyond which their stored form is made in a turn of the event loop of its
 * own: sorting the largest schedule's 26,400 takes a few milliseconds, a few hundred take nothing to speak of.
 */
const LARGE_SCHEDULE_WINDOWS = 2_000;

/**
 * Overrides sent to a create or update in their stored form (normalizeDateOverrides), made before the write's
 * transaction. For a large schedule the event loop is let go round after: with the largest (26,400 windows) the
 * body's validation, this and the write's own work (reading, comparing, writing and announcing the schedule) each
 * take a turn of their own, not one long one. Undefined when none were sent.
 */
export async function storedOverrides(
  overrides: readonly DateOverride[] | undefined,
): Promise<DateOverride[] | undefined> {
  if (overrides === undefined) return undefined;
  const stored = normalizeDateOverrides(overrides);
  let windows = 0;
  for (const override of stored) windows += override.windows.length;
  if (windows > LARGE_SCHEDULE_WINDOWS) await yieldToEventLoop();
  return stored;
}
