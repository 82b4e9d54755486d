import { tzZone, type TzZone } from '../../common/time/tz';

export const MINUTE_MS = 60_000;
export const DAY_MS = 86_400_000;

/**
 * A local calendar date is carried as the epoch ms of that date's midnight *as if it were UTC*
 * ("date key"): plain integer arithmetic then walks the calendar without ever touching a zone,
 * and adding wall-clock minutes to it gives a "wall ms" that can be resolved in any zone.
 */
export type DateKey = number;

const LOCAL_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const CLOCK = /^(\d{2}):(\d{2})$/;

export function parseLocalDate(value: string): DateKey {
  const match = LOCAL_DATE.exec(value);
  const key = match ? Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])) : NaN;
  // Date.UTC silently rolls 2026-02-30 over to March; a round trip catches it.
  if (Number.isNaN(key) || formatDateKey(key) !== value) {
    throw new RangeError(`Invalid local date "${value}", expected YYYY-MM-DD`);
  }
  return key;
}

export function formatDateKey(key: DateKey): string {
  return new Date(key).toISOString().slice(0, 10);
}

/** 0 = Sunday, as Date#getUTCDay. */
export function dayOfWeek(key: DateKey): number {
  return new Date(key).getUTCDay();
}

/**
 * Minutes since midnight of an "HH:mm" clock time. "24:00" is only meaningful as a window end,
 * where it lets a window run to the end of the day.
 */
export function parseClock(value: string, allowEndOfDay: boolean): number {
  const match = CLOCK.exec(value);
  if (match) {
    const hours = Number(match[1]);
    const minutes = Number(match[2]);
    if (hours < 24 && minutes < 60) return hours * 60 + minutes;
    if (allowEndOfDay && hours === 24 && minutes === 0) return 1440;
  }
  throw new RangeError(`Invalid clock time "${value}", expected HH:mm`);
}

export function zoneOf(timezone: string): TzZone {
  const zone = tzZone(timezone);
  if (!zone) throw new RangeError(`Unknown IANA time zone "${timezone}"`);
  return zone;
}

/** What a local clock in `zone` reads at `instant`, expressed as wall ms. */
export function wallMs(zone: TzZone, instant: number): number {
  return instant + zone.offset(instant) * MINUTE_MS;
}

export function dateKeyOf(zone: TzZone, instant: number): DateKey {
  return Math.floor(wallMs(zone, instant) / DAY_MS) * DAY_MS;
}

/**
 * Every instant at which the local clock reads `wall`: none inside a spring-forward gap, two inside
 * a fall-back overlap. Sampling the offset a day either side catches both offsets of any single
 * transition near `wall` (tzdb has no zone with two transitions within two days).
 */
export function instantsAtWall(zone: TzZone, wall: number): number[] {
  const offsets = new Set([zone.offset(wall - DAY_MS), zone.offset(wall), zone.offset(wall + DAY_MS)]);
  const instants: number[] = [];
  for (const offset of offsets) {
    const instant = wall - offset * MINUTE_MS;
    if (zone.offset(instant) === offset && !instants.includes(instant)) instants.push(instant);
  }
  return instants.sort((a, b) => a - b);
}

/**
 * The first instant at which the local clock reads `wall` or later. For an ambiguous time that is
 * the first occurrence (the earlier offset); for a time skipped by spring forward it is the
 * transition itself, i.e. the first wall-clock time that does exist (02:30 -> 03:00, not a
 * shift by the gap length to 03:30), so a window never silently loses the minutes after the gap.
 */
export function firstInstantAtOrAfterWall(zone: TzZone, wall: number): number {
  const exact = instantsAtWall(zone, wall);
  if (exact.length > 0) return exact[0];
  const before = zone.offset(wall - DAY_MS);
  const after = zone.offset(wall + DAY_MS);
  let lo = wall - Math.max(before, after) * MINUTE_MS;
  let hi = wall - Math.min(before, after) * MINUTE_MS;
  while (hi - lo > MINUTE_MS) {
    const mid = lo + Math.floor((hi - lo) / 2 / MINUTE_MS) * MINUTE_MS;
    if (wallMs(zone, mid) >= wall) hi = mid;
    else lo = mid;
  }
  return hi;
}
