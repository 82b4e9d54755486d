/** The longest blackout: a year, leap day included. */
export const MAX_BLACKOUT_DAYS = 366;
export const MAX_BLACKOUT_MS = MAX_BLACKOUT_DAYS * 86_400_000;

/** A blackout as the slot rules read it: epoch ms `[start, end)` and its scope (both ids null = the site). */
export interface BlackoutSpan {
  id: number;
  start: number;
  end: number;
  appointment_type_id: number | null;
  team_member_id: number | null;
}

/** What is wrong with a blackout's span, or null; shared by the body checks and the merged PATCH check. */
export function spanProblem(start: number, end: number): string | null {
  if (end <= start) return 'must be after start_date';
  if (end - start > MAX_BLACKOUT_MS) return `must be at most ${MAX_BLACKOUT_DAYS} days after start_date`;
  return null;
}

export const BOTH_SCOPES =
  'must not be given with appointment_type_id: a blackout is for the whole site (neither), one type, or one member';
