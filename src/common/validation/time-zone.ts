import { tzZone } from '../time/tz';

/**
 * The longest zone name accepted. The longest IANA name is 32 characters
 * (`America/Argentina/ComodRivadavia`); a longer string is refused without being looked up or cached.
 */
export const MAX_TIME_ZONE_LENGTH = 64;

/**
 * How many answers are remembered. The cache must not
 * grow with what clients send (zone names are case-insensitive, so even valid spellings are unbounded):
 * past the cap the oldest answer is forgotten.
 */
export const TIME_ZONE_CACHE_SIZE = 1000;

const cache = new Map<string, boolean>();

/**
 * True for zone names of the service's tz database (Europe/Berlin, UTC; see `common/time/tz`), false for
 * offsets and abbreviations: a zone is accepted only where slots and payload times can be computed.
 */
export function isValidTimeZone(zone: string): boolean {
  if (zone.length > MAX_TIME_ZONE_LENGTH) return false;
  let valid = cache.get(zone);
  if (valid === undefined) {
    valid = /^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(zone) && tzZone(zone) !== null;
    if (cache.size >= TIME_ZONE_CACHE_SIZE) cache.delete(cache.keys().next().value as string);
    cache.set(zone, valid);
  }
  return valid;
}

/**
 * A valid zone's name as the tz database spells it (`europe/berlin` is `Europe/Berlin`: names are matched
 * without regard to case, and what is stored reaches payloads, whose receivers compare them as PHP prints
 * them); anything else as it is.
 */
export function canonicalTimeZone(zone: string): string {
  return isValidTimeZone(zone) ? (tzZone(zone)?.name ?? zone) : zone;
}

/** The number of remembered answers (for tests). */
export function timeZoneCacheSize(): number {
  return cache.size;
}
