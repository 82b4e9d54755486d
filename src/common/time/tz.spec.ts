import { candidateStarts } from '../../appointments/availability/slot-engine';
import { isValidTimeZone } from '../validation/time-zone';
import { localTimeParts } from './local-time';
import { isoOffset, localDate, TZDB_VERSION, tzZone } from './tz';

describe('the one time-zone database', () => {
  it('is the tzdb release bundled with moment-timezone (a change of it is a deliberate upgrade)', () => {
    expect(TZDB_VERSION).toBe('2026f');
  });

  // America/Winnipeg stays on UTC-5 from November 2026 in tzdb 2026f; ICU data older than that (Node
  // 24.21 carries 2026c) still falls back to UTC-6, so a slot computed there would be announced an
  // hour off.
  it('offers and announces the same wall-clock time in a zone whose rules changed recently', () => {
    const rules = {
      timezone: 'America/Winnipeg',
      duration: 60,
      increment: 60,
      availability: { tuesday: [{ start: '09:00', end: '10:00' }] },
    };
    const [start] = candidateStarts(rules, '2026-12-01', '2026-12-01');

    expect(new Date(start).toISOString()).toBe('2026-12-01T14:00:00.000Z');
    const announced = localTimeParts(new Date(start), 'America/Winnipeg');
    expect(announced.raw).toBe('2026-12-01 09:00:00');
    expect(announced.timezone_offset).toBe('-0500');
  });

  it('reads offsets east of UTC in minutes, across DST, for any spelling of a name', () => {
    const berlin = tzZone('europe/berlin')!;
    expect(berlin.name).toBe('Europe/Berlin');
    expect(berlin.offset(Date.UTC(2026, 6, 1))).toBe(120);
    expect(berlin.offset(Date.UTC(2026, 0, 1))).toBe(60);
    expect(tzZone('Asia/Kathmandu')!.offset(Date.UTC(2026, 0, 1))).toBe(345);
    expect(tzZone('America/New_York')!.offset(Date.UTC(2026, 0, 1))).toBe(-300);
    expect(Object.is(tzZone('UTC')!.offset(0), 0)).toBe(true);
    expect(localDate(berlin, Date.UTC(2026, 2, 28, 23, 30))).toBe('2026-03-29');
  });

  it('knows no zone the database lacks, and validation accepts exactly its zones', () => {
    expect(tzZone('Mars/Olympus_Mons')).toBeNull();
    expect(tzZone('+02:00')).toBeNull();
    expect(isValidTimeZone('America/Winnipeg')).toBe(true);
    expect(isValidTimeZone('Asia/Calcutta')).toBe(true);
    expect(isValidTimeZone('Mars/Olympus_Mons')).toBe(false);
    expect(isValidTimeZone('CEST')).toBe(false);
  });

  it('prints ISO offsets, Z only for a zone named UTC or GMT', () => {
    expect(isoOffset('Europe/Berlin', 120)).toBe('+02:00');
    expect(isoOffset('America/St_Johns', -150)).toBe('-02:30');
    expect(isoOffset('Europe/London', 0)).toBe('+00:00');
    expect(isoOffset('Etc/UTC', 0)).toBe('+00:00');
    expect(isoOffset('UTC', 0)).toBe('Z');
    expect(isoOffset('gmt', 0)).toBe('Z');
  });
});
