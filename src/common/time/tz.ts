import moment from 'moment-timezone';

/**
 * The one time-zone database of the service: moment-timezone's bundled tzdb. Slots, availability,
 * booking pages and the webhook payload's local times all read offsets from it, so the slot a page
 * offers and the time a payload announces come from the same rules. (Node's ICU data lags behind:
 * Node 24.21 carries tzdb 2026c, where America/Winnipeg still falls back in November 2026.)
 */
export const TZDB_VERSION: string = moment.tz.dataVersion;

/** A zone of the tz database, reduced to what wall-clock arithmetic needs. */
export interface TzZone {
  /** The canonical spelling of the name asked for (lookups are case-insensitive). */
  readonly name: string;
  /** Minutes east of UTC at `instant` (epoch ms): +120 in Berlin in summer. */
  offset(instant: number): number;
}

const zones = new Map<string, TzZone | null>();

/** The zone called `name`, or null when the tz database has no such zone. */
export function tzZone(name: string): TzZone | null {
  let zone = zones.get(name);
  if (zone === undefined) {
    const data = moment.tz.zone(name);
    // moment counts minutes west of UTC; `|| 0` turns its -0 for UTC into 0.
    zone = data && { name: data.name, offset: (instant: number) => -data.utcOffset(instant) || 0 };
    // Names reach here only after validation, but the cache must not grow with what clients send.
    if (zones.size >= 2000) zones.clear();
    zones.set(name, zone);
  }
  return zone;
}

/** `+02:00`, or `Z` where the name is UTC or GMT itself (as ISO 8601 strings of instants in UTC print). */
export function isoOffset(name: string, offsetMinutes: number): string {
  if (offsetMinutes === 0 && /^(utc|gmt)$/i.test(name)) return 'Z';
  const sign = offsetMinutes < 0 ? '-' : '+';
  const absolute = Math.abs(offsetMinutes);
  const hours = String(Math.floor(absolute / 60)).padStart(2, '0');
  return `${sign}${hours}:${String(absolute % 60).padStart(2, '0')}`;
}

/** The local calendar date (`YYYY-MM-DD`) in `zone` at `instant`. */
export function localDate(zone: TzZone, instant: number): string {
  return new Date(instant + zone.offset(instant) * 60_000).toISOString().slice(0, 10);
}
