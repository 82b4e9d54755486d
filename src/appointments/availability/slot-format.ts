import { isoOffset } from '../../common/time/tz';
import type { SlotDto } from '../dto/availability.dto';
import type { Slot } from './slot-engine';
import { DAY_MS, MINUTE_MS, zoneOf } from './wall-clock';

/** How an availability answer writes its slots: as DTOs, or straight to JSON text. */
export interface SlotFormat {
  dto(slot: Slot): SlotDto;
  /** JSON.stringify(dto(slot)), written directly. */
  json(slot: Slot): string;
}

export function slotFormat(viewerZone: string): SlotFormat {
  const instant = isoInstantFormatter();
  const localStart = localIsoFormatter(viewerZone);
  return {
    dto: (slot) => ({
      start_date: instant(slot.start),
      end_date: instant(slot.end),
      local_start: localStart(slot.start),
      seats_remaining: slot.seatsRemaining,
    }),
    // ISO strings hold only digits, letters and -+:.; seats are integers: nothing to escape.
    json: (slot) =>
      `{"start_date":"${instant(slot.start)}","end_date":"${instant(slot.end)}",` +
      `"local_start":"${localStart(slot.start)}","seats_remaining":${JSON.stringify(slot.seatsRemaining)}}`,
  };
}

/**
 * `new Date(instant).toISOString()`, cheaper for the whole minutes slots are made of: the date part is
 * kept per UTC day and only the time is written. Anything else goes to toISOString itself.
 */
function isoInstantFormatter(): (instant: number) => string {
  let dayStart = NaN;
  let datePart = '';
  return (instant) => {
    let minute = (instant - dayStart) / MINUTE_MS;
    if (!(Number.isInteger(minute) && minute >= 0 && minute < 1440)) {
      if (!Number.isInteger(instant / MINUTE_MS)) return new Date(instant).toISOString();
      dayStart = Math.floor(instant / DAY_MS) * DAY_MS;
      const text = new Date(dayStart).toISOString();
      datePart = text.slice(0, text.indexOf('T') + 1);
      minute = (instant - dayStart) / MINUTE_MS;
    }
    return `${datePart}${twoDigits(Math.floor(minute / 60))}:${twoDigits(minute % 60)}:00.000Z`;
  };
}

function twoDigits(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/**
 * Formats instants as ISO 8601 local times with their offset in `zone` (`2026-03-29T03:00:00+02:00`;
 * `Z` for a zone named UTC). Slot starts are whole minutes, so seconds are always `:00`.
 */
function localIsoFormatter(timezone: string): (instant: number) => string {
  const zone = zoneOf(timezone);
  const wall = isoInstantFormatter();
  let lastOffset = NaN;
  let suffix = '';
  return (instant) => {
    const offset = zone.offset(instant);
    if (offset !== lastOffset) {
      lastOffset = offset;
      suffix = isoOffset(timezone, offset);
    }
    return wall(instant + offset * MINUTE_MS).slice(0, 19) + suffix;
  };
}
