export const WEEKDAYS = [
  'monday',
  'tuesday',
  'wednesday',
  'thursday',
  'friday',
  'saturday',
  'sunday',
] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export interface AvailabilityWindow {
  /** Local wall-clock time `HH:mm` in the schedule's time zone. */
  start: string;
  /** `HH:mm`, after `start`; `24:00` is the end of the day. */
  end: string;
}

export type WeeklyAvailability = Partial<Record<Weekday, AvailabilityWindow[]>>;

/** One local date whose windows replace the weekly pattern (`windows: []` closes the day). */
export interface DateOverride {
  /** YYYY-MM-DD, local to the schedule's time zone. */
  date: string;
  windows: AvailabilityWindow[];
}

/** The most overrides one schedule keeps: a year and a half of exceptions, one a day. */
export const MAX_DATE_OVERRIDES = 550;

/** The stored and shown form: sorted by date, windows by start, plain objects only. */
export function normalizeDateOverrides(overrides: readonly DateOverride[]): DateOverride[] {
  return overrides
    .map((override) => ({
      date: override.date,
      windows: override.windows
        .map((window) => ({ start: window.start, end: window.end }))
        .sort((a, b) => byText(a.start, b.start)),
    }))
    .sort((a, b) => byText(a.date, b.date));
}

/**
 * HH:mm times and YYYY-MM-DD dates in order: by their code units, as their digits are in place. localeCompare, which
 * asks ICU, took three times as long over a schedule's 26,400 windows.
 */
export function byText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The slot engine's form: windows keyed by local date. */
export function overridesByDate(overrides: readonly DateOverride[]): Record<string, AvailabilityWindow[]> {
  return Object.fromEntries(overrides.map((override) => [override.date, override.windows]));
}
