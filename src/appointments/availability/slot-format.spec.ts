import { slotFormat } from './slot-format';
import { zoneOf } from './wall-clock';
import { isoOffset } from '../../common/time/tz';

/** What the slots of an availability answer were before the direct formatting: DTOs through JSON.stringify. */
function reference(timezone: string, slot: { start: number; end: number; seatsRemaining: number }) {
  const zone = zoneOf(timezone);
  const offset = zone.offset(slot.start);
  return JSON.stringify({
    start_date: new Date(slot.start).toISOString(),
    end_date: new Date(slot.end).toISOString(),
    local_start:
      new Date(slot.start + offset * 60_000).toISOString().slice(0, 19) + isoOffset(timezone, offset),
    seats_remaining: slot.seatsRemaining,
  });
}

describe('slot formatting', () => {
  it('writes the same bytes as JSON.stringify of the DTO, across DST, odd offsets, old and far dates', () => {
    const zones = [
      'UTC',
      'Europe/Berlin',
      'America/New_York',
      'Australia/Lord_Howe',
      'Africa/Monrovia',
      'Asia/Kathmandu',
    ];
    const origins = [
      Date.UTC(1890, 0, 1),
      Date.UTC(1969, 11, 29),
      Date.UTC(2026, 2, 28),
      Date.UTC(9999, 11, 30),
    ];
    // Whole minutes in several strides, and one that is not whole minutes.
    const steps = [
      60_000,
      15 * 60_000,
      7 * 60_000,
      5 * 3_600_000 + 60_000,
      37 * 86_400_000 + 13 * 60_000,
      1234,
    ];
    for (const timezone of zones) {
      const format = slotFormat(timezone);
      for (const origin of origins) {
        let start = origin;
        for (let i = 0; i < 3000; i++) {
          start += steps[i % steps.length];
          const slot = { start, end: start + 30 * 60_000, seatsRemaining: i % 4, freeHostIds: [] };
          const expected = reference(timezone, slot);
          expect({ timezone, start, json: format.json(slot) }).toEqual({ timezone, start, json: expected });
          expect(JSON.stringify(format.dto(slot))).toBe(expected);
        }
      }
    }
  });
});
