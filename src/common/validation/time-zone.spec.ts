import { isValidTimeZone, MAX_TIME_ZONE_LENGTH, TIME_ZONE_CACHE_SIZE, timeZoneCacheSize } from './time-zone';

describe('isValidTimeZone', () => {
  it('accepts IANA names and refuses offsets and abbreviations', () => {
    expect(isValidTimeZone('Europe/Berlin')).toBe(true);
    expect(isValidTimeZone('America/Argentina/ComodRivadavia')).toBe(true);
    expect(isValidTimeZone('UTC')).toBe(true);
    for (const zone of ['+02:00', 'CEST ', 'Mars/Olympus', '', 'Europe/Berlin\n']) {
      expect({ zone, valid: isValidTimeZone(zone) }).toEqual({ zone, valid: false });
    }
  });

  it('refuses 200 distinct 500 KB zones without caching any of them', () => {
    const before = timeZoneCacheSize();
    for (let i = 0; i < 200; i++) {
      expect(isValidTimeZone(`Europe/${String(i).padStart(3, '0')}${'x'.repeat(500 * 1024)}`)).toBe(false);
    }
    expect(timeZoneCacheSize()).toBe(before);
    expect(isValidTimeZone(`Europe/${'x'.repeat(MAX_TIME_ZONE_LENGTH)}`)).toBe(false);
    expect(timeZoneCacheSize()).toBe(before);
  });

  it('remembers at most TIME_ZONE_CACHE_SIZE answers, and still answers correctly past it', () => {
    for (let i = 0; i < TIME_ZONE_CACHE_SIZE * 2; i++) isValidTimeZone(`Nowhere/Zone${i}`);
    expect(timeZoneCacheSize()).toBe(TIME_ZONE_CACHE_SIZE);
    expect(isValidTimeZone('Asia/Kathmandu')).toBe(true);
    expect(isValidTimeZone('Nowhere/Zone0')).toBe(false);
    expect(timeZoneCacheSize()).toBe(TIME_ZONE_CACHE_SIZE);
  });
});
