import moment from 'moment-timezone';
import type { SlotRules } from './slot-engine';

/** What the slot engine's specs share (kept out of the build: see tsconfig.build.json). */
export const BERLIN = 'Europe/Berlin';
export const NEW_YORK = 'America/New_York';
export const MINUTE = 60_000;
/** Far enough before every test date that notice never interferes unless a test sets it up. */
export const LONG_AGO = Date.parse('2026-01-01T00:00:00Z');
export const WORKDAY = [{ start: '09:00', end: '17:00' }];

/** A Berlin type of 30-minute slots, 09:00–17:00 on weekdays, with `overrides` on top. */
export function rules(overrides: Partial<SlotRules> = {}): SlotRules {
  return {
    typeId: 1,
    timezone: BERLIN,
    duration: 30,
    increment: 30,
    bufferBefore: 0,
    bufferAfter: 0,
    minNotice: 0,
    maxNotice: null,
    maxEventCount: 0,
    capacity: 1,
    availability: {
      monday: WORKDAY,
      tuesday: WORKDAY,
      wednesday: WORKDAY,
      thursday: WORKDAY,
      friday: WORKDAY,
    },
    hostIds: [],
    ...overrides,
  };
}

/** Epoch ms of a local wall-clock time that is neither skipped nor repeated. */
export function local(isoLocal: string, zone = BERLIN): number {
  return moment.tz(isoLocal, zone).valueOf();
}

/** `HH:mm ±hh:mm` of each instant in `zone`. */
export function wallClock(instants: number[], zone: string): string[] {
  return instants.map((instant) => moment.tz(instant, zone).format('HH:mm Z'));
}
